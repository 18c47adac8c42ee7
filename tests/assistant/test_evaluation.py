"""Evaluation runs: the held-out scores and cross-validation read from the report Rasa writes, and the
held-out messages the emergency net adds to its cases. (The emergency net and the intent predictions
need a trained model: `make test-nlu` runs them.)"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant import paths
from assistant.evaluation import held_out_examples, score_cross_validation, score_held_out
from assistant.rasa_run import RasaProgress, RasaWroteNothing


@pytest.mark.asyncio
async def test_held_out_scores_come_from_a_fresh_report(tmp_path: Path, rasa_test_nlu: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.png").write_bytes(b"from an earlier model")
    report = await score_held_out(RasaProgress(), tmp_path / "m.tar.gz", out, rasa_bin=rasa_test_nlu, env=dict(os.environ))
    assert report.macro_f1 == pytest.approx(0.7778)
    assert sorted(report.per_intent) == ["emergency", "goodbye", "greet"]
    assert report.per_intent["greet"]["confused_with"] == {"goodbye": 1}
    assert report.worst(2) == [("goodbye", 0.6), ("greet", 0.6667)]
    assert not (out / "stale.png").exists()
    cwd, *argv = (tmp_path / "call").read_text().split()
    assert cwd == str(paths.ROOT)
    assert argv == ["test", "nlu", "--nlu", str(paths.TEST_NLU), "--model", str(tmp_path / "m.tar.gz"), "--out", str(out)]


@pytest.mark.asyncio
async def test_cross_validation_runs_on_the_projects_training_data(tmp_path: Path, tiny_project: Path, rasa_test_nlu: Path):
    out = tmp_path / "cv"
    report = await score_cross_validation(RasaProgress(), tiny_project, 3, out, rasa_bin=rasa_test_nlu, env=dict(os.environ))
    assert report.macro_f1 == pytest.approx(0.7778)
    cwd, *argv = (tmp_path / "call").read_text().split()
    assert cwd == str(tiny_project)
    assert argv == ["test", "nlu", "--nlu", "data/nlu", "--config", "config.yml", "--cross-validation",
                    "--folds", "3", "--out", str(out)]


@pytest.mark.asyncio
async def test_a_run_without_a_report_fails(tmp_path: Path, fake_rasa):
    with pytest.raises(RasaWroteNothing) as failure:
        await score_held_out(RasaProgress(), tmp_path / "m.tar.gz", tmp_path / "out", rasa_bin=fake_rasa("exit 0\n"),
                             env=dict(os.environ))
    assert failure.value.expected == tmp_path / "out" / "intent_report.json"


def test_held_out_examples_are_plain_messages():
    emergencies = held_out_examples("emergency")
    unsafe = held_out_examples("feeling_unsafe")
    assert emergencies and unsafe
    assert not [text for text in emergencies + unsafe if "](" in text or "]{" in text or text.startswith("- ")]
    assert held_out_examples("no_such_intent") == []
