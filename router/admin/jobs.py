"""The heavy background work an administrator starts: training (then evaluation), evaluation and
cross-validation. One job at a time (a second request gets 409); the page polls its progress.
"One at a time" holds across processes too: a running job holds an exclusive `flock` on a lock file in
the project (`models/.admin-job.lock`), so the router and `python -m bot admin` (or two routers) sharing
the project never run two jobs at once. The lock file says who holds it, for the refusal message.

Training runs `rasa train` in a snapshot of the project files (config.yml, domain.yml, data/) in a
temporary folder, so edits made while it runs neither disturb it nor end up in a model unnoticed, and
writes into `models/`. The model in service is not touched: only a deploy changes what Rasa serves.
A failed job leaves everything as it was and keeps the last lines of Rasa's output.
"""
from __future__ import annotations

import asyncio
import fcntl
import json
import os
import re
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from router.admin.audit import AuditLog
from router.admin.dashboard import TIMEZONE
from router.errors import Conflict

PROJECT_FILES = ("config.yml", "domain.yml", "data")
OUTPUT_LINES = 40
TRAIN_TIMEOUT_SECONDS = 3600
_EPOCH = re.compile(r"Epochs:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")
_COMPONENT = re.compile(r"Starting to train component '(\w+)'")
_NOISE = ("DeprecationWarning", "declare_namespace", "pkg_resources", "MovedIn20Warning")

STAGE_TEXTS = {
    "queued": "Väntar på att starta",
    "snapshot": "Kopierar träningsdata",
    "loading": "Läser in träningsdata",
    "training": "Tränar",
    "evaluating": "Utvärderar den nya modellen",
    "evaluating_serving": "Utvärderar modellen i drift",
    "cross_validation": "Korsvalidering",
    "done": "Klar",
    "failed": "Misslyckades",
}
KIND_TEXTS = {"train": "träning", "evaluate": "utvärdering", "cross_validation": "korsvalidering"}


@dataclass
class Job:
    id: int
    kind: str  # "train" | "evaluate" | "cross_validation"
    actor: str
    started_at: datetime
    status: str = "running"  # "running" | "succeeded" | "failed"
    stage: str = "queued"
    component: str | None = None
    epoch: int | None = None
    epochs: int | None = None
    finished_at: datetime | None = None
    seconds: float | None = None
    model: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    rss_peak_mb: float | None = None
    output: deque[str] = field(default_factory=lambda: deque(maxlen=OUTPUT_LINES))

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["output"] = list(self.output)
        data["stage_text"] = STAGE_TEXTS.get(self.stage, self.stage)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return data


class JobFailed(Exception):
    """A job step failed; the message is shown to the administrator."""


class Jobs:
    """Runs one job at a time in the background, in this process and across processes (`lock_path`)."""

    def __init__(self, now: Callable[[], datetime], audit: AuditLog, lock_path: Path) -> None:
        self._now = now
        self._audit = audit
        self._lock_path = lock_path
        self._counter = 0
        self.current: Job | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.current is not None and self.current.status == "running"

    def start(self, kind: str, actor: str, work: Callable[[Job], Awaitable[None]]) -> Job:
        if self.running:
            raise Conflict("job_running", "Ett annat jobb (träning eller utvärdering) pågår redan. Vänta tills det är klart.")
        loop = asyncio.get_running_loop()
        started_at = self._now()
        lock = self._lock(kind, actor, started_at)
        self._counter += 1
        job = Job(id=self._counter, kind=kind, actor=actor, started_at=started_at)
        self.current = job
        self._task = loop.create_task(self._run(job, work, lock), name=f"admin-{kind}")
        return job

    def _lock(self, kind: str, actor: str, started_at: datetime) -> int:
        """Take the lock file (non-blocking) and write who holds it; the open descriptor is the lock."""
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 1000, 0)
            os.close(fd)
            raise Conflict("job_running", _held_elsewhere(holder)) from None
        holder = {"kind": kind, "actor": actor, "started_at": started_at.isoformat(), "pid": os.getpid()}
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(holder).encode(), 0)
        except OSError:
            os.close(fd)
            raise
        return fd

    async def _run(self, job: Job, work: Callable[[Job], Awaitable[None]], lock: int) -> None:
        started = time.monotonic()
        try:
            await self._audit.record(job.actor, f"{job.kind}_started", None)
            await work(job)
            job.status, job.stage = "succeeded", "done"
        except asyncio.CancelledError:
            job.status, job.stage, job.error = "failed", "failed", "Avbröts när servern stängdes."
            raise
        except JobFailed as error:
            job.status, job.stage, job.error = "failed", "failed", str(error)
        except Exception as error:  # noqa: BLE001 - shown to the administrator, logged in the audit trail
            job.status, job.stage, job.error = "failed", "failed", f"Oväntat fel: {error!r}"
        finally:
            try:
                job.finished_at = self._now()
                job.seconds = round(time.monotonic() - started, 1)
                await self._audit.record(
                    job.actor, f"{job.kind}_{job.status}", job.model,
                    seconds=job.seconds, error=job.error, rss_peak_mb=job.rss_peak_mb,
                )
            finally:
                os.close(lock)  # releases the flock

    async def wait(self) -> None:
        if self._task is not None:
            await asyncio.shield(self._task)

    async def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass


