"""Read `settings/handoff.yml` and `settings/canned_answers.yml`, the handoff settings an administrator edits.

The contact center's details come from `settings/contact.yml` (router/contact/config.py); canned answers name them
as placeholders ({contact_phone} …), filled in here, so an answer never carries a number of its own."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from router.contact.config import ContactConfigError, ContactFacts


class HandoffConfigError(ValueError):
    """A settings file is wrong; the message names the file and the field to fix."""


@dataclass(frozen=True)
class HandoffConfig:
    closing_margin_minutes: int
    default_handling_minutes: float
    wait_sample_size: int
    agent_offline_after_seconds: float
    close_categories: tuple[str, ...]
    contact: ContactFacts


@dataclass(frozen=True)
class CannedAnswer:
    title: str
    text: str


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise HandoffConfigError(f"{path}: cannot be read: {error}") from error
    except yaml.YAMLError as error:
        raise HandoffConfigError(f"{path}: not valid YAML: {error}") from error


def _number(data: dict[str, Any], key: str, source: Path, default: float, minimum: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise HandoffConfigError(f"{source}: {key}: must be a number of at least {minimum}, got {value!r}")
    return value


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise HandoffConfigError(f"{where}: {key}: must be a non-empty text")
    return value.strip()


def load_handoff_config(settings_dir: Path, contact: ContactFacts) -> HandoffConfig:
    source = settings_dir / "handoff.yml"
    data = _read(source)
    if not isinstance(data, dict):
        raise HandoffConfigError(f"{source}: (file): must be a mapping of settings")
    categories = data.get("close_categories")
    if not isinstance(categories, list) or not categories or not all(
        isinstance(item, str) and item.strip() for item in categories
    ):
        raise HandoffConfigError(f"{source}: close_categories: must be a non-empty list of texts")
    if "contact_center" in data:
        raise HandoffConfigError(f"{source}: contact_center: moved to contact.yml; remove it here")
    return HandoffConfig(
        closing_margin_minutes=int(_number(data, "closing_margin_minutes", source, 15, 0)),
        default_handling_minutes=_number(data, "default_handling_minutes", source, 5, 0.1),
        wait_sample_size=int(_number(data, "wait_sample_size", source, 20, 1)),
        agent_offline_after_seconds=_number(data, "agent_offline_after_seconds", source, 60, 1),
        close_categories=tuple(item.strip() for item in categories),
        contact=contact,
    )


def load_canned_answers(settings_dir: Path, contact: ContactFacts) -> tuple[CannedAnswer, ...]:
    source = settings_dir / "canned_answers.yml"
    data = _read(source)
    answers = data.get("canned_answers") if isinstance(data, dict) else None
    if not isinstance(answers, list):
        raise HandoffConfigError(f"{source}: canned_answers: must be a list of {{title, text}}")
    result = []
    for index, item in enumerate(answers):
        if not isinstance(item, dict):
            raise HandoffConfigError(f"{source}: canned_answers[{index}]: must have title and text")
        where = f"{source}: canned_answers[{index}]"
        try:
            text = contact.fill(_text(item, "text", where), f"{where}.text")
        except ContactConfigError as error:
            raise HandoffConfigError(str(error)) from None
        result.append(CannedAnswer(_text(item, "title", where), text))
    return tuple(result)
