"""Fixtures for the router tests: a migrated SQLite database per test, a real small aiohttp server
standing in for Rasa (and the action server's /health), and the router app with a controllable clock.

Only fixtures live here; what tests import lives in plain modules beside it (tests/test_layout.py says why):
the shared values in constants.py, the fake Rasa in fake_rasa.py, the resident's and agent's steps through
the test client in client_steps.py, and fixtures several test modules share in the *_fixtures.py modules."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from router.app import create_app
from router.core.clock import Clock
from router.core.config import PROJECT_ROOT, Settings
from router.core.db import create_engine, migrate
from router.core.options import RouterOptions
from tests.router.constants import INTERNAL_SECRET, MONDAY_10, RASA_TOKEN
from tests.router.fake_rasa import FakeRasa

# Fixture modules shared by several test modules: imported here, pytest finds their fixtures in this file.
from tests.router.admin_fixtures import admin_client, model_server, project  # noqa: F401
from tests.router.crash_fixtures import router_child  # noqa: F401
from tests.router.oidc_fixtures import oidc_provider, sso_client, sso_clock, sso_settings  # noqa: F401
from tests.router.postgres_fixtures import postgres_database  # noqa: F401
from tests.router.redis_fixtures import throwaway_redis  # noqa: F401
from tests.router.smtp_fixtures import smtp_server  # noqa: F401


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

