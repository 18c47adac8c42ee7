"""The contact center's normal week, read from `settings/hours.yml`.

The router owns the full opening-hours engine (holidays, eves, one-off deviations). The
actions only need the normal week: to print it in one line, to spot deviating days, and to
answer on their own when the router cannot be reached. The reader is tolerant: if the file is
missing or cannot be understood, it logs why and falls back to the default week
(Mon–Wed 08–17, Thu 08–18, Fri 08–17), so an answer is always possible.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from actions.swedish_time import WEEKDAY_NAMES, format_span

logger = logging.getLogger(__name__)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
HOLIDAY_CAVEAT = "Tiderna kan avvika kring helgdagar och dagen före en helgdag."
_ENGLISH_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOSED_WORDS = {"closed", "stängt", "stangt"}
_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})$")


@dataclass(frozen=True)
class DaySpan:
    opens: time
    closes: time


@dataclass(frozen=True)
class WeeklySchedule:
    days: tuple[DaySpan | None, ...]  # Monday first; None: closed
    timezone: ZoneInfo

    def on(self, weekday: int) -> DaySpan | None:
        """The normal hours of a weekday (0 = Monday), None when closed."""
        return self.days[weekday]

    def summary(self) -> str:
        """One line, consecutive days with the same hours grouped:
        'måndag–onsdag 08.00–17.00, torsdag 08.00–18.00, fredag 08.00–17.00, lördag–söndag stängt'."""
        parts: list[str] = []
        first = 0
        for index in range(1, 8):
            if index < 7 and self.days[index] == self.days[first]:
                continue
            names = WEEKDAY_NAMES[first] if index - 1 == first else f"{WEEKDAY_NAMES[first]}–{WEEKDAY_NAMES[index - 1]}"
            span = self.days[first]
            parts.append(f"{names} {format_span(span.opens, span.closes)}" if span else f"{names} stängt")
            first = index
        return ", ".join(parts)


DEFAULT_SCHEDULE = WeeklySchedule(
    days=(
        DaySpan(time(8), time(17)),
        DaySpan(time(8), time(17)),
        DaySpan(time(8), time(17)),
        DaySpan(time(8), time(18)),
        DaySpan(time(8), time(17)),
        None,
        None,
    ),
    timezone=STOCKHOLM,
)


class _UnusableSchedule(ValueError):
    """The file exists but its normal week cannot be used; the message says why."""


def load_weekly_schedule(settings_dir: Path) -> WeeklySchedule:
    """The normal week from `settings_dir/hours.yml`, or the default week when that fails."""
    path = settings_dir / "hours.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return _parse(data)
    except FileNotFoundError:
        logger.warning("%s is missing; using the default opening hours", path)
    except (OSError, yaml.YAMLError, _UnusableSchedule) as error:
        logger.warning("%s cannot be used (%s); using the default opening hours", path, error)
    return DEFAULT_SCHEDULE


def _parse(data: Any) -> WeeklySchedule:
    if not isinstance(data, dict):
        raise _UnusableSchedule("the file is not a mapping")
    weekly = data.get("weekly")
    if not isinstance(weekly, dict):
        raise _UnusableSchedule("'weekly' is missing or not a mapping")
    by_index: dict[int, Any] = {}
    for key, value in weekly.items():
        index = _weekday_index(key)
        if index is None:
            raise _UnusableSchedule(f"weekly: unknown day {key!r}")
        by_index[index] = value
    days = tuple(_span(_ENGLISH_WEEKDAYS[index], by_index.get(index)) for index in range(7))
    return WeeklySchedule(days=days, timezone=_zone(data.get("timezone")))


def _weekday_index(key: Any) -> int | None:
    name = str(key).strip().lower()
    for index, (english, swedish) in enumerate(zip(_ENGLISH_WEEKDAYS, WEEKDAY_NAMES)):
        if name in (english, english[:3], swedish):
            return index
    return None


def _span(day: str, value: Any) -> DaySpan | None:
    """`{opens: "08:00", closes: "17:00"}`, `closed`, or nothing (closed)."""
    if value is None or value is False or (isinstance(value, str) and value.strip().lower() in _CLOSED_WORDS):
        return None
    if not isinstance(value, dict) or "opens" not in value or "closes" not in value:
        raise _UnusableSchedule(f"weekly.{day}: expected {{opens, closes}} or 'closed', got {value!r}")
    opens = _clock(f"weekly.{day}.opens", value["opens"])
    closes = _clock(f"weekly.{day}.closes", value["closes"])
    if opens >= closes:
        raise _UnusableSchedule(f"weekly.{day}: opens {opens} is not before closes {closes}")
    return DaySpan(opens, closes)


def _clock(field: str, value: Any) -> time:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 17:00 as the base-60 number 1020 (minutes).
        hours, minutes = divmod(value, 60)
    else:
        match = _CLOCK.match(str(value).strip())
        if not match:
            raise _UnusableSchedule(f"{field}: expected a time like \"08:00\", got {value!r}")
        hours, minutes = int(match.group(1)), int(match.group(2))
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise _UnusableSchedule(f"{field}: {value!r} is not a time of day")
    return time(hours, minutes)


def _zone(value: Any) -> ZoneInfo:
    if value is None:
        return STOCKHOLM
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("hours.yml: unknown timezone %r; using Europe/Stockholm", value)
        return STOCKHOLM
