"""Structural checks for the held-out NLU sets, and a leakage check against the training data.

Run with the router venv (Python 3.11, pyyaml, pytest): `.venv/bin/python -m pytest tests/nlu -q`.
"""

import json
import re
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
REPO = HERE.parent.parent
ARCHITECTURE = REPO / "docs" / "architecture.md"
TRAINING_DIR = REPO / "data" / "nlu"

MIN_EXAMPLES_PER_INTENT = 10
MIN_EMERGENCY_CASES = 60
MIN_WORDS_FOR_LEAK = 4
ENTITIES = {"stadsdel", "weekday"}
WEEKDAY_VALUES = {"måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag", "idag", "imorgon"}
ACTION_FOR_INTENT = {
    "opening_hours": "action_opening_hours",
    "human_handoff": "action_handoff",
    "welfare_crime_tip": "action_handoff",
    "complaint_safety_work": "action_handoff",
}

# [text](entity) or [text]{"entity": ..., "value": ...}
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<attrs>\{[^}]*\}))")


def load(name):
    with open(HERE / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def contract_intents():
    """Intent names from the 'Intents' table in docs/architecture.md (nlu_fallback is not a trained intent)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Intents", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            first_cell = re.sub(r"\(.*?\)", "", line.split("|")[1])  # drop "(entity `stadsdel`)"
            names.update(re.findall(r"`([a-z_]+)`", first_cell))
    names.discard("nlu_fallback")
    return names


def examples_by_intent(document):
    result = {}
    for item in document["nlu"]:
        if "intent" in item:
            lines = [line.strip() for line in item["examples"].splitlines() if line.strip()]
            assert all(line.startswith("- ") for line in lines), item["intent"]
            result.setdefault(item["intent"], []).extend(line[2:].strip() for line in lines)
    return result


def annotations(message):
    for match in ANNOTATION.finditer(message):
        if match.group("attrs"):
            attrs = json.loads(match.group("attrs"))
            yield match.group("text"), attrs["entity"], attrs.get("value", match.group("text"))
        else:
            yield match.group("text"), match.group("name"), match.group("text")


def plain_text(message):
    return ANNOTATION.sub(lambda m: m.group("text"), message)


def normalised(message):
    return " ".join(re.sub(r"[^\w\s]", " ", plain_text(message).lower()).split())


def test_every_contract_intent_has_enough_examples():
    examples = examples_by_intent(load("test_nlu.yml"))
    intents = contract_intents()
    assert len(intents) == 29
    assert set(examples) == intents
    too_few = {name: len(found) for name, found in examples.items() if len(found) < MIN_EXAMPLES_PER_INTENT}
    assert too_few == {}


def test_no_message_appears_twice_in_the_test_set():
    seen = {}
    for intent, messages in examples_by_intent(load("test_nlu.yml")).items():
        for message in messages:
            key = normalised(message)
            assert key not in seen, f"{message!r} in {intent} and {seen[key]}"
            seen[key] = intent


def test_entity_annotations_use_contract_names_and_values():
    examples = examples_by_intent(load("test_nlu.yml"))
    for intent, messages in examples.items():
        for message in messages:
            assert message.count("[") == len(list(annotations(message))), message
            for text, entity, value in annotations(message):
                assert entity in ENTITIES, message
                if entity == "weekday":
                    assert value in WEEKDAY_VALUES, message
                else:
                    assert value[0].isupper(), message
    districts = [a for m in examples["feeling_unsafe"] for a in annotations(m) if a[1] == "stadsdel"]
    weekdays = [a for m in examples["opening_hours"] for a in annotations(m) if a[1] == "weekday"]
    assert len(districts) >= 10
    assert len(weekdays) >= 10


def test_emergency_cases_are_large_and_disjoint():
    cases = load("emergency_cases.yml")
    assert set(cases) == {"emergencies", "not_emergencies"}
    emergencies = [normalised(text) for text in cases["emergencies"]]
    not_emergencies = [normalised(text) for text in cases["not_emergencies"]]
    assert all(isinstance(text, str) for text in cases["emergencies"] + cases["not_emergencies"])
    assert len(set(emergencies)) == len(emergencies) >= MIN_EMERGENCY_CASES
    assert len(set(not_emergencies)) == len(not_emergencies) >= MIN_EMERGENCY_CASES
    assert not set(emergencies) & set(not_emergencies)


def test_stories_follow_the_action_conventions():
    document = load("test_stories.yml")
    assert document["version"] == "3.1"
    intents = contract_intents()
    for story in document["stories"]:
        steps = [step for step in story["steps"] if "slot_was_set" not in step]
        for user, bot in zip(steps[::2], steps[1::2]):
            assert user["intent"] in intents, story["story"]
            assert user["user"].strip(), story["story"]
            expected = ACTION_FOR_INTENT.get(user["intent"], f"utter_{user['intent']}")
            assert bot == {"action": expected}, story["story"]
        assert len(steps) % 2 == 0, story["story"]


def heldout_messages():
    examples = examples_by_intent(load("test_nlu.yml"))
    cases = load("emergency_cases.yml")
    stories = load("test_stories.yml")["stories"]
    messages = [m for found in examples.values() for m in found]
    messages += cases["emergencies"] + cases["not_emergencies"]
    messages += [step["user"] for story in stories for step in story["steps"] if "user" in step]
    return {normalised(message) for message in messages}


def test_no_heldout_message_is_in_the_training_data():
    files = sorted(TRAINING_DIR.glob("**/*.yml"))
    if not files:
        pytest.skip(f"no training data in {TRAINING_DIR}")
    training = set()
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in document.get("nlu", []):
            if "intent" in item:
                training.update(normalised(line.strip()[2:]) for line in item["examples"].splitlines() if line.strip())
    # Short stock phrases ("hej då", "tack så mycket", "nej tack") occur in any two sets written
    # independently; only longer identical messages point to copying.
    leaked = sorted(m for m in heldout_messages() & training if len(m.split()) >= MIN_WORDS_FOR_LEAK)
    assert leaked == []
