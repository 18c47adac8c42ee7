"""GET /ws/agent: the console's live feed (queue changes, residents' messages and typing, presence,
follow-ups). Authenticated by the session cookie; the Origin must be this site. Client frames are not
needed (actions go through the JSON API) and are ignored."""
from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from router.api.agent_auth import current_login
from router.api.sockets import open_socket, start_forwarding, stop_forwarding, track
from router.errors import Forbidden, Unauthorized
from router.keys import PRESENCE_KEY, PUBSUB_KEY
from router.pubsub import AGENTS_CHANNEL

routes = web.RouteTableDef()


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    try:
        return urlsplit(origin).netloc == request.host
    except ValueError:  # not a URL ("http://["): not this site
        return False


@routes.get("/ws/agent")
async def agent_socket(request: web.Request) -> web.WebSocketResponse:
    if not _same_origin(request):
        raise Forbidden("forbidden", "Fel ursprung (Origin).")
    login = await current_login(request)
    if login is None:
        raise Unauthorized("not_logged_in", "Du behöver logga in.")
    agent, _ = login
    presence = request.app[PRESENCE_KEY]
    socket = open_socket()
    await socket.prepare(request)
    track(request.app, socket)
    presence.socket_opened(agent.id)
    try:
        async with request.app[PUBSUB_KEY].subscribe(AGENTS_CHANNEL) as subscription:
            forwarding = start_forwarding(socket, subscription)
            try:
                await socket.send_json({"type": "presence", "agents_online": await presence.online_count()})
                async for _frame in socket:
                    pass
            finally:
                await stop_forwarding(forwarding)
    finally:
        presence.socket_closed(agent.id)
    return socket
