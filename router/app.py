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
from router.bus.keys import ADDRESS_LIMITER_KEY, PUBSUB_KEY
from router.bus.pubsub import LocalPubSub
from router.bus.rate_limit import RateLimiter, RedisRateLimiter
from router.bus.redis_pubsub import RedisPubSub
from router.chat import setup_chat
from router.chat.conversations import Conversations
from router.chat.keys import CONVERSATIONS_KEY
from router.contact import setup_contact
from router.core.clock import Clock
from router.core.config import Settings
from router.core.db import create_engine, create_session_maker, migrate
from router.core.group_commit import GroupCommit
from router.core.keys import CLOCK_KEY, TIMINGS_KEY
from router.core.options import RouterOptions
from router.core.security import PasswordChecks
from router.core.timings import StageTimings, watch_loop_lag
from router.handoff import setup_handoff
from router.handoff.desk import Desk
from router.handoff.handoff import Handoff
from router.handoff.keys import DESK_KEY, HANDOFF_CONFIG_KEY, HANDOFF_KEY, LOGIN_LIMITS_KEY, PRESENCE_KEY, QUEUE_KEY
from router.handoff.login_limits import LoginLimits
from router.handoff.mail import Mailer
from router.handoff.presence import LocalSockets, Presence, RedisSockets
from router.handoff.queue import Queue
from router.handoff.sockets import CONVERSATION_SOCKETS_KEY, OPEN_SOCKETS_KEY, ConversationSockets, close_all
from router.handoff.sso.views import setup_sso
from router.hours import setup_hours
from router.hours.keys import HOURS_KEY
from router.keys import DB_KEY, ENGINE_KEY, HTTP_KEY, OPTIONS_KEY, PASSWORD_CHECKS_KEY, SETTINGS_KEY
from router.logs import log_context
from router.metrics import METRICS_KEY, rasa_tracing, setup_metrics
from router.middlewares import address_rate_limit, credential_headers, error_middleware, security_headers
from router.rasa.client import KEEPALIVE_SECONDS, RasaClient
from router.rasa.diversion import Diversion, drain_seconds
from router.rasa.keys import DIVERSION_KEY, RASA_KEY
from router.rasa.upstream import RasaUpstream
from router.records import setup_records
from router.signals import setup_signals
from router.web import setup_web
from router.web.body import MAX_BODY_BYTES
from router.web.cors import cors_headers, cors_preflight, websocket_origin
from router.web.malformed_requests import quiet_malformed_requests
from router.web.proxies import forwarded_client

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"


async def database(app: web.Application) -> AsyncIterator[None]:
    options = app[OPTIONS_KEY]
    engine = create_engine(app[SETTINGS_KEY].database_url, options.db_pool_size, options.db_max_overflow)
    await migrate(engine)
    app[ENGINE_KEY] = engine
    app[DB_KEY] = create_session_maker(engine, app[TIMINGS_KEY])
    yield
    await engine.dispose()


async def http_client(app: web.Application) -> AsyncIterator[None]:
    rasa_connections = aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS)
    traced = [rasa_tracing(app[METRICS_KEY])]
    async with aiohttp.ClientSession() as session, aiohttp.ClientSession(
        connector=rasa_connections, trace_configs=traced
    ) as rasa_session:
        app[HTTP_KEY] = session
        settings = app[SETTINGS_KEY]
        app[RASA_KEY] = RasaClient(
            rasa_session, RasaUpstream(settings.rasa_url), settings.rasa_token, app[OPTIONS_KEY].rasa_timeout_seconds,
            startup_seconds=app[OPTIONS_KEY].rasa_startup_seconds,
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
    options, metrics = app[OPTIONS_KEY], app[METRICS_KEY]
    app[ADDRESS_LIMITER_KEY] = RedisRateLimiter(
        bus.client, "address", options.address_per_minute, prefix=bus.prefix, refused=metrics.refused("address").inc
    )
    app[LOGIN_LIMITS_KEY] = LoginLimits(
        RedisRateLimiter(
            bus.client, "login-address", options.login_per_address_minute, prefix=bus.prefix,
            refused=metrics.refused("login_address").inc,
        ),
        RedisRateLimiter(
            bus.client, "login-username", options.login_per_username_minute, prefix=bus.prefix,
            refused=metrics.refused("login_username").inc,
        ),
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
    per_minute, metrics = app[OPTIONS_KEY].conversation_per_minute, app[METRICS_KEY]
    refused = metrics.refused("conversation").inc
    if isinstance(bus, RedisPubSub):
        limiter: RateLimiter = RedisRateLimiter(
            bus.client, "conversation", per_minute, prefix=bus.prefix, refused=refused
        )
        sockets = partial(RedisSockets, bus.client, bus.prefix, open_sockets=lambda: len(app[OPEN_SOCKETS_KEY]))
    else:
        limiter, sockets = RateLimiter(per_minute, refused=refused), LocalSockets
    writer = GroupCommit(maker)  # the relay's messages (router/core/group_commit.py)
    app[CONVERSATIONS_KEY] = Conversations(
        maker, bus, clock, rasa, handoff, queue, config, limiter, app[TIMINGS_KEY],
        token_lifetime=timedelta(hours=app[OPTIONS_KEY].resident_token_hours), metrics=metrics, writer=writer,
    )
    smtp = app[SETTINGS_KEY].smtp
    app[DESK_KEY] = Desk(
        maker, bus, clock, rasa, queue, config, app[TIMINGS_KEY], writer, Mailer(smtp) if smtp else None
    )
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
    await writer.close()


async def loop_lag(app: web.Application) -> AsyncIterator[None]:
    """The event loop's lateness, next to the stage timers (GET /internal/timings, stage `loop_lag`)."""
    watcher = asyncio.create_task(watch_loop_lag(app[TIMINGS_KEY]), name="loop-lag")
    yield
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)


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
            forwarded_client, log_context, error_middleware, credential_headers, cors_preflight, websocket_origin,
            address_rate_limit,
        ],
        client_max_size=MAX_BODY_BYTES,
    )
    app[SETTINGS_KEY] = settings
    app[OPTIONS_KEY] = options
    app[CLOCK_KEY] = clock or Clock(settings.fixed_now)
    app[TIMINGS_KEY] = StageTimings()
    setup_contact(app, settings.settings_dir)
    setup_handoff(app, settings.settings_dir)
    app.cleanup_ctx.extend([loop_lag, database, http_client, pubsub, services])
    setup_metrics(app)
    metrics = app[METRICS_KEY]
    app[ADDRESS_LIMITER_KEY] = RateLimiter(options.address_per_minute, refused=metrics.refused("address").inc)
    app[PASSWORD_CHECKS_KEY] = PasswordChecks(options.password_checks_at_once)
    app[LOGIN_LIMITS_KEY] = LoginLimits(
        RateLimiter(options.login_per_address_minute, refused=metrics.refused("login_address").inc),
        RateLimiter(options.login_per_username_minute, refused=metrics.refused("login_username").inc),
    )
    app[OPEN_SOCKETS_KEY] = weakref.WeakSet()
    app[CONVERSATION_SOCKETS_KEY] = ConversationSockets(options.sockets_per_conversation)
    setup_hours(app, settings.settings_dir)
    setup_chat(app)
    setup_web(app)

    setup_admin(app)
    setup_records(app, settings.settings_dir)
    setup_signals(app, settings.settings_dir)
    setup_sso(app)
    app.on_shutdown.append(close_all)
    app.on_response_prepare.extend([security_headers, cors_headers])
    app.router.add_static("/static", STATIC_DIR)
    return app
