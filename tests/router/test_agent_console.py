"""The agent console: login, sessions, CSRF, roles, claiming (also concurrently) and working a chat."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest
from sqlmodel import select

from router.handoff.accounts import AccountError, create_agent
from router.handoff.presence import Presence
from router.core.keys import CLOCK_KEY
from router.bus.keys import PUBSUB_KEY
from router.keys import DB_KEY
from router.models import AgentSession, Event
from tests.router.client_steps import add_agent, agent_online, login, queued_case
from tests.router.constants import PASSWORD
from tests.router.waiting import eventually

pytestmark = pytest.mark.asyncio


async def test_console_requires_login(client) -> None:
    response = await client.get("/agent", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/agent/login")
    assert (await client.get("/api/agent/queue")).status == 401
    assert (await client.get("/api/agent/me")).status == 401


async def test_login_wrong_password_and_missing_form_token(client) -> None:
    await add_agent(client, "anna")
    page = await (await client.get("/agent/login")).text()
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    wrong = await client.post("/agent/login", data={"username": "anna", "password": "nope", "csrf_token": token})
    assert wrong.status == 401
    page = await wrong.text()
    assert "Fel användarnamn eller lösenord" in page
    assert 'value="anna"' in page  # the username stays; only the password is asked again
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    quoted = await client.post("/agent/login", data={"username": 'a"><b>', "password": "nope", "csrf_token": token})
    assert 'value="a&#34;&gt;&lt;b&gt;"' in await quoted.text()
    no_token = await client.post("/agent/login", data={"username": "anna", "password": PASSWORD, "csrf_token": "x"})
    assert no_token.status == 403


async def test_session_cookie_flags_and_console_page(client) -> None:
    await add_agent(client, "anna", name="Anna Andersson")
    page = await (await client.get("/agent/login")).text()
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = await client.post(
        "/agent/login", data={"username": "anna", "password": PASSWORD, "csrf_token": token}, allow_redirects=False
    )
    cookie = [value for value in response.headers.getall("Set-Cookie") if value.startswith("hbg_agent_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    console = await client.get("/agent")
    html = await console.text()
    assert console.status == 200
    assert '<html lang="sv">' in html and 'role="log"' in html and "Anna Andersson" in html
    assert "<script>" not in html and 'src="/static/agent.js"' in html
    assert "script-src 'self'" in console.headers["Content-Security-Policy"]
    assert console.headers["X-Content-Type-Options"] == "nosniff"
    assert console.headers["Referrer-Policy"] == "no-referrer"
    async with client.app[DB_KEY]() as session:
        stored = (await session.exec(select(AgentSession))).one()
    assert stored.token_hash != cookie.split("=", 1)[1].split(";")[0]


async def test_state_changing_requests_need_the_csrf_token(client) -> None:
    csrf = await agent_online(client)
    for headers in ({}, {"X-CSRF-Token": "wrong"}):
        response = await client.post("/api/agent/presence", json={"online": False}, headers=headers)
        assert response.status == 403
        assert (await response.json())["error"] == "csrf"
    ok = await client.post("/api/agent/presence", json={"online": False}, headers={"X-CSRF-Token": csrf})
    assert await ok.json() == {"online": False, "agents_online": 0}


async def test_roles_agent_gets_403_on_admin_and_admin_gets_in(client) -> None:
    assert (await client.get("/admin", allow_redirects=False)).status == 303
    await add_agent(client, "anna")
    await login(client, "anna")
    forbidden = await client.get("/admin")
    assert forbidden.status == 403
    assert "bara för administratörer" in await forbidden.text()
    await add_agent(client, "boss", role="admin")
    await login(client, "boss")
    admin = await client.get("/admin")
    assert admin.status == 200
    assert "Administration" in await admin.text()


async def test_logout_ends_the_session(client) -> None:
    csrf = await agent_online(client)
    assert (await client.post("/agent/logout", data={"csrf_token": "wrong"})).status == 403
    response = await client.post("/agent/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/agent/login")
    assert (await client.get("/api/agent/me")).status == 401
    async with client.app[DB_KEY]() as session:
        assert (await session.exec(select(AgentSession))).all() == []


async def test_create_agent_validates(client) -> None:
    async with client.app[DB_KEY]() as session:
        with pytest.raises(AccountError):
            await create_agent(session, "x", PASSWORD, "X", "agent")
        with pytest.raises(AccountError):
            await create_agent(session, "kalle", "short", "Kalle", "agent")
        with pytest.raises(AccountError):
            await create_agent(session, "kalle", PASSWORD, "Kalle", "boss")
        agent = await create_agent(session, "Kalle", PASSWORD, "Kalle K", "admin")
        assert (agent.username, agent.role) == ("kalle", "admin")
        assert agent.password_hash.startswith("$argon2")
        with pytest.raises(AccountError):
            await create_agent(session, "kalle", PASSWORD, "Kalle", "agent")


async def test_queue_claim_chat_notes_and_close(client, rasa) -> None:
    csrf = await agent_online(client, "anna")
    headers = {"X-CSRF-Token": csrf}
    case_id, conversation_id, resident = await queued_case(client)
    await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "Hej, jag behöver hjälp"}, headers=resident)

    queue = await (await client.get("/api/agent/queue")).json()
    assert [(c["id"], c["position"], c["wait_minutes"]) for c in queue["queue"]] == [(case_id, 1, 5)]
    assert queue["agents_online"] == 1 and queue["active"] == []

    claimed = await client.post(f"/api/agent/cases/{case_id}/claim", headers=headers)
    assert claimed.status == 200
    assert (await claimed.json())["status"] == "claimed"
    queue = await (await client.get("/api/agent/queue")).json()
    assert queue["queue"] == [] and queue["active"][0]["agent"]["name"] == "Anna"

    sent = await client.post(f"/api/agent/cases/{case_id}/messages", json={"text": "Hej! Vad gäller det?"}, headers=headers)
    assert sent.status == 201
    assert (await client.post(f"/api/agent/cases/{case_id}/messages", json={"text": ""}, headers=headers)).status == 400
    assert (await client.post(f"/api/agent/cases/{case_id}/typing", headers=headers)).status == 200
    note = await client.post(f"/api/agent/cases/{case_id}/notes", json={"text": "Gäller klotter"}, headers=headers)
    assert note.status == 201

    detail = await (await client.get(f"/api/agent/cases/{case_id}")).json()
    assert detail["state"] == "agent"
    assert [(m["from"], m["text"]) for m in detail["messages"]][-3:] == [
        ("resident", "Hej, jag behöver hjälp"),
        ("system", "Du chattar nu med Anna, kommunvägledare på Helsingborg kontaktcenter."),
        ("agent", "Hej! Vad gäller det?"),
    ]
    assert [n["text"] for n in detail["notes"]] == ["Gäller klotter"]

    # The resident's message now goes to the agent, not to Rasa.
    sent_to_rasa = len(rasa.received)
    reply = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "Klotter"}, headers=resident)
    assert await reply.json() == {"replies": [], "state": "agent"}
    assert len(rasa.received) == sent_to_rasa

    categories = (await (await client.get("/api/agent/categories")).json())["categories"]
    bad = await client.post(f"/api/agent/cases/{case_id}/close", json={"category": "Påhittad"}, headers=headers)
    assert bad.status == 400
    closed = await client.post(f"/api/agent/cases/{case_id}/close", json={"category": categories[0]}, headers=headers)
    assert closed.status == 200
    assert ((await closed.json())["status"], (await closed.json())["category"]) == ("closed", categories[0])
    assert rasa.resumed == [conversation_id]

    history = await (await client.get(f"/api/conversations/{conversation_id}", headers=resident)).json()
    assert history["state"] == "closed"
    # A new message restarts the conversation with the bot.
    again = await (await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hej"}, headers=resident)).json()
    assert again["state"] == "bot" and again["replies"][0]["text"] == "Du skrev: hej"
    async with client.app[DB_KEY]() as session:
        kinds = [e.kind for e in (await session.exec(select(Event).where(Event.conversation_id == conversation_id))).all()]
    assert kinds == ["created", "queued", "claimed", "closed", "restarted"]


async def test_requeue_and_hand_back(client, rasa) -> None:
    csrf = await agent_online(client, "anna")
    headers = {"X-CSRF-Token": csrf}
    case_id, conversation_id, resident = await queued_case(client)
    await client.post(f"/api/agent/cases/{case_id}/claim", headers=headers)
    requeued = await client.post(f"/api/agent/cases/{case_id}/requeue", headers=headers)
    assert (await requeued.json())["status"] == "queued"
    assert (await (await client.get(f"/api/conversations/{conversation_id}", headers=resident)).json())["state"] == "queued"
    await client.post(f"/api/agent/cases/{case_id}/claim", headers=headers)
    back = await client.post(f"/api/agent/cases/{case_id}/hand-back", headers=headers)
    assert back.status == 200
    assert (await (await client.get(f"/api/conversations/{conversation_id}", headers=resident)).json())["state"] == "bot"
    assert rasa.resumed == [conversation_id]
    # Acting on a chat that is no longer held is a conflict.
    again = await client.post(f"/api/agent/cases/{case_id}/messages", json={"text": "hej"}, headers=headers)
    assert again.status == 409


async def test_only_the_holder_or_an_admin_can_act(client, aiohttp_client) -> None:
    csrf = await agent_online(client, "anna")
    case_id, _, _ = await queued_case(client)
    await client.post(f"/api/agent/cases/{case_id}/claim", headers={"X-CSRF-Token": csrf})
    await add_agent(client, "bertil")
    bertil_csrf = await login(client, "bertil")  # the same client now holds bertil's session
    response = await client.post(
        f"/api/agent/cases/{case_id}/messages", json={"text": "hej"}, headers={"X-CSRF-Token": bertil_csrf}
    )
    assert response.status == 409
    await add_agent(client, "boss", role="admin")
    boss_csrf = await login(client, "boss")
    response = await client.post(
        f"/api/agent/cases/{case_id}/messages", json={"text": "hej"}, headers={"X-CSRF-Token": boss_csrf}
    )
    assert response.status == 201


async def test_concurrent_claims_exactly_one_wins(client) -> None:
    csrf = await agent_online(client, "anna")
    case_id, _, _ = await queued_case(client)
    others = []
    for name in ("bertil", "cecilia", "david"):
        await add_agent(client, name)
        session = aiohttp.ClientSession(
            base_url=str(client.make_url("/")), cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        page = await (await session.get("/agent/login")).text()
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        await session.post("/agent/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
        other_csrf = (await (await session.get("/api/agent/me")).json())["csrf_token"]
        others.append((session, other_csrf))
    try:
        claims = [client.post(f"/api/agent/cases/{case_id}/claim", headers={"X-CSRF-Token": csrf})]
        claims += [s.post(f"/api/agent/cases/{case_id}/claim", headers={"X-CSRF-Token": c}) for s, c in others]
        responses = await asyncio.gather(*claims)
        statuses = sorted(r.status for r in responses)
        assert statuses == [200, 409, 409, 409]
        loser = next(r for r in responses if r.status == 409)
        assert (await loser.json())["error"] == "already_claimed"
    finally:
        for session, _ in others:
            await session.close()
    async with client.app[DB_KEY]() as session:
        events = (await session.exec(select(Event).where(Event.kind == "claimed"))).all()
    assert len(events) == 1


async def test_canned_answers_and_unknown_case(client) -> None:
    csrf = await agent_online(client)
    answers = (await (await client.get("/api/agent/canned-answers")).json())["canned_answers"]
    assert answers and all(set(a) == {"title", "text"} for a in answers)
    assert (await client.get("/api/agent/cases/999")).status == 404
    assert (await client.get("/api/agent/cases/abc")).status == 404
    assert (await client.post("/api/agent/cases/999/claim", headers={"X-CSRF-Token": csrf})).status == 404


async def offline(presence: Presence) -> bool:
    return await presence.online_count() == 0


async def test_presence_goes_offline_when_no_console_is_connected(client) -> None:
    agent = await add_agent(client, "anna")
    app = client.app
    quick = Presence(app[DB_KEY], app[PUBSUB_KEY], app[CLOCK_KEY], offline_after_seconds=0.05)
    # The console's socket is open before the agent goes online, as in the console: with the switch first, a
    # loaded machine could let the 50 ms grace pass before the socket was counted.
    quick.socket_opened(agent.id)
    await quick.set_online(agent.id, True)
    await asyncio.sleep(0.1)
    assert await quick.online_count() == 1  # a console is connected
    quick.socket_closed(agent.id)
    await eventually(lambda: offline(quick), "Anna offline after the grace period without a console")
    await quick.stop()


async def test_resume_is_retried_before_the_next_message_when_rasa_was_down(client, rasa) -> None:
    csrf = await agent_online(client, "anna")
    case_id, conversation_id, resident = await queued_case(client)
    await client.post(f"/api/agent/cases/{case_id}/claim", headers={"X-CSRF-Token": csrf})
    rasa.mode = "error"
    back = await client.post(f"/api/agent/cases/{case_id}/hand-back", headers={"X-CSRF-Token": csrf})
    assert back.status == 200
    assert rasa.resumed == []
    rasa.mode = "ok"
    body = await (
        await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hej"}, headers=resident)
    ).json()
    assert rasa.resumed == [conversation_id]
    assert body == {"replies": [{"text": "Du skrev: hej", "buttons": []}], "state": "bot"}
    await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "igen"}, headers=resident)
    assert rasa.resumed == [conversation_id]  # resumed once, not before every message
