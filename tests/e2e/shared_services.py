"""Helpers for the fault tests: a fresh database on the machine's PostgreSQL and a key prefix on its Redis,
so that processes the tests start and kill share them as a scaled-out deployment does."""
from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg
import pytest

SHARED_POSTGRES = os.environ.get("ROUTER_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SHARED_REDIS = os.environ.get("ROUTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def shared_postgres_database() -> str:
    """A fresh database on the shared PostgreSQL server (skips when it cannot be reached)."""
    from sqlalchemy.engine import make_url

    admin_dsn = make_url(SHARED_POSTGRES).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = await asyncpg.connect(admin_dsn, timeout=3)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as error:
        pytest.skip(f"PostgreSQL not reachable at {SHARED_POSTGRES}: {error}")
    name = f"faults_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return make_url(SHARED_POSTGRES).set(database=name).render_as_string(hide_password=False)


async def drop_shared_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = await asyncpg.connect(
        make_url(SHARED_POSTGRES).set(drivername="postgresql").render_as_string(hide_password=False), timeout=3
    )
    await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    await admin.close()


async def shared_redis_url() -> str:
    from redis import asyncio as aioredis

    client = aioredis.Redis.from_url(SHARED_REDIS, socket_connect_timeout=2)
    try:
        await client.ping()
    except (aioredis.ConnectionError, OSError) as error:
        pytest.skip(f"Redis not reachable at {SHARED_REDIS}: {error}")
    finally:
        await client.aclose()
    separator = "&" if "?" in SHARED_REDIS else "?"
    return f"{SHARED_REDIS}{separator}key_prefix=faults-{uuid.uuid4().hex[:8]}:"
