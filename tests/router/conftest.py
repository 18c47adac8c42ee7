"""Fixtures for the router tests: a migrated SQLite database per test, a real small aiohttp server
standing in for Rasa (and the action server's /health), the router app with a controllable clock,
and helpers for residents and agents."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import pytest
import pytest_asyncio
from aiohttp import web
from sqlmodel import select

from router.handoff.accounts import create_agent
from router.app import create_app
from router.core.clock import Clock
from router.core.config import PROJECT_ROOT, Settings
from router.core.db import create_engine, migrate
from router.core.options import RouterOptions
from router.keys import DB_KEY
from router.models import Case

RASA_TOKEN = "rasa-test-token"
INTERNAL_SECRET = "internal-test-secret"
PASSWORD = "correct horse battery"
# Monday 30 November 2026, 10:00 in Stockholm: the contact center is open (08.00–17.00).
MONDAY_10 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated with Alembic to head; each test gets a copy."""
    path = tmp_path_factory.mktemp("db") / "template.db"

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine)
        async with engine.connect() as connection:
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        await engine.dispose()

    asyncio.run(build())
    return path


@dataclass
class FakeRasa:
    """A stand-in for Rasa's HTTP API. `answer` decides the webhook's reply; `mode` can make it fail."""

    # "ok" | "error" (HTTP 500) | "slow" (answers after the router's timeout) | "drop" (connection cut)
    mode: str = "ok"
    answer: Callable[[str, str], Any] | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0  # webhook calls without the channel's token (doors/rest_channel.py)
    token: str = RASA_TOKEN  # what Rasa's API and REST channel accept
    resumed: list[str] = field(default_factory=list)
    url: str = ""
    router_url: str = ""
    model_file: str | None = None  # the model GET /status names; None: /status is not offered (404)
    model_loaded: bool = True  # False: /status answers 409, as Rasa does when loading its model failed

    def app(self) -> web.Application:
        routes = web.RouteTableDef()

        @routes.get("/")
        async def hello(request: web.Request) -> web.Response:
            return web.Response(text="Hello from Rasa: 3.6.21")

        @routes.get("/status")
        async def status(request: web.Request) -> web.Response:
            if request.query.get("token") != self.token:
                return web.json_response({"error": "unauthorized"}, status=401)
            if self.mode == "error":
                return web.Response(status=500, text="boom")
            if self.model_file is None:
                raise web.HTTPNotFound()
            if not self.model_loaded:
                return web.json_response({"message": "No model loaded"}, status=409)
            return web.json_response({"model_file": self.model_file, "model_id": "test", "num_active_training_jobs": 0})

        @routes.get("/health")
        async def actions_health(request: web.Request) -> web.Response:
            return web.json_response({"status": "ok"})

        @routes.post("/webhooks/rest/webhook")
        async def webhook(request: web.Request) -> web.Response:
            if request.headers.get("X-Rasa-Token") != self.token:  # as the locked REST channel does
                self.refused += 1
                return web.json_response({"error": "unauthorized"}, status=401)
            body = await request.json()
            self.received.append(body)
            if self.mode == "error":
                return web.Response(status=500, text="boom")
            if self.mode == "drop":
                request.transport.close()
                return web.Response()
            if self.mode == "slow":
                await asyncio.sleep(3)
            sender, text = body["sender"], body["message"]
            if self.answer is not None:
                result = self.answer(sender, text)
                replies = await result if asyncio.iscoroutine(result) else result
            else:
                replies = [{"recipient_id": sender, "text": f"Du skrev: {text}"}]
            # As the locked REST channel does, the answer ends with the intent (doors/rest_channel.py).
            intent = {"name": "human_handoff" if text == "/human_handoff" else "greet", "confidence": 0.93}
            return web.json_response([*replies, {"recipient_id": sender, "custom": {"intent": intent}}])

        @routes.post("/conversations/{id}/tracker/events")
        async def events(request: web.Request) -> web.Response:
            if request.query.get("token") != self.token:
                return web.json_response({"error": "unauthorized"}, status=401)
            if self.mode == "error":
                return web.Response(status=500, text="boom")
            if (await request.json()) == [{"event": "resume"}, {"event": "action", "name": "action_listen"}]:
                self.resumed.append(request.match_info["id"])
            return web.json_response({"events": []})

        app = web.Application()
        app.add_routes(routes)
        return app


def rest_messages(text: str, marker: str | None = None, buttons: list[dict[str, str]] | None = None) -> list[dict]:
    """One response as Rasa's REST channel sends it: the text (with buttons), then, for a response that
    carries `custom: {"answer": marker}` in the domain, that payload as a message of its own."""
    messages: list[dict] = [{"recipient_id": "x", "text": text, **({"buttons": buttons} if buttons else {})}]
    if marker is not None:
        messages.append({"recipient_id": "x", "custom": {"answer": marker}})
    return messages


@pytest_asyncio.fixture
async def rasa(aiohttp_server) -> FakeRasa:
    fake = FakeRasa()
    server = await aiohttp_server(fake.app(), host="127.0.0.1")
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
def clock() -> Clock:
    return Clock(start=MONDAY_10)


@pytest.fixture
def options() -> RouterOptions:
    return RouterOptions(conversation_per_minute=1000, address_per_minute=1000, rasa_timeout_seconds=1)


@pytest.fixture
def settings(rasa: FakeRasa, migrated_database: Path, tmp_path: Path) -> Settings:
    database = tmp_path / "router.db"
    shutil.copy(migrated_database, database)
    return Settings(
        rasa_url=rasa.url,
        rasa_token=RASA_TOKEN,
        actions_url=rasa.url,
        internal_secret=INTERNAL_SECRET,
        database_url=f"sqlite+aiosqlite:///{database}",
        settings_dir=PROJECT_ROOT / "settings",
    )


@pytest_asyncio.fixture
async def client(aiohttp_client, settings: Settings, clock: Clock, options: RouterOptions, rasa: FakeRasa):
    app = create_app(settings, clock=clock, options=options)
    test_client = await aiohttp_client(app)
    rasa.router_url = str(test_client.make_url("")).rstrip("/")
    yield test_client


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


@pytest.fixture(autouse=True)
def restore_umask() -> Iterator[None]:
    """`python -m bot` sets umask 077 for its whole process; tests that call its `main` in-process give the
    test process its own umask back."""
    previous = os.umask(0o077)
    os.umask(previous)
    yield
    os.umask(previous)


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with small costs in tests (the router uses argon2-cffi's defaults)."""
    from argon2 import PasswordHasher

    from router.core import security

    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


# Fixture modules shared by several test modules. Imported at the end: they import helpers from this file.
from tests.router.admin_fixtures import admin_client, model_server, project  # noqa: E402, F401
from tests.router.crash_fixtures import router_child  # noqa: E402, F401
from tests.router.oidc_fixtures import oidc_provider, sso_client, sso_clock, sso_settings  # noqa: E402, F401
from tests.router.postgres_fixtures import postgres_database  # noqa: E402, F401
from tests.router.redis_fixtures import throwaway_redis  # noqa: E402, F401
from tests.router.smtp_fixtures import smtp_server  # noqa: E402, F401
