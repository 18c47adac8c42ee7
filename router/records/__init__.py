"""Records: cases as registrable public records (export as JSON, HTML and PDF), search, holds, and
retention (gallring) on a daily schedule, and the privacy notice that states its periods. `setup_records(app, settings_dir)` wires it into the router."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from router.core.keys import CLOCK_KEY
from router.keys import DB_KEY
from router.records import privacy_notice, views
from router.records.holds import Holds
from router.records.keys import HOLDS_KEY, RETENTION_CONFIG_KEY, RETENTION_KEY
from router.records.retention import Retention
from router.records.retention_config import load_retention_config
from router.records.schedule import run_on_schedule


async def _retention_schedule(app: web.Application) -> AsyncIterator[None]:
    clock, config = app[CLOCK_KEY], app[RETENTION_CONFIG_KEY]
    app[RETENTION_KEY] = Retention(app[DB_KEY], clock, config)
    app[HOLDS_KEY] = Holds(app[DB_KEY], clock)
    task = asyncio.create_task(run_on_schedule(app[RETENTION_KEY], config, clock), name="retention-schedule")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def setup_records(app: web.Application, settings_dir: Path) -> None:
    """Read settings/retention.yml (a mistake stops the router here, naming the field), add the routes,
    and run retention on schedule once the database is up. Call after the database's cleanup context."""
    app[RETENTION_CONFIG_KEY] = load_retention_config(settings_dir)
    app.add_routes(views.routes)
    app.add_routes(privacy_notice.routes)
    app.cleanup_ctx.append(_retention_schedule)
