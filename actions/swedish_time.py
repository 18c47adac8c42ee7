"""Swedish names and wording for dates and clock times, without depending on the system locale."""
from __future__ import annotations

from datetime import date, datetime, time, tzinfo

WEEKDAY_NAMES = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
MONTH_NAMES = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)


def format_clock(moment: time | datetime) -> str:
    """'08.00' — Swedish writes clock times with a full stop."""
    return f"{moment.hour:02d}.{moment.minute:02d}"


def format_date(day: date) -> str:
    """'måndag 30 november'."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"


def format_moment(moment: datetime, zone: tzinfo) -> str:
    """'måndag 30 november kl. 08.00', shown in `zone`; a moment without UTC offset is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no UTC offset")
    local = moment.astimezone(zone)
    return f"{format_date(local.date())} kl. {format_clock(local)}"


def format_span(opens: time, closes: time) -> str:
    """'08.00–17.00'."""
    return f"{format_clock(opens)}–{format_clock(closes)}"
