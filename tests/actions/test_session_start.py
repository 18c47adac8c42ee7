"""`action_session_start` puts the contact facts into the slots the bot's answers in domain.yml name."""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.contact_center import ContactCenterError, load_contact_center
from actions.session_start import ActionSessionStart
from tests.actions.trackers import make_tracker


@pytest.mark.asyncio
async def test_a_session_starts_with_the_facts_in_slots(settings):
    events = await ActionSessionStart(settings).run(CollectingDispatcher(), make_tracker("greet"), {})

    assert events[0]["event"] == "session_started"
    assert events[-1] == {"event": "action", "name": "action_listen", "policy": None, "confidence": None,
                          "timestamp": None}
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    contact = load_contact_center(settings.settings_dir)
    assert slots == contact.slots()
    assert slots["contact_phone"] == contact.phone and slots["public_record_notice"] == contact.public_record_notice


@pytest.mark.asyncio
async def test_the_session_start_metadata_is_kept(settings):
    tracker = make_tracker("greet", slots={"session_started_metadata": {"channel": "router"}})
    events = await ActionSessionStart(settings).run(CollectingDispatcher(), tracker, {})
    assert {"event": "slot", "name": "session_started_metadata", "value": {"channel": "router"}, "timestamp": None} in events


def test_a_wrong_contact_file_stops_the_action_server_at_start(settings):
    (settings.settings_dir / "contact.yml").write_text("contact_center: {phone: x}\n", encoding="utf-8")
    with pytest.raises(ContactCenterError, match="contact_center.name"):
        ActionSessionStart(settings)

