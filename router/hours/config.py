"""Read and validate `settings/hours.yml`, the opening hours an administrator edits."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from router.core.yaml_reading import SAFE_LOADER

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TOP_LEVEL_KEYS = ("timezone", "weekly", "holidays", "deviations")
_HOLIDAY_KEYS = ("closed_on_public_holidays", "closed_on_de_facto_holidays", "eve_closes")


class HoursConfigError(ValueError):
    """The hours settings are wrong; the message names the file and the field to fix."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        super().__init__(f"{source}: {field}: {problem}")
        self.source = source
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class DailyHours:
    opens: time
    closes: time


@dataclass(frozen=True)
class Deviation:
    date: date
    hours: DailyHours | None  # None: closed the whole day
    note: str | None


@dataclass(frozen=True)
class HoursConfig:
    timezone: ZoneInfo
    weekly: tuple[DailyHours | None, ...]  # Monday first; None: closed
    closed_on_public_holidays: bool
    closed_on_de_facto_holidays: bool
    eve_closes: time | None  # None: the day before a public holiday keeps normal hours
    deviations: Mapping[date, Deviation]


class _SettingsLoader(SAFE_LOADER):  # type: ignore[valid-type,misc]
    """A safe loader that keeps clock times and dates as text.

    Plain YAML 1.1 would read an unquoted 17:00 as the base-60 integer 1020 and turn an
    impossible date such as 2026-02-30 into a parser crash; as text, both get a clear message.
    """


_SettingsLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in SAFE_LOADER.yaml_implicit_resolvers.items()
}
for _digit in "0123456789":
    _SettingsLoader.yaml_implicit_resolvers.setdefault(_digit, []).insert(
        0, ("tag:yaml.org,2002:str", _TIME)
    )


def load_hours_config(path: Path) -> HoursConfig:
    """Read the hours settings file; raise `HoursConfigError` when anything in it is wrong."""
    source = str(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SettingsLoader)
    except yaml.YAMLError as error:
        raise HoursConfigError(source, "(file)", f"not valid YAML: {error}") from error
    return parse_hours_config(data, source)


def parse_hours_config(data: Any, source: str = "hours.yml") -> HoursConfig:
    """Validate already-parsed YAML data (a mapping) and build the settings."""
    if not isinstance(data, dict):
        raise HoursConfigError(
            source, "(file)", "must be a mapping with the keys " + ", ".join(_TOP_LEVEL_KEYS)
        )
    _reject_unknown_keys(source, "", data, _TOP_LEVEL_KEYS)
    for key in ("timezone", "weekly", "holidays"):
        if key not in data:
            raise HoursConfigError(source, key, "is missing")
    holiday_rules = data["holidays"]
    if not isinstance(holiday_rules, dict):
        raise HoursConfigError(
            source, "holidays", "must be a mapping with the keys " + ", ".join(_HOLIDAY_KEYS)
        )
    _reject_unknown_keys(source, "holidays.", holiday_rules, _HOLIDAY_KEYS)
    for key in _HOLIDAY_KEYS:
        if key not in holiday_rules:
            raise HoursConfigError(source, f"holidays.{key}", "is missing")
    eve_closes = holiday_rules["eve_closes"]
    return HoursConfig(
        timezone=_parse_timezone(source, data["timezone"]),
        weekly=_parse_weekly(source, data["weekly"]),
        closed_on_public_holidays=_parse_bool(
            source, "holidays.closed_on_public_holidays", holiday_rules["closed_on_public_holidays"]
        ),
        closed_on_de_facto_holidays=_parse_bool(
            source, "holidays.closed_on_de_facto_holidays", holiday_rules["closed_on_de_facto_holidays"]
        ),
        eve_closes=None if eve_closes is None else _parse_time(source, "holidays.eve_closes", eve_closes),
        deviations=_parse_deviations(source, data.get("deviations")),
    )


def _reject_unknown_keys(
    source: str, prefix: str, data: dict, allowed: tuple[str, ...], what: str = "setting"
) -> None:
    for key in data:
        if key not in allowed:
            raise HoursConfigError(
                source, f"{prefix}{key}", f"unknown {what}; expected one of " + ", ".join(allowed)
            )


