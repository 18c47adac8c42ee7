"""settings/contact.yml: the strict loader, tel: links, GET /api/contact and the texts filled from it."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from router.app import create_app
from facts.contact import ContactConfigError, load_contact_facts, phone_digits, tel_uri

SETTINGS_DIR = Path(__file__).resolve().parents[2] / "settings"
SHIPPED = yaml.safe_load((SETTINGS_DIR / "contact.yml").read_text(encoding="utf-8"))


def test_the_shipped_file_loads_and_says_what_facts_md_says() -> None:
    facts = load_contact_facts(SETTINGS_DIR)
    assert (facts.phone, facts.email, facts.address) == ("042-10 50 00", "kontaktcenter@helsingborg.se", "Stortorget 17")
    assert facts.email_answered == "inom 24 timmar på arbetsdagar"
    assert {s.number for s in facts.services.values()} >= {"112", "114 14", "116 006", "90101", "1177", "113 13"}
    assert "allmän handling" in facts.public_record_notice and "personnummer" in facts.public_record_notice


@pytest.mark.parametrize(
    "number, uri",
    [("042-10 50 00", "tel:+4642105000"), ("020-50 50 50", "tel:+4620505050"),
     ("112", "tel:112"), ("114 14", "tel:11414"), ("116 006", "tel:116006")],
)
def test_tel_links_dial_the_number(number, uri) -> None:
    assert tel_uri(number) == uri


def test_phone_digits_compare_numbers_however_they_are_written() -> None:
    assert phone_digits("+46 42-10 50 00") == phone_digits("0046421050 00") == phone_digits("042-105000") == "042105000"
    # The mistake the old /integritet page had: one zero too many.
    assert phone_digits("+46421050000") != phone_digits("042-10 50 00")


def _broken(**changes) -> dict:
    data = yaml.safe_load((SETTINGS_DIR / "contact.yml").read_text(encoding="utf-8"))
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = data
        for key in parents:
            target = target[key]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return data


@pytest.mark.parametrize(
    "data, message",
    [
        (_broken(contact_center__phone="042 10 50 00 (växel)"), "contact_center.phone: must be a number"),
        (_broken(contact_center__phone=None), "contact_center.phone: must be a non-empty text"),
        (_broken(contact_center__email="kontaktcenter"), "contact_center.email: must be an e-mail address"),
        (_broken(contact_center__fax="042-10 50 01"), "contact_center: unknown field 'fax'"),
        (_broken(public_record_notice="  "), "public_record_notice: must be a non-empty text"),
        (_broken(services__police=None), "services.police: missing"),
        (_broken(services__victim_support={"name": "Brottsofferjouren", "number": "116 OO6"}),
         "services.victim_support.number: must be a number"),
        (_broken(services__Tips={"name": "x", "number": "1"}), "services.Tips: the key must be lower-case"),
        (_broken(links__police="polisen.se"), "links.police: must be a web address starting with https://"),
        (_broken(links__city=None), "links.city: missing"),
        (_broken(extra="x"), r"\(file\): unknown field 'extra'"),
        (["a list"], r"\(file\): must be a mapping"),
    ],
)
def test_a_wrong_field_is_named(tmp_path, data, message) -> None:
    (tmp_path / "contact.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContactConfigError, match=message):
        load_contact_facts(tmp_path)


def test_a_missing_file_is_named(tmp_path) -> None:
    with pytest.raises(ContactConfigError, match="contact.yml: cannot be read"):
        load_contact_facts(tmp_path)


def test_the_router_does_not_start_with_a_wrong_contact_file(tmp_path, settings) -> None:
    for name in ("hours.yml", "handoff.yml", "canned_answers.yml", "retention.yml", "admin.yml"):
        (tmp_path / name).write_text((SETTINGS_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    data = _broken(contact_center__phone="tio femtio")
    (tmp_path / "contact.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContactConfigError, match="contact_center.phone"):
        create_app(replace(settings, settings_dir=tmp_path))


@pytest.mark.asyncio
async def test_api_contact_serves_the_facts_to_the_widget(client) -> None:
    response = await client.get("/api/contact")
    body = await response.json()
    assert response.status == 200 and response.headers["Cache-Control"] == "no-cache"
    center = SHIPPED["contact_center"]
    assert (body["phone"], body["tel"], body["email"]) == (center["phone"], "tel:+4642105000", center["email"])
    assert body["public_record_notice"] == " ".join(SHIPPED["public_record_notice"].split())
    assert body["services"]["emergency"] == {"name": "Nödnumret", "number": "112", "tel": "tel:112"}
    assert body["links"]["police"] == "https://polisen.se"


@pytest.mark.asyncio
async def test_the_router_fills_its_texts_from_the_contact_file(client) -> None:
    created = await (await client.post("/api/conversations")).json()
    facts = load_contact_facts(SETTINGS_DIR)
    assert facts.public_record_notice in created["notice"] and facts.phone in created["notice"]
