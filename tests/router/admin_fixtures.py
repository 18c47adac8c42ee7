"""Fixtures for the administration tests: a copy of the Rasa project files (the real ones are never
touched), the router app pointed at it, a logged-in admin, messages in the database, and a stand-in
for Rasa's model API (/status, PUT /model) and for starting a stand-in Rasa during a swap."""
from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from router.admin.keys import ADMIN_KEY
from router.admin.models import TrainedModel
from router.admin.swap import ModelSwap, RasaApi, RasaError
from router.app import create_app
from router.errors import BadInput
from router.core.config import PROJECT_ROOT
from router.keys import DB_KEY, HTTP_KEY
from router.models import RESIDENT, Conversation, Message
from router.bus.pubsub import LocalPubSub
from router.rasa.diversion import Diversion
from router.rasa.upstream import RasaUpstream
from tests.router.client_steps import add_agent, login
from tests.router.constants import MONDAY_10, RASA_TOKEN


class Audit:
    """Collects audit entries in memory, for job tests that need no database."""

    def __init__(self) -> None:
        self.entries: list[tuple] = []

    async def record(self, actor, action, target=None, **details) -> None:
        self.entries.append((actor, action, target, details))


def job_clock() -> datetime:
    """A fixed time for job tests."""
    return datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


class AcceptingValidator:
    """Stands in for `rasa data validate` (which takes half a minute) where a test is about something
    else; tests/router/test_admin_validation.py runs the real one."""

    def __init__(self) -> None:
        self.checked: list[dict[str, str]] = []

        self.projects_checked = 0

    async def check(self, changes: dict[str, str]) -> None:
        self.checked.append(changes)

    async def check_project(self) -> None:
        self.projects_checked += 1


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(PROJECT_ROOT / name, root / name)
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    (root / "tests" / "nlu").mkdir(parents=True)
    shutil.copy2(PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml", root / "tests" / "nlu" / "test_nlu.yml")
    monkeypatch.setenv("ADMIN_PROJECT_DIR", str(root))
    return root


@pytest_asyncio.fixture
async def admin_client(project, aiohttp_client, settings, clock, options, rasa):
    app = create_app(settings, clock=clock, options=options)
    client = await aiohttp_client(app)
    rasa.router_url = str(client.make_url("")).rstrip("/")
    app[ADMIN_KEY].editor.validator = app[ADMIN_KEY].lifecycle.validator = AcceptingValidator()
    yield client


async def as_admin(client, username: str = "ada") -> dict[str, str]:
    await add_agent(client, username, "admin")
    return {"X-CSRF-Token": await login(client, username)}


def snapshot_files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.yml"))}


async def resident_message(
    client, text: str, intent: str | None, confidence: float | None, at: datetime | None = None,
    conversation_id: str | None = None,
) -> tuple[str, int]:
    """A resident's message with the intent Rasa predicted, stored as the router stores it."""
    at = at or MONDAY_10
    async with client.app[DB_KEY]() as session:
        if conversation_id is None:
            conversation_id = f"c{abs(hash((text, at))) % 10**12}"
            session.add(Conversation(id=conversation_id, token_hash="x" * 64, created_at=at, updated_at=at))
            await session.flush()
        message = Message(conversation_id=conversation_id, sender=RESIDENT, text=text, intent=intent,
                          intent_confidence=confidence, created_at=at)
        session.add(message)
        await session.commit()
        await session.refresh(message)
        return conversation_id, message.id


@dataclass
class FakeModelServer:
    """Rasa's /status and PUT /model: `serving` is the file Rasa serves; `fail` makes the swap fail."""

    serving: str | None = None
    fail: bool = False
    loads: list[str] = field(default_factory=list)
    stand_ins: "FakeStandIns | None" = None

    def app(self) -> web.Application:
        async def status(request: web.Request) -> web.Response:
            assert request.query.get("token") == RASA_TOKEN
            return web.json_response({"model_file": Path(self.serving).name if self.serving else None})

        async def load(request: web.Request) -> web.Response:
            assert request.query.get("token") == RASA_TOKEN
            body = await request.json()
            if self.fail:
                return web.json_response({"message": "LoadingError"}, status=500)
            self.loads.append(body["model_file"])
            self.serving = body["model_file"]
            return web.Response(status=204)

        app = web.Application()
        app.router.add_get("/status", status)
        app.router.add_put("/model", load)
        return app


@dataclass
class FakeStandIns:
    """Starting a stand-in Rasa: it "serves" the model on another FakeModelServer; `fail` makes the model
    not load. tests/router/test_model_swap.py starts real processes."""

    server: FakeModelServer
    url: str
    fail: bool = False
    started: list[str] = field(default_factory=list)

    @asynccontextmanager
    async def serving(self, model: Path) -> AsyncIterator[str]:
        if self.fail:
            raise RasaError("model_does_not_load", "Modellen gick inte att starta (felkod 1): trasig modell")
        self.started.append(model.name)
        self.server.serving = str(model)
        yield self.url


@pytest_asyncio.fixture
async def model_server(admin_client, aiohttp_server) -> FakeModelServer:
    fake, stand_in = FakeModelServer(), FakeModelServer()
    server = await aiohttp_server(fake.app(), host="127.0.0.1")
    stand_in_server = await aiohttp_server(stand_in.app(), host="127.0.0.1")
    http = admin_client.app[HTTP_KEY]
    fake.stand_ins = FakeStandIns(stand_in, str(stand_in_server.make_url("")).rstrip("/"))
    async with listening_diversion(http, str(server.make_url(""))) as diversion:
        admin_client.app[ADMIN_KEY].lifecycle.swapper = ModelSwap(RasaApi(http, RASA_TOKEN), diversion, fake.stand_ins)
        yield fake


@asynccontextmanager
async def listening_diversion(http, main_url: str) -> AsyncIterator[Diversion]:
    """One router process's diversion (in-process pub/sub) towards the Rasa at `main_url`, listening."""

    async def only_this() -> set[str]:
        return {"local"}

    diversion = Diversion(LocalPubSub(), RasaUpstream(main_url), http, "local", only_this, drain_seconds=1)
    listener = asyncio.create_task(diversion.listen())
    await asyncio.sleep(0)  # subscribed
    try:
        yield diversion
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)


async def evaluated_model(client, project: Path, name: str, f1: float | None, recall: float | None,
                          age_minutes: int = 0) -> TrainedModel:
    """A model file under models/ with held-out scores, as an evaluation leaves it."""
    path = project / "models" / f"{name}.tar.gz"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"not a real model")
    evaluation: dict[str, Any] | None = None
    if f1 is not None:
        evaluation = {"macro_f1": f1, "emergency_recall": recall, "intents": [], "emergency_missed": [],
                      "confusion_matrix": False}
    async with client.app[DB_KEY]() as session:
        model = TrainedModel(path=str(path.resolve()), created_at=MONDAY_10 - timedelta(minutes=age_minutes),
                             macro_f1=f1, emergency_recall=recall, evaluation=evaluation,
                             evaluated_at=MONDAY_10 if evaluation else None)
        session.add(model)
        await session.commit()
        await session.refresh(model)
        return model


class RefusingValidator(AcceptingValidator):
    """Stands in for `rasa data validate` finding the whole project broken (the real refusal is tested in
    tests/router/test_admin_validation.py)."""

    async def check_project(self) -> None:
        await super().check_project()
        raise BadInput("validation_failed", "Rasa godkände inte träningsdata: intentet x saknas i domain.yml")
