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
from typing import Any

from aiohttp import WSMsgType, web

from router.api.body import message_text, optional_text, parse_json_text
from router.api.sockets import open_socket, start_forwarding, stop_forwarding, track
from router.conversations import Conversations
from router.errors import BadInput, ClientError, Unauthorized
from router.keys import CONVERSATIONS_KEY, PUBSUB_KEY
from router.models import QUEUED
from router.pubsub import conversation_channel
from router.transcript import message_frame


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
    except ClientError as error:
        if not socket.closed:
            await socket.send_json({"type": "error", **error.as_json()})
            await socket.close(code=4000 + error.status, message=error.code.encode())
        return socket
    async with request.app[PUBSUB_KEY].subscribe(conversation_channel(conversation_id)) as subscription:
        forwarding = start_forwarding(socket, subscription)
        try:
            state = await conversations.state(conversation_id)
            await socket.send_json({"type": "state", "state": state})
            if state == QUEUED:
                place = await conversations.queue_frame(conversation_id)
                if place:
                    await socket.send_json(place)
            async for frame in socket:
                if frame.type != WSMsgType.TEXT:
                    continue
                try:
                    await _handle(socket, conversations, conversation_id, parse_json_text(frame.data))
                except ClientError as error:
                    await socket.send_json({"type": "error", **error.as_json()})
        finally:
            await stop_forwarding(forwarding)
    return socket


async def _handle(
    socket: web.WebSocketResponse, conversations: Conversations, conversation_id: str, data: dict[str, Any]
) -> None:
    kind = data.get("type")
    if kind == "message":
        text = message_text(data.get("text"))
        client_message_id = optional_text(data, "client_message_id", 100)
        # Replies reach the socket as message frames through the conversation's channel.
        await conversations.post(conversation_id, text, client_message_id)
    elif kind == "typing":
        await conversations.resident_typing(conversation_id)
    elif kind == "leave_queue":
        await conversations.leave_queue(conversation_id)
    elif kind == "sync":
        after_id = data.get("after_id", 0)
        if isinstance(after_id, bool) or not isinstance(after_id, int) or after_id < 0:
            raise BadInput("invalid_field", "after_id ska vara ett heltal.")
        for message in await conversations.messages_after(conversation_id, after_id):
            await socket.send_json(message_frame(message))
    else:
        raise BadInput("unknown_type", "Okänd typ av meddelande.")
