"""Prometheus metrics for the router: `setup_metrics(app)` adds `GET /metrics` and the hooks that feed it.

| module | what it does |
|---|---|
| `chat_metrics.py` | the counters and histograms, in a registry per app (`METRICS_KEY`) |
| `stored.py` | counts from what the router commits: conversations, messages, alarms, handoffs, queue waits; database errors |
| `rasa_tracing.py` | Rasa's request time and failures, from aiohttp's client tracing on the Rasa client's session |
| `scrape.py` | read at scrape time: queue length and agents online (shared), WebSockets, Rasa up and its model, open now |
| `access.py` | who may read /metrics: loopback straight to the router, or `METRICS_TOKEN` |

The bot turn's time (`chat_bot_reply_seconds`) and Rasa's fallback answers are counted in
router/chat/conversations.py, rate limits by the limiters (`refused=`), both wired in router/app.py.
"""
from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import hdrs, web
from prometheus_client import CONTENT_TYPE_LATEST, disable_created_metrics, generate_latest

from router.handoff.keys import HANDOFF_CONFIG_KEY
from router.keys import ENGINE_KEY, SETTINGS_KEY
from router.metrics.access import check_metrics_access
from router.metrics.chat_metrics import ChatMetrics
from router.metrics.rasa_tracing import rasa_tracing
from router.metrics.scrape import ScrapeValues
from router.metrics.stored import count_stored

METRICS_KEY = web.AppKey("metrics", ChatMetrics)
SCRAPE_KEY = web.AppKey("metrics_scrape", ScrapeValues)

__all__ = ["METRICS_KEY", "ChatMetrics", "rasa_tracing", "setup_metrics"]


async def metrics_view(request: web.Request) -> web.Response:
    check_metrics_access(request, request.app[SETTINGS_KEY].metrics_token)
    await request.app[SCRAPE_KEY].read(request.app)
    body = generate_latest(request.app[METRICS_KEY].registry)
    return web.Response(body=body, headers={hdrs.CONTENT_TYPE: CONTENT_TYPE_LATEST, hdrs.CACHE_CONTROL: "no-store"})


def setup_metrics(app: web.Application) -> None:
    """The metrics exist from here (services built in cleanup contexts take them from `METRICS_KEY`);
    counting what is stored starts once the database is up (call after the database's cleanup context)."""
    # No `*_created` series beside every counter and histogram: Prometheus does not use them, and they
    # would double what each scrape carries. (A switch for the whole process; the router has no other.)
    disable_created_metrics()
    metrics = ChatMetrics()
    app[METRICS_KEY] = metrics
    scrape = ScrapeValues(app[HANDOFF_CONFIG_KEY])
    metrics.registry.register(scrape)
    app[SCRAPE_KEY] = scrape

    async def counting(app: web.Application) -> AsyncIterator[None]:
        stop = count_stored(metrics, app[ENGINE_KEY].sync_engine)
        yield
        stop()

    app.cleanup_ctx.append(counting)
    app.router.add_get("/metrics", metrics_view)
