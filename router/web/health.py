"""GET /healthz: the router answers (liveness), and says whether Rasa, the action server, the database (and
Redis, when REDIS_URL is set) do. GET /readyz: whether this router can take residents now (readiness) —
the database answers, Rasa answers with a model loaded, and pub/sub is up — 200, or 503 naming what is not
ready, so a load balancer sends residents to another router while this one's Rasa is down."""
from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy import text

from router.bus.keys import PUBSUB_KEY
from router.keys import ENGINE_KEY, HTTP_KEY, SETTINGS_KEY
from router.rasa.keys import RASA_KEY
from router.rasa.client import RasaUnavailable, answers, served_model
from router.bus.redis_pubsub import RedisPubSub

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

# Long enough for a busy machine: a disk saturated by other work can hold a new SQLite connection's first read
# for seconds (seen once in CI with 2 s), and /readyz answering "not ready" for that would take a working
# router out of rotation exactly when it is loaded. A database that is really gone fails at once (refused).
DB_TIMEOUT_SECONDS = 5


async def _database_answers(request: web.Request) -> bool:
    try:
        async with asyncio.timeout(DB_TIMEOUT_SECONDS):
            async with request.app[ENGINE_KEY].connect() as connection:
                await connection.execute(text("SELECT 1"))
        return True
    except TimeoutError:
        log.warning("health check: the database gave no answer within %s s", DB_TIMEOUT_SECONDS)
        return False
    except Exception as error:  # any failure means "down" here; the operator sees which in the log
        log.warning("health check: the database failed: %r", error)
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


async def _rasa_has_model(request: web.Request) -> bool:
    try:
        model = await served_model(
            request.app[HTTP_KEY], request.app[RASA_KEY].upstream.url, request.app[SETTINGS_KEY].rasa_token
        )
    except RasaUnavailable:
        return False
    return model is not None


async def _pubsub_answers(request: web.Request) -> bool:
    bus = request.app[PUBSUB_KEY]
    return await bus.answers() if isinstance(bus, RedisPubSub) else True  # in-process pub/sub is always up


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    db, rasa, pubsub = await asyncio.gather(
        _database_answers(request), _rasa_has_model(request), _pubsub_answers(request)
    )
    checks = {"db": db, "rasa": rasa, "pubsub": pubsub}
    not_ready = [name for name, ready in checks.items() if not ready]
    return web.json_response(
        {
            "status": "not_ready" if not_ready else "ready",
            "not_ready": not_ready,
            "checks": {name: _word(ready) for name, ready in checks.items()},
        },
        status=503 if not_ready else 200,
    )


def _word(up: bool) -> str:
    return "ok" if up else "down"
