"""Typed application keys for the message bus: pub/sub, background tasks and the per-address rate limit."""
from __future__ import annotations

from aiohttp import web

from router.bus.background import BackgroundTasks
from router.bus.pubsub import PubSub
from router.bus.rate_limit import RateLimiter

PUBSUB_KEY = web.AppKey("pubsub", PubSub)
BACKGROUND_KEY = web.AppKey("background", BackgroundTasks)
ADDRESS_LIMITER_KEY = web.AppKey("address_limiter", RateLimiter)
