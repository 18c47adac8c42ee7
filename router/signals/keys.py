"""Typed application keys of the signals area (filled in by `router.signals.setup_signals`)."""
from __future__ import annotations

from aiohttp import web

from router.signals.config import SignalsConfig
from router.signals.districts import Districts
from router.signals.store import SignalStore

SIGNALS_CONFIG_KEY = web.AppKey("signals_config", SignalsConfig)
DISTRICTS_KEY = web.AppKey("districts", Districts)
SIGNAL_STORE_KEY = web.AppKey("signal_store", SignalStore)
