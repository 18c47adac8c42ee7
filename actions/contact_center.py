"""How residents reach Helsingborg kontaktcenter outside the chat.

Phone and e-mail come from `contact_center` in `settings/handoff.yml` (the file the router
also reads). The reader is tolerant: when the file or a field is missing or unusable it logs
why and uses the defaults from /work/shared/facts.md, so an answer is always possible.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

LEAVE_MESSAGE_BUTTON = {"title": "Lämna ett meddelande", "payload": "/leave_message"}


@dataclass(frozen=True)
class ContactCenter:
    phone: str = "042-10 50 00"
    email: str = "kontaktcenter@helsingborg.se"


def load_contact_center(settings_dir: Path) -> ContactCenter:
    path = settings_dir / "handoff.yml"
    default = ContactCenter()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        logger.warning("%s is missing; using the default contact details", path)
        return default
    except (OSError, yaml.YAMLError) as error:
        logger.warning("%s cannot be read (%s); using the default contact details", path, error)
        return default
    section = data.get("contact_center") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        logger.warning("%s: 'contact_center' is missing or not a mapping; using the default contact details", path)
        return default
    return ContactCenter(
        phone=_text(path, section, "phone", default.phone),
        email=_text(path, section, "email", default.email),
    )


def _text(path: Path, section: dict[str, Any], key: str, default: str) -> str:
    value = section.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    logger.warning("%s: contact_center.%s is missing or empty; using %s", path, key, default)
    return default
