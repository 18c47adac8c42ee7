"""The dashboard's figures and tables as text, written the Swedish way ("3,6 %", "1,5 min", local time)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from router.admin import swedish


def dashboard_texts(stats: dict[str, Any], now: datetime, descriptions: dict[str, str]) -> dict[str, Any]:
    feedback = stats["feedback_yes"] + stats["feedback_no"]
    return {
        "now": swedish.local(now),
        "first_day": stats["per_day"][0]["date"] if stats["per_day"] else "",
        "conversations": swedish.number(stats["conversations"]),
        "self_service": swedish.percent(stats["self_service"]),
        "target": swedish.percent(stats["self_service_target"], 0),
        "fallback_rate": swedish.percent(stats["fallback_rate"]),
        "handoff_rate": swedish.percent(stats["handoff_rate"]),
        "wait_median": swedish.minutes(stats["wait_median_seconds"]),
        "wait_p90": swedish.minutes(stats["wait_p90_seconds"]),
        "feedback": f"{swedish.number(stats['feedback_yes'])} / {swedish.number(stats['feedback_no'])}",
        "feedback_share": swedish.percent(stats["feedback_yes"] / feedback) if feedback else "–",
        "weeks": [
            {"label": swedish.week_label(date.fromisoformat(w["week"])), "conversations": swedish.number(w["conversations"]),
             "without_person": swedish.number(w["without_person"]), "share": swedish.percent(w["share"]),
             "waits": swedish.number(w["waits"]["count"]), "median": swedish.minutes(w["waits"]["median_seconds"]),
             "p90": swedish.minutes(w["waits"]["p90_seconds"]),
             "feedback": f"{swedish.number(w['feedback_yes'])} / {swedish.number(w['feedback_no'])}"}
            for w in stats["weeks"]
        ],
        "hours": [
            {"label": f"{h['hour']:02d}–{(h['hour'] + 1) % 24:02d}", "waits": swedish.number(h["count"]),
             "median": swedish.minutes(h["median_seconds"]), "p90": swedish.minutes(h["p90_seconds"])}
            for h in stats["wait_by_hour"]
        ],
        "intents": [
            {"description": descriptions.get(i["intent"], i["intent"]), "intent": i["intent"],
             "count": swedish.number(i["count"])}
            for i in stats["top_intents"]
        ],
        "categories": [{"category": c["category"], "count": swedish.number(c["count"])} for c in stats["categories"]],
    }
