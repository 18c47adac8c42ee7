"""Background jobs: progress parsed from Rasa's output (stage, epoch), peak memory, one job at a time,
and a failed training that leaves the models and the project files as they were, with the reason."""
from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from router.admin.jobs import Job, Jobs, JobFailed, _progress, run_rasa, snapshot, train_model
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


def test_progress_follows_components_and_tqdm_epochs():
    job = _job()
    _progress(job, "2026-11-27 17:00:01 INFO rasa.engine.training.hooks - Starting to train component 'DIETClassifier'.")
    assert (job.stage, job.component) == ("training", "DIETClassifier")
    _progress(job, "Epochs:  45%|████▌     | 45/100 [00:10<00:12, 4.50it/s, t_loss=1.2, i_acc=0.9]")
    assert (job.epoch, job.epochs) == (45, 100)
    assert list(job.output) == ["2026-11-27 17:00:01 INFO rasa.engine.training.hooks - Starting to train component 'DIETClassifier'."]
    _progress(job, "/x/pkg_resources/__init__.py:3117: DeprecationWarning: Deprecated call")
    assert len(job.output) == 1


@pytest.mark.asyncio
async def test_run_rasa_reads_carriage_return_progress_and_samples_memory(tmp_path):
    script = _script(tmp_path, (
        "printf 'Starting to train component '\"'\"'DIETClassifier'\"'\"'\\n'\n"
        "printf 'Epochs:  10%%| | 1/10 [00:01]\\rEpochs:  70%%| | 7/10 [00:02]\\r'\n"
        "python3 -c 'x = bytearray(60 * 1024 * 1024); import time; time.sleep(1.2)'\n"
        "exec python3 -c 'x = bytearray(60 * 1024 * 1024); import time; time.sleep(1.2)'\n"
    ))
    job = _job()
    await run_rasa(job, [str(script)], tmp_path, dict(os.environ), timeout=60)
    assert (job.component, job.epoch, job.epochs) == ("DIETClassifier", 7, 10)
    assert job.rss_peak_mb is not None and job.rss_peak_mb > 50


@pytest.mark.asyncio
async def test_run_rasa_failure_keeps_the_last_lines(tmp_path):
    script = _script(tmp_path, "echo 'loading data'\necho 'InvalidConfigException: bad pipeline' >&2\nexit 3\n")
    job = _job()
    with pytest.raises(JobFailed) as failure:
        await run_rasa(job, [str(script)], tmp_path, dict(os.environ), timeout=60)
    assert "felkod 3" in str(failure.value) and "InvalidConfigException: bad pipeline" in str(failure.value)


@pytest.mark.asyncio
async def test_run_rasa_times_out(tmp_path):
    script = _script(tmp_path, "sleep 30\n")
    with pytest.raises(JobFailed, match="inom 1 sekunder"):
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


def test_snapshot_links_the_spacy_model(tmp_path):
    root = _project(tmp_path)
    (root / ".spacy" / "sv_lookup").mkdir(parents=True)
    target = tmp_path / "work"
    target.mkdir()
    snapshot(root, target)
    assert (target / ".spacy").is_symlink() and (target / "data" / "nlu" / "basics.yml").exists()
