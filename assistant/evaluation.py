"""Evaluate the assistant: intent macro-F1 on the held-out set and by cross-validation,
and the emergency safety net (model intent or deterministic check) on its own case set.

The scoring runs are async with progress (`score_held_out`, `score_cross_validation`), for the
administration's jobs (router/admin/evaluation.py); `held_out`, `cross_validation` and `evaluate` run
them for the command line and print the report."""
from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant import paths
from assistant.console import ConsoleProgress, step
from assistant.rasa_env import rasa_environment
from assistant.rasa_run import RasaProgress, RasaWroteNothing, run_rasa
from assistant.safety import is_emergency

EMERGENCY_INTENT = "emergency"
EVALUATE_TIMEOUT_SECONDS = 1800
# Each fold trains an NLU model: the whole project's 5-fold run takes 25–40 min on 2 cores.
FOLD_TIMEOUT_SECONDS = 1800


@dataclass
class IntentReport:
    macro_f1: float
    per_intent: dict[str, dict[str, Any]]

    @classmethod
    def from_file(cls, report_file: Path) -> "IntentReport":
        report = json.loads(report_file.read_text())
        per_intent = {
            name: scores
            for name, scores in report.items()
            if isinstance(scores, dict) and name not in ("macro avg", "weighted avg", "micro avg")
        }
        return cls(macro_f1=float(report["macro avg"]["f1-score"]), per_intent=per_intent)

    def worst(self, n: int = 5) -> list[tuple[str, float]]:
        ranked = sorted(self.per_intent.items(), key=lambda item: item[1]["f1-score"])
        return [(name, float(scores["f1-score"])) for name, scores in ranked[:n]]


async def _rasa_test_nlu(
    progress: RasaProgress, args: list[str], out: Path, cwd: Path, rasa_bin: Path, env: dict[str, str] | None,
    timeout: float,
) -> IntentReport:
    """`rasa test nlu` writing into `out` (emptied first, so no earlier report is read by mistake)."""
    if out.exists():
        shutil.rmtree(out)
    await run_rasa(
        progress, [str(rasa_bin), "test", "nlu", *args, "--out", str(out)], cwd,
        env if env is not None else rasa_environment(), timeout,
    )
    report_file = out / "intent_report.json"
    if not report_file.exists():
        raise RasaWroteNothing(report_file)
    return IntentReport.from_file(report_file)


async def score_held_out(
    progress: RasaProgress, model: Path, out: Path, *, rasa_bin: Path = paths.RASA_BIN,
    env: dict[str, str] | None = None, timeout: float = EVALUATE_TIMEOUT_SECONDS,
) -> IntentReport:
    """Scores of `model` on the held-out set; Rasa's reports and confusion matrix are left in `out`."""
    return await _rasa_test_nlu(
        progress, ["--nlu", str(paths.TEST_NLU), "--model", str(model)], out, paths.ROOT, rasa_bin, env, timeout
    )


async def score_cross_validation(
    progress: RasaProgress, project_root: Path, folds: int, out: Path, *, rasa_bin: Path = paths.RASA_BIN,
    env: dict[str, str] | None = None, timeout: float | None = None,
) -> IntentReport:
    """`folds`-fold cross-validation of the training data of the project at `project_root` (by default
    within FOLD_TIMEOUT_SECONDS per fold)."""
    return await _rasa_test_nlu(
        progress, ["--nlu", "data/nlu", "--config", "config.yml", "--cross-validation", "--folds", str(folds)],
        out, project_root, rasa_bin, env, timeout if timeout is not None else folds * FOLD_TIMEOUT_SECONDS,
    )


def held_out(model: Path) -> IntentReport:
    out = paths.RESULTS / "heldout"
    step(f"Held-out NLU evaluation of {model.name} on {paths.TEST_NLU.relative_to(paths.ROOT)}")
    return asyncio.run(score_held_out(ConsoleProgress(), model, out))


def cross_validation(folds: int) -> IntentReport:
    out = paths.RESULTS / "cross-validation"
    step(f"{folds}-fold cross-validation on data/nlu (trains {folds} NLU models)")
    return asyncio.run(score_cross_validation(ConsoleProgress(), paths.ROOT, folds, out))


