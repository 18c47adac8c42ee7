"""One job at a time across processes: a running job holds a `flock` on a lock file in the project, so
a second `Jobs` (another router, or `python -m bot admin`) on the same file is refused until it ends.
Two opens of one file are separate open file descriptions, whose flocks conflict even in one process."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from router.admin.jobs import Job, JobFailed, Jobs
from router.admin.keys import ADMIN_KEY
from router.errors import Conflict
from tests.router.admin_fixtures import Audit, as_admin, job_clock

pytestmark = pytest.mark.asyncio

HOLD_LOCK = """
import fcntl, json, sys
lock = open(sys.argv[1], "a+")
fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
lock.truncate(0)
lock.write(json.dumps({"kind": "train", "actor": "cli:bo", "started_at": "2026-11-30T08:15:00+00:00", "pid": 4242}))
lock.flush()
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def lock_path(tmp_path: Path) -> Path:
    return tmp_path / "models" / ".admin-job.lock"  # models/ does not exist yet


async def test_a_second_process_is_refused_while_a_job_runs_and_may_start_after(lock_path):
    first, second = Jobs(job_clock, Audit(), lock_path), Jobs(job_clock, Audit(), lock_path)
    release = asyncio.Event()

    async def busy(job: Job) -> None:
        await release.wait()

    running = first.start("train", "cli:bo", busy)
    with pytest.raises(Conflict) as refused:
        second.start("evaluate", "ada", busy)
    assert refused.value.code == "job_running"
    assert "kommandoraden" in refused.value.message
    assert "träning som cli:bo startade 2026-11-30 10:00" in refused.value.message  # Swedish time
    assert second.current is None
    release.set()
    await first.wait()
    assert running.status == "succeeded"
    started = second.start("evaluate", "ada", busy)
    await second.wait()
    assert started.status == "succeeded"


@pytest.mark.parametrize("failure", ["job_failed", "error", "cancelled"])
async def test_a_job_that_fails_or_is_cancelled_releases_the_lock(lock_path, failure):
    first, second = Jobs(job_clock, Audit(), lock_path), Jobs(job_clock, Audit(), lock_path)
    begun, fail = asyncio.Event(), asyncio.Event()

    async def fails(job: Job) -> None:
        begun.set()
        await fail.wait()
        raise JobFailed("Rasa avslutades med felkod 1") if failure == "job_failed" else RuntimeError("boom")

    async def quick(job: Job) -> None:
        pass

    job = first.start("train", "ada", fails)
    await begun.wait()
    with pytest.raises(Conflict):
        second.start("train", "bo", quick)
    if failure == "cancelled":
        await first.cancel()
    else:
        fail.set()
        await first.wait()
    assert job.status == "failed"
    started = second.start("train", "bo", quick)
    await second.wait()
    assert started.status == "succeeded"


async def test_train_gets_409_while_another_process_holds_the_lock(admin_client, project):
    csrf = await as_admin(admin_client)
    lock_file = project / "models" / ".admin-job.lock"
    lock_file.parent.mkdir(exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock_file)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        response = await admin_client.post("/api/admin/train", json={}, headers=csrf)
        assert response.status == 409
        body = await response.json()
        assert body["error"] == "job_running"
        assert "cli:bo" in body["message"] and "process 4242" in body["message"]
        jobs = admin_client.app[ADMIN_KEY].jobs
        assert jobs.current is None
    finally:
        holder.communicate("")  # closing stdin ends the holder, which releases the lock
    assert holder.returncode == 0

    async def quick(job: Job) -> None:
        pass

    job = jobs.start("train", "ada", quick)
    await jobs.wait()
    assert job.status == "succeeded"
    assert json.loads(lock_file.read_text())["actor"] == "ada"
