"""GET /ws/conversations/{id}: the resident's live chat.

The token is not in the URL (URLs are written to access logs, proxies' included): the client's first frame
is {"type": "auth", "token": "…"}. A wrong or missing token, an expired one, an unknown conversation or no
auth frame within AUTH_TIMEOUT_SECONDS get an error frame and the socket is closed with 4000 + the HTTP
status (4401, 4404, 4400).

Client frames after it: {"type": "message", "text", "client_message_id"}, {"type": "typing"}, {"type": "leave_queue"},
{"type": "sync", "after_id": N}. Server frames: message, queue, typing, agent_joined, agent_left, state,
closed, error (see docs). On connect the server sends the current state (and the queue place when queued);
after a reconnect the client sends sync with the last message id it has and gets what it missed.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import WSCloseCode, WSMessage, WSMsgType, web

from router.web.body import database_int, message_text, optional_text, parse_json_text
from router.handoff.sockets import open_socket, start_forwarding, stop_forwarding, track
from router.chat.conversations import Conversations
from router.errors import BadInput, ClientError, Unauthorized
from router.bus.keys import PUBSUB_KEY
from router.chat.keys import CONVERSATIONS_KEY
from router.core.keys import TIMINGS_KEY
from router.contact.keys import CONTACT_KEY
from router.middlewares import UNAVAILABLE
from router.models import QUEUED
from router.bus.pubsub import conversation_channel
from router.texts import ERRORS, unavailable
from router.transcript import MAX_BUTTON_TITLE, message_frame

log = logging.getLogger(__name__)


routes = web.RouteTableDef()

AUTH_TIMEOUT_SECONDS = 10.0


async def _first_frame_token(socket: web.WebSocketResponse) -> str:
    """The token from the client's first frame; Unauthorized when it is missing or late, BadInput when
    the frame is not JSON."""
    try:
        frame = await socket.receive(timeout=AUTH_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        raise Unauthorized("unauthorized") from None
    if frame.type != WSMsgType.TEXT:
        raise Unauthorized("unauthorized")
    data = parse_json_text(frame.data)
    token = data.get("token")
    if data.get("type") != "auth" or not isinstance(token, str):
        raise Unauthorized("unauthorized")
    return token


@routes.get("/ws/conversations/{id}")
async def resident_socket(request: web.Request) -> web.WebSocketResponse:
    conversations = request.app[CONVERSATIONS_KEY]
    conversation_id = request.match_info["id"]
    socket = open_socket()
    await socket.prepare(request)
    track(request.app, socket)
    try:
        await conversations.authenticate(conversation_id, await _first_frame_token(socket))
        # Counted towards the conversation's limit only once authenticated, so a stranger cannot use up
        # someone else's sockets; one too many is refused with an error frame (429) and close code 4429.
        track(request.app, socket, conversation_id)
    except ClientError as error:
        if not socket.closed:
            await socket.send_json({"type": "error", **error.as_json()})
            await socket.close(code=4000 + error.status, message=error.code.encode())
        return socket
    async with request.app[PUBSUB_KEY].subscribe(conversation_channel(conversation_id)) as subscription:
        forwarding = start_forwarding(socket, subscription, timings=request.app[TIMINGS_KEY])
        try:
            state = await conversations.state(conversation_id)
            await socket.send_json({"type": "state", "state": state})
            if state == QUEUED:
                place = await conversations.queue_frame(conversation_id)
                if place:
                    await socket.send_json(place)
            async for frame in socket:
                await _answer(socket, request.app, conversation_id, frame)
        finally:
            await stop_forwarding(forwarding)
    return socket


async def _answer(socket: web.WebSocketResponse, app: web.Application, conversation_id: str, frame: WSMessage) -> None:
    """Handle one client frame. Whatever is wrong with it is answered with an error frame and the socket
    stays open: the widget shows the message and the resident carries on (a closed socket would only
    reconnect and lose the frame's place). A fault on our side is logged with its traceback; when a backing
    service is down the socket is closed with 1013 after the error frame, so the client retries later."""
    if frame.type == WSMsgType.BINARY:
        await socket.send_json({"type": "error", **BadInput("bad_frame").as_json()})
        return
    if frame.type != WSMsgType.TEXT:
        return
    try:
        await _handle(socket, app[CONVERSATIONS_KEY], conversation_id, parse_json_text(frame.data))
    except ClientError as error:
        await socket.send_json({"type": "error", **error.as_json()})
    except UNAVAILABLE as error:
        log.error("resident socket: a backing service is unavailable: %s: %s", type(error).__name__, error)
        message = unavailable(app[CONTACT_KEY].phone)
        await socket.send_json({"type": "error", "error": "unavailable", "message": message})
        # 1013 Try Again Later: the client reconnects with its backoff and sends what was not acknowledged
        # again once the service is back (the same client_message_id is stored once).
        await socket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"unavailable")
    except Exception:
        log.exception("unhandled error on a resident socket frame")
        await socket.send_json({"type": "error", "error": "internal_error", "message": ERRORS["internal_error"]})


async def _handle(
    socket: web.WebSocketResponse, conversations: Conversations, conversation_id: str, data: dict[str, Any]
) -> None:
    kind = data.get("type")
    if kind == "message":
        text = message_text(data.get("text"))
        client_message_id = optional_text(data, "client_message_id", 100)
        title = optional_text(data, "title", MAX_BUTTON_TITLE)
        # Replies reach the socket as message frames through the conversation's channel.
        await conversations.post(conversation_id, text, client_message_id, title)
    elif kind == "typing":
        await conversations.resident_typing(conversation_id)
    elif kind == "leave_queue":
        await conversations.leave_queue(conversation_id)
    elif kind == "sync":
        after_id = data.get("after_id", 0)
        if not database_int(after_id):
            raise BadInput("invalid_field", "after_id ska vara ett heltal.")
        for message in await conversations.messages_after(conversation_id, after_id):
            await socket.send_json(message_frame(message))
    else:
        raise BadInput("unknown_type", "Okänd typ av meddelande.")
