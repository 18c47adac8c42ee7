"""Ending a kommunvägledare's login sessions everywhere, live consoles included.

A console WebSocket carries residents' messages, so it must not outlive the session that opened it. When a
session ends (logout), or every session of an agent ends (deactivation, a password reset, a revocation
from the command line), a `session_ended` frame goes out on the agents channel: every router process
(through Redis when there are several) closes the matching consoles, and since it travels the same channel
as the residents' messages, nothing published after it reaches those sockets. The frame itself is never
sent to a console. What cannot be announced (expiry, or a command line without Redis to reach the router)
is caught by each socket re-checking its session every `AGENT_SESSION_CHECK_SECONDS`.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from router.bus.pubsub import AGENTS_CHANNEL, SESSION_ENDED, PubSub

# The console goes to the login page on this close code (4000–4999 are the application's own).
SESSION_ENDED_CLOSE_CODE = 4401


async def announce_ended(pubsub: PubSub, *, session_id: int | None = None, agent_id: int | None = None) -> None:
    """One session (`session_id`) or all of an agent's sessions (`agent_id`) have ended."""
    if (session_id is None) == (agent_id is None):
        raise ValueError("give either a session id or an agent id")
    await pubsub.publish(AGENTS_CHANNEL, {"type": SESSION_ENDED, "session_id": session_id, "agent_id": agent_id})


def ends(frame: dict[str, Any], agent_id: int, session_id: int) -> bool:
    """Whether `frame` ends the console of this agent's session."""
    if frame.get("type") != SESSION_ENDED:
        return False
    return frame.get("session_id") == session_id or frame.get("agent_id") == agent_id


async def close_ended(socket: web.WebSocketResponse) -> None:
    await socket.close(code=SESSION_ENDED_CLOSE_CODE, message=b"session ended")
