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


class ConsoleProgress(RasaProgress):
    """Prints Rasa's output lines as they come (without tqdm's redraws) and every tenth of the epochs."""

    def keep(self, line: str) -> None:
        super().keep(line)
        print(f"    {line}", file=sys.stderr, flush=True)

    def follow(self, line: str) -> None:
        before = self.epoch
        super().follow(line)
        if self.epoch is not None and self.epochs and self.epoch != before:
            if self.epoch == self.epochs or self.epoch % max(1, self.epochs // EPOCH_LINES) == 0:
                step(f"{self.component or 'training'}: epoch {self.epoch}/{self.epochs}")
