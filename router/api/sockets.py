"""Bookkeeping shared by the WebSocket handlers: open sockets (closed on shutdown), frame limits, and
forwarding published frames."""
from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Any

from aiohttp import WSCloseCode, web

from router.agent_sessions import close_ended
from router.pubsub import SESSION_ENDED, SubscriberTooSlow, Subscription

# A 2 000-character message in JSON fits easily; bigger frames close the socket with 1009.
MAX_FRAME_BYTES = 16 * 1024
HEARTBEAT_SECONDS = 30

OPEN_SOCKETS_KEY = web.AppKey("open_sockets", weakref.WeakSet)


def open_socket() -> web.WebSocketResponse:
    return web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, max_msg_size=MAX_FRAME_BYTES)


def track(app: web.Application, socket: web.WebSocketResponse) -> None:
    app[OPEN_SOCKETS_KEY].add(socket)


async def close_all(app: web.Application) -> None:
    for socket in set(app[OPEN_SOCKETS_KEY]):
        await socket.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


Closes = Callable[[dict[str, Any]], bool]


async def forward(socket: web.WebSocketResponse, subscription: Subscription, closes: Closes | None = None) -> None:
    """Send every published frame to the socket; a subscriber that fell behind is closed (it resyncs).
    A frame for which `closes` is true closes the socket instead, before anything published after it;
    `session_ended` frames are for the router only and never sent."""
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
    except SubscriberTooSlow:
        await socket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"resync")
    except ConnectionResetError:
        return


def start_forwarding(
    socket: web.WebSocketResponse, subscription: Subscription, closes: Closes | None = None
) -> asyncio.Task[Any]:
    return asyncio.create_task(forward(socket, subscription, closes), name="ws-forward")


async def stop_forwarding(task: asyncio.Task[Any]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
