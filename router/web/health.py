"""GET /healthz: the router answers, and says whether Rasa, the action server, the database (and Redis,
when REDIS_URL is set) do."""
from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import text

from router.bus.keys import PUBSUB_KEY
from router.keys import ENGINE_KEY, HTTP_KEY, SETTINGS_KEY
from router.rasa.keys import RASA_KEY
from router.rasa.client import answers
from router.bus.redis_pubsub import RedisPubSub

routes = web.RouteTableDef()

DB_TIMEOUT_SECONDS = 2


async def _database_answers(request: web.Request) -> bool:
    try:
        async with asyncio.timeout(DB_TIMEOUT_SECONDS):
            async with request.app[ENGINE_KEY].connect() as connection:
                await connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure means "down" here; the details are in the database's own logs
        return False


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    http = request.app[HTTP_KEY]
    rasa, actions, db = await asyncio.gather(
        answers(http, f"{request.app[RASA_KEY].upstream.url}/"),
        answers(http, f"{settings.actions_url}/health"),
        _database_answers(request),
    )
    report = {"status": "ok", "rasa": _word(rasa), "actions": _word(actions), "db": _word(db)}
    bus = request.app[PUBSUB_KEY]
    if isinstance(bus, RedisPubSub):
        report["redis"] = _word(await bus.answers())
    return web.json_response(report)


def _word(up: bool) -> str:
    return "ok" if up else "down"