def _held_elsewhere(holder: bytes) -> str:
    """The refusal when another process holds the lock, naming its job when the lock file says."""
    try:
        info = json.loads(holder)
        started = datetime.fromisoformat(info["started_at"]).astimezone(TIMEZONE)
        kind = KIND_TEXTS.get(info["kind"], info["kind"])
        who = f" ({kind} som {info['actor']} startade {started:%Y-%m-%d %H:%M}, process {info['pid']})"
    except (ValueError, TypeError, KeyError):
        who = ""
    return (f"En annan träning eller utvärdering pågår redan{who}, kanske startad från kommandoraden eller "
            "av en annan server. Vänta tills den är klar.")


def rss_peak_kb(pid: int) -> int | None:
    """The process's peak resident set size (VmHWM) from /proc, while it runs."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


async def run_rasa(job: Job, argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> None:
    """Run a Rasa command, feeding its output (split on newlines and tqdm's carriage returns) into the
    job's progress, and sampling the process's peak memory. Raises JobFailed when it fails."""
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )

    async def sample_memory() -> None:
        while True:
            peak = rss_peak_kb(process.pid)
            if peak is not None:
                job.rss_peak_mb = round(max(job.rss_peak_mb or 0, peak / 1024), 1)
            await asyncio.sleep(0.5)

    async def read_output() -> None:
        buffer = b""
        assert process.stdout is not None
        while chunk := await process.stdout.read(4096):
            buffer += chunk
            *pieces, buffer = re.split(rb"[\r\n]", buffer)
            for piece in pieces:
                _progress(job, piece.decode("utf-8", "replace"))
        if buffer:
            _progress(job, buffer.decode("utf-8", "replace"))

    sampler = asyncio.create_task(sample_memory())
    try:
        await asyncio.wait_for(asyncio.gather(read_output(), process.wait()), timeout)
    except (TimeoutError, asyncio.CancelledError) as error:
        process.kill()
        await process.wait()
        if isinstance(error, asyncio.CancelledError):
            raise
        raise JobFailed(f"Rasa blev inte klar inom {int(timeout)} sekunder.") from None
    finally:
        sampler.cancel()
    if process.returncode != 0:
        tail = " | ".join(list(job.output)[-8:])
        raise JobFailed(f"Rasa avslutades med felkod {process.returncode}: {tail}")


def _progress(job: Job, line: str) -> None:
    line = line.strip()
    if not line:
        return
    epoch = _EPOCH.search(line)
    if epoch:
        job.epoch, job.epochs = int(epoch.group(1)), int(epoch.group(2))
        return  # tqdm redraws: keep them out of the output tail
    component = _COMPONENT.search(line)
    if component:
        job.stage, job.component, job.epoch, job.epochs = "training", component.group(1), None, None
    elif "Training NLU model" in line or "Training Core model" in line:
        job.stage = "training"
    if not any(noise in line for noise in _NOISE):
        job.output.append(line[:500])


def snapshot(project_root: Path, target: Path) -> None:
    """Copy what a model is trained from into `target`; the spaCy model is linked, not copied."""
    for name in PROJECT_FILES:
        source = project_root / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    spacy = project_root / ".spacy"
    if spacy.exists():
        (target / ".spacy").symlink_to(spacy.resolve(), target_is_directory=True)


async def train_model(
    job: Job, project_root: Path, models_dir: Path, rasa_bin: Path, env: dict[str, str], name: str
) -> Path:
    """Train into `models_dir/<name>.tar.gz` from a snapshot of the project files."""
    job.stage = "snapshot"
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="admin-train-") as folder:
        work = Path(folder)
        snapshot(project_root, work)
        job.stage = "loading"
        await run_rasa(
            job,
            [str(rasa_bin), "train", "--out", str(models_dir), "--fixed-model-name", name, "--force"],
            work, env, TRAIN_TIMEOUT_SECONDS,
        )
    model = models_dir / f"{name}.tar.gz"
    if not model.exists():
        raise JobFailed("Rasa blev klar utan att skriva någon modell.")
    job.model = str(model)
    return model
