"""Typed application keys for the message bus: pub/sub and the per-address rate limit."""
from __future__ import annotations

from aiohttp import web

from router.bus.pubsub import PubSub
from router.bus.rate_limit import RateLimiter

PUBSUB_KEY = web.AppKey("pubsub", PubSub)
ADDRESS_LIMITER_KEY = web.AppKey("address_limiter", RateLimiter)
