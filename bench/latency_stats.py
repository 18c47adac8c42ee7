"""Percentiles of latency samples (nearest-rank), and a watcher of the client's own event-loop lag
(a busy client delays reading replies, which would count against the server)."""
from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass


def percentile(samples: list[float], percent: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `percent` % of samples at or below it."""
    if not samples:
        raise ValueError("no samples")
    if not 0 < percent <= 100:
        raise ValueError(f"percent must be in (0, 100], got {percent}")
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Summary:
    count: int
    mean: float
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, samples: list[float]) -> "Summary":
        return cls(
            count=len(samples),
            mean=sum(samples) / len(samples),
            p50=percentile(samples, 50),
            p95=percentile(samples, 95),
            p99=percentile(samples, 99),
            max=max(samples),
        )

    def line(self, unit: str = "ms") -> str:
        return (
            f"n={self.count:<6} p50 {self.p50:8.1f} {unit}  p95 {self.p95:8.1f} {unit}  "
            f"p99 {self.p99:8.1f} {unit}  mean {self.mean:8.1f} {unit}  max {self.max:8.1f} {unit}"
        )


class LoopLag:
    """Measures how late the client's event loop wakes up from a short sleep, in milliseconds."""

    INTERVAL = 0.01

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.INTERVAL)
            self.samples.append((time.perf_counter() - started - self.INTERVAL) * 1000)

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="loop-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
