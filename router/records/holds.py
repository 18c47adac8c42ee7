"""Holds: a case that must not be deleted, e.g. while a request for a public record
(begäran om allmän handling) is handled. Agents place holds; only administrators release them."""
from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router.core.clock import Clock
from router.core.db import SessionMaker
from router.errors import BadInput, Conflict, NotFound
from router.models import Agent, Case
from router.records.models import DeletedCase, Hold
from router.records.record import deleted_message, local_iso
from router.transcript import add_event

MAX_REASON_LENGTH = 500


def hold_json(hold: Hold | None) -> dict[str, Any]:
    if hold is None:
        return {"on_hold": False, "hold": None}
    return {
        "on_hold": hold.released_at is None,
        "hold": {
            "id": hold.id,
            "case_id": hold.case_id,
            "reason": hold.reason,
            "placed_by": hold.placed_by,
            "placed_at": local_iso(hold.placed_at),
            "released_by": hold.released_by,
            "released_at": local_iso(hold.released_at),
        },
    }


def hold_reason(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadInput("invalid_reason", "Skriv varför ärendet ska spärras, t.ex. \"Begäran om allmän handling\".")
    if len(value.strip()) > MAX_REASON_LENGTH:
        raise BadInput("invalid_reason", f"Anledningen får vara högst {MAX_REASON_LENGTH} tecken.")
    return value.strip()


async def active_hold(session: AsyncSession, case_id: int) -> Hold | None:
    return (
        await session.exec(select(Hold).where(Hold.case_id == case_id, col(Hold.released_at).is_(None)))
    ).first()


async def _existing_case(session: AsyncSession, case_id: int) -> Case:
    case = await session.get(Case, case_id)
    if case is not None:
        return case
    deleted = await session.get(DeletedCase, case_id)
    if deleted is not None:
        raise Conflict("case_deleted", deleted_message(deleted) + " Det kan inte spärras.")
    raise NotFound("case_not_found", "Ärendet finns inte.")


class Holds:
    def __init__(self, maker: SessionMaker, clock: Clock) -> None:
        self._maker = maker
        self._clock = clock

    async def current(self, case_id: int) -> dict[str, Any]:
        async with self._maker() as session:
            await _existing_case(session, case_id)
            return hold_json(await active_hold(session, case_id))

    async def place(self, case_id: int, agent: Agent, reason: str) -> dict[str, Any]:
        now = self._clock.now()
        async with self._maker() as session:
            case = await _existing_case(session, case_id)
            if await active_hold(session, case_id) is not None:
                raise Conflict("already_on_hold", "Ärendet är redan spärrat mot gallring.")
            hold = Hold(case_id=case_id, reason=reason, placed_by=agent.id, placed_at=now)
            session.add(hold)
            add_event(session, "hold_placed", now, conversation_id=case.conversation_id, case_id=case_id, agent_id=agent.id)
            await session.commit()
        return hold_json(hold)

    async def release(self, case_id: int, agent: Agent) -> dict[str, Any]:
        now = self._clock.now()
        async with self._maker() as session:
            case = await _existing_case(session, case_id)
            held = (
                await session.exec(select(Hold).where(Hold.case_id == case_id, col(Hold.released_at).is_(None)))
            ).all()
            if not held:
                raise Conflict("not_on_hold", "Ärendet är inte spärrat mot gallring.")
            for hold in held:  # two agents may have placed one at the same moment
                hold.released_by = agent.id
                hold.released_at = now
            add_event(
                session, "hold_released", now, conversation_id=case.conversation_id, case_id=case_id, agent_id=agent.id
            )
            await session.commit()
        return hold_json(hold)
