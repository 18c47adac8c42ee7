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
MIN_OUT_OF_SCOPE = 80
MIN_PARAPHRASES = 60
MIN_ORDINARY = 80
MIN_PARAPHRASES_PER_SEED_INTENT = 3
# Seed topics that issue 11 asked answers for (now in the architecture table too).
SEED_INTENTS = {"agreement", "social_media", "crisis_information", "health_advice"}
# Issue 11's confident wrong answers: each must stay in the set with the intent that is right.
ISSUE_CASES = {
    "Jag vill prata med en kommunvägledare om klotter": "human_handoff",
    "pratar jag med en människa nu": "bot_challenge",
    "Jag har blivit lurad på nätet och förlorat pengar": "report_crime",
    "parken är så mörk på kvällen, kan ni sätta upp mer belysning": "report_fault",
}
ISSUE_OUT_OF_SCOPE = {"hur blir jag nattvandrare", "kan ni kolla om jag har ett ärende"}
ENTITIES = {"stadsdel", "weekday"}
WEEKDAY_VALUES = {"måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag", "idag", "imorgon"}
ACTION_FOR_INTENT = {
    "opening_hours": "action_opening_hours",
    "human_handoff": "action_handoff",
    "welfare_crime_tip": "utter_offer_person_crime_tip",
    "complaint_safety_work": "utter_offer_person_complaint",
    "signal_decline": "action_withdraw_signal",
}
# Never queued without asking (issue 13): "ja" right after one of these offers hands over.
OFFERS_OF_A_PERSON = {"utter_offer_person_crime_tip", "utter_offer_person_complaint", "action_fallback"}
# Actions that always follow the answer of an intent in the same turn (the district belongs to that turn;
# a trygghetssignal is recorded after the answer, issue 16).
FOLLOW_UP_ACTIONS = {
    "feeling_unsafe": ["action_forget_district", "action_record_signal"],
    "report_fault": ["action_record_signal"],
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
    assert len(intents) == 34  # 33, and signal_decline (issue 16)
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
        turns = []
        for step in steps:
            if "user" in step:
                turns.append((step, []))
            else:
                assert turns, story["story"]
                turns[-1][1].append(step)
        previous_action = None
        for user, bots in turns:
            assert user["intent"] in intents, story["story"]
            assert user["user"].strip(), story["story"]
            expected = [ACTION_FOR_INTENT.get(user["intent"], f"utter_{user['intent']}")]
            if user["intent"] == "affirm" and previous_action in OFFERS_OF_A_PERSON:
                expected = ["action_handoff"]
            previous_action = bots[-1]["action"] if bots else None
            expected += FOLLOW_UP_ACTIONS.get(user["intent"], [])
            assert bots == [{"action": name} for name in expected], story["story"]


def unsure_messages(document):
    """All texts of unsure_cases.yml, section by section, in file order."""
    return {
        "out_of_scope": document["out_of_scope"],
        "paraphrases": [item["text"] for item in document["paraphrases"]],
        "ordinary": document["ordinary"],
    }


def first_heldout_messages():
    """Messages of the first held-out set (test_nlu.yml, emergency_cases.yml, test_stories.yml)."""
    examples = examples_by_intent(load("test_nlu.yml"))
    cases = load("emergency_cases.yml")
    stories = load("test_stories.yml")["stories"]
    messages = [m for found in examples.values() for m in found]
    messages += cases["emergencies"] + cases["not_emergencies"]
    messages += [step["user"] for story in stories for step in story["steps"] if "user" in step]
    return messages


def heldout_messages():
    messages = first_heldout_messages()
    messages += [m for section in unsure_messages(load("unsure_cases.yml")).values() for m in section]
    return {normalised(message) for message in messages}


def test_unsure_cases_have_three_sections_of_plain_items():
    document = load("unsure_cases.yml")
    assert set(document) == {"out_of_scope", "paraphrases", "ordinary"}
    assert all(isinstance(text, str) and text.strip() for text in document["out_of_scope"] + document["ordinary"])
    for item in document["paraphrases"]:
        assert set(item) == {"text", "intent"}, item
        assert isinstance(item["text"], str) and item["text"].strip(), item
    assert len(document["out_of_scope"]) >= MIN_OUT_OF_SCOPE
    assert len(document["paraphrases"]) >= MIN_PARAPHRASES
    assert len(document["ordinary"]) >= MIN_ORDINARY


def test_paraphrases_use_known_intents_and_cover_the_seed_topics():
    paraphrases = load("unsure_cases.yml")["paraphrases"]
    known = contract_intents() | SEED_INTENTS
    unknown = sorted({item["intent"] for item in paraphrases} - known)
    assert unknown == []
    # out_of_scope has its own section; a paraphrase is always of a real topic.
    assert "out_of_scope" not in {item["intent"] for item in paraphrases}
    counts = {name: sum(item["intent"] == name for item in paraphrases) for name in SEED_INTENTS | {"lagesbild"}}
    assert {name: n for name, n in counts.items() if n < MIN_PARAPHRASES_PER_SEED_INTENT} == {}


def test_the_issue_cases_are_in_the_unsure_set():
    document = load("unsure_cases.yml")
    intent_of = {item["text"]: item["intent"] for item in document["paraphrases"]}
    assert {text: intent_of.get(text) for text in ISSUE_CASES} == ISSUE_CASES
    assert ISSUE_OUT_OF_SCOPE <= set(document["out_of_scope"])


def test_no_unsure_message_appears_twice_or_in_the_first_heldout_set():
    seen = {normalised(message): "first held-out set" for message in first_heldout_messages()}
    repeated = []
    for section, messages in unsure_messages(load("unsure_cases.yml")).items():
        for message in messages:
            key = normalised(message)
            if key in seen:
                repeated.append(f"{message!r} in {section} and {seen[key]}")
            seen[key] = section
    assert repeated == []


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
