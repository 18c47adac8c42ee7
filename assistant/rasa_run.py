"""Running a Rasa command while following its progress: the stage, the component being trained, the epoch
(from tqdm's carriage-return redraws), the process's peak memory and the last lines of its output.

The command line prints the progress as it changes (assistant/console.py) and the administration shows
it on the models page (router/admin/jobs.py extends `RasaProgress` into its `Job`). A failed run raises
`RasaFailed`, which says what went wrong in terms each caller words for its own audience.
"""
from __future__ import annotations

import asyncio
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

OUTPUT_LINES = 40
_EPOCH = re.compile(r"Epochs:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")
_COMPONENT = re.compile(r"Starting to train component '(\w+)'")
_NOISE = ("DeprecationWarning", "declare_namespace", "pkg_resources", "MovedIn20Warning")
MEMORY_SAMPLE_SECONDS = 0.5


@dataclass
class RasaProgress:
    """How far a Rasa command has come. `stage` is set by the step that runs it (e.g. "snapshot",
    "loading") and becomes "training" when Rasa starts training a component."""

    stage: str = "queued"
    component: str | None = None
    epoch: int | None = None
    epochs: int | None = None
    rss_peak_mb: float | None = None
    output: deque[str] = field(default_factory=lambda: deque(maxlen=OUTPUT_LINES))

    def follow(self, line: str) -> None:
        """Take one line of Rasa's output into the progress."""
        line = line.strip()
        if not line:
            return
        epoch = _EPOCH.search(line)
        if epoch:
            self.epoch, self.epochs = int(epoch.group(1)), int(epoch.group(2))
            return  # tqdm redraws: keep them out of the output tail
        component = _COMPONENT.search(line)
        if component:
            self.stage, self.component, self.epoch, self.epochs = "training", component.group(1), None, None
        elif "Training NLU model" in line or "Training Core model" in line:
            self.stage = "training"
        if not any(noise in line for noise in _NOISE):
            self.keep(line[:500])

    def keep(self, line: str) -> None:
        """A line worth showing: kept in the output tail."""
        self.output.append(line)

    def tail(self, lines: int = 8) -> str:
        """The last lines Rasa wrote, on one line: what a failure message quotes."""
        return " | ".join(list(self.output)[-lines:])


class RasaFailed(Exception):
    """A Rasa command did not do its work; the subclass says how."""


class RasaExited(RasaFailed):
    def __init__(self, returncode: int, tail: str) -> None:
        super().__init__(f"Rasa exited with code {returncode}: {tail}")
        self.returncode = returncode
        self.tail = tail


class RasaTimedOut(RasaFailed):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"Rasa did not finish within {int(seconds)} seconds")
        self.seconds = seconds


class RasaWroteNothing(RasaFailed):
    """Rasa exited cleanly without writing the file its caller reads next (a model, a report)."""

    def __init__(self, expected: Path) -> None:
        super().__init__(f"Rasa finished without writing {expected}")
        self.expected = expected


def rss_peak_kb(pid: int) -> int | None:
    """The process's peak resident set size (VmHWM) from /proc, while it runs."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


async def run_rasa(progress: RasaProgress, argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> None:
    """Run a Rasa command, feeding its output (split on newlines and tqdm's carriage returns) into
    `progress` and sampling the process's peak memory. Raises RasaExited or RasaTimedOut."""
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )

    async def sample_memory() -> None:
        while True:
            peak = rss_peak_kb(process.pid)
            if peak is not None:
                progress.rss_peak_mb = round(max(progress.rss_peak_mb or 0, peak / 1024), 1)
            await asyncio.sleep(MEMORY_SAMPLE_SECONDS)

    async def read_output() -> None:
        buffer = b""
        assert process.stdout is not None
        while chunk := await process.stdout.read(4096):
            buffer += chunk
            *pieces, buffer = re.split(rb"[\r\n]", buffer)
            for piece in pieces:
                progress.follow(piece.decode("utf-8", "replace"))
        if buffer:
            progress.follow(buffer.decode("utf-8", "replace"))

    sampler = asyncio.create_task(sample_memory())
    try:
        await asyncio.wait_for(asyncio.gather(read_output(), process.wait()), timeout)
    except (TimeoutError, asyncio.CancelledError) as error:
        process.kill()
        await process.wait()
        if isinstance(error, asyncio.CancelledError):
            raise
        raise RasaTimedOut(timeout) from None
    finally:
        sampler.cancel()
    if process.returncode:
        raise RasaExited(process.returncode, progress.tail())
