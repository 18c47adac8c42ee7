"""A relayed message the router acknowledged (HTTP 2xx) is in the database, once and with its text, even
when the router is killed (SIGKILL) in the middle of a burst. The relay between a resident and a
kommunvägledare stores its messages through the group commit (router/core/group_commit.py: one writer task,
many callers' rows in one commit), so this is the check that a caller hears back only after the commit that
holds its row. Both directions: the resident's messages while a person has the chat, and the agent's
through the console API. On SQLite and on PostgreSQL, with `python -m router` as it runs in production."""

from __future__ import annotations

import asyncio
import itertools
import re
import signal
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import pytest
from sqlmodel import col, select

from router.core.db import create_engine, create_session_maker, migrate
from router.handoff.accounts import create_agent
from router.models import AGENT_SENDER, RESIDENT, Message
from tests.router.constants import INTERNAL_SECRET, PASSWORD
from tests.router.crash_fixtures import RouterChild, StartRouter

pytestmark = pytest.mark.asyncio

AGENTS = 3
CONVERSATIONS = 12
KILL_AFTER_ACKNOWLEDGED = 150  # both directions together
# Monday 30 November 2026, 10:00 in Stockholm: open, so a handoff is queued whenever the test runs.
OPEN_MONDAY = "2026-11-30T10:00:00+01:00"


@dataclass
class Acknowledged:
    conversation_id: str
    text: str
    client_message_id: str | None = None  # the resident's
    message_id: int | None = None  # the agent's: the stored id the console API answered with
    agent_id: int | None = None


@dataclass
class Burst:
    residents: list[Acknowledged] = field(default_factory=list)
    agents: list[Acknowledged] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # answers other than 2xx before the kill
    cut_off: int = 0  # requests sent before the kill that got no answer
    killed: bool = False

    def count(self) -> int:
        return len(self.residents) + len(self.agents)


