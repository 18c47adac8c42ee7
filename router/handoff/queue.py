"""The chat queue: positions, wait estimates, and live queue updates to residents and consoles.

Wait estimate: minutes per place in the queue = the median wait (queued → claimed) of the last
`wait_sample_size` claimed chats, or `default_handling_minutes` from handoff.yml while there are none;
a resident at position p waits about p × that, rounded to whole minutes, at least 1.

Order: chats marked urgent (the safety net fired while the resident waited or chatted, see
router/chat/conversations.py) come first, then the rest; within each group, first queued first.
"""
from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router.core.clock import Clock
from router.core.db import SessionMaker
from router.handoff.config import HandoffConfig
from router.models import CASE_CLAIMED, CASE_QUEUED, CHAT, Agent, Case
from router.bus.pubsub import AGENTS_CHANNEL, PubSub, conversation_channel


class Queue:
    def __init__(self, maker: SessionMaker, pubsub: PubSub, clock: Clock, config: HandoffConfig) -> None:
        self._maker = maker
        self._pubsub = pubsub
        self._clock = clock
        self._config = config

    async def waiting(self, session: AsyncSession) -> list[Case]:
        """Queued chats, first in line first: urgent ones ahead of the others."""
        result = await session.exec(
            select(Case)
            .where(Case.kind == CHAT, Case.status == CASE_QUEUED)
            .order_by(col(Case.urgent_at).is_(None), col(Case.queued_at), col(Case.id))
        )
        return list(result.all())

    async def minutes_per_place(self, session: AsyncSession) -> float:
        result = await session.exec(
            select(Case.wait_seconds)
            .where(Case.kind == CHAT, col(Case.wait_seconds).is_not(None))
            .order_by(col(Case.claimed_at).desc())
            .limit(self._config.wait_sample_size)
        )
        waits = [seconds for seconds in result.all() if seconds is not None]
        if not waits:
            return self._config.default_handling_minutes
        return statistics.median(waits) / 60.0

    @staticmethod
    def wait_minutes(position: int, minutes_per_place: float) -> int:
        return max(1, round(position * minutes_per_place))

    async def place_of(self, session: AsyncSession, case_id: int) -> tuple[int, int] | None:
        """(position, wait_minutes) of a queued case, or None when it is not in the queue."""
        waiting = await self.waiting(session)
        for position, case in enumerate(waiting, start=1):
            if case.id == case_id:
                return position, self.wait_minutes(position, await self.minutes_per_place(session))
        return None

    async def snapshot(self, session: AsyncSession) -> dict[str, Any]:
        """The queue and the chats in progress, as the agent console shows them."""
        now = self._clock.now()
        per_place = await self.minutes_per_place(session)
        waiting = await self.waiting(session)
        active = await session.exec(
            select(Case, Agent)
            .join(Agent, col(Case.agent_id) == col(Agent.id))
            .where(Case.kind == CHAT, Case.status == CASE_CLAIMED)
            .order_by(col(Case.claimed_at))
        )
        return {
            "queue": [
                {
                    **_case_summary(case, now),
                    "position": position,
                    "wait_minutes": self.wait_minutes(position, per_place),
                }
                for position, case in enumerate(waiting, start=1)
            ],
            "active": [
                {**_case_summary(case, now), "agent": {"id": agent.id, "name": agent.display_name}}
                for case, agent in active.all()
            ],
        }

    async def publish(self) -> None:
        """Tell every waiting resident their place, and every console the new queue."""
        async with self._maker() as session:
            waiting = await self.waiting(session)
            per_place = await self.minutes_per_place(session)
            snapshot = await self.snapshot(session)
        for position, case in enumerate(waiting, start=1):
            await self._pubsub.publish(
                conversation_channel(case.conversation_id),
                {
                    "type": "queue",
                    "position": position,
                    "wait_minutes": self.wait_minutes(position, per_place),
                    "reference": case.reference,
                },
            )
        await self._pubsub.publish(AGENTS_CHANNEL, {"type": "queue", **snapshot})


def _case_summary(case: Case, now: datetime) -> dict[str, Any]:
    since = case.queued_at or case.created_at
    return {
        "id": case.id,
        "reference": case.reference,
        "conversation_id": case.conversation_id,
        "reason": case.reason,
        "topic": case.topic,
        "queued_at": since.isoformat(),
        "waited_minutes": max(0, int((now - since).total_seconds() // 60)),
        "urgent": case.urgent_at is not None,
        "urgent_at": case.urgent_at.isoformat() if case.urgent_at else None,
    }
