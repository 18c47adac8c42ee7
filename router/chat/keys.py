"""Typed application key for the resident chat."""
from __future__ import annotations

from aiohttp import web

from router.chat.conversations import Conversations

CONVERSATIONS_KEY = web.AppKey("conversations", Conversations)