class Console:
    """A logged-in kommunvägledare: session cookie and CSRF token, as the console has them."""

    def __init__(self, url: str, username: str) -> None:
        self.url = url
        self.username = username
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=30)
        )
        self.csrf: dict[str, str] = {}
        self.id = 0

    async def log_in(self) -> None:
        async with self.http.get(f"{self.url}/agent/login") as response:
            match = re.search(r'name="csrf_token" value="([^"]+)"', await response.text())
        assert match is not None
        form = {"username": self.username, "password": PASSWORD, "csrf_token": match.group(1)}
        async with self.http.post(f"{self.url}/agent/login", data=form, allow_redirects=False) as response:
            assert response.status == 303, await response.text()
        async with self.http.get(f"{self.url}/api/agent/me") as response:
            me = await response.json()
        self.csrf, self.id = {"X-CSRF-Token": me["csrf_token"]}, me["id"]
        assert (await self.post("/api/agent/presence", {"online": True}))[0] == 200

    async def post(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        async with self.http.post(f"{self.url}{path}", json=body, headers=self.csrf) as response:
            return response.status, await response.json(content_type=None)


async def _prepare(database_url: str) -> None:
    """The schema and the agents' accounts, before the router starts (its own migration is then a no-op)."""
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with create_session_maker(engine)() as session:
            for number in range(AGENTS):
                await create_agent(session, f"agent{number}", PASSWORD, f"Agent {number}", "agent")
    finally:
        await engine.dispose()


async def _chats(
    router: RouterChild, http: aiohttp.ClientSession, consoles: list[Console]
) -> list[tuple[str, dict, int, Console]]:
    """CONVERSATIONS chats with a person, set up as residents and agents do it: a conversation is created,
    handed off (as the action server does), and claimed round-robin by the agents through the console API.
    Returns (conversation id, resident auth header, case id, the console holding it)."""

    async def queued() -> tuple[str, dict]:
        async with http.post(f"{router.url}/api/conversations") as response:
            created = await response.json()
        async with http.post(
            f"{router.url}/internal/handoff",
            headers={"X-Internal-Secret": INTERNAL_SECRET},
            json={"conversation_id": created["id"], "reason": "requested", "topic": None},
        ) as response:
            assert (await response.json())["outcome"] == "queued"
        return created["id"], {"Authorization": f"Bearer {created['token']}"}

    residents = await asyncio.gather(*(queued() for _ in range(CONVERSATIONS)))
    async with consoles[0].http.get(f"{router.url}/api/agent/queue") as response:
        case_of = {case["conversation_id"]: case["id"] for case in (await response.json())["queue"]}
    chats = [
        (conversation_id, auth, case_of[conversation_id], consoles[number % AGENTS])
        for number, (conversation_id, auth) in enumerate(residents)
    ]
    for status, body in await asyncio.gather(
        *(console.post(f"/api/agent/cases/{case_id}/claim") for _, _, case_id, console in chats)
    ):
        assert status == 200, body
    return chats


async def _burst_then_kill(router: RouterChild) -> Burst:
    """In every chat at once, the resident and the agent each send message after message until
    KILL_AFTER_ACKNOWLEDGED were acknowledged in all; then the router is killed with requests in flight."""
    burst = Burst()
    consoles = [Console(router.url, f"agent{number}") for number in range(AGENTS)]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        try:
            await asyncio.gather(*(console.log_in() for console in consoles))
            chats = await _chats(router, http, consoles)

            async def send(
                post: Callable[[int], Awaitable[tuple[int, dict]]], acknowledge: Callable[[int, dict], None]
            ) -> None:
                for number in itertools.count():
                    sent_before_kill = not burst.killed
                    try:
                        status, body = await post(number)
                    except (aiohttp.ClientError, asyncio.TimeoutError):
                        burst.cut_off += sent_before_kill
                        return  # the router is gone
                    if 200 <= status < 300:
                        acknowledge(number, body)
                    elif not burst.killed:
                        burst.refused.append(f"{status}: {body}")
                    if burst.count() >= KILL_AFTER_ACKNOWLEDGED and not burst.killed:
                        # At once, with no turn of the event loop in between: the kill lands as close to the
                        # last acknowledgements as it can, so an answer sent before its commit is caught while
                        # that commit is unfinished.
                        burst.killed = True
                        router.kill()

            def resident(conversation_id: str, auth: dict) -> asyncio.Task[None]:
                client_ids: dict[int, str] = {}

                async def post(number: int) -> tuple[int, dict]:
                    client_ids[number] = uuid.uuid4().hex
                    async with http.post(
                        f"{router.url}/api/conversations/{conversation_id}/messages",
                        headers=auth,
                        json={"text": _resident_text(conversation_id, number), "client_message_id": client_ids[number]},
                    ) as response:
                        return response.status, await response.json()

                def acknowledge(number: int, body: dict) -> None:
                    assert body == {"replies": [], "state": "agent"}, body  # relayed to the person, not to Rasa
                    burst.residents.append(
                        Acknowledged(conversation_id, _resident_text(conversation_id, number), client_ids[number])
                    )

                return asyncio.create_task(send(post, acknowledge))

            def agent(conversation_id: str, case_id: int, console: Console) -> asyncio.Task[None]:
                async def post(number: int) -> tuple[int, dict]:
                    return await console.post(
                        f"/api/agent/cases/{case_id}/messages", {"text": _agent_text(conversation_id, number)}
                    )

                def acknowledge(number: int, body: dict) -> None:
                    text = _agent_text(conversation_id, number)
                    assert body["from"] == AGENT_SENDER and body["text"] == text, body
                    burst.agents.append(Acknowledged(conversation_id, text, message_id=body["id"], agent_id=console.id))

                return asyncio.create_task(send(post, acknowledge))

            senders = [resident(conversation_id, auth) for conversation_id, auth, _, _ in chats]
            senders += [agent(conversation_id, case_id, console) for conversation_id, _, case_id, console in chats]
            await asyncio.wait_for(asyncio.gather(*senders), 60)
        finally:
            for console in consoles:
                await console.http.close()
    return burst


def _resident_text(conversation_id: str, number: int) -> str:
    return f"Invånare {conversation_id[:8]}, fråga {number}: när töms återvinningen på Söder?"


def _agent_text(conversation_id: str, number: int) -> str:
    return f"Svar {number} till {conversation_id[:8]}: jag kollar det åt dig."


async def _stored(database_url: str) -> list[Message]:
    engine = create_engine(database_url)
    try:
        async with create_session_maker(engine)() as session:
            return list((await session.exec(select(Message).order_by(col(Message.id)))).all())
    finally:
        await engine.dispose()


async def test_every_acknowledged_relay_message_survives_a_sigkill_on_sqlite(
    router_child: StartRouter, tmp_path
) -> None:
    await _check_after_sigkill(f"sqlite+aiosqlite:///{tmp_path / 'router.db'}", router_child)


async def test_every_acknowledged_relay_message_survives_a_sigkill_on_postgres(
    postgres_database, router_child: StartRouter
) -> None:
    await _check_after_sigkill(postgres_database, router_child)


async def _check_after_sigkill(database_url: str, router_child: StartRouter) -> None:
    await _prepare(database_url)
    router = await router_child(database_url, ROUTER_FIXED_NOW=OPEN_MONDAY)
    burst = await _burst_then_kill(router)
    assert router.process.returncode == -signal.SIGKILL
    assert burst.refused == []
    # The kill landed in the middle of the burst: messages in both directions had been acknowledged, and
    # requests were on their way that never got an answer.
    assert burst.count() >= KILL_AFTER_ACKNOWLEDGED and burst.residents and burst.agents
    assert burst.cut_off > 0

    messages = await _stored(database_url)
    residents: dict[str, list[Message]] = {}
    by_text: dict[str, list[Message]] = {}
    for message in messages:
        by_text.setdefault(message.text, []).append(message)
        if message.sender == RESIDENT and message.client_message_id:
            residents.setdefault(message.client_message_id, []).append(message)

    lost = [sent.text for sent in burst.residents if sent.client_message_id not in residents]
    lost += [sent.text for sent in burst.agents if sent.text not in by_text]
    assert lost == [], f"{len(lost)} of {burst.count()} acknowledged messages are not stored: {lost[:5]}"
    for sent in burst.residents:
        assert sent.client_message_id is not None
        [message] = residents[sent.client_message_id]
        assert [m.id for m in by_text[sent.text]] == [message.id]  # stored once
        assert (message.conversation_id, message.text) == (sent.conversation_id, sent.text)
        assert message.result == {"replies": [], "state": "agent"}
    for sent in burst.agents:
        [message] = by_text[sent.text]
        assert (message.id, message.conversation_id, message.sender, message.agent_id) == (
            sent.message_id,
            sent.conversation_id,
            AGENT_SENDER,
            sent.agent_id,
        )
