"""The administration's audit log: who changed, trained, deployed or rolled back what, and when."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select

from router.admin.models import AuditEntry
from router.core.db import SessionMaker


class AuditLog:
    def __init__(self, maker: SessionMaker, now: Any) -> None:
        self._maker = maker
        self._now = now  # a callable returning an aware datetime

    async def record(self, actor: str, action: str, target: str | None = None, **details: Any) -> None:
        async with self._maker() as session:
            session.add(AuditEntry(actor=actor, action=action, target=target, details=details or None,
                                   created_at=self._now()))
            await session.commit()

    async def entries(
        self, limit: int = 200, action: str | None = None, actor: str | None = None,
        since: datetime | None = None, until: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first; `since` inclusive, `until` exclusive."""
        query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
        if action:
            query = query.where(AuditEntry.action == action)
        if actor:
            query = query.where(AuditEntry.actor == actor)
        if since is not None:
            query = query.where(AuditEntry.created_at >= since)
        if until is not None:
            query = query.where(AuditEntry.created_at < until)
        async with self._maker() as session:
            rows = (await session.exec(query)).all()
        return [
            {"id": row.id, "actor": row.actor, "action": row.action, "target": row.target,
             "details": row.details or {}, "at": _iso(row.created_at)}
            for row in rows
        ]


    async def choices(self) -> tuple[list[str], list[str]]:
        """The people and the actions that occur in the log, for the filters."""
        async with self._maker() as session:
            actors = (await session.exec(select(AuditEntry.actor).distinct())).all()
            actions = (await session.exec(select(AuditEntry.action).distinct())).all()
        return sorted(actors), sorted(actions)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
