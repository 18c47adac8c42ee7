"""The action server's API (docs/architecture.md): /internal/handoff and /internal/left-messages.
Everything under /internal/ needs X-Internal-Secret and is not published by the reverse proxy."""
from __future__ import annotations

from aiohttp import web

from router.web.body import json_object, message_text, optional_text
from router.core.security import secrets_equal
from router.errors import BadInput, Unauthorized
from router.core.keys import TIMINGS_KEY
from router.handoff.keys import HANDOFF_KEY
from router.keys import SETTINGS_KEY

routes = web.RouteTableDef()

REASONS = ("requested", "fallback", "topic")
MAX_LEFT_MESSAGE = 5000


def check_secret(request: web.Request) -> None:
    given = request.headers.get("X-Internal-Secret", "")
    if not secrets_equal(given, request.app[SETTINGS_KEY].internal_secret):
        raise Unauthorized("unauthorized", "Wrong or missing X-Internal-Secret.")


def _conversation_id(data: dict) -> str:
    value = data.get("conversation_id")
    if not isinstance(value, str) or not value.strip():
        raise BadInput("invalid_field", "conversation_id must be a non-empty string.")
    return value.strip()


@routes.post("/internal/handoff")
async def handoff(request: web.Request) -> web.Response:
    check_secret(request)
    data = await json_object(request)
    conversation_id = _conversation_id(data)
    reason = data.get("reason", "requested")
    if reason not in REASONS:
        raise BadInput("invalid_field", f"reason must be one of {', '.join(REASONS)}.")
    topic = optional_text(data, "topic", 100)
    result = await request.app[HANDOFF_KEY].request(conversation_id, reason, topic)
    return web.json_response(result.as_json())


@routes.post("/internal/left-messages")
async def left_message(request: web.Request) -> web.Response:
    check_secret(request)
    data = await json_object(request)
    conversation_id = _conversation_id(data)
    text = message_text(data.get("text"), limit=MAX_LEFT_MESSAGE)
    contact = optional_text(data, "contact", 200)
    reference = await request.app[HANDOFF_KEY].leave_message(conversation_id, text, contact)
    return web.json_response({"reference": reference}, status=201)


@routes.get("/internal/timings")
async def timings(request: web.Request) -> web.Response:
    """The recent durations of each stage of the router's own work in milliseconds (the latency benchmark
    reads them; see router/core/timings.py)."""
    check_secret(request)
    recent = request.app[TIMINGS_KEY].recent()
    return web.json_response({stage: [seconds * 1000 for seconds in durations] for stage, durations in recent.items()})


@routes.delete("/internal/timings")
async def clear_timings(request: web.Request) -> web.Response:
    """Forget the durations kept so far, so a benchmark's next phase is measured alone."""
    check_secret(request)
    request.app[TIMINGS_KEY].clear()
    return web.json_response({"status": "cleared"})
