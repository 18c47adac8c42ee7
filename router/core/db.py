"""The async database engine, sessions, and schema migrations (Alembic, run at startup)."""
from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.private_files import PRIVATE_DIR_MODE, close_readable
from router.core.config import PROJECT_ROOT
from router.core.one_writer import OneWriter
from router.core.sqlite_driver import one_trip_dbapi
from router.core.timings import StageTimings

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"

SessionMaker = async_sessionmaker[AsyncSession]


def create_engine(database_url: str, pool_size: int = 5, max_overflow: int = 10) -> AsyncEngine:
    """An async engine; for a SQLite file its folder is created (0700), the file kept 0600, and WAL +
    foreign keys are switched on, with `synchronous=FULL`: every commit syncs the WAL to disk, so a
    message the router acknowledged survives a crash of the router or the machine.
    `pool_size` and `max_overflow` size a server database's connection pool."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        _ping_when_idle(engine)
        return engine
    if url.database and url.database != ":memory:":
        # A new folder is 0700; a file an earlier version created readable (0644) is closed to others.
        Path(url.database).parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        close_readable(Path(url.database))
    # One trip to the driver's thread per statement (router/core/sqlite_driver.py).
    engine = create_async_engine(url, connect_args={"timeout": 30}, module=one_trip_dbapi())

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


# A server database's connection is pinged before use only when it sat in the pool this long. SQLAlchemy's
# pool_pre_ping pinged at every checkout, three round trips (BEGIN, a query, ROLLBACK) for each session: six
# per resident message (issue 17). A connection used within the last second is taken to be alive; if the
# server went away since, the statement fails (503, and SQLAlchemy drops the pool's connections) as it
# would have a moment after a ping.
PING_AFTER_IDLE_SECONDS = 1.0
_IDLE_SINCE = "idle_since"


def _ping_when_idle(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # just connected, or used a moment ago
        try:
            sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool drops this connection and connects anew
            raise DisconnectionError(f"ping failed: {error!r}") from error


def create_session_maker(engine: AsyncEngine, timings: StageTimings | None = None) -> SessionMaker:
    """Sessions on `engine`; on SQLite their writes take turns (router/core/one_writer.py), timed in `timings`."""
    if engine.dialect.name != "sqlite":
        return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    return async_sessionmaker(
        engine, class_=AsyncSession, sync_session_class=OneWriter(timings).session_class(), expire_on_commit=False
    )


def alembic_config() -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(PROJECT_ROOT / "router" / "migrations"))
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


@functools.cache
def _head_revision() -> str | None:
    """The newest revision of the migration scripts, read once per process."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest Alembic revision over the given engine. A database already there costs
    one query: Alembic's upgrade would load every migration script again to find there is nothing to do (a
    fifth of the setup of each of the ~1 000 router tests, and of every router start)."""
    async with engine.begin() as connection:
        if await connection.run_sync(_current_revision) == _head_revision():
            return
        await connection.run_sync(_upgrade)
