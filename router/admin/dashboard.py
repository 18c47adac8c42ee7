"""Numbers for the dashboard (conversations per day, the share completed without a person per week, top
intents, fallback and handoff rates, closing categories, queue wait per week and per hour of day, feedback)
and the charts, drawn server-side as inline SVG (no scripts, no libraries). Days, weeks and hours are
Swedish local time (Europe/Stockholm); numbers are written the Swedish way (router/admin/swedish.py)."""
from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from markupsafe import Markup
from sqlmodel import col, select

from router.admin import swedish
from router.admin.inbox import FALLBACK_INTENT
from router.admin.swedish import TIMEZONE
from router.core.db import SessionMaker
from router.models import CHAT, RESIDENT, Case, Conversation, Feedback, Message

BAR = "#0b5394"  # 7.6:1 against white
GOOD, BAD = "#1e6b34", "#a61b1b"
TARGET = "#a61b1b"
# The city's earlier chatbot aimed at answering this share of conversations without a person.
SELF_SERVICE_TARGET = 0.7


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(fraction * 100) * len(ordered) // 100))
    return ordered[min(rank, len(ordered)) - 1]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _waits(values: list[float]) -> dict[str, Any]:
    return {"count": len(values), "median_seconds": statistics.median(values) if values else None,
            "p90_seconds": percentile(values, 0.9)}


async def statistics_for(maker: SessionMaker, now: datetime, days: int) -> dict[str, Any]:
    since = now - timedelta(days=days)
    async with maker() as session:
        conversations = (await session.exec(select(Conversation.id, Conversation.created_at).where(
            Conversation.created_at >= since))).all()
        intents = (await session.exec(select(Message.intent).where(
            Message.sender == RESIDENT, Message.created_at >= since, col(Message.intent).is_not(None)))).all()
        cases = (await session.exec(select(Case.conversation_id, Case.wait_seconds).where(
            Case.kind == CHAT, Case.created_at >= since))).all()
        any_case = set((await session.exec(select(Case.conversation_id).where(
            col(Case.conversation_id).in_([cid for cid, _ in conversations])))).all())
        queued = (await session.exec(select(Case.created_at, Case.queued_at, Case.wait_seconds).where(
            Case.kind == CHAT, Case.created_at >= since, col(Case.wait_seconds).is_not(None)))).all()
        categories = (await session.exec(select(Case.category).where(
            Case.kind == CHAT, Case.created_at >= since, col(Case.category).is_not(None)))).all()
        rated = (await session.exec(select(Feedback.helped, Feedback.created_at).where(Feedback.created_at >= since))).all()
    feedback = [helped for helped, _ in rated]
    first_day = (now - timedelta(days=days - 1)).astimezone(TIMEZONE).date()
    per_day = Counter(created.astimezone(TIMEZONE).date() for _, created in conversations)
    day_list = [first_day + timedelta(days=i) for i in range(days)]
    counted = Counter(intents)
    conversation_ids = {cid for cid, _ in conversations}
    handed_over = {cid for cid, _ in cases if cid in conversation_ids}
    waits = [wait for _, wait in cases if wait is not None]
    median = statistics.median(waits) if waits else None
    # Per ISO week (Monday, local time): conversations, and how many ended without any case (no handoff to
    # a kommunvägledare, no left message): the bot sufficed.
    weeks: dict[date, list[int]] = {}
    for monday in sorted({_monday(day) for day in day_list}):
        weeks[monday] = [0, 0]
    for cid, created in conversations:
        week = weeks.setdefault(_monday(created.astimezone(TIMEZONE).date()), [0, 0])
        week[0] += 1
        week[1] += cid not in any_case
    feedback_weeks: dict[date, list[int]] = {monday: [0, 0] for monday in weeks}
    for helped, created in rated:
        feedback_weeks.setdefault(_monday(created.astimezone(TIMEZONE).date()), [0, 0])[0 if helped else 1] += 1
    wait_weeks: dict[date, list[float]] = {monday: [] for monday in weeks}
    wait_hours: dict[int, list[float]] = {hour: [] for hour in range(24)}
    for created, queued_at, wait in queued:
        if wait is None:
            continue
        at = (queued_at or created).astimezone(TIMEZONE)
        wait_weeks.setdefault(_monday(at.date()), []).append(wait)
        wait_hours[at.hour].append(wait)
    return {
        "days": days,
        "conversations": len(conversations),
        "per_day": [{"date": day.isoformat(), "count": per_day.get(day, 0)} for day in day_list],
        "top_intents": [{"intent": name, "count": count} for name, count in counted.most_common(10)],
        "fallback_rate": counted[FALLBACK_INTENT] / len(intents) if intents else None,
        "handoff_rate": len(handed_over) / len(conversations) if conversations else None,
        "wait_median_seconds": median,
        "wait_p90_seconds": percentile(waits, 0.9),
        "waits": len(waits),
        "feedback_yes": sum(1 for helped in feedback if helped),
        "feedback_no": sum(1 for helped in feedback if not helped),
        "self_service_target": SELF_SERVICE_TARGET,
        "self_service": (len(conversations) - len(conversation_ids & any_case)) / len(conversations) if conversations else None,
        "weeks": [
            {"week": monday.isoformat(), "conversations": total, "without_person": alone,
             "share": alone / total if total else None, "waits": _waits(wait_weeks.get(monday, [])),
             "feedback_yes": feedback_weeks.get(monday, [0, 0])[0], "feedback_no": feedback_weeks.get(monday, [0, 0])[1]}
            for monday, (total, alone) in sorted(weeks.items())
        ],
        "wait_by_hour": [{"hour": hour, **_waits(values)} for hour, values in wait_hours.items() if values],
        "categories": [{"category": name, "count": count} for name, count in Counter(categories).most_common()],
    }


