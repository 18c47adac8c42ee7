"""Evaluate the assistant: intent macro-F1 on the held-out set and by cross-validation, the emergency
safety net (model intent or deterministic check) on its own case set, and how often the model answers
confidently with the wrong topic (tests/nlu/unsure_cases.yml, written without looking at data/).

The runs are async with progress, for the administration's jobs (router/admin/evaluation.py): `run_model`
loads a model once for the held-out evaluation and the intents of the safety net's and the unsure cases'
messages (assistant/model_run.py), `score_cross_validation` trains and tests the folds. `cross_validation`
and `evaluate` run them for the command line and print the report; the scoring of predictions is plain
Python (`score_emergency_net`, `score_unsure`), tested without a model."""
from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
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
FALLBACK_INTENT = "nlu_fallback"
# Honest answers to a message the bot does not cover: "I cannot answer that" (with the contact center and a
# person), the rephrase/handoff of the NLU fallback, handing over to a kommunvägledare, or - for a message in
# English - the English reply, which names no topic: it says the assistant answers in Swedish only and gives
# 112, 114 14, the contact center and a person. Any other intent answered with confidence is a topic the
# resident did not ask about.
ENGLISH_INTENT = "english"
HONEST_INTENTS = frozenset({"out_of_scope", FALLBACK_INTENT, "human_handoff", ENGLISH_INTENT})


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


@dataclass
class ModelRun:
    """What one load of a model gave: Rasa's held-out report (when it was asked for) and the intents of the
    messages it was given, in their order."""

    report: IntentReport | None
    predictions: list[dict[str, Any]]


async def run_model(
    progress: RasaProgress, model: Path, texts: list[str], held_out_out: Path | None, *,
    rasa_python: Path = paths.RASA_PYTHON, env: dict[str, str] | None = None,
    timeout: float = EVALUATE_TIMEOUT_SECONDS,
) -> ModelRun:
    """One load of `model` (assistant/model_run.py) for the held-out evaluation, whose reports and confusion
    matrix Rasa leaves in `held_out_out` (emptied first, so no earlier report is read by mistake; None: no
    held-out evaluation), and for the intents of `texts`."""
    if held_out_out is not None and held_out_out.exists():
        shutil.rmtree(held_out_out)
    with tempfile.TemporaryDirectory(prefix="model-run-") as scratch:
        request_file, predictions_file = Path(scratch) / "request.json", Path(scratch) / "predictions.json"
        held_out = {"nlu": str(paths.TEST_NLU), "out": str(held_out_out)} if held_out_out is not None else None
        request_file.write_text(
            json.dumps({"texts": texts, "predictions": str(predictions_file), "held_out": held_out}, ensure_ascii=False),
            encoding="utf-8",
        )
        # Without tqdm's bars over the messages: redrawn hundreds of times, they would bury Rasa's lines.
        run_env = {**(env if env is not None else rasa_environment()), "TQDM_DISABLE": "1"}
        await run_rasa(
            progress, [str(rasa_python), "-m", "assistant.model_run", str(model), str(request_file)], paths.ROOT,
            run_env, timeout,
        )
        if not predictions_file.exists():
            raise RasaWroteNothing(predictions_file)
        predictions: list[dict[str, Any]] = json.loads(predictions_file.read_text(encoding="utf-8"))
    if len(predictions) != len(texts):
        raise ValueError(f"{len(predictions)} predictions for {len(texts)} messages")
    report = None
    if held_out_out is not None:
        report_file = held_out_out / "intent_report.json"
        if not report_file.exists():
            raise RasaWroteNothing(report_file)
        report = IntentReport.from_file(report_file)
    return ModelRun(report, predictions)


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


def cross_validation(folds: int) -> IntentReport:
    out = paths.RESULTS / "cross-validation"
    step(f"{folds}-fold cross-validation on data/nlu (trains {folds} NLU models)")
    return asyncio.run(score_cross_validation(ConsoleProgress(), paths.ROOT, folds, out))


