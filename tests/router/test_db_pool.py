"""A PostgreSQL connection from the router's pool (router/core/db.py) is pinged before use only when it sat
idle: one the server dropped while it was idle is replaced without the caller noticing (issue 17 took the
ping off every checkout, three round trips each)."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from router.core import db
from router.core.db import create_engine

pytestmark = pytest.mark.asyncio


async def _backend_pid(engine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()


async def _terminate(url: str, pid: int) -> None:
    other = create_engine(url)
    try:
        async with other.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await other.dispose()


async def test_a_connection_dropped_while_idle_is_replaced(postgres_database, monkeypatch) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # every pooled connection counts as idle
    engine = create_engine(postgres_database)
    try:
        dropped = await _backend_pid(engine)
        await _terminate(postgres_database, dropped)
        assert await _backend_pid(engine) != dropped  # the ping failed, the pool connected anew
    finally:
        await engine.dispose()


async def test_a_connection_used_a_moment_ago_is_not_pinged(postgres_database, monkeypatch) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    engine = create_engine(postgres_database)
    try:
        await _terminate(postgres_database, await _backend_pid(engine))
        with pytest.raises(DBAPIError):  # no ping: the statement meets the dropped connection (a 503)
            await _backend_pid(engine)
        assert await _backend_pid(engine) > 0  # and the pool recovers at once
    finally:
        await engine.dispose()