def _svg(width: int, height: int, title: str, description: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{_id(title)}-t {_id(title)}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{_id(title)}-t">{escape(title)}</title><desc id="{_id(title)}-d">{escape(description)}</desc>'
        + "".join(body) + "</svg>"
    )


def _id(title: str) -> str:
    return "chart-" + "".join(c if c.isascii() and c.isalnum() else "-" for c in title.lower())


def _text(value: float, decimals: int, unit: str) -> str:
    return swedish.number(value, decimals) + (swedish.NBSP + unit.strip() if unit.strip() else "")


def column_chart(
    title: str, points: list[tuple[str, float | None]], unit: str = "", decimals: int = 0,
    target: float | None = None, target_label: str = "",
) -> Markup:
    """Vertical bars with values above and labels below (e.g. conversations per day); a None value (nothing
    to measure) is "–" without a bar. `target` draws a dashed line at that value, labelled in a margin on the
    right where no bar can cover the label."""
    width, height, left, bottom, top = 640, 220, 10, 40, 20
    right = 80 if target is not None else left
    values = [value for _, value in points if value is not None]
    top_value = max(values + [1] + ([target] if target is not None else []))
    step = (width - left - right) / max(len(points), 1)
    body = [f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#555"/>']
    for i, (label, value) in enumerate(points):
        bar = (height - bottom - top) * (value or 0) / top_value
        x = left + i * step + step * 0.15
        shown = "–" if value is None else _text(value, decimals, unit)
        if value is not None:
            body.append(f'<rect x="{x:.1f}" y="{height - bottom - bar:.1f}" width="{step * 0.7:.1f}" height="{bar:.1f}" fill="{BAR}"/>')
        body.append(f'<text x="{x + step * 0.35:.1f}" y="{height - bottom - bar - 4:.1f}" font-size="11" text-anchor="middle" fill="#222">{escape(shown)}</text>')
        if len(points) <= 16 or i % 2 == 0:
            body.append(f'<text x="{x + step * 0.35:.1f}" y="{height - bottom + 14}" font-size="10" text-anchor="middle" fill="#222">{escape(label)}</text>')
    description = ", ".join(f"{label}: {'–' if value is None else _text(value, decimals, unit)}" for label, value in points)
    if target is not None:
        y = height - bottom - (height - bottom - top) * target / top_value
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right + 4}" y2="{y:.1f}" stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 4"/>')
        body.append(f'<text x="{width - right + 8}" y="{y + 4:.1f}" font-size="12" fill="{TARGET}">{escape(target_label)}</text>')
        description += f". {target_label}"
    return _svg(width, height, title, description, body)


