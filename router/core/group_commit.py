"""Group commit: many callers' new rows stored in one transaction, one commit (one fsync) for all.

The relay between a resident and a kommunvägledare stores every message before it is forwarded, and each
store was a transaction of its own: on SQLite one writer at a time (router/core/one_writer.py), each
holding the writer across several round trips to the driver's thread and an fsync. Under load those turns
queue up behind each other and behind a busy event loop, and the relay took seconds (issue 17). Here one
task writes: it takes every row that arrived while the previous commit ran, inserts them together and
commits once, then tells each caller. The busier it gets, the more rows share a commit.

Durability is the same as a transaction per caller: `store` returns only after the commit of its rows, so
nothing is forwarded or acknowledged before it is on disk. A failed batch is retried one caller at a time,
so a bad row fails only its own caller.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from router.core.db import SessionMaker

log = logging.getLogger(__name__)

Batch = list[tuple[list[Any], asyncio.Future[None]]]


class GroupCommit:
    def __init__(self, maker: SessionMaker) -> None:
        self._maker = maker
        self._pending: Batch = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def store(self, rows: list[Any]) -> None:
        """Insert `rows` (new ORM objects) and return once they are committed; their ids are set then.
        Raises what the insert raised when it fails."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._run(), name="group-commit")
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append((rows, future))
        assert self._wake is not None
        self._wake.set()
        # Shielded: a caller that goes away (a closed socket) does not take its rows out of a batch.
        await asyncio.shield(future)

    async def close(self) -> None:
        """Commit what is pending, then stop the writer task."""
        if self._task is None:
            return
        task, self._task = self._task, None
        while self._pending:
            await self._commit(self._take())
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    def _take(self) -> Batch:
        batch, self._pending = self._pending, []
        return batch

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                await self._commit(self._take())

    async def _commit(self, batch: Batch) -> None:
        try:
            async with self._maker() as session:
                for rows, _ in batch:
                    session.add_all(rows)
                await session.commit()
        except Exception as error:
            if len(batch) > 1:
                log.warning("a group commit of %d writes failed (%s); committing them one by one", len(batch), error)
                for single in batch:
                    await self._commit([single])
                return
            _, future = batch[0]
            if not future.done():
                future.set_exception(error)
            return
        for _, future in batch:
            if not future.done():
                future.set_result(None)
