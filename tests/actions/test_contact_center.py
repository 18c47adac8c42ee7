"""Contact details from settings/contact.yml (the file the router reads too), and that the actions use them."""
from __future__ import annotations

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.config import PROJECT_ROOT
from actions.handoff import ActionHandoff
from actions.left_message import ActionSubmitLeftMessage
from actions.opening_hours import ActionOpeningHours
from facts.contact import ContactConfigError, load_contact_facts
from tests.actions.trackers import make_tracker

SHIPPED = yaml.safe_load((PROJECT_ROOT / "settings" / "contact.yml").read_text(encoding="utf-8"))


def _configured(**center: str) -> str:
    data = yaml.safe_load((PROJECT_ROOT / "settings" / "contact.yml").read_text(encoding="utf-8"))
    data["contact_center"].update(center)
    return yaml.safe_dump(data, allow_unicode=True)


def test_the_projects_contact_file_is_understood():
    center = load_contact_facts(PROJECT_ROOT / "settings")
    assert (center.phone, center.email, center.address) == (
        SHIPPED["contact_center"]["phone"], SHIPPED["contact_center"]["email"], SHIPPED["contact_center"]["address"]
    )
    assert center.public_record_notice == " ".join(SHIPPED["public_record_notice"].split())


@pytest.mark.parametrize(
    "text, message",
    [
        (_configured(phone=""), "contact_center.phone: must be a non-empty text"),
        (_configured(phone="ring växeln"), "contact_center.phone: must be a number"),
        (_configured(email_answered="  "), "contact_center.email_answered: must be a non-empty text"),
        ("public_record_notice: x\n", "contact_center: must be a mapping"),
        ("contact_center: {phone: [\n", "not valid YAML"),
    ],
)
def test_a_wrong_field_is_named(tmp_path, text, message):
    (tmp_path / "contact.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ContactConfigError, match=message):
        load_contact_facts(tmp_path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ContactConfigError, match="contact.yml: cannot be read"):
        load_contact_facts(tmp_path)


@pytest.mark.asyncio
async def test_actions_use_the_configured_phone_and_email(router_down):
    (router_down.settings_dir / "contact.yml").write_text(
        _configured(phone="042-99 99 99", email="test@helsingborg.se", email_answered="inom en vecka"),
        encoding="utf-8",
    )
    dispatcher = CollectingDispatcher()

    await ActionOpeningHours(router_down).run(dispatcher, make_tracker("opening_hours"), {})
    await ActionHandoff(router_down).run(dispatcher, make_tracker("human_handoff"), {})
    await ActionSubmitLeftMessage(router_down).run(
        dispatcher, make_tracker("leave_message", slots={"left_message_text": "Hej", "left_message_contact": None}), {}
    )

    hours, handoff, left = (message["text"] for message in dispatcher.messages)
    assert hours.endswith("Du når kontaktcenter på 042-99 99 99.")
    assert "Du kan ringa kontaktcenter på 042-99 99 99 eller lämna ett meddelande här." in handoff
    assert left.endswith("ringa kontaktcenter på 042-99 99 99 eller mejla test@helsingborg.se – mejl besvaras inom en vecka.")
    assert SHIPPED["contact_center"]["phone"] not in hours + handoff + left
