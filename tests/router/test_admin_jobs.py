"""Background jobs: one job at a time, a failed training that leaves the models and the project files as
they were, Rasa's failures in the administrator's words, and the cross-validation table. (Following Rasa's progress and training
itself: tests/assistant/test_rasa_run.py and test_training.py.)"""
from __future__ import annotations

import asyncio
import json
import os
import stat
from datetime import datetime
from pathlib import Path

import pytest

from assistant.rasa_run import run_rasa
from assistant.training import changes_since, read_manifest
from router.admin.evaluation import cross_validate
from router.admin.jobs import Job, Jobs, JobFailed, rasa_failures, train_model
from router.errors import Conflict
from tests.router.admin_fixtures import Audit, job_clock


def _job() -> Job:
    return Job(id=1, kind="train", actor="ada", started_at=job_clock())


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "fake-rasa"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text("language: sv\n")
    (root / "domain.yml").write_text("version: '3.1'\n")
    (root / "data" / "nlu" / "basics.yml").write_text("nlu: []\n")
    return root


@pytest.mark.asyncio
async def test_a_failed_rasa_run_fails_the_job_with_the_last_lines(tmp_path):
    script = _script(tmp_path, "echo 'loading data'\necho 'InvalidConfigException: bad pipeline' >&2\nexit 3\n")
    job = _job()
    with pytest.raises(JobFailed) as failure, rasa_failures():
        await run_rasa(job, [str(script)], tmp_path, dict(os.environ), timeout=60)
    assert "felkod 3" in str(failure.value) and "InvalidConfigException: bad pipeline" in str(failure.value)


@pytest.mark.asyncio
async def test_a_rasa_run_past_its_time_fails_the_job(tmp_path):
    script = _script(tmp_path, "exec sleep 30\n")
    with pytest.raises(JobFailed, match="inom 1 sekunder"), rasa_failures():
        await run_rasa(_job(), [str(script)], tmp_path, dict(os.environ), timeout=1)


@pytest.mark.asyncio
async def test_failed_training_leaves_models_and_project_untouched(tmp_path):
    root = _project(tmp_path)
    models = root / "models"
    models.mkdir()
    (models / "serving.tar.gz").write_bytes(b"old")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    # A training that writes rubbish into its working folder and then fails.
    script = _script(tmp_path, "echo broken > data/nlu/basics.yml\necho 'Epochs: 50%| | 5/10'\necho 'Killed' >&2\nexit 137\n")
    jobs = Jobs(job_clock, Audit(), tmp_path / "job.lock")

    async def work(job: Job) -> None:
        await train_model(job, root, models, script, dict(os.environ), "admin-test")

    job = jobs.start("train", "ada", work)
    await jobs.wait()
    assert job.status == "failed" and "Killed" in job.error and "137" in job.error
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


@pytest.mark.asyncio
async def test_training_that_writes_no_model_fails(tmp_path):
    root = _project(tmp_path)
    script = _script(tmp_path, "echo done\n")
    job = _job()
    with pytest.raises(JobFailed, match="utan att skriva"):
        await train_model(job, root, root / "models", script, dict(os.environ), "admin-test")


@pytest.mark.asyncio
async def test_training_writes_the_named_model_from_a_snapshot(tmp_path):
    root = _project(tmp_path)
    script = _script(tmp_path, 'test -f config.yml && test -f data/nlu/basics.yml && touch "$3/$5.tar.gz"\n')
    job = _job()
    model = await train_model(job, root, root / "models", script, dict(os.environ), "admin-x")
    assert model == root / "models" / "admin-x.tar.gz" and model.exists() and job.model == str(model)
    # Beside it: when it was trained, and what from, so the models page can say what changed since.
    manifest = read_manifest(model)
    assert manifest["seconds"] >= 0 and datetime.fromisoformat(manifest["started_at"]).tzinfo is not None
    assert set(manifest["files"]) == {"config.yml", "domain.yml", "data/nlu/basics.yml"}
    assert changes_since(manifest, root) == {"files": [], "intents": []}
    (root / "data" / "nlu" / "basics.yml").write_text("nlu:\n- intent: greet\n  examples: |\n    - hej\n")
    assert changes_since(manifest, root) == {"files": ["data/nlu/basics.yml"], "intents": ["greet"]}


@pytest.mark.asyncio
async def test_one_job_at_a_time_and_the_audit_trail(tmp_path):
    audit = Audit()
    jobs = Jobs(job_clock, audit, tmp_path / "job.lock")
    release = asyncio.Event()

    async def work(job: Job) -> None:
        await release.wait()

    first = jobs.start("train", "ada", work)
    with pytest.raises(Conflict):
        jobs.start("evaluate", "bo", work)
    release.set()
    await jobs.wait()
    assert first.status == "succeeded" and first.seconds is not None
    second = jobs.start("evaluate", "bo", work)
    await jobs.wait()
    assert second.id == 2
    assert [entry[1] for entry in audit.entries] == [
        "train_started", "train_succeeded", "evaluate_started", "evaluate_succeeded"]


@pytest.mark.asyncio
async def test_cross_validation_table_and_a_run_without_a_report(tmp_path):
    root = _project(tmp_path)
    report = {"greet": {"precision": 1.0, "recall": 0.5, "f1-score": 0.66666, "support": 2,
                        "confused_with": {"goodbye": 1}},
              "accuracy": 0.5, "macro avg": {"precision": 1.0, "recall": 0.5, "f1-score": 0.66666, "support": 2}}
    (tmp_path / "report.json").write_text(json.dumps(report))
    writes = _script(tmp_path, f'for last; do :; done\nmkdir -p "$last"\ncp {tmp_path / "report.json"} "$last/intent_report.json"\n')
    result = await cross_validate(_job(), root, 2, tmp_path / "cv", writes, dict(os.environ))
    assert result == {"folds": 2, "macro_f1": 0.6667, "intents": [
        {"intent": "greet", "precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2, "confused_with": {"goodbye": 1}}]}
    silent = _script(tmp_path, "exit 0\n")
    with pytest.raises(JobFailed, match="Rasa skrev ingen intent_report.json"):
        await cross_validate(_job(), root, 2, tmp_path / "cv", silent, dict(os.environ))
