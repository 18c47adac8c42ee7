"""Typed keys for what the router keeps on its aiohttp application."""
from __future__ import annotations

from aiohttp import web

from router.core.clock import Clock
from router.core.timings import StageTimings

CLOCK_KEY = web.AppKey("clock", Clock)
TIMINGS_KEY = web.AppKey("timings", StageTimings)
