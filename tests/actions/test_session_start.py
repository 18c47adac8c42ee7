"""`action_session_start` puts the contact facts into the slots the bot's answers in domain.yml name."""
from __future__ import annotations

import re

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.config import PROJECT_ROOT
from facts.contact import ContactConfigError, load_contact_facts
from actions.session_start import ActionSessionStart
from tests.actions.trackers import make_tracker

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")  # as Rasa's response interpolation finds them


@pytest.mark.asyncio
async def test_a_session_starts_with_the_facts_in_slots(settings):
    events = await ActionSessionStart(settings).run(CollectingDispatcher(), make_tracker("greet"), {})

    assert events[0]["event"] == "session_started"
    assert events[-1] == {"event": "action", "name": "action_listen", "policy": None, "confidence": None,
                          "timestamp": None}
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    contact = load_contact_facts(settings.settings_dir)
    assert slots == contact.placeholders()
    assert slots["contact_phone"] == contact.phone and slots["public_record_notice"] == contact.public_record_notice


@pytest.mark.asyncio
async def test_the_session_start_metadata_is_kept(settings):
    tracker = make_tracker("greet", slots={"session_started_metadata": {"channel": "router"}})
    events = await ActionSessionStart(settings).run(CollectingDispatcher(), tracker, {})
    assert {"event": "slot", "name": "session_started_metadata", "value": {"channel": "router"}, "timestamp": None} in events


def test_a_wrong_contact_file_stops_the_action_server_at_start(settings):
    (settings.settings_dir / "contact.yml").write_text("contact_center: {phone: x}\n", encoding="utf-8")
    with pytest.raises(ContactConfigError, match="contact_center.name"):
        ActionSessionStart(settings)


def test_every_placeholder_in_the_answers_is_a_slot_and_the_contact_slots_are_set_at_session_start():
    contact_slots = set(load_contact_facts(PROJECT_ROOT / "settings").placeholders())
    declared = DOMAIN.get("slots", {})
    used = {name for _, text in _response_texts() for name in PLACEHOLDER.findall(text)}
    assert used <= set(declared), f"placeholders without a slot: {sorted(used - set(declared))}"
    assert {"contact_phone", "contact_email", "contact_address", "public_record_notice"} <= used
    for name in used & contact_slots:
        slot = declared[name]
        # Set only by action_session_start: no mapping fills it from what a resident writes.
        assert slot["mappings"] == [{"type": "custom"}] and slot.get("influence_conversation") is False
        assert "initial_value" not in slot, f"{name}: a second copy of the fact; it comes from contact.yml"
    assert "action_session_start" in DOMAIN["actions"]


def _response_texts():
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            if "text" in variant:
                yield name, variant["text"]


@pytest.mark.asyncio
async def test_rasa_fills_the_answers_from_the_slots_the_session_start_sets(settings):
    """Rasa's own domain loading and response rendering, with the events this action returns: every answer
    that names a contact slot comes out with the facts of settings/contact.yml and no placeholder left."""
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

    (settings.settings_dir / "contact.yml").write_text(
        (PROJECT_ROOT / "settings" / "contact.yml").read_text(encoding="utf-8").replace("042-10 50 00", "042-99 99 99"),
        encoding="utf-8",
    )
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    events = await ActionSessionStart(settings).run(CollectingDispatcher(), make_tracker("greet"), {})
    tracker = DialogueStateTracker.from_events("c", [Event.from_parameters(e) for e in events], domain.slots)
    contact = load_contact_facts(settings.settings_dir)
    generator = TemplatedNaturalLanguageGenerator(domain.responses)

    named = sorted({name for name, text in _response_texts() if set(PLACEHOLDER.findall(text)) & set(contact.placeholders())})
    assert "utter_contact_details" in named and "utter_ask_left_message_text" in named
    for name in named:
        text = (await generator.generate(name, tracker, "rest"))["text"]
        assert "{" not in text and "None" not in text, f"{name}: {text}"
    details = (await generator.generate("utter_contact_details", tracker, "rest"))["text"]
    assert "042-99 99 99" in details and contact.email in details and contact.address in details
    ask = (await generator.generate("utter_ask_left_message_text", tracker, "rest"))["text"]
    assert contact.public_record_notice in ask
