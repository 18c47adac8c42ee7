"""Publish/subscribe between the router's request handlers and WebSockets.

`PubSub` is the interface; `LocalPubSub` keeps subscribers in this process (the default);
`router.bus.redis_pubsub.RedisPubSub` connects several router processes through Redis (`REDIS_URL`).
Channels: `conversation:<id>` (frames for the resident's WebSockets) and `agents` (for every console).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

log = logging.getLogger(__name__)

AGENTS_CHANNEL = "agents"
# A frame on the agents channel for the router processes, never sent to a console (router/handoff/agent_sessions.py).
SESSION_ENDED = "session_ended"


def conversation_channel(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


class SubscriberTooSlow(Exception):
    """The subscriber fell so far behind that frames were dropped; it should resynchronise."""


class Subscription:
    """Frames for one subscriber, in order. `delivered_at` is the monotonic time (time.perf_counter) the
    frame last returned by `get` was delivered here: how long it waited is part of the relay's latency."""

    def __init__(self, max_pending: int) -> None:
        self._queue: asyncio.Queue[tuple[float, dict[str, Any]] | None] = asyncio.Queue(max_pending)
        self.overflowed = False
        self.delivered_at = 0.0

    def deliver(self, payload: dict[str, Any]) -> None:
        if self.overflowed:
            return
        try:
            self._queue.put_nowait((time.perf_counter(), payload))
        except asyncio.QueueFull:
            # Frames already queued are still read; after them the reader gets SubscriberTooSlow.
            self.overflowed = True
            log.warning("a subscriber fell behind; it will be asked to resynchronise")

    def resynchronise(self) -> None:
        """Frames may have been lost (the Redis connection dropped): after the queued ones, the reader
        gets SubscriberTooSlow, also when it is waiting right now."""
        if self.overflowed:
            return
        self.overflowed = True
        try:
            self._queue.put_nowait(None)
        except asyncio.QueueFull:
            pass  # the reader is not waiting: it reaches the end of a full queue and gets the error there

    async def get(self) -> dict[str, Any]:
        if self.overflowed and self._queue.empty():
            raise SubscriberTooSlow
        entry = await self._queue.get()
        if entry is None:
            raise SubscriberTooSlow
        self.delivered_at, payload = entry
        return payload

    def __aiter__(self) -> "Subscription":
        return self

    async def __anext__(self) -> dict[str, Any]:
        return await self.get()


class PubSub(Protocol):
    async def publish(self, channel: str, payload: dict[str, Any]) -> None: ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]: ...


class LocalPubSub:
    def __init__(self, max_pending: int = 1000) -> None:
        self._max_pending = max_pending
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)

    async def publish(self, channel: str, payload: dict[str, Any]) -> None:
        for subscription in list(self._subscribers.get(channel, ())):
            subscription.deliver(payload)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(self._max_pending)
        self._subscribers[channel].add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers[channel].discard(subscription)
            if not self._subscribers[channel]:
                del self._subscribers[channel]
