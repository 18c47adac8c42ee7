"""Evaluation runs: one run of a model for the held-out scores (read from the report Rasa writes) and the
intents of other messages, cross-validation, the emergency net's scoring and the held-out messages it adds
to its cases. (The real model run needs a trained model: `make test-nlu` and the admin end-to-end test run it.)"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant import paths
from assistant.evaluation import held_out_examples, run_model, score_cross_validation, score_emergency_net
from assistant.rasa_run import RasaProgress, RasaWroteNothing


@pytest.mark.asyncio
async def test_one_model_run_gives_the_held_out_report_and_the_intents(tmp_path: Path, model_run_python: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.png").write_bytes(b"from an earlier model")
    texts = ["det brinner i trapphuset", "hej"]
    run = await run_model(RasaProgress(), tmp_path / "m.tar.gz", texts, out, rasa_python=model_run_python,
                          env=dict(os.environ))
    assert run.report is not None
    assert run.report.macro_f1 == pytest.approx(0.7778)
    assert sorted(run.report.per_intent) == ["emergency", "goodbye", "greet"]
    assert run.report.per_intent["greet"]["confused_with"] == {"goodbye": 1}
    assert run.report.worst(2) == [("goodbye", 0.6), ("greet", 0.6667)]
    assert [(p["text"], p["intent"]) for p in run.predictions] == [(texts[0], "emergency"), (texts[1], "greet")]
    assert not (out / "stale.png").exists()
    cwd, *argv = json.loads((tmp_path / "call").read_text())
    assert cwd == str(paths.ROOT)
    assert argv[:3] == ["-m", "assistant.model_run", str(tmp_path / "m.tar.gz")]


@pytest.mark.asyncio
async def test_a_model_run_without_the_held_out_set_only_predicts(tmp_path: Path, model_run_python: Path):
    run = await run_model(RasaProgress(), tmp_path / "m.tar.gz", ["hej"], None, rasa_python=model_run_python,
                          env=dict(os.environ))
    assert run.report is None
    assert [p["intent"] for p in run.predictions] == ["greet"]


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
async def test_a_model_run_that_writes_no_predictions_fails(tmp_path: Path, fake_rasa):
    with pytest.raises(RasaWroteNothing) as failure:
        await run_model(RasaProgress(), tmp_path / "m.tar.gz", ["hej"], tmp_path / "out",
                        rasa_python=fake_rasa("exit 0\n"), env=dict(os.environ))
    assert failure.value.expected.name == "predictions.json"


def test_the_emergency_net_counts_the_model_or_the_deterministic_check():
    emergencies = ["det brinner i trapphuset nu", "mitt cykelhjul är stulet"]
    ordinary = ["när har ni öppet", "jag vill anmäla klotter"]
    predictions = [
        {"text": emergencies[0], "intent": "report_fault", "confidence": 0.8},  # the deterministic check fires
        {"text": emergencies[1], "intent": "greet", "confidence": 0.7},         # missed by both
        {"text": ordinary[0], "intent": "opening_hours", "confidence": 0.9},
        {"text": ordinary[1], "intent": "emergency", "confidence": 0.6},         # the model's false alarm
    ]
    net = score_emergency_net(emergencies, ordinary, predictions)
    assert (net.recall, net.missed, net.model_only_recall) == (0.5, ["mitt cykelhjul är stulet"], 0.0)
    assert (net.false_alarm_rate, net.false_alarms) == (0.5, ["jag vill anmäla klotter"])
    with pytest.raises(ValueError):
        score_emergency_net(emergencies, ordinary, predictions[:3])


def test_held_out_examples_are_plain_messages():
    emergencies = held_out_examples("emergency")
    unsafe = held_out_examples("feeling_unsafe")
    assert emergencies and unsafe
    assert not [text for text in emergencies + unsafe if "](" in text or "]{" in text or text.startswith("- ")]
    assert held_out_examples("no_such_intent") == []
