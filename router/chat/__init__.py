"""The resident chat: conversations and their messages (the safety net in every state), the alarm replies, and
the resident's HTTP API and WebSocket. router/app.py builds `Conversations` with the other services."""
from __future__ import annotations

from aiohttp import web

from router.chat import views, websocket


def setup_chat(app: web.Application) -> None:
    """Add /api/conversations… and the resident WebSocket /ws/conversations/{id}."""
    app.add_routes(views.routes)
    app.add_routes(websocket.routes)
