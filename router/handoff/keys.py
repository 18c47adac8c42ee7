"""Typed application keys for the handoff to a person: its settings, the queue, the desk, presence and agent
logins."""
from __future__ import annotations

from aiohttp import web

from router.handoff.config import CannedAnswer, HandoffConfig
from router.handoff.desk import Desk
from router.handoff.handoff import Handoff
from router.handoff.login_limits import LoginLimits
from router.handoff.presence import Presence
from router.handoff.queue import Queue

HANDOFF_CONFIG_KEY = web.AppKey("handoff_config", HandoffConfig)
CANNED_ANSWERS_KEY = web.AppKey("canned_answers", tuple[CannedAnswer, ...])
LOGIN_LIMITS_KEY = web.AppKey("login_limits", LoginLimits)
QUEUE_KEY = web.AppKey("queue", Queue)
HANDOFF_KEY = web.AppKey("handoff", Handoff)
DESK_KEY = web.AppKey("desk", Desk)
PRESENCE_KEY = web.AppKey("presence", Presence)
