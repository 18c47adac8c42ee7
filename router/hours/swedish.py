"""Swedish names and wording for days and times, without depending on the system locale."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")

WEEKDAY_NAMES = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
MONTH_NAMES = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)


def weekday_name(day: date) -> str:
    """'måndag' … 'söndag'."""
    return WEEKDAY_NAMES[day.weekday()]


def format_clock(moment: time | datetime) -> str:
    """Swedish clock time with a full stop: '08.00'."""
    return f"{moment.hour:02d}.{moment.minute:02d}"


def format_span(opens: time, closes: time) -> str:
    """'08.00–17.00'."""
    return f"{format_clock(opens)}–{format_clock(closes)}"


def format_date(day: date) -> str:
    """'torsdag 24 december'."""
    return f"{weekday_name(day)} {day.day} {MONTH_NAMES[day.month - 1]}"


def format_opens_at(moment: datetime, tz: ZoneInfo = STOCKHOLM) -> str:
    """'måndag 30 november kl. 08.00' (the moment is shown in `tz`)."""
    local = _local(moment, tz)
    return f"{format_date(local)} kl. {format_clock(local)}"


def format_opens_at_relative(moment: datetime, now: datetime, tz: ZoneInfo = STOCKHOLM) -> str:
    """'i dag kl. 13.00', 'i morgon kl. 08.00', otherwise as `format_opens_at`."""
    local = _local(moment, tz)
    today = _local(now, tz).date()
    if local.date() == today:
        return f"i dag kl. {format_clock(local)}"
    if local.date() == today + timedelta(days=1):
        return f"i morgon kl. {format_clock(local)}"
    return format_opens_at(local, tz)


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no UTC offset")
    return moment.astimezone(tz)
