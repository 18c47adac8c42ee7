"""Finding conversations and cases for the agent console: by reference, date range, category, kind
or text (SQL LIKE over what was written, with the wildcards % and _ taken literally).

One result per case; a conversation that never became a case is one result of kind "bot".
Newest first, paginated with `limit` and `offset`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping

from sqlmodel import and_, col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router.errors import BadInput
from router.models import CHAT, LEFT_MESSAGE, Case, Conversation, Message
from router.records.models import Hold
from router.records.record import CONVERSATION_KIND, KIND_TEXTS, STATE_TEXTS, STATUS_TEXTS, TIMEZONE, local_iso

KINDS = (CHAT, LEFT_MESSAGE, CONVERSATION_KIND)
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
MAX_TEXT_LENGTH = 200
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REFERENCE = re.compile(r"^(HBG-\d{4})-(\d{1,6})$", re.IGNORECASE)


@dataclass(frozen=True)
class SearchQuery:
    text: str | None = None
    reference: str | None = None
    start: date | None = None
    end: date | None = None
    category: str | None = None
    kind: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def _date(params: Mapping[str, str], name: str) -> date | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        if _DATE.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise BadInput("invalid_date", f"Datumet i {name} ska skrivas ÅÅÅÅ-MM-DD, till exempel 2026-11-30.")


def _whole(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = params.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise BadInput("invalid_field", f"{name} ska vara ett heltal från {low} till {high}.")
    return int(value)


def _text(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name, "").strip()
    if len(value) > MAX_TEXT_LENGTH:
        raise BadInput("invalid_field", f"Sökningen i {name} får vara högst {MAX_TEXT_LENGTH} tecken.")
    return value or None


def parse_query(params: Mapping[str, str]) -> SearchQuery:
    """The search from URL parameters q, reference, from, to, category, kind, limit, offset."""
    kind = _text(params, "kind")
    if kind is not None and kind not in KINDS:
        raise BadInput("invalid_kind", f"kind ska vara en av {', '.join(KINDS)}.")
    start, end = _date(params, "from"), _date(params, "to")
    if start and end and start > end:
        raise BadInput("invalid_date", "Datumet i from ska vara samma dag som eller före datumet i to.")
    return SearchQuery(
        text=_text(params, "q"),
        reference=_text(params, "reference"),
        start=start,
        end=end,
        category=_text(params, "category"),
        kind=kind,
        limit=_whole(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=_whole(params, "offset", 0, 0, 1_000_000),
    )


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with LIKE's own wildcards escaped (escape character \\)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _padded(reference: str) -> str:
    """HBG-2026-123 as it is stored, HBG-2026-000123; anything else as typed."""
    match = _REFERENCE.match(reference)
    return f"{match.group(1).upper()}-{int(match.group(2)):06d}" if match else reference


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=TIMEZONE)


def _within(created: Any, query: SearchQuery) -> list[Any]:
    """`created` on or after the first day and before the end of the last day, Swedish time."""
    bounds = []
    if query.start:
        bounds.append(created >= _day_start(query.start))
    if query.end:
        bounds.append(created < _day_start(query.end + timedelta(days=1)))
    return bounds


def _conditions(query: SearchQuery) -> list[Any]:
    conditions: list[Any] = []
    if query.kind == CONVERSATION_KIND:
        conditions.append(col(Case.id).is_(None))
    elif query.kind:
        conditions.append(Case.kind == query.kind)
    if query.reference:
        conditions.append(col(Case.reference).ilike(_like(_padded(query.reference)), escape="\\"))
    if query.category:
        conditions.append(Case.category == query.category)
    if query.start or query.end:
        conditions.append(or_(
            and_(col(Case.id).is_not(None), *_within(col(Case.created_at), query)),
            and_(col(Case.id).is_(None), *_within(col(Conversation.created_at), query)),
        ))
    if query.text:
        pattern = _like(query.text)
        written = (
            select(Message.id)
            .where(
                Message.conversation_id == Conversation.id,
                # A tapped button is found by the title people read, not only by its payload.
                or_(col(Message.text).ilike(pattern, escape="\\"), col(Message.title).ilike(pattern, escape="\\")),
            )
            .exists()
        )
        conditions.append(or_(written, col(Case.text).ilike(pattern, escape="\\")))
    return conditions


async def search(session: AsyncSession, query: SearchQuery) -> dict[str, Any]:
    joined = select(Conversation, Case).outerjoin(Case, col(Case.conversation_id) == col(Conversation.id))
    conditions = _conditions(query)
    if conditions:
        joined = joined.where(*conditions)
    total = (await session.exec(select(func.count()).select_from(joined.subquery()))).one()
    newest_first = func.coalesce(col(Case.created_at), col(Conversation.created_at)).desc()
    rows = (
        await session.exec(
            joined.order_by(newest_first, col(Conversation.id), col(Case.id)).limit(query.limit).offset(query.offset)
        )
    ).all()
    case_ids = [case.id for _, case in rows if case is not None]
    held = set()
    if case_ids:
        held = set((await session.exec(
            select(Hold.case_id).where(col(Hold.case_id).in_(case_ids), col(Hold.released_at).is_(None))
        )).all())
    return {
        "total": total,
        "limit": query.limit,
        "offset": query.offset,
        "results": [_result(conversation, case, held) for conversation, case in rows],
    }


def _result(conversation: Conversation, case: Case | None, held: set[int]) -> dict[str, Any]:
    if case is None:
        return {
            "type": "conversation",
            "case_id": None,
            "reference": None,
            "kind": CONVERSATION_KIND,
            "kind_text": KIND_TEXTS[CONVERSATION_KIND],
            "status": conversation.state,
            "status_text": STATE_TEXTS.get(conversation.state, conversation.state),
            "category": None,
            "conversation_id": conversation.id,
            "created_at": local_iso(conversation.created_at),
            "on_hold": False,
            "export": f"/api/agent/conversations/{conversation.id}/export",
        }
    return {
        "type": "case",
        "case_id": case.id,
        "reference": case.reference,
        "kind": case.kind,
        "kind_text": KIND_TEXTS.get(case.kind, case.kind),
        "status": case.status,
        "status_text": STATUS_TEXTS.get(case.status, case.status),
        "category": case.category,
        "conversation_id": conversation.id,
        "created_at": local_iso(case.created_at),
        "on_hold": case.id in held,
        "export": f"/api/agent/cases/{case.id}/export",
    }
