"""How `python -m bot evaluate` scores the unsure-cases set (tests/nlu/unsure_cases.yml): what counts as a
confident unrelated answer, a wrong topic and a false alarm, and where the fallback threshold comes from."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant import paths
from assistant.evaluation import fallback_threshold, load_unsure_cases, score_unsure


def prediction(text: str, intent: str, confidence: float) -> dict:
    return {"text": text, "intent": intent, "confidence": confidence}


def test_the_threshold_is_the_fallback_classifiers_in_config_yml(tmp_path: Path):
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: DIETClassifier\n  - name: FallbackClassifier\n    threshold: 0.7\n")
    assert fallback_threshold(config) == 0.7
    assert 0 < fallback_threshold(paths.CONFIG) < 1


def test_a_pipeline_without_a_fallback_classifier_is_an_error(tmp_path: Path):
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: DIETClassifier\n")
    with pytest.raises(SystemExit, match="FallbackClassifier"):
        fallback_threshold(config)


def test_an_unsure_set_with_other_sections_is_an_error(tmp_path: Path):
    cases = tmp_path / "unsure.yml"
    cases.write_text("out_of_scope: []\nparaphrases: []\n")
    with pytest.raises(SystemExit, match="keys"):
        load_unsure_cases(cases)


def test_scoring_counts_only_confident_topic_answers_as_wrong():
    cases = {
        "out_of_scope": ["a", "b", "c", "d", "what is the weather"],
        "paraphrases": [{"text": "e", "intent": "lagesbild"}, {"text": "f", "intent": "agreement"},
                        {"text": "g", "intent": "health_advice"}],
        "ordinary": ["när har ni öppet på fredag", "det brinner i lägenheten bredvid, ring brandkåren"],
    }
    predictions = [
        prediction("a", "goodbye", 0.9),        # confident, unrelated topic
        prediction("b", "report_fault", 0.4),    # below the threshold: the fallback answers
        prediction("c", "out_of_scope", 0.99),   # the honest answer
        prediction("d", "human_handoff", 0.8),   # a person is offered
        prediction("what is the weather", "english", 0.98),  # the English reply names no topic
        prediction("e", "lagesbild", 0.9),       # right
        prediction("f", "police_cooperation", 0.8),  # wrong topic
        prediction("g", "nlu_fallback", 0.5),    # unsure, not wrong
        prediction("när har ni öppet på fredag", "opening_hours", 0.95),
        prediction("det brinner i lägenheten bredvid, ring brandkåren", "report_fault", 0.6),
    ]
    report = score_unsure(cases, predictions, threshold=0.5)
    assert [p["text"] for p in report.out_of_scope_confident] == ["a"]
    assert report.unrelated_confident_rate == 0.2
    assert report.out_of_scope_english == 1
    assert [(p["text"], p["expected"]) for p in report.paraphrases_wrong_topic] == [("f", "agreement")]
    assert report.paraphrases_right == 1
    # the deterministic safety net counts too, whatever the model said
    assert report.ordinary_false_alarms == ["det brinner i lägenheten bredvid, ring brandkåren"]
    assert report.ordinary_false_alarm_rate == 0.5


def test_scoring_needs_one_prediction_per_case():
    cases = {"out_of_scope": ["a"], "paraphrases": [], "ordinary": []}
    with pytest.raises(ValueError):
        score_unsure(cases, [], threshold=0.5)
