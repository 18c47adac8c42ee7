"""GET /ws/agent: the console's live feed (queue changes, residents' messages and typing, presence,
follow-ups). Authenticated by the session cookie; the Origin must be this site. Client frames are not
needed (actions go through the JSON API) and are ignored.

The socket lives only as long as its login session: it is closed (code 4401) when the session ends
(see router/handoff/agent_sessions.py), and re-checks the session every `AGENT_SESSION_CHECK_SECONDS` for what is
not announced (expiry, deactivation from a command line that cannot reach this process)."""
from __future__ import annotations

import asyncio
import logging
from functools import partial
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.exc import DBAPIError

from router.handoff.accounts import session_agent
from router.handoff.agent_sessions import close_ended, ends
from router.handoff.auth import SESSION_COOKIE, current_login, role_allows
from router.handoff.sockets import open_socket, start_forwarding, stop_forwarding, track
from router.core.keys import CLOCK_KEY, TIMINGS_KEY
from router.errors import Forbidden, Unauthorized
from router.bus.keys import PUBSUB_KEY
from router.handoff.keys import PRESENCE_KEY
from router.keys import DB_KEY, OPTIONS_KEY
from router.bus.pubsub import AGENTS_CHANNEL

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    try:
        return urlsplit(origin).netloc == request.host
    except ValueError:  # not a URL ("http://["): not this site
        return False


async def _recheck_session(request: web.Request, socket: web.WebSocketResponse, token: str) -> None:
    """Close the socket once its session is gone, expired or its account deactivated."""
    interval = request.app[OPTIONS_KEY].agent_session_check_seconds
    while not socket.closed:
        await asyncio.sleep(interval)
        try:
            async with request.app[DB_KEY]() as session:
                login = await session_agent(session, token, request.app[CLOCK_KEY].now())
        except (DBAPIError, OSError) as error:
            log.warning("could not re-check a console's session (%s); trying again in %g s", error, interval)
            continue
        if login is None:
            await close_ended(socket)
            return


@routes.get("/ws/agent")
async def agent_socket(request: web.Request) -> web.WebSocketResponse:
    if not _same_origin(request):
        raise Forbidden("forbidden", "Fel ursprung (Origin).")
    login = await current_login(request)
    if login is None:
        raise Unauthorized("not_logged_in", "Du behöver logga in.")
    agent, agent_session = login
    if not role_allows(agent.role, None):
        raise Forbidden("forbidden", "Du har inte behörighet.")
    presence = request.app[PRESENCE_KEY]
    socket = open_socket()
    # Subscribed before the handshake completes: the console reloads the queue when the socket opens, and a
    # frame published between that moment and a later subscription would be lost.
    async with request.app[PUBSUB_KEY].subscribe(AGENTS_CHANNEL) as subscription:
        await socket.prepare(request)
        track(request.app, socket)
        presence.socket_opened(agent.id)
        try:
            forwarding = start_forwarding(
                socket, subscription, partial(ends, agent_id=agent.id, session_id=agent_session.id),
                request.app[TIMINGS_KEY],
            )
            rechecking = asyncio.create_task(
                _recheck_session(request, socket, request.cookies[SESSION_COOKIE]),
                name="ws-agent-session",
            )
            try:
                await socket.send_json({"type": "presence", "agents_online": await presence.online_count()})
                async for _frame in socket:
                    pass
            finally:
                rechecking.cancel()
                await asyncio.gather(rechecking, return_exceptions=True)
                await stop_forwarding(forwarding)
        finally:
            presence.socket_closed(agent.id)
    return socket
