"""Gallring: deleting what the retention decision (settings/retention.yml) says is due.

A conversation is deleted, with every row that refers to it (messages, cases, internal notes,
feedback, its audit events, released holds …), when every part of it is due:
- the conversation itself: its last message (or state change) is older than `bot_conversation` days;
- each chat case: closed or cancelled more than `chat_case` days ago (an open chat is never due);
- each left message: marked as handled more than `left_message` days ago (an open one is never due);
- and none of its cases has an active hold.
The newest case is deleted like any other when due: a case id, and so a reference HBG-<year>-<id>, is
never given twice (AUTOINCREMENT on SQLite, a sequence on PostgreSQL; migration 0006).

Every run is written to the audit table (events, kind "retention") and the log with counts and case
references only, never content; deleted cases are listed in `deleted_cases`. A dry run deletes nothing
and reports what a run would delete.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router.core.clock import Clock
from router.core.db import SessionMaker
from router.models import (
    CASE_CANCELLED,
    CASE_CLOSED,
    CHAT,
    FOLLOW_UP_DONE,
    LEFT_MESSAGE,
    Case,
    Conversation,
    Message,
)
from router.records.models import DeletedCase, Hold, RetentionRun
from router.records.retention_config import RetentionConfig
from router.transcript import add_event

log = logging.getLogger(__name__)

CHUNK = 500
MANUAL, SCHEDULED = "manual", "scheduled"


@dataclass
class RetentionResult:
    dry_run: bool
    at: datetime
    records: dict[str, int] = field(default_factory=lambda: {"bot_conversation": 0, "chat_case": 0, "left_message": 0})
    rows: dict[str, int] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "at": self.at.isoformat(),
            "records": self.records,
            "rows": self.rows,
            "references": self.references,
        }


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _ended(case: Case) -> datetime:
    return case.closed_at or case.created_at


class Retention:
    def __init__(self, maker: SessionMaker, clock: Clock, config: RetentionConfig) -> None:
        self._maker = maker
        self._clock = clock
        self._config = config

    def _case_due(self, case: Case, now: datetime) -> bool:
        if case.kind == CHAT:
            period = timedelta(days=self._config.chat_case_days)
            return case.status in (CASE_CLOSED, CASE_CANCELLED) and _ended(case) <= now - period
        if case.kind == LEFT_MESSAGE:
            period = timedelta(days=self._config.left_message_days)
            return case.status == FOLLOW_UP_DONE and _ended(case) <= now - period
        return False

    async def _due(self, session: AsyncSession, now: datetime) -> tuple[list[str], list[Case]]:
        """The conversations that are due as a whole, and their cases."""
        quiet_since = now - timedelta(days=self._config.bot_conversation_days)
        newer_message = (
            select(Message.id)
            .where(Message.conversation_id == Conversation.id, col(Message.created_at) > quiet_since)
            .exists()
        )
        candidates = (
            await session.exec(
                select(Conversation.id).where(col(Conversation.updated_at) <= quiet_since, ~newer_message)
            )
        ).all()
        cases: dict[str, list[Case]] = defaultdict(list)
        held: set[int] = set()
        for chunk in _chunks(candidates):
            for case in (await session.exec(select(Case).where(col(Case.conversation_id).in_(chunk)))).all():
                cases[case.conversation_id].append(case)
            case_ids = [case.id for conversation_id in chunk for case in cases[conversation_id]]
            for ids in _chunks(case_ids):
                held.update(
                    (await session.exec(
                        select(Hold.case_id).where(col(Hold.case_id).in_(ids), col(Hold.released_at).is_(None))
                    )).all()
                )
        due, due_cases = [], []
        for conversation_id in candidates:
            own = cases[conversation_id]
            if all(
                self._case_due(case, now) and case.id not in held for case in own
            ):
                due.append(conversation_id)
                due_cases.extend(own)
        return due, due_cases

    async def run(self, *, dry_run: bool = False, trigger: str = MANUAL) -> RetentionResult:
        now = self._clock.now()
        result = RetentionResult(dry_run=dry_run, at=now)
        async with self._maker() as session:
            conversations, cases = await self._due(session, now)
            doomed: dict[sa.Table, set[Any]] = defaultdict(set)
            await _collect(session, SQLModel.metadata.tables[Conversation.__tablename__], set(conversations), doomed)
            result.rows = {table.name: len(ids) for table, ids in doomed.items() if ids}
            with_cases = {case.conversation_id for case in cases}
            result.records["bot_conversation"] = sum(1 for c in conversations if c not in with_cases)
            result.records["chat_case"] = sum(1 for case in cases if case.kind == CHAT)
            result.records["left_message"] = sum(1 for case in cases if case.kind == LEFT_MESSAGE)
            result.references = sorted(case.reference for case in cases if case.reference)
            if dry_run:
                await session.rollback()
            else:
                for table in reversed(SQLModel.metadata.sorted_tables):
                    for ids in _chunks(doomed.get(table, ())):
                        await session.exec(sa.delete(table).where(_primary_key(table).in_(ids)))
                for case in cases:
                    session.add(DeletedCase(case_id=case.id, reference=case.reference, kind=case.kind, deleted_at=now))
                add_event(session, "retention", now, data={"trigger": trigger, **_summary(result)})
                await session.commit()
        log.info(
            "retention %s (%s): %s; records %s; rows %s; references %s",
            "dry run" if dry_run else "run", trigger, "would delete" if dry_run else "deleted",
            result.records, result.rows, ", ".join(result.references) or "none",
        )
        return result

    async def claim_scheduled_run(self, scheduled_for: datetime) -> bool:
        """Claim the run scheduled for this moment; False when another router process already has."""
        async with self._maker() as session:
            session.add(RetentionRun(scheduled_for=scheduled_for, started_at=self._clock.now()))
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()
                return False
        return True


def _summary(result: RetentionResult) -> dict[str, Any]:
    return {"records": result.records, "rows": result.rows, "references": result.references}


def _primary_key(table: sa.Table) -> sa.Column:
    columns = list(table.primary_key.columns)
    if len(columns) != 1:
        raise RuntimeError(f"retention cannot delete from {table.name}: it needs a single-column primary key")
    return columns[0]


async def _collect(session: AsyncSession, table: sa.Table, ids: set[Any], doomed: dict[sa.Table, set[Any]]) -> None:
    """Add `ids` of `table`, and every row that refers to them (recursively), to `doomed`."""
    new = ids - doomed[table]
    if not new:
        return
    doomed[table] |= new
    for child in SQLModel.metadata.sorted_tables:
        for foreign_key in child.foreign_keys:
            if foreign_key.column.table is not table:
                continue
            for chunk in _chunks(new):
                rows = await session.exec(select(_primary_key(child)).where(foreign_key.parent.in_(chunk)))
                await _collect(session, child, set(rows.all()), doomed)
