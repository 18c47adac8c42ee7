"""validate_leave_message_form: contact details written in the left message fill the contact slot, so
the form does not ask for them again (issue 13)."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.left_message_form import ValidateLeaveMessageForm, contact_in
from tests.actions.trackers import CONVERSATION_ID, action_event, user_event

DOMAIN = {"forms": {"leave_message_form": {"required_slots": ["left_message_text", "left_message_contact"]}}}


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("Gatlyktan är trasig, ring mig på 070-123 45 67", "070-123 45 67"),
        ("Mejla anna.svensson@example.se om klottret.", "anna.svensson@example.se"),
        ("Nås på +46 70 123 45 67 efter kl 16", "+46 70 123 45 67"),
        ("Ring 0701234567 eller skriv till a@b.se", "a@b.se"),
        ("Det hände 2026-11-30 kl 22.15 vid busshållplatsen", None),
        ("Ärende HBG-2026-000002 gäller fortfarande", None),
        ("Lampan har varit trasig i 3 veckor", None),
    ],
)
def test_contact_in_the_message(text, contact) -> None:
    assert contact_in(text) == contact


def form_tracker(text: str) -> Tracker:
    """The form just took the resident's message as left_message_text."""
    events = [
        action_event("leave_message_form"),
        {"event": "active_loop", "timestamp": None, "name": "leave_message_form"},
        {"event": "slot", "timestamp": None, "name": "requested_slot", "value": "left_message_text"},
        action_event("action_listen"),
        user_event("out_of_scope", text),
        {"event": "slot", "timestamp": None, "name": "left_message_text", "value": text},
    ]
    return Tracker(
        CONVERSATION_ID, {"left_message_text": text, "requested_slot": "left_message_text"},
        events[4]["parse_data"], events, False, None, {"name": "leave_message_form"}, "action_listen",
    )


@pytest.mark.asyncio
async def test_a_phone_number_in_the_message_fills_the_contact() -> None:
    text = "Klotter på skolan, ring mig på 070-123 45 67"
    events = await ValidateLeaveMessageForm().run(CollectingDispatcher(), form_tracker(text), DOMAIN)
    assert SlotSet("left_message_text", text) in events
    assert SlotSet("left_message_contact", "070-123 45 67") in events


@pytest.mark.asyncio
async def test_without_contact_details_the_form_still_asks() -> None:
    text = "Klotter på skolan vid Fredriksdal"
    events = await ValidateLeaveMessageForm().run(CollectingDispatcher(), form_tracker(text), DOMAIN)
    assert SlotSet("left_message_text", text) in events
    assert not [e for e in events if e.get("name") == "left_message_contact"]
