"""Numbers, times and names on the administration pages as a Swedish reader expects them: decimal comma,
a space before "%" and as the thousands separator, Europe/Stockholm time, ISO dates (the Swedish standard)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/Stockholm")
NBSP = "\u00a0"  # keeps "3,6 %" and "1 234" on one line


def number(value: float | int | None, decimals: int = 0) -> str:
    """1234.5 → "1 234,5" (with decimals=1); None → "–"."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def percent(fraction: float | None, decimals: int = 1) -> str:
    """0.036 → "3,6 %"; None → "–"."""
    return "–" if fraction is None else f"{number(100 * fraction, decimals)}{NBSP}%"


def minutes(seconds: float | None) -> str:
    """A wait: 95 → "1,6 min"; None → "–"."""
    return "–" if seconds is None else f"{number(seconds / 60, 1)}{NBSP}min"


def local(value: datetime | str | None, seconds: bool = False) -> str:
    """An aware time (or ISO text) in Swedish local time: "2026-11-30 10:05"; None → "–"."""
    if value is None:
        return "–"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def week_label(monday: date) -> str:
    """The ISO week of a Monday: "v. 48 (23/11)"."""
    return f"v.{NBSP}{monday.isocalendar().week} ({monday.day}/{monday.month})"
