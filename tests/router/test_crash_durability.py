"""A resident's message the router acknowledged (HTTP 2xx) is in the database even when the router is
killed (SIGKILL) in the middle of a burst: the answer is sent only after the message, its replies and
its result were committed. On SQLite and on PostgreSQL, with `python -m router` as it runs in production
and the fake Rasa server standing in for Rasa."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import col, select

from assistant import paths
from router.core.db import create_engine, create_session_maker
from router.models import BOT_SENDER, RESIDENT, Message
from tests.router.conftest import INTERNAL_SECRET, RASA_TOKEN, FakeRasa

pytestmark = pytest.mark.asyncio

CONVERSATIONS = 20
KILL_AFTER_ACKNOWLEDGED = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _start_router(database_url: str, rasa: FakeRasa, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ROUTER_HOST": "127.0.0.1",
        "ROUTER_PORT": str(port),
        "RASA_URL": rasa.url,
        "ACTIONS_URL": rasa.url,
        "RASA_TOKEN": RASA_TOKEN,
        "INTERNAL_SECRET": INTERNAL_SECRET,
        "REDIS_URL": "",
        "RATE_LIMIT_ADDRESS": "1000000",
        "RATE_LIMIT_CONVERSATION": "100000",
    }
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "router"], cwd=paths.ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            if process.poll() is not None:
                raise AssertionError(f"the router exited with {process.returncode}: {log.read_text()}")
            try:
                async with http.get(f"{url}/healthz"):
                    return process, url
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    process.kill()
    raise AssertionError(f"the router did not start: {log.read_text()}")


async def _burst_then_kill(process: subprocess.Popen, url: str) -> list[tuple[str, str, list[str]]]:
    """Residents send messages at once until KILL_AFTER_ACKNOWLEDGED were acknowledged, then the router
    is killed with requests still in flight. Returns what was acknowledged: (conversation, client
    message id, reply texts)."""
    acknowledged: list[tuple[str, str, list[str]]] = []
    enough = asyncio.Event()

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:

        async def resident() -> None:
            async with http.post(f"{url}/api/conversations") as response:
                created = await response.json()
            auth = {"Authorization": f"Bearer {created['token']}"}
            for number in range(1000):
                client_message_id = uuid.uuid4().hex
                try:
                    async with http.post(
                        f"{url}/api/conversations/{created['id']}/messages", headers=auth,
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
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
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


async def test_every_acknowledged_message_survives_a_sigkill_on_sqlite(rasa: FakeRasa, tmp_path) -> None:
    await _check_after_sigkill(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'router.db'}", rasa, tmp_path)


async def test_every_acknowledged_message_survives_a_sigkill_on_postgres(postgres_database, rasa: FakeRasa,
                                                                         tmp_path) -> None:
    await _check_after_sigkill(postgres_database, rasa, tmp_path)


async def _check_after_sigkill(database_url: str, rasa: FakeRasa, tmp_path: Path) -> None:
    log = tmp_path / "router.log"
    process, url = await _start_router(database_url, rasa, log)
    try:
        acknowledged = await _burst_then_kill(process, url)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    assert len(acknowledged) >= KILL_AFTER_ACKNOWLEDGED

    residents, replies = await _stored(database_url)
    missing = [client_id for _, client_id, _ in acknowledged if client_id not in residents]
    assert missing == [], f"{len(missing)} of {len(acknowledged)} acknowledged messages are not stored"
    for conversation_id, client_id, reply_texts in acknowledged:
        message = residents[client_id]
        assert message.conversation_id == conversation_id
        assert message.result is not None and [r["text"] for r in message.result["replies"]] == reply_texts
        assert set(reply_texts) <= set(replies.get(conversation_id, []))
