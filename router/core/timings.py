"""How long each stage of the router's own work takes: one monotonic clock read at each end of a stage
and an append, so the timers can stay on in production.

The stages of a resident's message (`router.chat.conversations`) are the answer to "where does the time
go" (issue 17): waiting for the conversation's turn, authenticating, storing the message, Rasa, storing
the replies, publishing. The relay (`router.handoff.desk`) has its own. `StageTimings` keeps the most recent
durations of each stage for `GET /internal/timings` (the latency benchmark reads it) and hands every
duration to its observers, so metrics (e.g. a Prometheus histogram per stage) subscribe without the
handlers knowing about them.
"""
from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Stages of a resident's message (router/chat/conversations.py), in order.
AUTHENTICATE = "authenticate"
LOCK_WAIT = "lock_wait"
STORE_MESSAGE = "store_message"
RASA = "rasa"
STORE_REPLIES = "store_replies"
PUBLISH = "publish"
# An agent's message to a resident (router/handoff/desk.py and router/handoff/views.py).
RELAY_AUTHENTICATE = "relay_authenticate"
RELAY_STORE = "relay_store"
RELAY_PUBLISH = "relay_publish"
# Shared by every path.
WRITER_WAIT = "writer_wait"  # a SQLite write transaction waiting for its turn (router/core/one_writer.py)
WRITER_HOLD = "writer_hold"  # from its turn to its commit (or rollback)
DELIVER = "deliver"  # a published frame: from publish until the WebSocket has sent it (router/handoff/sockets.py)
LOOP_LAG = "loop_lag"  # how late the router's event loop woke up from a short sleep (watch_loop_lag)

LOOP_LAG_INTERVAL_SECONDS = 0.05

Observer = Callable[[str, float], None]


class StageTimings:
    """The last `keep` durations (seconds) of every stage, and observers told of each one."""

    def __init__(self, keep: int = 10_000) -> None:
        self._keep = keep
        self._durations: dict[str, deque[float]] = {}
        self._observers: list[Observer] = []

    def observe(self, observer: Observer) -> None:
        """Call `observer(stage, seconds)` for every duration recorded from now on."""
        self._observers.append(observer)

    def record(self, stage: str, seconds: float) -> None:
        durations = self._durations.get(stage)
        if durations is None:
            durations = self._durations[stage] = deque(maxlen=self._keep)
        durations.append(seconds)
        for observer in self._observers:
            observer(stage, seconds)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block as stage `name` (also when it raises: a failed write took its time too)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.record(name, time.perf_counter() - started)

    def recent(self) -> dict[str, list[float]]:
        """The kept durations of each stage, oldest first."""
        return {stage: list(durations) for stage, durations in self._durations.items()}

    def clear(self) -> None:
        self._durations.clear()


async def watch_loop_lag(timings: StageTimings, interval: float = LOOP_LAG_INTERVAL_SECONDS) -> None:
    """Record how late the event loop wakes from `interval`-second sleeps, until cancelled. Every stage
    timer above includes this lateness (a stage's continuation waits for the loop), so it tells a slow
    stage from a loop too busy to resume it."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(interval)
        timings.record(LOOP_LAG, max(0.0, time.perf_counter() - started - interval))