def predict(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    """The model's intent for each text, from assistant/predict_intents.py in the Rasa environment."""
    result = subprocess.run(
        [str(paths.RASA_PYTHON), "-m", "assistant.predict_intents", str(model)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=paths.ROOT,
        env=rasa_environment(),
        check=True,
    )
    predictions: list[dict[str, Any]] = json.loads(result.stdout)
    return predictions


@dataclass
class EmergencyReport:
    recall: float
    missed: list[str]
    false_alarm_rate: float
    false_alarms: list[str]
    model_only_recall: float


ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def held_out_examples(intent: str) -> list[str]:
    """The held-out messages of one intent, with entity annotations removed."""
    data = yaml.safe_load(paths.TEST_NLU.read_text())
    for block in data.get("nlu", []):
        if block.get("intent") == intent:
            lines = block["examples"].splitlines()
            return [ANNOTATION.sub(r"\1", line.strip()[2:]) for line in lines if line.strip().startswith("- ")]
    return []


def emergency_net(model: Path) -> EmergencyReport:
    """Recall on danger-now messages and the false-alarm rate on ordinary ones, for the
    whole system: a message is treated as an emergency when the model says so or the
    deterministic check fires. Uses the safety-net case set plus the held-out set's
    emergency and report-a-crime-afterwards messages."""
    cases = yaml.safe_load(paths.EMERGENCY_CASES.read_text())
    emergencies = cases["emergencies"] + held_out_examples(EMERGENCY_INTENT)
    ordinary = cases["not_emergencies"] + held_out_examples("report_crime")
    step(f"Emergency safety net on {len(emergencies)} emergencies and {len(ordinary)} ordinary messages")
    predictions = predict(model, emergencies + ordinary)
    flagged = [p["intent"] == EMERGENCY_INTENT or is_emergency(p["text"]) for p in predictions]
    by_model = [p["intent"] == EMERGENCY_INTENT for p in predictions[: len(emergencies)]]
    missed = [text for text, hit in zip(emergencies, flagged) if not hit]
    alarms = [text for text, hit in zip(ordinary, flagged[len(emergencies) :]) if hit]
    return EmergencyReport(
        recall=1 - len(missed) / len(emergencies),
        missed=missed,
        false_alarm_rate=len(alarms) / len(ordinary),
        false_alarms=alarms,
        model_only_recall=sum(by_model) / len(emergencies),
    )


def print_intent_report(title: str, report: IntentReport) -> None:
    print(f"\n{title}: intent macro-F1 = {report.macro_f1:.3f}")
    print(f"{'intent':28} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}")
    for name, scores in sorted(report.per_intent.items()):
        print(
            f"{name:28} {scores['precision']:9.3f} {scores['recall']:7.3f} "
            f"{scores['f1-score']:6.3f} {scores['support']:4d}"
        )
    print("worst five: " + ", ".join(f"{name} {f1:.3f}" for name, f1 in report.worst()))


def evaluate(model: Path, folds: int, min_f1: float | None) -> int:
    report = held_out(model)
    print_intent_report("Held-out test set", report)
    failures = []
    emergency_scores = report.per_intent.get(EMERGENCY_INTENT)
    net = emergency_net(model)
    print(
        f"\nEmergency safety net: recall {net.recall:.1%} (model alone {net.model_only_recall:.1%}), "
        f"false alarms on ordinary messages {net.false_alarm_rate:.1%} ({len(net.false_alarms)})"
    )
    for text in net.missed:
        print(f"  MISSED: {text}")
    for text in net.false_alarms:
        print(f"  false alarm: {text}")
    if emergency_scores is not None:
        print(f"Held-out emergency intent recall (model alone): {emergency_scores['recall']:.1%}")
    if net.recall < 1.0:
        failures.append("emergency recall below 100 %")
    if folds:
        cv = cross_validation(folds)
        print_intent_report(f"{folds}-fold cross-validation", cv)
    if min_f1 is not None and report.macro_f1 < min_f1:
        failures.append(f"held-out macro-F1 {report.macro_f1:.3f} is below {min_f1:.2f}")
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


def test_stories(model: Path) -> int:
    step(f"Dialogue test stories {paths.TEST_STORIES.relative_to(paths.ROOT)}")
    return subprocess.run(
        [
            str(paths.RASA_BIN), "test", "core", "--stories", str(paths.TEST_STORIES), "--model", str(model),
            "--out", str(paths.RESULTS / "stories"), "--fail-on-prediction-errors",
        ],
        cwd=paths.ROOT,
        env=rasa_environment(),
    ).returncode
