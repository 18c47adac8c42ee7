"""What residents are told about opening hours, in Swedish. The router owns this wording; the
action server passes it on (GET /api/hours "text" and "week", POST /api/hours/days "text").

Every answer says the hours and why they differ from the normal week: a public holiday (helgdag)
with its name, a de-facto holiday (julafton …), the day before a public holiday (shorter hours),
or an administrator's deviation with its note.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from router.hours.config import DailyHours
from router.hours.day_phrases import DayPhrase
from router.hours.schedule import DayHours, DayReason, OpeningHours
from router.hours.swedish import WEEKDAY_NAMES, format_clock, format_date, format_opens_at_relative, format_span

LOOKAHEAD_DAYS = 7


def week_summary(weekly: tuple[DailyHours | None, ...]) -> str:
    """The normal week in one line, days with the same hours grouped:
    'måndag–onsdag 08.00–17.00, torsdag 08.00–18.00, fredag 08.00–17.00, lördag–söndag stängt'."""
    parts: list[str] = []
    first = 0
    for index in range(1, 8):
        if index < 7 and weekly[index] == weekly[first]:
            continue
        last = index - 1
        names = WEEKDAY_NAMES[first] if last == first else f"{WEEKDAY_NAMES[first]}–{WEEKDAY_NAMES[last]}"
        hours = weekly[first]
        parts.append(f"{names} {format_span(hours.opens, hours.closes)}" if hours else f"{names} stängt")
        first = index
    return ", ".join(parts)


def now_answer(hours: OpeningHours, moment: datetime) -> str:
    """Open or closed at `moment` (until when, or when it opens next), the normal week, and the
    days of the coming week whose hours differ from it."""
    local = hours.localize(moment)
    closes_at = hours.closes_at(local)
    if closes_at is not None:
        lines = [f"Kontaktcenter har öppet nu till kl. {format_clock(closes_at)}."]
    else:
        opens_at = hours.next_open(local)
        reopens = f" och öppnar igen {format_opens_at_relative(opens_at, local, hours.timezone)}" if opens_at else ""
        lines = [f"Kontaktcenter har stängt just nu{reopens}."]
    lines.append(f"Vanliga öppettider: {week_summary(hours.weekly)}.")
    upcoming = hours.days(local.date(), LOOKAHEAD_DAYS)
    deviating = [day for day in upcoming if _differs_from_the_week(day, hours.weekly)]
    if deviating:
        listed = ", ".join(f"{format_date(day.date)} {_hours(day)}{_in_brackets(day)}" for day in deviating)
        lines.append(f"Avvikande öppettider de närmaste dagarna: {listed}.")
    return "\n".join(lines)


def phrase_answer(phrases: list[DayPhrase], hours: OpeningHours, today: date) -> str:
    """The hours of the days the resident asked about: one sentence for one day, else a list."""
    dates = sorted({day for phrase in phrases for day in phrase.dates})
    days = [hours.day(day) for day in dates]
    whens = {phrase.when for phrase in phrases}
    when = whens.pop() if len(whens) == 1 else None
    if len(days) == 1:
        return _one_day(days[0], when, today)
    heading = f"Öppettider för kontaktcenter {when}:" if when else "Öppettider för kontaktcenter:"
    return "\n".join([heading] + [f"{format_date(day.date)}: {_hours(day)}{_in_brackets(day)}" for day in days])


def _one_day(day: DayHours, when: str | None, today: date) -> str:
    """'På julafton, torsdag 24 december, har kontaktcenter stängt.' and the like."""
    if when is None and day.date == today:
        when = "i dag"
    elif when is None and day.date == today + timedelta(days=1):
        when = "i morgon"
    head = f"{when[:1].upper()}{when[1:]}, {format_date(day.date)}," if when else f"På {format_date(day.date)}"
    return f"{head} har kontaktcenter {_hours(day)}{_because(day, when or '')}."


def _hours(day: DayHours) -> str:
    if day.opens is None or day.closes is None:
        return "stängt"
    return f"öppet {format_span(day.opens, day.closes)}"


def _because(day: DayHours, when: str) -> str:
    """Why the day has these hours, for a sentence; nothing the heading already says."""
    named = day.holiday is not None and day.holiday in when
    if day.reason is DayReason.PUBLIC_HOLIDAY:
        return " eftersom det är helgdag" if named else f" eftersom det är helgdag ({day.holiday})"
    if day.reason is DayReason.DE_FACTO_HOLIDAY:
        return "" if named else f" eftersom det är {day.holiday}"
    if day.reason is DayReason.EVE:
        return f" eftersom det är dagen före en helgdag ({day.holiday})"
    if day.reason is DayReason.DEVIATION:
        if day.note is None:
            return ", som är ett undantag från de vanliga tiderna"
        return "" if day.note in when else f" ({day.note})"
    if day.opens is None:
        return f", som alla {WEEKDAY_NAMES[day.date.weekday()]}ar"
    return "" if day.holiday is None or named else f" ({day.holiday})"


def _in_brackets(day: DayHours) -> str:
    """Why the day has these hours, for a list line: ' (juldagen, helgdag)'."""
    if day.reason is DayReason.PUBLIC_HOLIDAY:
        return f" ({day.holiday}, helgdag)"
    if day.reason is DayReason.EVE:
        return f" (dagen före {day.holiday})"
    if day.reason is DayReason.DEVIATION and day.note is None:
        return " (undantag från de vanliga tiderna)"
    return f" ({day.note})" if day.note else ""


def _differs_from_the_week(day: DayHours, weekly: tuple[DailyHours | None, ...]) -> bool:
    usual = weekly[day.date.weekday()]
    if usual is None:
        return day.opens is not None
    return (day.opens, day.closes) != (usual.opens, usual.closes)
