"""Evaluations kept by (model, test set): found again for the same model file and test set, missed when
either changes."""
from __future__ import annotations

from pathlib import Path

from assistant.evaluation_cache import cache_file, cached_evaluation, store_evaluation


def test_an_evaluation_is_found_for_the_same_model_and_test_set_only(tmp_path: Path):
    models = tmp_path / "models"
    models.mkdir()
    model = models / "a.tar.gz"
    model.write_bytes(b"model a")
    test_set = [tmp_path / "test_nlu.yml", tmp_path / "emergency_cases.yml"]
    for file in test_set:
        file.write_text("nlu: []\n")
    assert cached_evaluation(models, model, test_set) is None

    store_evaluation(models, model, {"macro_f1": 0.95, "emergency_recall": 1.0}, test_set)
    assert cached_evaluation(models, model, test_set) == {"macro_f1": 0.95, "emergency_recall": 1.0}
    assert cache_file(models, model, test_set).parent == models / ".evaluations"

    # The same model under another name (a copy in service elsewhere) is the same model.
    copy = models / "b.tar.gz"
    copy.write_bytes(b"model a")
    assert cached_evaluation(models, copy, test_set) is not None

    test_set[0].write_text("nlu:\n- intent: greet\n  examples: |\n    - hej\n")
    assert cached_evaluation(models, model, test_set) is None
    model.write_bytes(b"model a, retrained")
    assert cached_evaluation(models, copy, [tmp_path / "emergency_cases.yml"]) is None


def test_a_damaged_cache_entry_is_a_miss(tmp_path: Path):
    model = tmp_path / "a.tar.gz"
    model.write_bytes(b"model")
    test_set = [model]
    file = cache_file(tmp_path, model, test_set)
    file.parent.mkdir()
    file.write_text("{not json")
    assert cached_evaluation(tmp_path, model, test_set) is None
