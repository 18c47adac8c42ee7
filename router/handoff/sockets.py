"""Bookkeeping shared by the WebSocket handlers: open sockets (closed on shutdown), how many a
conversation has open, frame limits, and forwarding published frames."""
from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from typing import Any

from aiohttp import WSCloseCode, web

from router.handoff.agent_sessions import close_ended
from router.core.timings import DELIVER, StageTimings
from router.errors import RateLimited
from router.bus.pubsub import SESSION_ENDED, SubscriberTooSlow, Subscription

# A 2 000-character message in JSON fits easily; bigger frames close the socket with 1009.
MAX_FRAME_BYTES = 16 * 1024
HEARTBEAT_SECONDS = 30

OPEN_SOCKETS_KEY = web.AppKey("open_sockets", weakref.WeakSet)


class ConversationSockets:
    """The resident sockets of each conversation in this process, at most `limit` open at a time: one
    resident opening sockets without end would otherwise hold the process's memory and file descriptors.
    A socket counts until it is closed; the registry holds no socket alive."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._sockets: weakref.WeakKeyDictionary[web.WebSocketResponse, str] = weakref.WeakKeyDictionary()

    def add(self, conversation_id: str, socket: web.WebSocketResponse) -> None:
        """Count `socket` for the conversation, or raise 429 when it already has `limit` open."""
        open_now = sum(1 for s, c in self._sockets.items() if c == conversation_id and not s.closed)
        if open_now >= self.limit:
            raise RateLimited("too_many_sockets")
        self._sockets[socket] = conversation_id

    def open_count(self) -> int:
        """Resident sockets open in this process (authenticated ones: only those are counted here)."""
        return sum(1 for socket in list(self._sockets) if not socket.closed)


CONVERSATION_SOCKETS_KEY = web.AppKey("conversation_sockets", ConversationSockets)


def open_socket() -> web.WebSocketResponse:
    return web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, max_msg_size=MAX_FRAME_BYTES)


def track(app: web.Application, socket: web.WebSocketResponse, conversation_id: str | None = None) -> None:
    """Close `socket` on shutdown; a resident's socket also counts towards its conversation's limit
    (RateLimited beyond it). Calling it again for the same socket with its conversation is harmless."""
    if conversation_id is not None:
        app[CONVERSATION_SOCKETS_KEY].add(conversation_id, socket)
    app[OPEN_SOCKETS_KEY].add(socket)


async def close_all(app: web.Application) -> None:
    for socket in set(app[OPEN_SOCKETS_KEY]):
        await socket.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


Closes = Callable[[dict[str, Any]], bool]


async def forward(
    socket: web.WebSocketResponse,
    subscription: Subscription,
    closes: Closes | None = None,
    timings: StageTimings | None = None,
) -> None:
    """Send every published frame to the socket; a subscriber that fell behind is closed (it resyncs).
    A frame for which `closes` is true closes the socket instead, before anything published after it;
    `session_ended` frames are for the router only and never sent. `timings` records each frame's time
    from its publication until the socket sent it (stage `deliver`)."""
    try:
        async for frame in subscription:
            if socket.closed:
                return
            if closes is not None and closes(frame):
                await close_ended(socket)
                return
            if frame.get("type") == SESSION_ENDED:
                continue
            await socket.send_json(frame)
            if timings is not None:
                timings.record(DELIVER, time.perf_counter() - subscription.delivered_at)
    except SubscriberTooSlow:
        await socket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"resync")
    except ConnectionResetError:
        return


def start_forwarding(
    socket: web.WebSocketResponse,
    subscription: Subscription,
    closes: Closes | None = None,
    timings: StageTimings | None = None,
) -> asyncio.Task[Any]:
    return asyncio.create_task(forward(socket, subscription, closes, timings), name="ws-forward")


async def stop_forwarding(task: asyncio.Task[Any]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
