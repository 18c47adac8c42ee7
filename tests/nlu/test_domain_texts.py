"""Resident-facing answers in domain.yml: short enough to read in a chat bubble, and the wordings that
issue 11 item 7 fixed stay fixed. Runs with the router venv: `.venv/bin/python -m pytest tests/nlu -q`."""

import re
from pathlib import Path

import yaml

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
MAX_SENTENCES = 3
# A sentence ends with . ! or ? followed by a space and a capital letter, a digit or an opening quote.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9”\"])")


def responses():
    return yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]


def sentences(text):
    return [part for part in SENTENCE_END.split(text.strip()) if part]


def only_text(name):
    texts = {variation["text"] for variation in responses()[name]}
    assert len(texts) == 1, name
    return texts.pop()


def test_the_sentence_splitter_counts_sentences():
    assert sentences("Hej! Jag är en assistent – ring 112. Vad vill du veta?") == [
        "Hej!", "Jag är en assistent – ring 112.", "Vad vill du veta?"
    ]
    assert len(sentences("Ring 114 14 eller gå till https://polisen.se. Är du i fara – ring 112.")) == 2


def test_every_answer_is_at_most_three_sentences():
    too_long = {
        name: len(sentences(variation["text"]))
        for name, variations in responses().items()
        for variation in variations
        if len(sentences(variation["text"])) > MAX_SENTENCES
    }
    assert too_long == {}


def test_relationship_violence_gives_112_first_and_support_for_everyone():
    first, *rest = sentences(only_text("utter_domestic_violence"))
    assert "112" in first
    text = " ".join(rest)
    assert "Brottsofferjouren" in text and "116 006" in text
    kvinnofrid = next(sentence for sentence in rest if "Kvinnofridslinjen" in sentence)
    assert "kvinnor" in kvinnofrid and "020-50 50 50" in kvinnofrid


def test_privacy_answer_names_the_law_and_links_the_privacy_page():
    text = only_text("utter_privacy")
    for phrase in ("normalt en allmän handling", "sekretess enligt OSL efter en prövning", "gallringsbeslut"):
        assert phrase in text
    assert "](/integritet)" in text
    assert "https://helsingborg.se" not in text
