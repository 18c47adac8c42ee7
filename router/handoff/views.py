"""The agent console's JSON API under /api/agent/ (session cookie; X-CSRF-Token on every POST)."""
from __future__ import annotations

from aiohttp import web

from router.handoff.auth import api_agent, api_login
from router.web.body import boolean, database_id, database_int, json_object, message_text
from router.errors import BadInput, NotFound
from router.handoff.keys import CANNED_ANSWERS_KEY, DESK_KEY, HANDOFF_CONFIG_KEY, PRESENCE_KEY, QUEUE_KEY
from router.core.keys import TIMINGS_KEY
from router.core.timings import RELAY_AUTHENTICATE
from router.keys import DB_KEY

routes = web.RouteTableDef()

MAX_NOTE_LENGTH = 5000


def _case_id(request: web.Request) -> int:
    case_id = database_id(request.match_info["case_id"])
    if case_id is None:
        raise NotFound("case_not_found", "Ärendet finns inte.")
    return case_id


@routes.get("/api/agent/me")
async def me(request: web.Request) -> web.Response:
    agent, login = await api_login(request)
    return web.json_response(
        {
            "id": agent.id,
            "username": agent.username,
            "display_name": agent.display_name,
            "role": agent.role,
            "online": agent.online,
            "csrf_token": login.csrf_token,
            "answers_by_email": request.app[DESK_KEY].answers_by_email,
        }
    )


@routes.post("/api/agent/presence")
async def presence(request: web.Request) -> web.Response:
    agent = await api_agent(request)
    online = boolean(await json_object(request), "online")
    presence = request.app[PRESENCE_KEY]
    await presence.set_online(agent.id, online)
    return web.json_response({"online": online, "agents_online": await presence.online_count()})


@routes.get("/api/agent/queue")
async def queue(request: web.Request) -> web.Response:
    await api_agent(request)
    async with request.app[DB_KEY]() as session:
        snapshot = await request.app[QUEUE_KEY].snapshot(session)
    return web.json_response({**snapshot, "agents_online": await request.app[PRESENCE_KEY].online_count()})


@routes.post("/api/agent/cases/{case_id}/claim")
async def claim(request: web.Request) -> web.Response:
    agent = await api_agent(request)
    return web.json_response(await request.app[DESK_KEY].claim(_case_id(request), agent))


@routes.get("/api/agent/cases/{case_id}")
async def case_detail(request: web.Request) -> web.Response:
    await api_agent(request)
    return web.json_response(await request.app[DESK_KEY].detail(_case_id(request)))


@routes.post("/api/agent/cases/{case_id}/messages")
async def send_message(request: web.Request) -> web.Response:
    with request.app[TIMINGS_KEY].stage(RELAY_AUTHENTICATE):
        agent = await api_agent(request)
    text = message_text((await json_object(request)).get("text"))
    return web.json_response(await request.app[DESK_KEY].send(_case_id(request), agent, text), status=201)


@routes.post("/api/agent/cases/{case_id}/typing")
async def typing(request: web.Request) -> web.Response:
    agent = await api_agent(request)
    await request.app[DESK_KEY].typing(_case_id(request), agent)
    return web.json_response({"status": "sent"})


@routes.post("/api/agent/cases/{case_id}/notes")
async def add_note(request: web.Request) -> web.Response:
    agent = await api_agent(request)
    text = message_text((await json_object(request)).get("text"), limit=MAX_NOTE_LENGTH)
    return web.json_response(await request.app[DESK_KEY].add_note(_case_id(request), agent, text), status=201)


@routes.post("/api/agent/cases/{case_id}/requeue")
async def requeue(request: web.Request) -> web.Response:
    agent = await api_agent(request)
    return web.json_response(await request.app[DESK_KEY].requeue(_case_id(request), agent))


@routes.get("/api/agent/colleagues")
async def colleagues(request: web.Request) -> web.Response:
    agent = await api_agent(request)
    return web.json_response({"colleagues": await request.app[DESK_KEY].colleagues(agent)})


@routes.post("/api/agent/cases/{case_id}/transfer")
async def transfer(request: web.Request) -> web.Response:
    agent = await api_agent(request)
    body = await json_object(request)
    to_agent = body.get("agent_id")
    if not database_int(to_agent):
        raise BadInput("invalid_colleague", "Välj en annan kommunvägledare.")
    note = body.get("note")
    note = message_text(note, limit=MAX_NOTE_LENGTH) if note not in (None, "") else None
    return web.json_response(await request.app[DESK_KEY].transfer(_case_id(request), agent, to_agent, note))


@routes.post("/api/agent/cases/{case_id}/close")
async def close(request: web.Request) -> web.Response:
    agent = await api_agent(request)
    category = (await json_object(request)).get("category")
    if not isinstance(category, str):
        raise BadInput("invalid_category", "Välj en av kategorierna.")
    return web.json_response(await request.app[DESK_KEY].close(_case_id(request), agent, category))


@routes.post("/api/agent/cases/{case_id}/hand-back")
async def hand_back(request: web.Request) -> web.Response:
    agent = await api_agent(request)
    return web.json_response(await request.app[DESK_KEY].hand_back(_case_id(request), agent))


@routes.post("/api/agent/cases/{case_id}/clear-urgent")
async def clear_urgent(request: web.Request) -> web.Response:
    agent = await api_agent(request)
    return web.json_response(await request.app[DESK_KEY].clear_urgent(_case_id(request), agent))


@routes.get("/api/agent/follow-ups")
async def follow_ups(request: web.Request) -> web.Response:
    await api_agent(request)
    cases = await request.app[DESK_KEY].follow_ups(request.query.get("status"))
    return web.json_response({"follow_ups": cases})


@routes.post("/api/agent/follow-ups/{case_id}")
async def set_follow_up(request: web.Request) -> web.Response:
    agent = await api_agent(request)
    status = (await json_object(request)).get("status")
    return web.json_response(await request.app[DESK_KEY].set_follow_up(_case_id(request), agent, status))


@routes.post("/api/agent/follow-ups/{case_id}/answer")
async def answer_follow_up(request: web.Request) -> web.Response:
    """{"text": the answer (e-mail) or what was said on the phone, "email": the address (e-mail only)}."""
    agent = await api_agent(request)
    body = await json_object(request)
    text = message_text(body.get("text"), limit=MAX_NOTE_LENGTH)
    email = body.get("email")
    if email is not None and not isinstance(email, str):
        raise BadInput("invalid_email", "Skriv en giltig e-postadress.")
    answered = await request.app[DESK_KEY].answer_follow_up(
        _case_id(request), agent, text, email.strip() if email else None
    )
    return web.json_response(answered)


@routes.get("/api/agent/canned-answers")
async def canned_answers(request: web.Request) -> web.Response:
    await api_agent(request)
    answers = request.app[CANNED_ANSWERS_KEY]
    return web.json_response({"canned_answers": [{"title": a.title, "text": a.text} for a in answers]})


@routes.get("/api/agent/categories")
async def categories(request: web.Request) -> web.Response:
    await api_agent(request)
    return web.json_response({"categories": list(request.app[HANDOFF_CONFIG_KEY].close_categories)})
