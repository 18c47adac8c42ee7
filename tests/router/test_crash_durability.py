"""A resident's message the router acknowledged (HTTP 2xx) is in the database even when the router is
killed (SIGKILL) in the middle of a burst: the answer is sent only after the message, its replies and
its result were committed. On SQLite and on PostgreSQL, with `python -m router` as it runs in production
and the fake Rasa server standing in for Rasa."""

from __future__ import annotations

import asyncio
import signal
import uuid

import aiohttp
import pytest
from sqlmodel import col, select

from router.core.db import create_engine, create_session_maker
from router.models import BOT_SENDER, RESIDENT, Message
from tests.router.crash_fixtures import RouterChild, StartRouter

pytestmark = pytest.mark.asyncio

CONVERSATIONS = 20
KILL_AFTER_ACKNOWLEDGED = 60


async def _burst_then_kill(router: RouterChild) -> list[tuple[str, str, list[str]]]:
    """Residents send messages at once until KILL_AFTER_ACKNOWLEDGED were acknowledged, then the router
    is killed with requests still in flight. Returns what was acknowledged: (conversation, client
    message id, reply texts)."""
    acknowledged: list[tuple[str, str, list[str]]] = []
    enough = asyncio.Event()

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:

        async def resident() -> None:
            async with http.post(f"{router.url}/api/conversations") as response:
                created = await response.json()
            auth = {"Authorization": f"Bearer {created['token']}"}
            for number in range(1000):
                client_message_id = uuid.uuid4().hex
                try:
                    async with http.post(
                        f"{router.url}/api/conversations/{created['id']}/messages",
                        headers=auth,
                        json={"text": f"Fråga nummer {number}", "client_message_id": client_message_id},
                    ) as response:
                        body = await response.json()
                        if 200 <= response.status < 300:
                            replies = [reply["text"] for reply in body["replies"]]
                            acknowledged.append((created["id"], client_message_id, replies))
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    return  # the router is gone
                if len(acknowledged) >= KILL_AFTER_ACKNOWLEDGED:
                    enough.set()

        residents = [asyncio.create_task(resident()) for _ in range(CONVERSATIONS)]
        await asyncio.wait_for(enough.wait(), 120)
        router.kill()
        await asyncio.gather(*residents)
    return acknowledged


async def _stored(database_url: str) -> tuple[dict[str, Message], dict[str, list[str]]]:
    """The residents' messages by client message id, and the bot's reply texts per conversation."""
    engine = create_engine(database_url)
    try:
        async with create_session_maker(engine)() as session:
            messages = (await session.exec(select(Message).order_by(col(Message.id)))).all()
    finally:
        await engine.dispose()
    residents = {m.client_message_id: m for m in messages if m.sender == RESIDENT and m.client_message_id}
    replies: dict[str, list[str]] = {}
    for message in messages:
        if message.sender == BOT_SENDER:
            replies.setdefault(message.conversation_id, []).append(message.text)
    return residents, replies


async def test_every_acknowledged_message_survives_a_sigkill_on_sqlite(router_child: StartRouter, tmp_path) -> None:
    await _check_after_sigkill(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'router.db'}", router_child)


async def test_every_acknowledged_message_survives_a_sigkill_on_postgres(
    postgres_database, router_child: StartRouter
) -> None:
    await _check_after_sigkill(postgres_database, router_child)


async def _check_after_sigkill(database_url: str, router_child: StartRouter) -> None:
    router = await router_child(database_url)
    acknowledged = await _burst_then_kill(router)
    assert router.process.returncode == -signal.SIGKILL
    assert len(acknowledged) >= KILL_AFTER_ACKNOWLEDGED

    residents, replies = await _stored(database_url)
    missing = [client_id for _, client_id, _ in acknowledged if client_id not in residents]
    assert missing == [], f"{len(missing)} of {len(acknowledged)} acknowledged messages are not stored"
    for conversation_id, client_id, reply_texts in acknowledged:
        message = residents[client_id]
        assert message.conversation_id == conversation_id
        assert message.result is not None and [r["text"] for r in message.result["replies"]] == reply_texts
        assert set(reply_texts) <= set(replies.get(conversation_id, []))
