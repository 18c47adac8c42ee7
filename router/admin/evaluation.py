"""Evaluate a model the way bot/evaluation.py does: held-out macro-F1 and per-intent scores on
tests/nlu/test_nlu.yml, the confusion matrix Rasa draws, and the emergency safety net's recall;
and cross-validation of the current training data on demand."""
from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

from bot import paths
from bot.evaluation import IntentReport, emergency_net
from router.admin.jobs import Job, JobFailed, run_rasa

EVALUATE_TIMEOUT_SECONDS = 1800
CONFUSION_MATRIX = "intent_confusion_matrix.png"


def _intent_table(report: IntentReport, raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "intent": name,
            "precision": round(scores["precision"], 4),
            "recall": round(scores["recall"], 4),
            "f1": round(scores["f1-score"], 4),
            "support": scores["support"],
            "confused_with": raw.get(name, {}).get("confused_with", {}),
        }
        for name, scores in sorted(report.per_intent.items())
    ]


async def evaluate_model(job: Job, model: Path, out_dir: Path, rasa_bin: Path, env: dict[str, str]) -> dict[str, Any]:
    """Scores of `model`; Rasa's reports and the confusion matrix are left in `out_dir`."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    await run_rasa(
        job,
        [str(rasa_bin), "test", "nlu", "--nlu", str(paths.TEST_NLU), "--model", str(model), "--out", str(out_dir)],
        paths.ROOT, env, EVALUATE_TIMEOUT_SECONDS,
    )
    report_file = out_dir / "intent_report.json"
    if not report_file.exists():
        raise JobFailed("Rasa skrev ingen intent_report.json.")
    report = IntentReport.from_file(report_file)
    try:
        net = await asyncio.to_thread(emergency_net, model)
    except Exception as error:  # noqa: BLE001 - the subprocess' failure, shown to the administrator
        raise JobFailed(f"Kontrollen av akutfall misslyckades: {error}") from error
    return {
        "macro_f1": round(report.macro_f1, 4),
        "intents": _intent_table(report, json.loads(report_file.read_text())),
        "emergency_recall": round(net.recall, 4),
        "emergency_model_only_recall": round(net.model_only_recall, 4),
        "emergency_missed": net.missed,
        "false_alarm_rate": round(net.false_alarm_rate, 4),
        "confusion_matrix": (out_dir / CONFUSION_MATRIX).exists(),
    }


async def cross_validate(
    job: Job, project_root: Path, folds: int, out_dir: Path, rasa_bin: Path, env: dict[str, str]
) -> dict[str, Any]:
    if out_dir.exists():
        shutil.rmtree(out_dir)
    await run_rasa(
        job,
        [str(rasa_bin), "test", "nlu", "--nlu", "data/nlu", "--config", "config.yml", "--cross-validation",
         "--folds", str(folds), "--out", str(out_dir)],
        project_root, env, EVALUATE_TIMEOUT_SECONDS * 2,
    )
    report_file = out_dir / "intent_report.json"
    if not report_file.exists():
        raise JobFailed("Rasa skrev ingen intent_report.json.")
    report = IntentReport.from_file(report_file)
    return {"folds": folds, "macro_f1": round(report.macro_f1, 4),
            "intents": _intent_table(report, json.loads(report_file.read_text()))}
