"""SQLAlchemy's aiosqlite driver with one trip to the connection's thread per statement.

aiosqlite runs every sqlite3 call in the connection's own thread and wakes the event loop with the result.
SQLAlchemy's adapter makes four such trips for a statement (make a cursor, execute, fetch the rows, close
the cursor) and one for every commit and rollback, also when there is nothing to roll back (the pool rolls
back every connection it gets back). Each trip wakes that thread and then the event loop and resumes the
request's whole chain of coroutines: about 25 trips for a resident's message, a sizeable part of the
router's CPU per message (issue 17). Here a statement is one trip (the cursor is made, executed, read and
closed in the thread in one go), and a commit or rollback without a transaction open is none: sqlite3
would do nothing with it.

Underneath, sqlite3 does exactly what it did: the same statements on the same connection, the same
transactions (its implicit BEGIN before a write), every commit synced to disk (`synchronous=FULL`).
Only the number of hand-overs between the threads changes.
"""
from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

# What a statement leaves behind: the cursor's description, its rows, rowcount and lastrowid.
Outcome = tuple[Any, list[Any], int, int | None]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """One statement, in the connection's thread, start to end."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor that has no aiosqlite cursor of its own: each statement runs in one trip (`_run`) and
    leaves its rows here, as SQLAlchemy's cursor keeps them after fetching them all."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:  # no trip for a cursor
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._rows = collections.deque()
        self._soft_closed_memoized = EMPTY_DICT
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._one_trip(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._one_trip(operation, seq_of_parameters, many=True)

    def _one_trip(self, operation: Any, parameters: Any, many: bool) -> None:
        try:
            outcome = await_(self._run_async(operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _run_async(self, operation: Any, parameters: Any, many: bool) -> Outcome:
        async with self._adapt_connection._execute_mutex:
            connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
            return await connection._execute(_run, connection._conn, operation, parameters, many)  # type: ignore[no-any-return]

    async def _async_soft_close(self) -> None:
        """Nothing to close: the statement's cursor was closed in its trip."""

    def close(self) -> None:
        self._rows.clear()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def _in_transaction(self) -> bool:
        # Read from the event loop's thread: SQLAlchemy runs one operation on a connection at a time, so its
        # thread is idle now (the engine opens file databases with check_same_thread=False).
        connection = self._connection._connection  # type: ignore[attr-defined]
        return connection is not None and bool(connection.in_transaction)

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module for `create_async_engine(..., module=one_trip_dbapi())`."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
