"""Handing a conversation to a kommunvägledare, and messages left for follow-up.

Decision (docs/architecture.md): already in the queue or with an agent → `already_queued`; closed →
`closed` with when it opens; open but closing within `closing_margin_minutes` → `closing_soon`;
no agent online → `no_agent`; otherwise a chat case is queued with a reference HBG-<year>-<id>,
where <id> is the case's database id (unique, shared with left messages), six digits or more.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router import texts
from router.core.clock import Clock
from router.core.db import SessionMaker
from router.errors import NotFound
from router.handoff.config import HandoffConfig
from router.hours.schedule import OpeningHours
from router.hours.swedish import format_opens_at
from router.models import (
    CASE_CLAIMED,
    CASE_QUEUED,
    CHAT,
    FOLLOW_UP_OPEN,
    LEFT_MESSAGE,
    QUEUED,
    Agent,
    Case,
    Conversation,
)
from router.bus.pubsub import AGENTS_CHANNEL, PubSub, conversation_channel
from router.handoff.queue import Queue
from router.transcript import add_event

QUEUED_OUTCOME, ALREADY_QUEUED, NO_AGENT, CLOSING_SOON, CLOSED_OUTCOME = (
    "queued",
    "already_queued",
    "no_agent",
    "closing_soon",
    "closed",
)


async def active_chat_case(session: AsyncSession, conversation_id: str) -> Case | None:
    """The conversation's chat case that is queued or claimed now, if any (at most one is)."""
    return (
        await session.exec(
            select(Case).where(
                Case.conversation_id == conversation_id,
                Case.kind == CHAT,
                col(Case.status).in_((CASE_QUEUED, CASE_CLAIMED)),
            )
        )
    ).first()


@dataclass(frozen=True)
class HandoffResult:
    outcome: str
    phone: str
    reference: str | None = None
    position: int | None = None
    wait_minutes: int | None = None
    opens_at: str | None = None
    opens_at_text: str | None = None
    closes_at: str | None = None
    # What the resident is told when the outcome is queued or already_queued (router/texts.py).
    text: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Handoff:
    def __init__(
        self,
        maker: SessionMaker,
        pubsub: PubSub,
        clock: Clock,
        hours: OpeningHours,
        config: HandoffConfig,
        queue: Queue,
    ) -> None:
        self._maker = maker
        self._pubsub = pubsub
        self._clock = clock
        self._hours = hours
        self._config = config
        self._queue = queue

    def _reference(self, case_id: int, now: datetime) -> str:
        return f"HBG-{self._hours.localize(now).year}-{case_id:06d}"

    async def request(self, conversation_id: str, reason: str, topic: str | None) -> HandoffResult:
        now = self._clock.now()
        phone = self._config.contact.phone
        async with self._maker() as session:
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFound("not_found")
            active = await active_chat_case(session, conversation_id)
            if active is not None:
                place = await self._queue.place_of(session, active.id) if active.status == CASE_QUEUED else None
                position, wait_minutes = place if place else (None, None)
                return HandoffResult(
                    ALREADY_QUEUED,
                    phone,
                    reference=active.reference,
                    position=position,
                    wait_minutes=wait_minutes,
                    closes_at=_iso(self._hours.closes_at(now)),
                    text=texts.in_queue(True, active.reference, position, wait_minutes)
                    if active.status == CASE_QUEUED
                    else texts.ALREADY_WITH_AGENT,
                )

            declined = await self._declined(session, now, phone)
            if declined is not None:
                add_event(
                    session, "handoff_declined", now, conversation_id=conversation_id,
                    data={"outcome": declined.outcome, "reason": reason, "topic": topic},
                )
                await session.commit()
                return declined

            case = Case(
                kind=CHAT, status=CASE_QUEUED, reason=reason, topic=topic,
                conversation_id=conversation_id, created_at=now, queued_at=now,
            )
            session.add(case)
            await session.flush()
            case.reference = self._reference(case.id, now)
            previous = conversation.state
            conversation.state = QUEUED
            conversation.updated_at = now
            add_event(
                session, "queued", now, conversation_id=conversation_id, case_id=case.id,
                data={"from": previous, "to": QUEUED, "reason": reason, "topic": topic},
            )
            await session.commit()
            place = await self._queue.place_of(session, case.id)
        await self._pubsub.publish(conversation_channel(conversation_id), {"type": "state", "state": QUEUED})
        await self._queue.publish()
        position, wait_minutes = place if place else (None, None)
        return HandoffResult(
            QUEUED_OUTCOME,
            phone,
            reference=case.reference,
            position=position,
            wait_minutes=wait_minutes,
            closes_at=_iso(self._hours.closes_at(now)),
            text=texts.in_queue(False, case.reference, position, wait_minutes),
        )

    async def _declined(self, session, now: datetime, phone: str) -> HandoffResult | None:
        """The outcome when no chat can be queued now, else None."""
        if not self._hours.is_open(now):
            opens_at = self._hours.next_open(now)
            return HandoffResult(
                CLOSED_OUTCOME,
                phone,
                opens_at=_iso(opens_at),
                opens_at_text=format_opens_at(opens_at, self._hours.timezone) if opens_at else None,
            )
        closes_at = self._hours.closes_at(now)
        if closes_at is not None and closes_at - now <= timedelta(minutes=self._config.closing_margin_minutes):
            return HandoffResult(CLOSING_SOON, phone, closes_at=_iso(closes_at))
        online = (
            await session.exec(select(func.count()).select_from(Agent).where(Agent.online, Agent.active))
        ).one()
        if online == 0:
            return HandoffResult(NO_AGENT, phone, closes_at=_iso(closes_at))
        return None

    async def leave_message(self, conversation_id: str, text: str, contact: str | None) -> str:
        """Store a message for follow-up by the contact center; returns its reference."""
        now = self._clock.now()
        async with self._maker() as session:
            if await session.get(Conversation, conversation_id) is None:
                raise NotFound("not_found")
            case = Case(
                kind=LEFT_MESSAGE, status=FOLLOW_UP_OPEN, text=text, contact=contact,
                conversation_id=conversation_id, created_at=now,
            )
            session.add(case)
            await session.flush()
            case.reference = self._reference(case.id, now)
            add_event(session, "message_left", now, conversation_id=conversation_id, case_id=case.id)
            await session.commit()
            reference = case.reference
        await self._pubsub.publish(AGENTS_CHANNEL, {"type": "follow_ups"})
        return reference


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
