"""Contact details from settings/handoff.yml, and that the actions use them."""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.config import PROJECT_ROOT
from actions.contact_center import ContactCenter, load_contact_center
from actions.handoff import ActionHandoff
from actions.left_message import ActionSubmitLeftMessage
from actions.opening_hours import ActionOpeningHours
from tests.actions.trackers import make_tracker

CONFIGURED = 'contact_center:\n  phone: "042-99 99 99"\n  email: test@helsingborg.se\n'


def test_the_projects_handoff_file_is_understood(caplog):
    """The reader must understand the file the router reads, not silently fall back."""
    center = load_contact_center(PROJECT_ROOT / "settings")
    assert "handoff.yml" not in caplog.text
    assert center.phone and center.email


def test_missing_file_gives_the_defaults(tmp_path):
    assert load_contact_center(tmp_path) == ContactCenter("042-10 50 00", "kontaktcenter@helsingborg.se")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("contact_center: [phone]\n", ContactCenter()),
        ("closing_margin_minutes: 15\n", ContactCenter()),
        ("contact_center: {phone: '', email: x@y.se}\n", ContactCenter(email="x@y.se")),
        ("contact_center: {phone: 42}\n", ContactCenter()),
        ("contact_center: {phone: [\n", ContactCenter()),
    ],
)
def test_unusable_fields_fall_back_to_the_defaults(tmp_path, text, expected, caplog):
    (tmp_path / "handoff.yml").write_text(text, encoding="utf-8")
    assert load_contact_center(tmp_path) == expected
    assert "handoff.yml" in caplog.text


@pytest.mark.asyncio
async def test_actions_use_the_configured_phone_and_email(router_down):
    (router_down.settings_dir / "handoff.yml").write_text(CONFIGURED, encoding="utf-8")
    dispatcher = CollectingDispatcher()

    await ActionOpeningHours(router_down).run(dispatcher, make_tracker("opening_hours"), {})
    await ActionHandoff(router_down).run(dispatcher, make_tracker("human_handoff"), {})
    await ActionSubmitLeftMessage(router_down).run(
        dispatcher, make_tracker("leave_message", slots={"left_message_text": "Hej", "left_message_contact": None}), {}
    )

    hours, handoff, left = (message["text"] for message in dispatcher.messages)
    assert hours.endswith("Du når kontaktcenter på 042-99 99 99.")
    assert "Du kan ringa kontaktcenter på 042-99 99 99 eller lämna ett meddelande här." in handoff
    assert left.endswith("ringa kontaktcenter på 042-99 99 99 eller mejla test@helsingborg.se – mejl besvaras inom 24 timmar på arbetsdagar.")
    assert "042-10 50 00" not in hours + handoff + left
