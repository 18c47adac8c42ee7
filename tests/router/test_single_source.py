"""One source for contact facts: every phone number, e-mail address and web address residents can be shown
is one from settings/contact.yml, written as there; the contact center's own details and the public-record
notice are filled in from it, never typed; and the notice is worded once.

The scan covers domain.yml's responses, the actions, the router's texts and pages, the static JavaScript
and the settings (tests/router/resident_texts.py says how). The tests below also prove it can fail: each
plants one stray fact in a copy of the project and expects the scan to name it.
"""
from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

import pytest

from facts.contact import load_contact_facts
from router.core.config import PROJECT_ROOT
from tests.router.resident_texts import phone_numbers, scan, units, web_addresses

FACTS = load_contact_facts(PROJECT_ROOT / "settings")
KNOWN = FACTS.phone_numbers()


@cache
def project_findings() -> frozenset[tuple[str, str]]:
    return frozenset((finding.file, finding.problem) for finding in scan(PROJECT_ROOT))


def test_every_number_address_and_notice_residents_see_comes_from_contact_yml() -> None:
    findings = scan(PROJECT_ROOT)
    assert not findings, "\n".join(str(finding) for finding in findings)


def test_the_scan_reads_every_kind_of_file() -> None:
    """The clean result above means something only if the scan sees the numbers that are there."""
    found: dict[str, set[str]] = {}
    for unit in units(PROJECT_ROOT, FACTS):
        found.setdefault(unit.file, set()).update(phone_numbers(unit.text, KNOWN))
    assert {"112", "114 14", "116 006"} <= found["domain.yml"]
    assert FACTS.phone in found["domain.yml"]  # through the {contact_phone} slot
    assert "112" in found["actions/handoff.py"] and "114 14" in found["actions/handoff.py"]
    assert "112" in found["router/texts.py"]
    assert "112" in found["router/static/widget.js"]
    assert {FACTS.phone, "tel:+4642105000", "114 14", "tel:11414"} <= found["router/templates/integritet.html"]
    assert FACTS.phone in found["router/templates/demo.html"]
    assert {FACTS.phone, "042-10 64 56", "042-10 68 69"} <= found["settings/canned_answers.yml"]


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("Ring 112 nu. Tips på 114 14 eller 1177.", ["112", "114 14", "1177"]),
        ("Kontaktcenter: 042-10 50 00, +46 42 10 50 00 eller tel:+4642105000.",
         ["tel:+4642105000", "042-10 50 00", "+46 42 10 50 00"]),
        ("Ring 1178 eller 11414.", ["1178", "11414"]),
        ("Öppet 08.00–17.00, kl. 15.00, 2023–2026, 2026-12-24, ärende HBG-2026-000123.", []),
        ("Högst 2 000 tecken, 730 dagar, 24 timmar, 320 px, de senaste 500 händelserna, ISO 8601.", []),
    ],
)
def test_what_counts_as_a_phone_number(text, numbers) -> None:
    assert phone_numbers(text, KNOWN) == numbers


def test_what_counts_as_a_web_address() -> None:
    text = "Anmäl på https://polisen.se/anmal. Läs mer på helsingborg.se eller mejla kontaktcenter@helsingborg.se."
    assert web_addresses(text) == ["https://polisen.se/anmal", "helsingborg.se"]


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The files the scan reads, copied so that a test can plant a stray fact."""
    shutil.copy(PROJECT_ROOT / "domain.yml", tmp_path / "domain.yml")
    for folder in ("actions", "router", "settings"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


@pytest.mark.parametrize(
    "file, old, new, problem",
    [
        ("router/static/widget.js", 'emergency: "Akut fara? Ring 112."', 'emergency: "Akut fara? Ring 112 eller 042-10 50 01."',
         "phone number '042-10 50 01' is not in settings/contact.yml"),
        ("domain.yml", "Brottsofferjouren på 116 006", "Brottsofferjouren på 116 060",
         "phone number '116 060' is not in settings/contact.yml"),
        ("router/texts.py", "Är det akut – ring 112.", "Är det akut – ring 1122.",
         "phone number '1122' is not in settings/contact.yml"),
        ("settings/canned_answers.yml", "på 042-10 64 56", "på 042-106456",
         "phone number '042-106456' is written differently in settings/contact.yml"),
        ("router/templates/integritet.html", 'href="{{ contact.tel }}"', 'href="tel:+46421050000"',
         "phone number 'tel:+46421050000' is not in settings/contact.yml"),
        ("actions/left_message.py", '"Tack! Ditt meddelande', '"Tack! Mejla info@helsingborg.se. Ditt meddelande',
         "e-mail address 'info@helsingborg.se' is not in settings/contact.yml"),
        ("router/static/widget.js", 'privacy: "Så hanterar vi dina uppgifter"',
         'privacy: "Så hanterar vi dina uppgifter (https://helsingborg.se/integritet)"',
         "web address 'https://helsingborg.se/integritet' is not in settings/contact.yml"),
        ("actions/handoff.py", "Är det akut – ring 112.", "Är det akut – ring 112. Eller ring 042-10 50 00.",
         "the contact center's phone is typed here; fill it in from settings/contact.yml"),
        ("router/texts.py", 'LEFT_QUEUE = "Du har lämnat kön.', 'LEFT_QUEUE = "Det du skriver blir en allmän handling. Du har lämnat kön.',
         "speaks of public records but not with the notice from settings/contact.yml"),
    ],
)
def test_a_stray_fact_is_found(project_copy: Path, file, old, new, problem) -> None:
    path = project_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{file} no longer contains {old!r}; choose another place to plant the stray fact"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")

    after = {(f.file, f.problem) for f in scan(project_copy)}

    assert (file, problem) in after - project_findings()
