"""Typed application keys for what every capability shares: settings, options, the database, the HTTP client and
the password checks. Each capability keeps its own keys (router/chat/keys.py, router/handoff/keys.py, …; the
clock's is in router/core/keys.py). router/app.py fills them in."""
from __future__ import annotations

from aiohttp import ClientSession, web
from sqlalchemy.ext.asyncio import AsyncEngine

from router.core.config import Settings
from router.core.db import SessionMaker
from router.core.options import RouterOptions
from router.core.security import PasswordChecks

SETTINGS_KEY = web.AppKey("settings", Settings)
OPTIONS_KEY = web.AppKey("options", RouterOptions)
ENGINE_KEY = web.AppKey("engine", AsyncEngine)
DB_KEY = web.AppKey("db", SessionMaker)
HTTP_KEY = web.AppKey("http", ClientSession)
PASSWORD_CHECKS_KEY = web.AppKey("password_checks", PasswordChecks)
# How long trygghetssignaler are kept (settings/signals.yml), stated on /integritet next to the case records'
# periods; set by router.signals, read by the privacy notice (which lives with records, a sibling layer).
SIGNAL_RETENTION_DAYS_KEY = web.AppKey("signal_retention_days", int)
