"""Progress output for the operator."""
import sys
import time

_START = time.monotonic()


def step(message: str) -> None:
    elapsed = time.monotonic() - _START
    print(f"==> [{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)
