"""Typed application keys of the records area (filled in by `router.records.setup_records`)."""
from __future__ import annotations

from aiohttp import web

from router.records.holds import Holds
from router.records.retention import Retention
from router.records.retention_config import RetentionConfig

RETENTION_CONFIG_KEY = web.AppKey("retention_config", RetentionConfig)
RETENTION_KEY = web.AppKey("retention", Retention)
HOLDS_KEY = web.AppKey("holds", Holds)
