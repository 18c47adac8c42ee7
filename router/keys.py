"""Typed application keys for the router core's services (the clock's key is in router/core/keys.py,
the opening hours' in router/hours/keys.py). router/app.py fills them in."""
from __future__ import annotations

from aiohttp import ClientSession, web
from sqlalchemy.ext.asyncio import AsyncEngine

from router.background import BackgroundTasks
from router.contact import ContactFacts
from router.conversations import Conversations
from router.core.config import Settings
from router.core.db import SessionMaker
from router.core.options import RouterOptions
from router.desk import Desk
from router.handoff import Handoff
from router.handoff_config import CannedAnswer, HandoffConfig
from router.login_limits import LoginLimits
from router.presence import Presence
from router.pubsub import PubSub
from router.queue import Queue
from router.rasa_client import RasaClient
from router.rasa_diversion import Diversion
from router.rate_limit import RateLimiter

SETTINGS_KEY = web.AppKey("settings", Settings)
OPTIONS_KEY = web.AppKey("options", RouterOptions)
CONTACT_KEY = web.AppKey("contact", ContactFacts)
HANDOFF_CONFIG_KEY = web.AppKey("handoff_config", HandoffConfig)
CANNED_ANSWERS_KEY = web.AppKey("canned_answers", tuple[CannedAnswer, ...])
ENGINE_KEY = web.AppKey("engine", AsyncEngine)
DB_KEY = web.AppKey("db", SessionMaker)
HTTP_KEY = web.AppKey("http", ClientSession)
RASA_KEY = web.AppKey("rasa", RasaClient)
PUBSUB_KEY = web.AppKey("pubsub", PubSub)
BACKGROUND_KEY = web.AppKey("background", BackgroundTasks)
ADDRESS_LIMITER_KEY = web.AppKey("address_limiter", RateLimiter)
LOGIN_LIMITS_KEY = web.AppKey("login_limits", LoginLimits)
QUEUE_KEY = web.AppKey("queue", Queue)
HANDOFF_KEY = web.AppKey("handoff", Handoff)
CONVERSATIONS_KEY = web.AppKey("conversations", Conversations)
DESK_KEY = web.AppKey("desk", Desk)
PRESENCE_KEY = web.AppKey("presence", Presence)
DIVERSION_KEY = web.AppKey("diversion", Diversion)