@dataclass
class EmergencyReport:
    recall: float
    missed: list[str]
    false_alarm_rate: float
    false_alarms: list[str]
    model_only_recall: float


ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def _held_out_blocks() -> list[tuple[str, list[str]]]:
    """(intent, its held-out messages with entity annotations removed), in the file's order."""
    data = yaml.safe_load(paths.TEST_NLU.read_text())
    return [
        (block.get("intent"), [
            ANNOTATION.sub(r"\1", line.strip()[2:]) for line in block["examples"].splitlines() if line.strip().startswith("- ")
        ])
        for block in data.get("nlu", [])
    ]


def held_out_examples(intent: str) -> list[str]:
    """The held-out messages of one intent, with entity annotations removed."""
    return next((texts for name, texts in _held_out_blocks() if name == intent), [])


def held_out_messages() -> list[str]:
    """Every held-out message, with entity annotations removed."""
    return [text for _, texts in _held_out_blocks() for text in texts]


def emergency_cases() -> tuple[list[str], list[str]]:
    """The safety net's test messages: (emergencies, ordinary). The safety-net case set plus the held-out
    set's emergency and report-a-crime-afterwards messages."""
    cases = yaml.safe_load(paths.EMERGENCY_CASES.read_text())
    return (
        cases["emergencies"] + held_out_examples(EMERGENCY_INTENT),
        cases["not_emergencies"] + held_out_examples("report_crime"),
    )


def score_emergency_net(emergencies: list[str], ordinary: list[str], predictions: list[dict[str, Any]]) -> EmergencyReport:
    """Recall on danger-now messages and the false-alarm rate on ordinary ones, for the whole system: a
    message is treated as an emergency when the model says so or the deterministic check fires.
    `predictions` are the model's for `emergencies + ordinary`, in order."""
    if len(predictions) != len(emergencies) + len(ordinary):
        raise ValueError("one prediction per emergency case is needed")
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


def fallback_threshold(config_file: Path = paths.CONFIG) -> float:
    """The FallbackClassifier threshold of the pipeline: below it the bot says it did not understand."""
    config = yaml.safe_load(config_file.read_text())
    thresholds = [c["threshold"] for c in config.get("pipeline", []) if c.get("name") == "FallbackClassifier"]
    if len(thresholds) != 1:
        raise SystemExit(f"{config_file.name}: expected one FallbackClassifier with a threshold")
    return float(thresholds[0])


def load_unsure_cases(path: Path = paths.UNSURE_CASES) -> dict[str, Any]:
    if not path.exists():
        raise SystemExit(f"{path.relative_to(paths.ROOT)} is missing: the unsure-cases set is needed for evaluate")
    cases = yaml.safe_load(path.read_text())
    if not isinstance(cases, dict) or set(cases) != {"out_of_scope", "paraphrases", "ordinary"}:
        raise SystemExit(f"{path.name}: expected exactly the keys out_of_scope, paraphrases, ordinary")
    return cases


def confident_topic(prediction: dict[str, Any], threshold: float) -> bool:
    """Did the bot answer with one of its topics, sure enough not to fall back?"""
    return prediction["intent"] not in HONEST_INTENTS and prediction["confidence"] >= threshold


@dataclass
class UnsureReport:
    threshold: float
    out_of_scope_total: int
    out_of_scope_confident: list[dict[str, Any]]
    out_of_scope_english: int
    paraphrases_total: int
    paraphrases_wrong_topic: list[dict[str, Any]]
    paraphrases_right: int
    ordinary_total: int
    ordinary_false_alarms: list[str]

    @property
    def unrelated_confident_rate(self) -> float:
        return len(self.out_of_scope_confident) / self.out_of_scope_total

    @property
    def wrong_topic_rate(self) -> float:
        return len(self.paraphrases_wrong_topic) / self.paraphrases_total

    @property
    def paraphrase_accuracy(self) -> float:
        return self.paraphrases_right / self.paraphrases_total

    @property
    def ordinary_false_alarm_rate(self) -> float:
        return len(self.ordinary_false_alarms) / self.ordinary_total


def unsure_texts(cases: dict[str, Any]) -> list[str]:
    """The unsure-cases set's messages in the order `score_unsure` expects."""
    return list(cases["out_of_scope"]) + [p["text"] for p in cases["paraphrases"]] + list(cases["ordinary"])


