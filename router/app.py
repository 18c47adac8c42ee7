"""The application factory: `create_app(settings)` is used by `python -m router` and by the tests."""
from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial
from pathlib import Path

import aiohttp
from aiohttp import web

from router.admin import setup_admin
from router.api import agent, agent_ws, contact, conversations, health, internal, pages, resident_ws
from router.api.body import MAX_BODY_BYTES
from router.api.sockets import CONVERSATION_SOCKETS_KEY, OPEN_SOCKETS_KEY, ConversationSockets, close_all
from router.background import BackgroundTasks
from router.contact import load_contact_facts
from router.conversations import Conversations
from router.core.clock import Clock
from router.core.config import Settings
from router.core.db import create_engine, create_session_maker, migrate
from router.core.keys import CLOCK_KEY, TIMINGS_KEY
from router.core.options import RouterOptions
from router.core.security import PasswordChecks
from router.core.timings import StageTimings
from router.desk import Desk
from router.handoff import Handoff
from router.handoff_config import load_canned_answers, load_handoff_config
from router.hours import setup_hours
from router.hours.keys import HOURS_KEY
from router.keys import (
    ADDRESS_LIMITER_KEY,
    BACKGROUND_KEY,
    CANNED_ANSWERS_KEY,
    CONTACT_KEY,
    CONVERSATIONS_KEY,
    DB_KEY,
    DIVERSION_KEY,
    DESK_KEY,
    ENGINE_KEY,
    HANDOFF_CONFIG_KEY,
    HANDOFF_KEY,
    HTTP_KEY,
    LOGIN_LIMITS_KEY,
    OPTIONS_KEY,
    PASSWORD_CHECKS_KEY,
    PRESENCE_KEY,
    PUBSUB_KEY,
    QUEUE_KEY,
    RASA_KEY,
    SETTINGS_KEY,
)
from router.login_limits import LoginLimits
from router.malformed_requests import quiet_malformed_requests
from router.middlewares import address_rate_limit, credential_headers, error_middleware, security_headers
from router.presence import LocalSockets, Presence, RedisSockets
from router.pubsub import LocalPubSub
from router.queue import Queue
from router.rasa_client import KEEPALIVE_SECONDS, RasaClient
from router.rasa_diversion import Diversion, drain_seconds
from router.rasa_upstream import RasaUpstream
from router.rate_limit import RateLimiter, RedisRateLimiter
from router.records import setup_records
from router.redis_pubsub import RedisPubSub
from router.web.cors import cors_headers, cors_preflight, websocket_origin
from router.web.proxies import forwarded_client

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"


async def database(app: web.Application) -> AsyncIterator[None]:
    options = app[OPTIONS_KEY]
    engine = create_engine(app[SETTINGS_KEY].database_url, options.db_pool_size, options.db_max_overflow)
    await migrate(engine)
    app[ENGINE_KEY] = engine
    app[DB_KEY] = create_session_maker(engine)
    yield
    await engine.dispose()


async def http_client(app: web.Application) -> AsyncIterator[None]:
    rasa_connections = aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS)
    async with aiohttp.ClientSession() as session, aiohttp.ClientSession(connector=rasa_connections) as rasa_session:
        app[HTTP_KEY] = session
        settings = app[SETTINGS_KEY]
        app[RASA_KEY] = RasaClient(
            rasa_session, RasaUpstream(settings.rasa_url), settings.rasa_token, app[OPTIONS_KEY].rasa_timeout_seconds
        )
        yield


async def pubsub(app: web.Application) -> AsyncIterator[None]:
    """In-process pub/sub, or Redis (REDIS_URL) shared with presence and rate limits of every process."""
    url = app[SETTINGS_KEY].redis_url
    if not url:
        app[PUBSUB_KEY] = LocalPubSub()
        yield
        return
    bus = RedisPubSub(url)
    await bus.start()
    app[PUBSUB_KEY] = bus
    options = app[OPTIONS_KEY]
    app[ADDRESS_LIMITER_KEY] = RedisRateLimiter(bus.client, "address", options.address_per_minute, prefix=bus.prefix)
    app[LOGIN_LIMITS_KEY] = LoginLimits(
        RedisRateLimiter(bus.client, "login-address", options.login_per_address_minute, prefix=bus.prefix),
        RedisRateLimiter(bus.client, "login-username", options.login_per_username_minute, prefix=bus.prefix),
    )
    try:
        yield
    finally:
        await bus.close()


