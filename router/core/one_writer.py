"""One SQLite write transaction at a time in this process, in the order they asked for it.

SQLite lets one connection write at a time. A connection that wants to write while another does gets
SQLITE_BUSY, and the driver's busy handler sleeps and tries again in growing steps (up to 100 ms, 30 s
in all). Under load a waiting write loses that race again and again while later ones slip in, and a
resident waits seconds for an answer Rasa gave in milliseconds (issue 17). So each session of the
router queues for one asyncio lock before its first write and gives it back when its transaction ends:
the next write starts the moment the last one committed, in arrival order, and the busy handler is left
waiting only for another process (a CLI command). Reads take no lock: in WAL mode they never wait.

Durability is unchanged: every commit still syncs the WAL (`synchronous=FULL`) before the caller goes on.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, SessionTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.util import await_only
from sqlmodel import Session

from router.core.timings import WRITER_HOLD, WRITER_WAIT, StageTimings

HOLDS_WRITER = "holds_sqlite_writer"
TAKEN_AT = "sqlite_writer_taken_at"


class OneWriter:
    """`timings` (optional) records how long each write transaction waited for its turn and held it."""

    def __init__(self, timings: StageTimings | None = None) -> None:
        self._lock = asyncio.Lock()
        self._timings = timings

    def session_class(self) -> type[Session]:
        """A Session class whose write transactions take turns on this writer."""

        class OneWriterSession(Session):
            pass

        event.listen(OneWriterSession, "before_flush", self._before_flush)
        event.listen(OneWriterSession, "do_orm_execute", self._before_execute)
        event.listen(OneWriterSession, "after_transaction_end", self._after_transaction_end)
        return OneWriterSession

    def _take(self, session: OrmSession) -> None:
        if session.info.get(HOLDS_WRITER):
            return
        # The connection first: a session waiting for the writer holds one, so the session holding the
        # writer must never wait for a connection (with all of the pool waiting for it, it would wait forever).
        session.connection()
        asked = time.perf_counter()
        await_only(self._lock.acquire())  # runs inside the AsyncSession's greenlet
        session.info[HOLDS_WRITER] = True
        session.info[TAKEN_AT] = taken = time.perf_counter()
        if self._timings is not None:
            self._timings.record(WRITER_WAIT, taken - asked)

    def _before_flush(self, session: OrmSession, flush_context: Any, instances: Any) -> None:
        self._take(session)

    def _before_execute(self, state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            self._take(state.session)

    def _after_transaction_end(self, session: OrmSession, transaction: SessionTransaction) -> None:
        if transaction.parent is None and session.info.pop(HOLDS_WRITER, False):
            self._lock.release()
            taken = session.info.pop(TAKEN_AT)
            if self._timings is not None:
                self._timings.record(WRITER_HOLD, time.perf_counter() - taken)
