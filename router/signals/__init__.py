"""Trygghetssignaler (issue 16): what residents tell the chat about places where they feel unsafe, counted
per district, category, time of day and weekday as input to the city's lägesbild. `setup_signals(app,
settings_dir)` wires it into the router: the internal API the actions call, the console's add/correct, the
page /admin/signals with its export (roles admin and analyst), and the daily deletion past retention.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from router.core.keys import CLOCK_KEY
from router.keys import DB_KEY, SIGNAL_RETENTION_DAYS_KEY
from router.signals import views
from router.signals.config import load_signals_config
from router.signals.districts import load_districts
from router.signals.keys import DISTRICTS_KEY, SIGNAL_STORE_KEY, SIGNALS_CONFIG_KEY
from router.signals.store import SignalStore

log = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 6 * 3600


async def purge_until_stopped(store: SignalStore, stop: asyncio.Event) -> None:
    """Delete signals past their retention now and every PURGE_EVERY_SECONDS until `stop` is set. A purge
    under way when the router stops is finished, not cancelled: cancelling it inside its transaction
    cancels the rollback too, and the driver's connection is left half-reset."""
    while not stop.is_set():
        try:
            deleted = await store.purge()
            if deleted:
                log.info("deleted %d trygghetssignaler past their retention", deleted)
        except Exception:  # noqa: BLE001 - the next round tries again; a failure must not stop the router
            log.exception("deleting old trygghetssignaler failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PURGE_EVERY_SECONDS)


async def _store(app: web.Application) -> AsyncIterator[None]:
    app[SIGNAL_STORE_KEY] = store = SignalStore(app[DB_KEY], app[CLOCK_KEY], app[SIGNALS_CONFIG_KEY].retention_days)
    stop = asyncio.Event()
    task = asyncio.create_task(purge_until_stopped(store, stop), name="signals-retention")
    yield
    stop.set()
    await task


def setup_signals(app: web.Application, settings_dir: Path) -> None:
    """Read settings/signals.yml and the district list (a mistake stops the router here), add the routes, and
    build the store once the database is up. Call after the database's cleanup context."""
    config = load_signals_config(settings_dir)
    app[SIGNALS_CONFIG_KEY] = config
    app[SIGNAL_RETENTION_DAYS_KEY] = config.retention_days
    app[DISTRICTS_KEY] = load_districts(config.districts_file)
    app.add_routes(views.routes)
    app.cleanup_ctx.append(_store)
