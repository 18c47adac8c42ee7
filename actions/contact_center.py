"""How residents reach Helsingborg kontaktcenter, and the public-record notice, from `settings/contact.yml`.

That file is the one place these facts are written; the router reads it too (router/contact/config.py, which the
actions must not import). This reader takes only what the actions say and is as strict: a missing or wrong
field raises `ContactCenterError` naming it. `ActionSessionStart` reads the file when the action server
starts, so a mistake stops the server there instead of reaching a resident; the other actions read it on
every use, like `settings/hours.yml`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LEAVE_MESSAGE_BUTTON = {"title": "Lämna ett meddelande", "payload": "/leave_message"}
_PHONE = re.compile(r"^\d+(?:[ -]\d+)*$")


class ContactCenterError(ValueError):
    """settings/contact.yml is wrong; the message names the file and the field to fix."""


@dataclass(frozen=True)
class ContactCenter:
    name: str
    phone: str
    email: str
    email_answered: str  # completes "Mejl besvaras …"
    address: str
    public_record_notice: str

    def slots(self) -> dict[str, str]:
        """Slot name → value for the bot's answers in domain.yml ({contact_phone} …); the router fills the
        same names into its canned answers."""
        return {
            "contact_name": self.name,
            "contact_phone": self.phone,
            "contact_email": self.email,
            "contact_email_answered": self.email_answered,
            "contact_address": self.address,
            "public_record_notice": self.public_record_notice,
        }


def load_contact_center(settings_dir: Path) -> ContactCenter:
    source = settings_dir / "contact.yml"
    try:
        data = yaml.load(source.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except OSError as error:
        raise ContactCenterError(f"{source}: cannot be read: {error}") from error
    except yaml.YAMLError as error:
        raise ContactCenterError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("contact_center"), dict):
        raise ContactCenterError(f"{source}: contact_center: must be a mapping")
    center = data["contact_center"]
    fields = {key: _text(center, key, f"{source}: contact_center.{key}") for key in
              ("name", "phone", "email", "email_answered", "address")}
    if not _PHONE.match(fields["phone"]):
        raise ContactCenterError(f"{source}: contact_center.phone: must be a number like \"042-10 50 00\"")
    return ContactCenter(**fields, public_record_notice=_text(data, "public_record_notice", f"{source}: public_record_notice"))


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContactCenterError(f"{where}: must be a non-empty text")
    return " ".join(value.split())