def score_unsure(cases: dict[str, Any], predictions: list[dict[str, Any]], threshold: float) -> UnsureReport:
    """Out-of-scope messages answered confidently with a covered topic, paraphrases answered with another
    topic (a fallback or handoff is unsure, not wrong), and emergency alarms (model or deterministic check)
    on ordinary messages. `predictions` follow the order out_of_scope, paraphrases, ordinary."""
    out_of_scope, paraphrases, ordinary = cases["out_of_scope"], cases["paraphrases"], cases["ordinary"]
    if len(predictions) != len(out_of_scope) + len(paraphrases) + len(ordinary):
        raise ValueError("one prediction per unsure case is needed")
    scope_predictions = predictions[: len(out_of_scope)]
    paraphrase_predictions = predictions[len(out_of_scope) : len(out_of_scope) + len(paraphrases)]
    ordinary_predictions = predictions[len(out_of_scope) + len(paraphrases) :]
    pairs = list(zip(paraphrases, paraphrase_predictions))
    return UnsureReport(
        threshold=threshold,
        out_of_scope_total=len(out_of_scope),
        out_of_scope_confident=[p for p in scope_predictions if confident_topic(p, threshold)],
        out_of_scope_english=sum(p["intent"] == ENGLISH_INTENT for p in scope_predictions),
        paraphrases_total=len(paraphrases),
        paraphrases_wrong_topic=[
            {**prediction, "expected": case["intent"]}
            for case, prediction in pairs
            if prediction["intent"] != case["intent"] and confident_topic(prediction, threshold)
        ],
        paraphrases_right=sum(prediction["intent"] == case["intent"] for case, prediction in pairs),
        ordinary_total=len(ordinary),
        ordinary_false_alarms=[
            p["text"] for p in ordinary_predictions if p["intent"] == EMERGENCY_INTENT or is_emergency(p["text"])
        ],
    )


def print_unsure_report(report: UnsureReport) -> None:
    print(
        f"\nOut of scope answered confidently with a covered topic: {report.unrelated_confident_rate:.1%} "
        f"({len(report.out_of_scope_confident)}/{report.out_of_scope_total})"
    )
    for p in report.out_of_scope_confident:
        print(f"  {p['intent']} {p['confidence']:.2f}: {p['text']}")
    print(f"  (answered with the English reply: {report.out_of_scope_english})")
    print(
        f"Paraphrases answered with a wrong topic: {report.wrong_topic_rate:.1%} "
        f"({len(report.paraphrases_wrong_topic)}/{report.paraphrases_total}); "
        f"right topic {report.paraphrase_accuracy:.1%}"
    )
    for p in report.paraphrases_wrong_topic:
        print(f"  {p['intent']} {p['confidence']:.2f} (expected {p['expected']}): {p['text']}")
    print(
        f"Emergency alarms on ordinary messages: {report.ordinary_false_alarm_rate:.1%} "
        f"({len(report.ordinary_false_alarms)}/{report.ordinary_total})"
    )
    for text in report.ordinary_false_alarms:
        print(f"  false alarm: {text}")


def print_intent_report(title: str, report: IntentReport) -> None:
    print(f"\n{title}: intent macro-F1 = {report.macro_f1:.3f}")
    print(f"{'intent':28} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}")
    for name, scores in sorted(report.per_intent.items()):
        print(
            f"{name:28} {scores['precision']:9.3f} {scores['recall']:7.3f} "
            f"{scores['f1-score']:6.3f} {scores['support']:4d}"
        )
    print("worst five: " + ", ".join(f"{name} {f1:.3f}" for name, f1 in report.worst()))


@dataclass
class Thresholds:
    """Minimum (or, for rates, maximum) figures `evaluate` enforces; None leaves a figure unchecked."""

    min_f1: float | None = None
    min_cv_f1: float | None = None
    max_unrelated: float | None = None
    max_wrong_topic: float | None = None
    max_false_alarms: float | None = None


