"""The resident's HTTP API: /api/conversations (see the contract in the module docstrings of router.chat.conversations)."""
from __future__ import annotations

from aiohttp import web

from router.web.body import boolean, bearer_token, json_object, message_text, optional_text
from router.chat.keys import CONVERSATIONS_KEY
from router.transcript import MAX_BUTTON_TITLE

routes = web.RouteTableDef()

MAX_CLIENT_MESSAGE_ID = 100


async def _authorized(request: web.Request) -> str:
    conversation_id = request.match_info["id"]
    await request.app[CONVERSATIONS_KEY].authenticate(conversation_id, bearer_token(request))
    return conversation_id


@routes.post("/api/conversations")
async def create_conversation(request: web.Request) -> web.Response:
    conversations = request.app[CONVERSATIONS_KEY]
    conversation_id, token = await conversations.create()
    return web.json_response(
        {"id": conversation_id, "token": token, "notice": conversations.notice()}, status=201
    )


@routes.get("/api/conversations/{id}")
async def get_conversation(request: web.Request) -> web.Response:
    conversation_id = await _authorized(request)
    return web.json_response(await request.app[CONVERSATIONS_KEY].transcript(conversation_id))


@routes.post("/api/conversations/{id}/messages")
async def post_message(request: web.Request) -> web.Response:
    conversation_id = await _authorized(request)
    data = await json_object(request)
    text = message_text(data.get("text"))
    client_message_id = optional_text(data, "client_message_id", MAX_CLIENT_MESSAGE_ID)
    title = optional_text(data, "title", MAX_BUTTON_TITLE)
    result = await request.app[CONVERSATIONS_KEY].post(conversation_id, text, client_message_id, title)
    return web.json_response(result)


@routes.post("/api/conversations/{id}/leave-queue")
async def leave_queue(request: web.Request) -> web.Response:
    conversation_id = await _authorized(request)
    state = await request.app[CONVERSATIONS_KEY].leave_queue(conversation_id)
    return web.json_response({"state": state})


@routes.post("/api/conversations/{id}/feedback")
async def feedback(request: web.Request) -> web.Response:
    conversation_id = await _authorized(request)
    helped = boolean(await json_object(request), "helped")
    await request.app[CONVERSATIONS_KEY].feedback(conversation_id, helped)
    return web.json_response({"status": "saved"}, status=201)
