"""Two router instances (create_app twice) on one PostgreSQL database and one Redis: a resident on A and
a kommunvägledare on B talk live both ways, claims stay atomic across instances, presence and rate
limits are shared. Needs the real PostgreSQL and Redis (CI starts them); skipped with the reason if
either cannot be reached."""
from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from redis import asyncio as aioredis
from sqlmodel import select

from router.app import create_app
from router.core.keys import CLOCK_KEY
from router.bus.keys import PUBSUB_KEY
from router.handoff.keys import PRESENCE_KEY
from router.keys import DB_KEY
from router.models import Case, Message
from router.handoff.presence import Presence, RedisSockets
from router.bus.rate_limit import RedisRateLimiter
from router.bus.redis_pubsub import RedisPubSub
from tests.router.client_steps import add_agent, handoff, login, new_conversation, open_resident_socket
from tests.router.constants import PASSWORD
from tests.router.waiting import eventually

pytestmark = pytest.mark.asyncio

REDIS_URL = os.environ.get("ROUTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest_asyncio.fixture
async def redis_url():
    """The shared Redis with a key prefix of its own for this test; its keys are deleted afterwards."""
    client = aioredis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except (aioredis.ConnectionError, OSError) as error:
        await client.aclose()
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {error}")
    prefix = f"test-{uuid.uuid4().hex[:10]}:"
    separator = "&" if "?" in REDIS_URL else "?"
    try:
        yield f"{REDIS_URL}{separator}key_prefix={prefix}"
    finally:
        async for key in client.scan_iter(match=f"{prefix}*"):
            await client.delete(key)
        await client.aclose()


@pytest_asyncio.fixture
async def pair(aiohttp_client, settings, clock, options, postgres_database, redis_url, rasa):
    shared = replace(settings, database_url=postgres_database, redis_url=redis_url)
    a = await aiohttp_client(create_app(shared, clock=clock, options=options))
    b = await aiohttp_client(create_app(shared, clock=clock, options=options))
    rasa.router_url = str(a.make_url("")).rstrip("/")
    assert isinstance(a.app[PUBSUB_KEY], RedisPubSub) and isinstance(b.app[PUBSUB_KEY], RedisPubSub)
    return a, b


async def frames_until(socket, predicate, timeout: float = 5.0, seen: list | None = None) -> dict[str, Any]:
    """Read frames (keeping them in `seen`) until one matches."""
    async with asyncio.timeout(timeout):
        while True:
            frame = await socket.receive_json()
            if seen is not None:
                seen.append(frame)
            if predicate(frame):
                return frame


async def drain(socket, quiet: float = 0.5) -> list[dict[str, Any]]:
    """Every frame that arrives until the socket has been quiet for `quiet` seconds."""
    frames = []
    while True:
        try:
            frames.append(await asyncio.wait_for(socket.receive_json(), quiet))
        except asyncio.TimeoutError:
            return frames


async def agent_session(client, username: str) -> tuple[aiohttp.ClientSession, str]:
    """A separate browser (cookie jar) logged in as `username` on this instance."""
    session = aiohttp.ClientSession(base_url=str(client.make_url("/")), cookie_jar=aiohttp.CookieJar(unsafe=True))
    page = await (await session.get("/agent/login")).text()
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = await session.post("/agent/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status == 200, await response.text()
    return session, (await (await session.get("/api/agent/me")).json())["csrf_token"]


async def case_id_of(client, reference: str) -> int:
    async with client.app[DB_KEY]() as session:
        return (await session.exec(select(Case.id).where(Case.reference == reference))).one()


async def test_resident_on_a_and_agent_on_b_talk_live_both_ways(pair) -> None:
    a, b = pair
    await add_agent(b, "anna")
    csrf = await login(b, "anna")
    assert (await b.post("/api/agent/presence", json={"online": True}, headers={"X-CSRF-Token": csrf})).status == 200
    console = await b.ws_connect("/ws/agent")
    assert (await console.receive_json())["type"] == "presence"

    conversation_id, auth = await new_conversation(a)
    resident = await open_resident_socket(a, conversation_id, auth)
    assert await resident.receive_json() == {"type": "state", "state": "bot"}
    body = await (await handoff(a, conversation_id)).json()
    assert body["outcome"] == "queued", body
    await frames_until(resident, lambda f: f == {"type": "state", "state": "queued"})
    await frames_until(console, lambda f: f["type"] == "queue" and f["queue"])  # the queue reached B's console

    case_id = await case_id_of(b, body["reference"])
    assert (await b.post(f"/api/agent/cases/{case_id}/claim", headers={"X-CSRF-Token": csrf})).status == 200
    await frames_until(resident, lambda f: f["type"] == "agent_joined" and f["name"] == "Anna")

    rounds = 20
    resident_frames: list[dict[str, Any]] = []
    console_frames: list[dict[str, Any]] = []
    for n in range(rounds):
        response = await b.post(
            f"/api/agent/cases/{case_id}/messages", json={"text": f"Från Anna {n}"}, headers={"X-CSRF-Token": csrf}
        )
        assert response.status == 201
        await frames_until(resident, lambda f: f["type"] == "message" and f["text"] == f"Från Anna {n}", seen=resident_frames)
        await resident.send_json({"type": "message", "text": f"Från invånaren {n}", "client_message_id": f"c-{n}"})
        await frames_until(
            console, lambda f: f["type"] == "message" and f["message"]["text"] == f"Från invånaren {n}", seen=console_frames
        )
    resident_frames += await drain(resident)
    console_frames += await drain(console)

    async with a.app[DB_KEY]() as session:
        stored = (await session.exec(select(Message).where(Message.conversation_id == conversation_id))).all()
    chat = {m.id: (m.sender, m.text) for m in stored if m.sender in ("agent", "resident")}
    assert Counter(sender for sender, _ in chat.values()) == {"agent": rounds, "resident": rounds}
    # every chat message reached the resident on A and the console on B exactly once
    to_resident = [f["id"] for f in resident_frames if f["type"] == "message" and f["from"] in ("agent", "resident")]
    to_console = [
        f["message"]["id"] for f in console_frames
        if f["type"] == "message" and f["message"]["from"] in ("agent", "resident")
    ]
    assert sorted(to_resident) == sorted(chat) and sorted(to_console) == sorted(chat)
    await resident.close()
    await console.close()


async def test_concurrent_claims_across_instances_have_one_winner(pair) -> None:
    a, b = pair
    names = ["anna", "bertil", "cecilia", "david"]
    for name in names:
        await add_agent(a, name)
    sessions = [await agent_session(a if i % 2 == 0 else b, name) for i, name in enumerate(names)]
    try:
        for round_number in range(5):
            conversation_id, _ = await new_conversation(a)
            body = await (await handoff(b, conversation_id)).json()
            assert body["outcome"] in ("queued", "no_agent"), body
            if body["outcome"] == "no_agent":
                # nobody online yet: put the first agent online on A and try again
                await sessions[0][0].post("/api/agent/presence", json={"online": True},
                                          headers={"X-CSRF-Token": sessions[0][1]})
                body = await (await handoff(b, conversation_id)).json()
            case_id = await case_id_of(a, body["reference"])
            claims = [s.post(f"/api/agent/cases/{case_id}/claim", headers={"X-CSRF-Token": c}) for s, c in sessions]
            statuses = sorted(r.status for r in await asyncio.gather(*claims))
            assert statuses == [200, 409, 409, 409], (round_number, statuses)
    finally:
        for session, _ in sessions:
            await session.close()


async def test_presence_is_shared_across_instances(pair) -> None:
    a, b = pair
    agent = await add_agent(a, "anna")
    csrf = await login(a, "anna")
    await a.post("/api/agent/presence", json={"online": True}, headers={"X-CSRF-Token": csrf})
    console = await a.ws_connect("/ws/agent")  # the console is held by instance A
    await console.receive_json()

    bus = b.app[PUBSUB_KEY]
    assert isinstance(bus, RedisPubSub)
    sockets = lambda agents: RedisSockets(bus.client, bus.prefix, agents, lambda: 0, heartbeat_seconds=0.05)  # noqa: E731
    # B after a restart: it gives online agents a grace period, then asks Redis whether any process holds a console
    on_b = Presence(b.app[DB_KEY], bus, b.app[CLOCK_KEY], offline_after_seconds=0.1, sockets=sockets)
    await on_b.start()
    try:
        await asyncio.sleep(0.4)
        assert await on_b.online_count() == 1  # A's console keeps Anna online
        assert await on_b.counts.agent_sockets(agent.id) == 1
        instances = await on_b.counts.instances()
        a_id = a.app[PRESENCE_KEY].counts.instance_id
        assert instances[a_id]["agent:%d" % agent.id] == 1 and instances[a_id]["sockets"] == 1
        assert len(instances) == 3  # A, B and this Presence each heartbeat

        await console.close()
        on_b._schedule_offline(agent.id)

        async def no_console() -> bool:
            return await on_b.counts.agent_sockets(agent.id) == 0

        async def offline() -> bool:
            return await on_b.online_count() == 0

        await eventually(no_console, "Redis to count no console for Anna once A's is closed")
        await eventually(offline, "B to take Anna offline when no process holds her console")
    finally:
        await on_b.stop()
    assert on_b.counts.instance_id not in await a.app[PRESENCE_KEY].counts.instances()


async def test_rate_limits_are_shared_across_instances(redis_url) -> None:
    first, second = RedisPubSub(redis_url), RedisPubSub(redis_url)
    await first.start()
    await second.start()
    try:
        limiters = [RedisRateLimiter(bus.client, "conversation", 3, prefix=bus.prefix) for bus in (first, second)]
        results = [await limiters[n % 2].take("same-conversation") for n in range(5)]
        assert results == [True, True, True, False, False]
        assert await limiters[1].take("another-conversation")
    finally:
        await first.close()
        await second.close()


async def test_a_deploy_diverts_the_residents_of_every_router_process(pair, aiohttp_server):
    """The deploying process (A) publishes the diversion through Redis: B's residents go to the stand-in
    too, both confirm, and both come back to the main Rasa afterwards."""
    from aiohttp import web

    from router.rasa.keys import DIVERSION_KEY, RASA_KEY

    a, b = pair

    async def stand_in_webhook(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response([{"recipient_id": body["sender"], "text": "svar från reservinstansen"}])

    stand_in_app = web.Application()
    stand_in_app.router.add_post("/webhooks/rest/webhook", stand_in_webhook)
    stand_in = str((await aiohttp_server(stand_in_app, host="127.0.0.1")).make_url("")).rstrip("/")
    conversation, auth = await new_conversation(b)

    async def say(text: str) -> str:
        response = await b.post(f"/api/conversations/{conversation}/messages", json={"text": text}, headers=auth)
        assert response.status == 200
        return (await response.json())["replies"][0]["text"]

    assert await say("före") == "Du skrev: före"
    diversion = a.app[DIVERSION_KEY]
    assert await diversion.everywhere("divert", stand_in) == set()  # A and B confirmed
    assert b.app[RASA_KEY].upstream.url == stand_in == a.app[RASA_KEY].upstream.url
    assert await say("under bytet") == "svar från reservinstansen"
    await diversion.restore_everywhere()
    assert not a.app[RASA_KEY].upstream.diverted and not b.app[RASA_KEY].upstream.diverted
    assert await say("efter") == "Du skrev: efter"

    # A stand-in that a process cannot reach: it stays on the main Rasa and still confirms.
    assert await diversion.everywhere("divert", "http://127.0.0.1:9") == set()
    assert not b.app[RASA_KEY].upstream.diverted and await say("igen") == "Du skrev: igen"
