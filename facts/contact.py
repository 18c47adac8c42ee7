"""Read `settings/contact.yml`: the contact center, the numbers residents are referred to, the web addresses
the chat may show and the public-record notice — each written once, there, and filled in everywhere else.

The loader is strict: a wrong or missing field stops the router at start-up with a message naming the file
and the field, so a typo in a phone number never reaches a resident.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

REQUIRED_SERVICES = ("emergency", "police")
REQUIRED_LINKS = ("city", "police", "accessibility_supervision")
CENTER_FIELDS = ("name", "phone", "email", "email_answered", "address", "city")

# Digits in groups separated by one space or hyphen, as residents read them: "042-10 50 00", "114 14", "112".
_PHONE = re.compile(r"^\d+(?:[ -]\d+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
_URL = re.compile(r"^https://[a-z0-9.-]+\.[a-z]{2,}(?:/[^\s]*)?$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


class ContactConfigError(ValueError):
    """The contact settings are wrong; the message names the file and the field to fix."""


def phone_digits(number: str) -> str:
    """The digits of a Swedish phone number in national form: "+46 42-10 50 00" and "042-10 50 00" both give
    "042105000". Used to compare numbers however they are spaced."""
    digits = re.sub(r"\D", "", number)
    if number.strip().startswith("+46"):
        return "0" + digits[2:]
    if digits.startswith("0046"):
        return "0" + digits[4:]
    return digits


def tel_uri(number: str) -> str:
    """The `tel:` link for a number as written here: national numbers get +46 (without the leading 0), short
    service numbers (112, 114 14, 1177 …) are dialled as they are."""
    digits = phone_digits(number)
    return f"tel:+46{digits[1:]}" if digits.startswith("0") else f"tel:{digits}"


@dataclass(frozen=True)
class Service:
    key: str
    name: str
    number: str

    @property
    def tel(self) -> str:
        return tel_uri(self.number)


@dataclass(frozen=True)
class ContactFacts:
    name: str
    phone: str
    email: str
    email_answered: str
    address: str
    city: str
    public_record_notice: str
    services: Mapping[str, Service]
    links: Mapping[str, str]

    @property
    def tel(self) -> str:
        return tel_uri(self.phone)

    def placeholders(self) -> dict[str, str]:
        """The values texts may name as {placeholder}; the same names are the slots the bot's answers use."""
        return {
            "contact_name": self.name,
            "contact_phone": self.phone,
            "contact_email": self.email,
            "contact_email_answered": self.email_answered,
            "contact_address": self.address,
            "public_record_notice": self.public_record_notice,
        }

    def fill(self, text: str, where: str) -> str:
        """`text` with its {placeholders} filled in; an unknown placeholder is an error naming `where`."""
        try:
            return text.format_map(self.placeholders())
        except KeyError as error:
            known = ", ".join("{" + name + "}" for name in self.placeholders())
            raise ContactConfigError(f"{where}: unknown placeholder {{{error.args[0]}}}; use one of {known}") from None
        except (ValueError, IndexError) as error:
            raise ContactConfigError(f"{where}: braces must enclose a placeholder name ({error})") from None

    def phone_numbers(self) -> frozenset[str]:
        """Every number residents may be shown, as digits (see `phone_digits`)."""
        return frozenset({phone_digits(self.phone)} | {phone_digits(s.number) for s in self.services.values()})

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "phone": self.phone,
            "tel": self.tel,
            "email": self.email,
            "email_answered": self.email_answered,
            "address": self.address,
            "city": self.city,
            "public_record_notice": self.public_record_notice,
            "services": {
                key: {"name": s.name, "number": s.number, "tel": s.tel} for key, s in self.services.items()
            },
            "links": dict(self.links),
        }


# libyaml's base loader when PyYAML has it (the same strings, many times faster than the pure-Python one).
_TEXT_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def load_contact_facts(settings_dir: Path) -> ContactFacts:
    source = settings_dir / "contact.yml"
    try:
        # BaseLoader keeps every scalar as text, so an unquoted 112 or 1177 stays the text "112".
        data = yaml.load(source.read_text(encoding="utf-8"), Loader=_TEXT_LOADER)  # noqa: S506
    except OSError as error:
        raise ContactConfigError(f"{source}: cannot be read: {error}") from error
    except yaml.YAMLError as error:
        raise ContactConfigError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise ContactConfigError(
            f"{source}: (file): must be a mapping with contact_center, public_record_notice, services and links"
        )
    _no_unknown(data, ("contact_center", "public_record_notice", "services", "links"), f"{source}: (file)")
    center = _mapping(data, "contact_center", source)
    _no_unknown(center, CENTER_FIELDS, f"{source}: contact_center")
    fields = {name: _text(center, name, f"{source}: contact_center.{name}") for name in CENTER_FIELDS}
    _check(_PHONE, fields["phone"], f"{source}: contact_center.phone", 'a number like "042-10 50 00"')
    _check(_EMAIL, fields["email"], f"{source}: contact_center.email", "an e-mail address")
    return ContactFacts(
        **fields,
        public_record_notice=_text(data, "public_record_notice", f"{source}: public_record_notice"),
        services=MappingProxyType(_services(_mapping(data, "services", source), source)),
        links=MappingProxyType(_links(_mapping(data, "links", source), source)),
    )


def _services(section: dict[str, Any], source: Path) -> dict[str, Service]:
    services = {}
    for key, entry in section.items():
        where = f"{source}: services.{key}"
        if not _KEY.match(key):
            raise ContactConfigError(f"{where}: the key must be lower-case letters, digits and _")
        if not isinstance(entry, dict):
            raise ContactConfigError(f"{where}: must be a mapping with name and number")
        _no_unknown(entry, ("name", "number"), where)
        number = _text(entry, "number", f"{where}.number")
        _check(_PHONE, number, f"{where}.number", 'a number like "114 14" or "020-50 50 50"')
        services[key] = Service(key, _text(entry, "name", f"{where}.name"), number)
    _required(services, REQUIRED_SERVICES, f"{source}: services")
    return services


def _links(section: dict[str, Any], source: Path) -> dict[str, str]:
    links = {}
    for key, value in section.items():
        where = f"{source}: links.{key}"
        if not _KEY.match(key):
            raise ContactConfigError(f"{where}: the key must be lower-case letters, digits and _")
        if not isinstance(value, str):
            raise ContactConfigError(f"{where}: must be a web address")
        _check(_URL, value.strip(), where, "a web address starting with https://")
        links[key] = value.strip()
    _required(links, REQUIRED_LINKS, f"{source}: links")
    return links


def _mapping(data: dict[str, Any], key: str, source: Path) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ContactConfigError(f"{source}: {key}: must be a mapping")
    return value


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContactConfigError(f"{where}: must be a non-empty text")
    return " ".join(value.split())


def _check(pattern: re.Pattern[str], value: str, where: str, expected: str) -> None:
    if not pattern.match(value):
        raise ContactConfigError(f"{where}: must be {expected}, got {value!r}")


def _no_unknown(data: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ContactConfigError(f"{where}: unknown field {unknown[0]!r}; expected {', '.join(known)}")


def _required(found: dict[str, Any], required: tuple[str, ...], where: str) -> None:
    for key in required:
        if key not in found:
            raise ContactConfigError(f"{where}.{key}: missing")
