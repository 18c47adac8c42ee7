"""Alembic migrations on SQLite and PostgreSQL: upgrade, downgrade, schema equal to the models,
and the parts that depend on the database (atomic claim, references) running on PostgreSQL."""
from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from router import models  # noqa: F401  (tables on the metadata)
from router.app import create_app
from router.core.db import alembic_config, create_engine, migrate
from tests.router.client_steps import add_agent, handoff, new_conversation, queued_case
from tests.router.constants import PASSWORD

pytestmark = pytest.mark.asyncio


def _schema_differences(connection) -> list:
    return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)


def _downgrade_to_base(connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def _check_migrations(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_schema_differences) == []
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade_to_base)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: c.dialect.get_table_names(c))
            assert set(tables) <= {"alembic_version"}
        await migrate(engine)
        await migrate(engine)  # already at head: nothing to do
        async with engine.connect() as connection:
            assert await connection.run_sync(_schema_differences) == []
    finally:
        await engine.dispose()


async def test_migrations_on_sqlite(tmp_path) -> None:
    await _check_migrations(f"sqlite+aiosqlite:///{tmp_path / 'fresh' / 'router.db'}")


async def test_migrations_on_postgres(postgres_database) -> None:
    await _check_migrations(postgres_database)


async def test_router_on_postgres_claims_atomically(postgres_database, aiohttp_client, settings, clock, options) -> None:
    """The whole path on PostgreSQL: handoff with references, then concurrent claims."""
    import aiohttp

    app = create_app(replace(settings, database_url=postgres_database), clock=clock, options=options)
    client = await aiohttp_client(app)
    await add_agent(client, "anna")
    from tests.router.client_steps import login

    csrf = await login(client, "anna")
    await client.post("/api/agent/presence", json={"online": True}, headers={"X-CSRF-Token": csrf})
    case_id, conversation_id, auth = await queued_case(client)
    second_id, _ = await new_conversation(client)
    second = await (await handoff(client, second_id)).json()
    assert second["position"] == 2 and second["reference"].startswith("HBG-2026-")

    sessions = []
    for name in ("bertil", "cecilia"):
        await add_agent(client, name)
        session = aiohttp.ClientSession(base_url=str(client.make_url("/")), cookie_jar=aiohttp.CookieJar(unsafe=True))
        page = await (await session.get("/agent/login")).text()
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        await session.post("/agent/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
        sessions.append((session, (await (await session.get("/api/agent/me")).json())["csrf_token"]))
    try:
        claims = [client.post(f"/api/agent/cases/{case_id}/claim", headers={"X-CSRF-Token": csrf})]
        claims += [s.post(f"/api/agent/cases/{case_id}/claim", headers={"X-CSRF-Token": c}) for s, c in sessions]
        statuses = sorted(response.status for response in await asyncio.gather(*claims))
        assert statuses == [200, 409, 409]
    finally:
        for session, _ in sessions:
            await session.close()
    history = await (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).json()
    assert history["state"] == "agent"
    assert history["messages"][-1]["at"].endswith("+00:00")


async def test_the_postgres_pool_is_sized_by_the_options(postgres_database, aiohttp_client, settings, clock, options,
                                                         monkeypatch) -> None:
    from router.core.options import RouterOptions
    from router.keys import ENGINE_KEY

    monkeypatch.setenv("DB_POOL_SIZE", "3")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "7")
    sized = RouterOptions.from_env()
    assert (sized.db_pool_size, sized.db_max_overflow) == (3, 7)
    monkeypatch.setenv("DB_POOL_SIZE", "0")
    with pytest.raises(ValueError, match="DB_POOL_SIZE"):
        RouterOptions.from_env()
    app = create_app(replace(settings, database_url=postgres_database), clock=clock,
                     options=replace(options, db_pool_size=3, db_max_overflow=7))
    client = await aiohttp_client(app)
    pool = client.app[ENGINE_KEY].pool
    assert (pool.size(), pool._max_overflow) == (3, 7)


def _downgrade_to(connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def _upgrade_to(connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_case_ids_stay_and_are_never_reused_after_the_sqlite_rebuild(tmp_path) -> None:
    """0008 rebuilds `cases` with AUTOINCREMENT: existing cases keep their ids and references, rows that
    refer to them stay valid, and a deleted newest case's id does not come back."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'router.db'}")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to, "0005")
            for statement in (
                "INSERT INTO conversations (id, token_hash, state, needs_resume, created_at, updated_at) "
                "VALUES ('c1', 'h', 'bot', 0, '2026-11-30 09:00:00', '2026-11-30 09:00:00')",
                "INSERT INTO cases (id, kind, status, reference, conversation_id, created_at) VALUES "
                "(7, 'chat', 'closed', 'HBG-2026-000007', 'c1', '2026-11-30 09:00:00'), "
                "(9, 'left_message', 'open', 'HBG-2026-000009', 'c1', '2026-11-30 09:00:00')",
                "INSERT INTO events (kind, created_at, case_id) VALUES ('queued', '2026-11-30 09:00:00', 7)",
            ):
                await connection.exec_driver_sql(statement)
        await migrate(engine)
        async with engine.begin() as connection:
            kept = (await connection.exec_driver_sql("SELECT id, reference FROM cases ORDER BY id")).all()
            assert [tuple(row) for row in kept] == [(7, "HBG-2026-000007"), (9, "HBG-2026-000009")]
            assert (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all() == []
            await connection.exec_driver_sql("DELETE FROM cases WHERE id = 9")
            await connection.exec_driver_sql(
                "INSERT INTO cases (kind, status, conversation_id, created_at) "
                "VALUES ('chat', 'queued', 'c1', '2026-12-01 09:00:00')"
            )
            newest = (await connection.exec_driver_sql("SELECT max(id) FROM cases")).scalar_one()
        assert newest == 10
    finally:
        await engine.dispose()


async def test_message_titles_are_added_to_existing_messages_and_removed_on_downgrade(tmp_path) -> None:
    """0010 adds the nullable messages.title: messages written before keep their text and have no title
    (they show their text, as before); a downgrade to 0009 drops the column and keeps the messages."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'router.db'}")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to, "0009")
            for statement in (
                "INSERT INTO conversations (id, token_hash, state, needs_resume, created_at, updated_at) "
                "VALUES ('c1', 'h', 'bot', 0, '2026-11-30 09:00:00', '2026-11-30 09:00:00')",
                "INSERT INTO messages (conversation_id, sender, text, created_at) "
                "VALUES ('c1', 'resident', '/human_handoff', '2026-11-30 09:00:00')",
            ):
                await connection.exec_driver_sql(statement)
        await migrate(engine)
        async with engine.begin() as connection:
            rows = (await connection.exec_driver_sql("SELECT text, title FROM messages")).all()
            assert [tuple(row) for row in rows] == [("/human_handoff", None)]
            await connection.exec_driver_sql("UPDATE messages SET title = 'Prata med en kommunvägledare'")
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade_to, "0009")
        async with engine.connect() as connection:
            columns = (await connection.exec_driver_sql("PRAGMA table_info(messages)")).all()
            assert "title" not in {column[1] for column in columns}
            assert (await connection.exec_driver_sql("SELECT text FROM messages")).scalar_one() == "/human_handoff"
    finally:
        await engine.dispose()
