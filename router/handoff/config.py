"""Read `settings/handoff.yml` and `settings/canned_answers.yml`, the handoff settings an administrator edits.

The contact center's details come from `settings/contact.yml` (facts/contact.py); canned answers name them
as placeholders ({contact_phone} …), filled in here, so an answer never carries a number of its own."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from facts.contact import ContactConfigError, ContactFacts
from router.core.yaml_reading import read_yaml


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
    # The console's names for the topics the bot hands over (intent → Swedish), and when a waiting
    # time turns amber and red in the queue.
    topics: dict[str, str] = field(default_factory=dict)
    wait_warn_minutes: int = 3
    wait_late_minutes: int = 8

    def topic_text(self, topic: str | None) -> str | None:
        """The topic as a kommunvägledare reads it; a topic without a name is 'annat ämne', never a code."""
        if topic is None:
            return None
        return self.topics.get(topic, "annat ämne")


@dataclass(frozen=True)
class CannedAnswer:
    title: str
    text: str


def _read(path: Path) -> Any:
    try:
        return read_yaml(path.read_text(encoding="utf-8"))
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
    topics = data.get("topics", {})
    if not isinstance(topics, dict) or not all(
        isinstance(key, str) and isinstance(value, str) and value.strip() for key, value in topics.items()
    ):
        raise HandoffConfigError(f"{source}: topics: must map each topic (intent name) to a Swedish text")
    colours = data.get("queue_wait_colours", {})
    if not isinstance(colours, dict):
        raise HandoffConfigError(f"{source}: queue_wait_colours: must be a mapping with amber_after_minutes and red_after_minutes")
    unknown = set(colours) - {"amber_after_minutes", "red_after_minutes"}
    if unknown:
        raise HandoffConfigError(f"{source}: queue_wait_colours.{sorted(unknown)[0]}: unknown setting")
    warn = int(_number(colours, "amber_after_minutes", source, 3, 1))
    late = int(_number(colours, "red_after_minutes", source, 8, 1))
    if late <= warn:
        raise HandoffConfigError(f"{source}: queue_wait_colours.red_after_minutes: must be more than amber_after_minutes")
    if "contact_center" in data:
        raise HandoffConfigError(f"{source}: contact_center: moved to contact.yml; remove it here")
    return HandoffConfig(
        closing_margin_minutes=int(_number(data, "closing_margin_minutes", source, 15, 0)),
        default_handling_minutes=_number(data, "default_handling_minutes", source, 5, 0.1),
        wait_sample_size=int(_number(data, "wait_sample_size", source, 20, 1)),
        agent_offline_after_seconds=_number(data, "agent_offline_after_seconds", source, 60, 1),
        close_categories=tuple(item.strip() for item in categories),
        contact=contact,
        topics={key: value.strip() for key, value in topics.items()},
        wait_warn_minutes=warn,
        wait_late_minutes=late,
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