def _parse_timezone(source: str, value: Any) -> ZoneInfo:
    if not isinstance(value, str) or not value.strip():
        raise HoursConfigError(source, "timezone", 'must be a time zone name such as "Europe/Stockholm"')
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise HoursConfigError(source, "timezone", f"unknown time zone {value!r}") from error


def _parse_bool(source: str, field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise HoursConfigError(source, field, f"must be true or false, not {value!r}")
    return value


def _parse_time(source: str, field: str, value: Any) -> time:
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise HoursConfigError(source, field, f'{value!r} is not a time; write it as "HH:MM", e.g. "08:00"')
    return time(int(match[1]), int(match[2]))


def _parse_hours(source: str, field: str, value: dict) -> DailyHours:
    for key in ("opens", "closes"):
        if key not in value:
            raise HoursConfigError(source, f"{field}.{key}", "is missing")
    opens = _parse_time(source, f"{field}.opens", value["opens"])
    closes = _parse_time(source, f"{field}.closes", value["closes"])
    if opens >= closes:
        raise HoursConfigError(
            source, field, f"opens ({value['opens']}) must be earlier than closes ({value['closes']})"
        )
    return DailyHours(opens, closes)


def _parse_weekly(source: str, value: Any) -> tuple[DailyHours | None, ...]:
    if not isinstance(value, dict):
        raise HoursConfigError(source, "weekly", "must be a mapping from weekday (monday … sunday) to hours")
    _reject_unknown_keys(source, "weekly.", value, WEEKDAYS, what="weekday")
    week: list[DailyHours | None] = []
    for weekday in WEEKDAYS:
        field = f"weekly.{weekday}"
        if weekday not in value:
            raise HoursConfigError(
                source, field, 'is missing; give {opens: "HH:MM", closes: "HH:MM"} or closed'
            )
        hours = value[weekday]
        if hours == "closed":
            week.append(None)
        elif isinstance(hours, dict):
            _reject_unknown_keys(source, f"{field}.", hours, ("opens", "closes"))
            week.append(_parse_hours(source, field, hours))
        else:
            raise HoursConfigError(
                source, field, f'must be {{opens: "HH:MM", closes: "HH:MM"}} or closed, not {hours!r}'
            )
    return tuple(week)


def _parse_date(source: str, field: str, value: Any) -> date:
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise HoursConfigError(source, field, f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-23")


def _parse_deviations(source: str, value: Any) -> dict[date, Deviation]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise HoursConfigError(source, "deviations", "must be a list (or [] for none)")
    deviations: dict[date, Deviation] = {}
    for index, item in enumerate(value):
        field = f"deviations[{index}]"
        if not isinstance(item, dict):
            raise HoursConfigError(
                source, field, "must be a mapping with date and closed: true, or date, opens and closes"
            )
        _reject_unknown_keys(source, f"{field}.", item, ("date", "closed", "opens", "closes", "note"))
        if "date" not in item:
            raise HoursConfigError(source, f"{field}.date", "is missing")
        day = _parse_date(source, f"{field}.date", item["date"])
        if day in deviations:
            raise HoursConfigError(source, f"{field}.date", f"{day.isoformat()} already has a deviation")
        note = item.get("note")
        if note is not None and (not isinstance(note, str) or not note.strip()):
            raise HoursConfigError(source, f"{field}.note", "must be a text (or left out)")
        closed = item.get("closed", False)
        if closed not in (True, False):
            raise HoursConfigError(source, f"{field}.closed", f"must be true or false, not {closed!r}")
        has_hours = "opens" in item or "closes" in item
        if closed and has_hours:
            raise HoursConfigError(source, field, "give either closed: true or opens and closes, not both")
        if not closed and not has_hours:
            raise HoursConfigError(source, field, "give either closed: true or opens and closes")
        hours = None if closed else _parse_hours(source, field, item)
        deviations[day] = Deviation(day, hours, note.strip() if note else None)
    return deviations