def evaluate(model: Path, folds: int, thresholds: Thresholds) -> int:
    failures = []
    emergencies, ordinary = emergency_cases()
    cases = load_unsure_cases()
    threshold = fallback_threshold()
    step(
        f"Held-out NLU evaluation of {model.name} on {paths.TEST_NLU.relative_to(paths.ROOT)}, and the model's "
        f"intents for the emergency safety net ({len(emergencies)} emergencies, {len(ordinary)} ordinary messages) "
        f"and the unsure cases ({len(cases['out_of_scope'])} out of scope, {len(cases['paraphrases'])} "
        f"paraphrases, {len(cases['ordinary'])} ordinary messages; fallback threshold {threshold}), one model load"
    )
    run = asyncio.run(run_model(
        ConsoleProgress(), model, emergencies + ordinary + unsure_texts(cases), paths.RESULTS / "heldout",
    ))
    assert run.report is not None
    report = run.report
    print_intent_report("Held-out test set", report)
    emergency_scores = report.per_intent.get(EMERGENCY_INTENT)
    split = len(emergencies) + len(ordinary)
    net = score_emergency_net(emergencies, ordinary, run.predictions[:split])
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
    unsure = score_unsure(cases, run.predictions[split:], threshold)
    print_unsure_report(unsure)
    if net.recall < 1.0:
        failures.append("emergency recall below 100 %")
    cv = None
    if folds:
        cv = cross_validation(folds)
        print_intent_report(f"{folds}-fold cross-validation", cv)
    checks = [
        ("held-out macro-F1", report.macro_f1, thresholds.min_f1, True),
        (f"{folds}-fold cross-validation macro-F1", cv.macro_f1 if cv else None, thresholds.min_cv_f1, True),
        ("out-of-scope answered confidently", unsure.unrelated_confident_rate, thresholds.max_unrelated, False),
        ("paraphrases with a wrong topic", unsure.wrong_topic_rate, thresholds.max_wrong_topic, False),
        ("false alarms on not_emergencies", net.false_alarm_rate, thresholds.max_false_alarms, False),
        ("false alarms on ordinary messages", unsure.ordinary_false_alarm_rate, thresholds.max_false_alarms, False),
    ]
    for name, value, limit, at_least in checks:
        if limit is None:
            continue
        if value is None:
            failures.append(f"{name} was not measured (limit {limit})")
        elif (value < limit) if at_least else (value > limit):
            failures.append(f"{name} {value:.3f} is {'below' if at_least else 'above'} {limit}")
    write_report(model, report, net, unsure, cv, failures)
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


def write_report(
    model: Path, report: IntentReport, net: EmergencyReport, unsure: UnsureReport, cv: IntentReport | None,
    failures: list[str],
) -> Path:
    """All figures of one run as results/evaluation.json, for the closing note and for CI artefacts."""
    summary = {
        "model": model.name,
        "heldout_macro_f1": round(report.macro_f1, 4),
        "cross_validation_macro_f1": round(cv.macro_f1, 4) if cv else None,
        "emergency": {**asdict(net)},
        "unsure": {
            **asdict(unsure),
            "unrelated_confident_rate": round(unsure.unrelated_confident_rate, 4),
            "wrong_topic_rate": round(unsure.wrong_topic_rate, 4),
            "paraphrase_accuracy": round(unsure.paraphrase_accuracy, 4),
            "ordinary_false_alarm_rate": round(unsure.ordinary_false_alarm_rate, 4),
        },
        "failures": failures,
    }
    paths.RESULTS.mkdir(parents=True, exist_ok=True)
    out = paths.RESULTS / "evaluation.json"
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    step(f"Report written to {out.relative_to(paths.ROOT)}")
    return out


def test_stories(model: Path) -> int:
    step(f"Dialogue test stories {paths.TEST_STORIES.relative_to(paths.ROOT)}")
    return subprocess.run(
        [
            *paths.RASA_SERVER, "test", "core", "--stories", str(paths.TEST_STORIES), "--model", str(model),
            "--out", str(paths.RESULTS / "stories"), "--fail-on-prediction-errors",
        ],
        cwd=paths.ROOT,
        env=rasa_environment(),
    ).returncode
