"""A model's evaluation as the administration stores and shows it: the held-out scores per intent (with
what each was confused with), the confusion matrix Rasa draws, and the emergency safety net's recall;
and cross-validation of the current training data on demand. The runs are assistant/evaluation.py's,
the same the command line's `python -m bot evaluate` makes."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.evaluation import IntentReport, emergency_cases, run_model, score_cross_validation, score_emergency_net
from assistant.rasa_run import RasaProgress
from router.admin.jobs import Job, rasa_failures

CONFUSION_MATRIX = "intent_confusion_matrix.png"


def _intent_table(report: IntentReport) -> list[dict[str, Any]]:
    return [
        {
            "intent": name,
            "precision": round(scores["precision"], 4),
            "recall": round(scores["recall"], 4),
            "f1": round(scores["f1-score"], 4),
            "support": scores["support"],
            "confused_with": scores.get("confused_with", {}),
        }
        for name, scores in sorted(report.per_intent.items())
    ]


async def evaluate_model(progress: RasaProgress, model: Path, out_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    """Scores of `model`, from one load of it: the held-out set (Rasa's reports and the confusion matrix
    are left in `out_dir`) and the emergency safety net's cases."""
    emergencies, ordinary = emergency_cases()
    with rasa_failures():
        run = await run_model(progress, model, emergencies + ordinary, out_dir, env=env)
    assert run.report is not None
    report = run.report
    net = score_emergency_net(emergencies, ordinary, run.predictions)
    return {
        "macro_f1": round(report.macro_f1, 4),
        "intents": _intent_table(report),
        "emergency_recall": round(net.recall, 4),
        "emergency_model_only_recall": round(net.model_only_recall, 4),
        "emergency_missed": net.missed,
        "false_alarm_rate": round(net.false_alarm_rate, 4),
        "confusion_matrix": (out_dir / CONFUSION_MATRIX).exists(),
    }


async def cross_validate(
    job: Job, project_root: Path, folds: int, out_dir: Path, rasa_bin: Path, env: dict[str, str]
) -> dict[str, Any]:
    with rasa_failures():
        report = await score_cross_validation(job, project_root, folds, out_dir, rasa_bin=rasa_bin, env=env)
    return {"folds": folds, "macro_f1": round(report.macro_f1, 4), "intents": _intent_table(report)}