async def services(app: web.Application) -> AsyncIterator[None]:
    maker, bus, clock = app[DB_KEY], app[PUBSUB_KEY], app[CLOCK_KEY]
    config, rasa = app[HANDOFF_CONFIG_KEY], app[RASA_KEY]
    queue = Queue(maker, bus, clock, config)
    handoff = Handoff(maker, bus, clock, app[HOURS_KEY], config, queue)
    app[QUEUE_KEY] = queue
    app[HANDOFF_KEY] = handoff
    per_minute = app[OPTIONS_KEY].conversation_per_minute
    if isinstance(bus, RedisPubSub):
        limiter: RateLimiter = RedisRateLimiter(bus.client, "conversation", per_minute, prefix=bus.prefix)
        sockets = partial(RedisSockets, bus.client, bus.prefix, open_sockets=lambda: len(app[OPEN_SOCKETS_KEY]))
    else:
        limiter, sockets = RateLimiter(per_minute), LocalSockets
    app[CONVERSATIONS_KEY] = Conversations(
        maker, bus, clock, rasa, handoff, queue, config, limiter, app[BACKGROUND_KEY], app[TIMINGS_KEY],
        token_lifetime=timedelta(hours=app[OPTIONS_KEY].resident_token_hours),
    )
    app[DESK_KEY] = Desk(maker, bus, clock, rasa, queue, config, app[TIMINGS_KEY])
    presence = Presence(maker, bus, clock, config.agent_offline_after_seconds, sockets)
    app[PRESENCE_KEY] = presence
    await presence.start()
    diversion = Diversion(
        bus, rasa.upstream, app[HTTP_KEY], presence.counts.instance_id, presence.counts.live_instances,
        drain_seconds(app[OPTIONS_KEY]),
    )
    app[DIVERSION_KEY] = diversion
    listener = asyncio.create_task(diversion.listen(), name="rasa-diversion")
    yield
    listener.cancel()
    await asyncio.gather(listener, return_exceptions=True)
    await presence.stop()
    await app[BACKGROUND_KEY].cancel_all()


def create_app(
    settings: Settings, *, clock: Clock | None = None, options: RouterOptions | None = None
) -> web.Application:
    options = options or RouterOptions.from_env()
    quiet_malformed_requests()
    # Outermost first: the client's real address and scheme, then JSON errors, then credential headers
    # that are no text and the origin checks (whose refusals are JSON errors), then the limits per client
    # address.
    app = web.Application(
        middlewares=[
            forwarded_client, error_middleware, credential_headers, cors_preflight, websocket_origin,
            address_rate_limit,
        ],
        client_max_size=MAX_BODY_BYTES,
    )
    app[SETTINGS_KEY] = settings
    app[OPTIONS_KEY] = options
    app[CLOCK_KEY] = clock or Clock(settings.fixed_now)
    app[TIMINGS_KEY] = StageTimings()
    app[CONTACT_KEY] = load_contact_facts(settings.settings_dir)
    app[HANDOFF_CONFIG_KEY] = load_handoff_config(settings.settings_dir, app[CONTACT_KEY])
    app[CANNED_ANSWERS_KEY] = load_canned_answers(settings.settings_dir, app[CONTACT_KEY])
    app[BACKGROUND_KEY] = BackgroundTasks()
    app[ADDRESS_LIMITER_KEY] = RateLimiter(options.address_per_minute)
    app[PASSWORD_CHECKS_KEY] = PasswordChecks(options.password_checks_at_once)
    app[LOGIN_LIMITS_KEY] = LoginLimits(
        RateLimiter(options.login_per_address_minute), RateLimiter(options.login_per_username_minute)
    )
    app[OPEN_SOCKETS_KEY] = weakref.WeakSet()
    app[CONVERSATION_SOCKETS_KEY] = ConversationSockets(options.sockets_per_conversation)
    app[pages.TEMPLATES_KEY] = pages.create_templates()
    setup_hours(app, settings.settings_dir)

    app.cleanup_ctx.extend([database, http_client, pubsub, services])
    setup_admin(app)
    setup_records(app, settings.settings_dir)
    app.on_shutdown.append(close_all)
    app.on_response_prepare.extend([security_headers, cors_headers])

    for module in (health, conversations, resident_ws, internal, agent, agent_ws, contact, pages):
        app.add_routes(module.routes)
    app.router.add_static("/static", STATIC_DIR)
    return app