def bar_chart(title: str, points: list[tuple[str, float]], unit: str = "", decimals: int = 0) -> Markup:
    """Horizontal bars with labels on the left (e.g. top intents)."""
    row, label_width, width = 24, 260, 640
    height = max(row * len(points) + 10, 40)
    top_value = max([value for _, value in points] + [1])
    body = []
    for i, (label, value) in enumerate(points):
        bar = (width - label_width - 70) * value / top_value
        y = 5 + i * row
        shown = label if len(label) <= 34 else label[:33] + "…"  # the whole name is in the description
        body.append(f'<text x="{label_width - 6}" y="{y + 16}" font-size="12" text-anchor="end" fill="#222">{escape(shown)}</text>')
        body.append(f'<rect x="{label_width}" y="{y + 3}" width="{bar:.1f}" height="{row - 8}" fill="{BAR}"/>')
        body.append(f'<text x="{label_width + bar + 6:.1f}" y="{y + 16}" font-size="12" fill="#222">{escape(_text(value, decimals, unit))}</text>')
    if not points:
        body.append('<text x="10" y="25" font-size="13" fill="#222">Inga data ännu.</text>')
    description = ", ".join(f"{label}: {_text(value, decimals, unit)}" for label, value in points) or "Inga data ännu."
    return _svg(width, height, title, description, body)


def share_chart(title: str, parts: list[tuple[str, float, str]]) -> Markup:
    """One stacked bar of parts that add up to a whole (e.g. feedback yes/no), with a legend."""
    width, height = 640, 70
    total = sum(value for _, value, _ in parts)
    body, x = [], 10.0
    for label, value, colour in parts:
        span = (width - 20) * value / total if total else 0
        body.append(f'<rect x="{x:.1f}" y="8" width="{span:.1f}" height="26" fill="{colour}"/>')
        x += span
    legend_x = 10
    for label, value, colour in parts:
        share = f" ({swedish.percent(value / total, 0)})" if total else ""
        body.append(f'<rect x="{legend_x}" y="46" width="12" height="12" fill="{colour}"/>')
        body.append(f'<text x="{legend_x + 18}" y="57" font-size="12" fill="#222">{escape(label)}: {swedish.number(value)}{share}</text>')
        legend_x += 200
    if not total:
        body.append('<text x="10" y="26" font-size="13" fill="#222">Inga svar ännu.</text>')
    description = ", ".join(f"{label}: {swedish.number(value)}" for label, value, _ in parts)
    return _svg(width, height, title, description, body)


def charts(stats: dict[str, Any], descriptions: dict[str, str]) -> dict[str, Markup]:
    """The dashboard's charts; `descriptions` names the intents in Swedish."""
    def short(day: str) -> str:
        parsed = date.fromisoformat(day)
        return f"{parsed.day}/{parsed.month}"

    def rate(value: float | None) -> float:
        return round(100 * value, 1) if value is not None else 0

    wait = [("Median", round((stats["wait_median_seconds"] or 0) / 60, 1)),
            ("90:e percentilen", round((stats["wait_p90_seconds"] or 0) / 60, 1))]
    target = 100 * stats["self_service_target"]
    return {
        "per_day": column_chart("Samtal per dag", [(short(p["date"]), p["count"]) for p in stats["per_day"]]),
        "self_service": column_chart(
            "Andel samtal klarade utan kommunvägledare, per vecka (procent)",
            [(swedish.week_label(date.fromisoformat(w["week"])), None if w["share"] is None else rate(w["share"]))
             for w in stats["weeks"]],
            "%", 1, target=target, target_label=f"Mål {swedish.number(target)}{swedish.NBSP}%",
        ),
        "top_intents": bar_chart("Vanligaste frågorna", [
            (descriptions.get(p["intent"], p["intent"]), p["count"]) for p in stats["top_intents"]]),
        "categories": bar_chart("Avslutade chattar per kategori", [
            (c["category"], c["count"]) for c in stats["categories"]]),
        "rates": bar_chart("Andel reservsvar och överlämningar (procent)", [
            ("Reservsvar (roboten förstod inte)", rate(stats["fallback_rate"])),
            ("Överlämningar till kommunvägledare", rate(stats["handoff_rate"])),
        ], "%", 1),
        "wait": bar_chart("Väntetid i kön (minuter)", wait, "min", 1),
        "feedback": share_chart("Fick du hjälp?", [
            ("Ja", stats["feedback_yes"], GOOD), ("Nej", stats["feedback_no"], BAD),
        ]),
    }
