"""The heavy background work an administrator starts: training (then evaluation), evaluation and
cross-validation. One job at a time (a second request gets 409); the page polls its progress.
"One at a time" holds across processes too: a running job holds an exclusive `flock` on a lock file in
the project (`models/.admin-job.lock`), so the router and `python -m bot admin` (or two routers) sharing
the project never run two jobs at once. The lock file says who holds it, for the refusal message.

Training is assistant/training.py's (`rasa train` in a snapshot of the project files) and writes into
`models/`; a job follows its progress (a `Job` is the assistant's `RasaProgress` with the job's own
fields). The model in service is not touched: only a deploy changes what Rasa serves. A failed job leaves
everything as it was and keeps the last lines of Rasa's output.
"""
from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.rasa_run import RasaExited, RasaFailed, RasaProgress, RasaTimedOut, RasaWroteNothing
from assistant.training import train
from router.admin.audit import AuditLog
from router.admin.swedish import TIMEZONE
from router.errors import ClientError, Conflict

log = logging.getLogger(__name__)

TRAIN_TIMEOUT_SECONDS = 3600

STAGE_TEXTS = {
    "queued": "Väntar på att starta",
    "validating": "Kontrollerar all träningsdata (rasa data validate)",
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


@dataclass(kw_only=True)
class Job(RasaProgress):
    """A background job and, inherited, the progress of the Rasa command it runs (stage, component,
    epoch, peak memory, output tail)."""

    id: int
    kind: str  # "train" | "evaluate" | "cross_validation"
    actor: str
    started_at: datetime
    status: str = "running"  # "running" | "succeeded" | "failed"
    finished_at: datetime | None = None
    seconds: float | None = None
    model: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["output"] = list(self.output)
        data["stage_text"] = STAGE_TEXTS.get(self.stage, self.stage)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return data


class JobFailed(Exception):
    """A job step failed; the message is shown to the administrator."""


def failure_text(error: RasaFailed) -> str:
    """A failed Rasa run in the administrator's words."""
    if isinstance(error, RasaTimedOut):
        return f"Rasa blev inte klar inom {int(error.seconds)} sekunder."
    if isinstance(error, RasaExited):
        return f"Rasa avslutades med felkod {error.returncode}: {error.tail}"
    if isinstance(error, RasaWroteNothing):
        if error.expected.name.endswith(".tar.gz"):
            return "Rasa blev klar utan att skriva någon modell."
        return f"Rasa skrev ingen {error.expected.name}."
    return f"Rasa misslyckades: {error}"


@contextmanager
def rasa_failures() -> Iterator[None]:
    """A failed Rasa run inside the block fails the job, in the administrator's words."""
    try:
        yield
    except RasaFailed as error:
        raise JobFailed(failure_text(error)) from error


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
        except ClientError as error:  # e.g. the model was removed meanwhile: its Swedish message, never a repr
            job.status, job.stage, job.error = "failed", "failed", error.message
        except Exception:  # noqa: BLE001 - the administrator gets words, the log gets the traceback
            log.exception("admin job %s failed", job.kind)
            job.status, job.stage, job.error = "failed", "failed", (
                "Ett oväntat fel inträffade i servern. Inget ändrades. Felet finns i serverns logg.")
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


async def train_model(
    job: Job, project_root: Path, models_dir: Path, rasa_bin: Path, env: dict[str, str], name: str,
    finetune: Path | None = None,
) -> Path:
    """Train into `models_dir/<name>.tar.gz` from a snapshot of the project files, incrementally from the
    model `finetune` when given."""
    with rasa_failures():
        model = await train(
            job, project_root, models_dir, name, rasa_bin=rasa_bin, env=env, timeout=TRAIN_TIMEOUT_SECONDS,
            finetune=finetune,
        )
    job.model = str(model)
    return model
