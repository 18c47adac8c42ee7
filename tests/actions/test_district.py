"""action_forget_district and the domain around it: a district is used only in the turn that named it."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.district import DISTRICT_SLOT, ActionForgetDistrict
from tests.actions.trackers import make_tracker

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.asyncio
async def test_a_named_district_is_forgotten_after_its_answer():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("feeling_unsafe", slots={DISTRICT_SLOT: "Drottninghög"})
    events = await ActionForgetDistrict().run(dispatcher, tracker, {})
    assert events == [SlotSet(DISTRICT_SLOT, None)]
    assert dispatcher.messages == []


@pytest.mark.asyncio
async def test_nothing_to_forget_sets_nothing():
    events = await ActionForgetDistrict().run(CollectingDispatcher(), make_tracker("feeling_unsafe"), {})
    assert events == []


def test_every_answer_that_names_the_district_forgets_it_in_the_same_turn():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    using_district = {
        name
        for name, variations in domain["responses"].items()
        if any("{" + DISTRICT_SLOT + "}" in variation.get("text", "") for variation in variations)
    }
    assert using_district == {"utter_feeling_unsafe"}
    for rule in rules:
        actions = [step["action"] for step in rule["steps"] if "action" in step]
        for index, action in enumerate(actions):
            if action in using_district:
                assert actions[index + 1 : index + 2] == ["action_forget_district"], rule["rule"]


def test_only_a_feeling_unsafe_message_fills_the_district():
    mappings = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["slots"][DISTRICT_SLOT]["mappings"]
    assert mappings == [{"type": "from_entity", "entity": DISTRICT_SLOT, "intent": "feeling_unsafe"}]
