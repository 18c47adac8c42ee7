"""Progress output for the operator: the command line's steps, and a Rasa run's progress as it changes."""
from __future__ import annotations

import sys
import time

from assistant.rasa_run import RasaProgress

_START = time.monotonic()
# Epoch lines printed per component: tqdm redraws hundreds of times, the operator needs a pulse.
EPOCH_LINES = 10


def step(message: str) -> None:
    elapsed = time.monotonic() - _START
    print(f"==> [{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)


def remaining_text(done: int, total: int, seconds_so_far: float) -> str:
    """"about N min left" (or seconds), at the pace of the steps done so far; empty before the first one."""
    if done <= 0 or done >= total:
        return ""
    left = seconds_so_far / done * (total - done)
    return f", about {left / 60:.0f} min left" if left >= 90 else f", about {left:.0f} s left"


class ConsoleProgress(RasaProgress):
    """Prints Rasa's output lines as they come (without tqdm's redraws) and every tenth of the epochs, with
    the time the component still needs at the pace of its epochs so far (a first `make run` trains for many
    minutes: the operator sees when it ends)."""

    _component_started: float = 0.0
    _first_epoch: int | None = None

    def keep(self, line: str) -> None:
        super().keep(line)
        print(f"    {line}", file=sys.stderr, flush=True)

    def follow(self, line: str) -> None:
        before, component = self.epoch, self.component
        super().follow(line)
        if self.component != component:
            self._component_started, self._first_epoch = time.monotonic(), None
        if self.epoch is not None and self.epochs and self.epoch != before:
            if self._first_epoch is None:  # the pace counts from the first epoch seen (no start-up costs)
                self._first_epoch, self._component_started = self.epoch, time.monotonic()
            if self.epoch == self.epochs or self.epoch % max(1, self.epochs // EPOCH_LINES) == 0:
                left = remaining_text(
                    self.epoch - self._first_epoch, self.epochs - self._first_epoch,
                    time.monotonic() - self._component_started,
                )
                step(f"{self.component or 'training'}: epoch {self.epoch}/{self.epochs}{left}")
