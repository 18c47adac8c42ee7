"""Read and validate `settings/retention.yml`: retention periods per kind, and the daily schedule."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from router.core.yaml_reading import read_yaml_as_text

KINDS = ("bot_conversation", "chat_case", "left_message")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_WHOLE_NUMBER = re.compile(r"^[-+]?\d+$")


class RetentionConfigError(ValueError):
    """The retention settings are wrong; the message names the file and the field to fix."""


@dataclass(frozen=True)
class RetentionConfig:
    bot_conversation_days: int
    chat_case_days: int
    left_message_days: int
    daily_at: time
    timezone: ZoneInfo


def _days(periods: dict[str, Any], kind: str, source: Path) -> int:
    if kind not in periods:
        raise RetentionConfigError(f"{source}: retention_days.{kind}: missing; give the number of days to keep")
    value = periods[kind]
    if not isinstance(value, str) or not _WHOLE_NUMBER.match(value) or int(value) <= 0:
        raise RetentionConfigError(
            f"{source}: retention_days.{kind}: must be a whole number of days greater than 0, got {value!r}"
        )
    return int(value)


def _daily_at(schedule: dict[str, Any], source: Path) -> time:
    value = schedule.get("daily_at")
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise RetentionConfigError(f"{source}: schedule.daily_at: must be a time like \"02:30\", got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _timezone(schedule: dict[str, Any], source: Path) -> ZoneInfo:
    value = schedule.get("timezone")
    try:
        if not isinstance(value, str):
            raise ZoneInfoNotFoundError(value)
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise RetentionConfigError(
            f"{source}: schedule.timezone: must be a time zone like Europe/Stockholm, got {value!r}"
        ) from None


def load_retention_config(settings_dir: Path) -> RetentionConfig:
    source = settings_dir / "retention.yml"
    try:
        # BaseLoader keeps every scalar as text, so 02:30 is not read as the base-60 number 150.
        data = read_yaml_as_text(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise RetentionConfigError(f"{source}: cannot be read: {error}") from error
    except yaml.YAMLError as error:
        raise RetentionConfigError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise RetentionConfigError(f"{source}: (file): must be a mapping with retention_days and schedule")
    periods = data.get("retention_days")
    if not isinstance(periods, dict):
        raise RetentionConfigError(f"{source}: retention_days: must be a mapping of {', '.join(KINDS)} to days")
    schedule = data.get("schedule")
    if not isinstance(schedule, dict):
        raise RetentionConfigError(f"{source}: schedule: must be a mapping with daily_at and timezone")
    return RetentionConfig(
        bot_conversation_days=_days(periods, "bot_conversation", source),
        chat_case_days=_days(periods, "chat_case", source),
        left_message_days=_days(periods, "left_message", source),
        daily_at=_daily_at(schedule, source),
        timezone=_timezone(schedule, source),
    )
