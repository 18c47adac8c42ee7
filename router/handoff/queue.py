"""The chat queue: positions, wait estimates, and live queue updates to residents and consoles.

Wait estimate: minutes per place in the queue = the median wait (queued → claimed) of the last
`wait_sample_size` claimed chats, or `default_handling_minutes` from handoff.yml while there are none;
a resident at position p waits about p × that, rounded to whole minutes, at least 1. While a chat waits,
its estimate only moves in the right direction (issue 13: "nummer 2, cirka 10 minuter" then "nummer 3,
cirka 1 minut" was confusing): the moment it should be answered is kept and only moved earlier, and the
minutes shown count down to it (at least 1). The moments are kept in the process (a restart starts over).

Console rows carry the resident's last message, masked (router/privacy/masking.py: the queue is glanced at
by everyone at the desk, the full text is one click away in the case), the topic in Swedish (handoff.yml
`topics`) and the colour thresholds for the waiting time (`queue_wait_colours`).

Order: chats marked urgent (the safety net fired while the resident waited or chatted, see
router/chat/conversations.py) come first, then the rest; within each group, first queued first.
"""
from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router.core.clock import Clock
from router.core.db import SessionMaker
from router.bus.pubsub import AGENTS_CHANNEL, PubSub, conversation_channel
from router.handoff.config import HandoffConfig
from router.models import CASE_CLAIMED, CASE_QUEUED, CHAT, RESIDENT, Agent, Case, Message
from router.privacy.masking import mask
from router.transcript import shown_text


class Queue:
    def __init__(self, maker: SessionMaker, pubsub: PubSub, clock: Clock, config: HandoffConfig) -> None:
        self._maker = maker
        self._pubsub = pubsub
        self._clock = clock
        self._config = config
        self._expected_at: dict[int, datetime] = {}  # queued case id -> when it should be answered

    def _estimate(self, case_id: int | None, position: int, minutes_per_place: float, now: datetime) -> int:
        """Minutes left for a waiting chat: never more than the last estimate minus the time since."""
        expected = now + timedelta(minutes=self.wait_minutes(position, minutes_per_place))
        if case_id is None:
            return self.wait_minutes(position, minutes_per_place)
        promised = self._expected_at.get(case_id)
        if promised is not None and promised < expected:
            expected = promised
        self._expected_at[case_id] = expected
        return max(1, math.ceil((expected - now).total_seconds() / 60))

    def _forget_answered(self, waiting: list[Case]) -> None:
        still = {case.id for case in waiting}
        for case_id in [case_id for case_id in self._expected_at if case_id not in still]:
            del self._expected_at[case_id]

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
                per_place = await self.minutes_per_place(session)
                return position, self._estimate(case.id, position, per_place, self._clock.now())
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
        active_rows = list(active.all())
        last = await _last_resident_messages(
            session, [case.conversation_id for case in waiting] + [case.conversation_id for case, _ in active_rows]
        )

        def summary(case: Case) -> dict[str, Any]:
            return {
                **_case_summary(case, now),
                "topic_text": self._config.topic_text(case.topic),
                "last_message": last.get(case.conversation_id),
            }

        return {
            "wait_colours": {
                "amber_after_minutes": self._config.wait_warn_minutes,
                "red_after_minutes": self._config.wait_late_minutes,
            },
            "queue": [
                {
                    **summary(case),
                    "position": position,
                    "wait_minutes": self._estimate(case.id, position, per_place, now),
                }
                for position, case in enumerate(waiting, start=1)
            ],
            "active": [
                {**summary(case), "agent": {"id": agent.id, "name": agent.display_name}}
                for case, agent in active_rows
            ],
        }

    async def publish(self) -> None:
        """Tell every waiting resident their place, and every console the new queue."""
        async with self._maker() as session:
            waiting = await self.waiting(session)
            per_place = await self.minutes_per_place(session)
            snapshot = await self.snapshot(session)
        self._forget_answered(waiting)
        now = self._clock.now()
        for position, case in enumerate(waiting, start=1):
            await self._pubsub.publish(
                conversation_channel(case.conversation_id),
                {
                    "type": "queue",
                    "position": position,
                    "wait_minutes": self._estimate(case.id, position, per_place, now),
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


async def _last_resident_messages(session: AsyncSession, conversation_ids: list[str]) -> dict[str, str]:
    """Each conversation's latest resident message, masked, in one query."""
    if not conversation_ids:
        return {}
    latest = (
        select(func.max(Message.id))
        .where(col(Message.conversation_id).in_(conversation_ids), Message.sender == RESIDENT)
        .group_by(col(Message.conversation_id))
    )
    rows = await session.exec(select(Message).where(col(Message.id).in_(latest)))
    return {message.conversation_id: mask(shown_text(message)) for message in rows.all()}
