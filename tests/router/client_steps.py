"""What the router tests do through the aiohttp test client, as a resident (open a conversation, its
WebSocket), as the action server (hand a conversation over) and as an agent (an account, a login, going
online). Plain coroutines, not fixtures: tests call them with the `client` fixture, several times and with
arguments of their own, so they live in a module that test and fixture modules import."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from router.handoff.accounts import create_agent
from router.keys import DB_KEY
from router.models import Case
from tests.router.constants import INTERNAL_SECRET, PASSWORD


async def new_conversation(client) -> tuple[str, dict[str, str]]:
    response = await client.post("/api/conversations")
    assert response.status == 201
    body = await response.json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


async def open_resident_socket(client, conversation_id: str, auth: dict[str, str]):
    """The resident's WebSocket, authenticated as the widget does it: the token in the first frame."""
    socket = await client.ws_connect(f"/ws/conversations/{conversation_id}")
    await socket.send_json({"type": "auth", "token": auth["Authorization"].split(" ", 1)[1]})
    return socket


async def add_agent(client, username: str, role: str = "agent", name: str | None = None):
    async with client.app[DB_KEY]() as session:
        return await create_agent(session, username, PASSWORD, name or username.title(), role)


async def login(client, username: str) -> str:
    """Log in through the login form; returns the CSRF token for the console API."""
    page = await client.get("/agent/login")
    html = await page.text()
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    response = await client.post(
        "/agent/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    me = await client.get("/api/agent/me")
    return (await me.json())["csrf_token"]


async def handoff(client, conversation_id: str, **extra: Any):
    return await client.post(
        "/internal/handoff",
        json={"conversation_id": conversation_id, "reason": "requested", "topic": None, **extra},
        headers={"X-Internal-Secret": INTERNAL_SECRET},
    )


async def queued_case(client) -> tuple[int, str, dict[str, str]]:
    """A resident waiting in the queue: (case id, conversation id, resident auth header)."""
    conversation_id, auth = await new_conversation(client)
    body = await (await handoff(client, conversation_id)).json()
    assert body["outcome"] == "queued", body
    async with client.app[DB_KEY]() as session:
        case = (await session.exec(select(Case).where(Case.reference == body["reference"]))).one()
    return case.id, conversation_id, auth


async def agent_online(client, username: str = "anna", role: str = "agent") -> str:
    await add_agent(client, username, role)
    csrf = await login(client, username)
    response = await client.post("/api/agent/presence", json={"online": True}, headers={"X-CSRF-Token": csrf})
    assert response.status == 200
    return csrf
