"""A case or conversation as a record a registrar can file: what the resident, the bot and the
agents wrote, exactly as written (the record is the public document), with the internal notes marked.

`load_record` gives one JSON-ready dict; router/records/html.py and pdf.py print the same dict.
Times are ISO 8601 in Swedish time (Europe/Stockholm).
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router.errors import NotFound
from router.models import AGENT_SENDER, Agent, Case, Conversation, Message, Note
from router.records.models import DeletedCase, Hold
from router.transcript import shown_text

TIMEZONE = ZoneInfo("Europe/Stockholm")
ORGANISATION = "Helsingborgs stad – Helsingborg kontaktcenter"
NOTE_LABEL = "Intern anteckning"
CONVERSATION_KIND = "bot"
_REFERENCE = re.compile(r"^HBG-\d{4}-\d{6,}$", re.IGNORECASE)
_CONVERSATION_ID = re.compile(r"^[0-9a-f]{32}$")

KIND_TEXTS = {
    "chat": "Chatt med kommunvägledare",
    "message": "Lämnat meddelande till kontaktcenter",
    CONVERSATION_KIND: "Chatt med chattroboten (inget ärende)",
}
STATUS_TEXTS = {
    "queued": "Väntar i kön",
    "claimed": "Pågår",
    "closed": "Avslutad",
    "cancelled": "Avbruten – invånaren lämnade kön",
    "open": "Att hantera",
    "done": "Hanterad",
}
STATE_TEXTS = {
    "bot": "Chattroboten svarar",
    "queued": "Väntar på kommunvägledare",
    "agent": "Pågår med kommunvägledare",
    "closed": "Avslutad",
}
REASON_TEXTS = {
    "requested": "Invånaren bad att få chatta med en person",
    "fallback": "Chattroboten förstod inte frågan",
    "topic": "Ämnet hanteras av kontaktcenter",
}
SENDER_TEXTS = {"resident": "Invånare", "bot": "Chattrobot", "agent": "Kommunvägledare", "system": "System"}


def local_iso(moment: datetime | None) -> str | None:
    return moment.astimezone(TIMEZONE).isoformat() if moment else None


def is_reference(text: str) -> bool:
    return bool(_REFERENCE.match(text))


def deleted_message(deleted: DeletedCase) -> str:
    day = deleted.deleted_at.astimezone(TIMEZONE).date().isoformat()
    return f"Ärendet {deleted.reference or deleted.case_id} gallrades {day} enligt beslut om gallring och finns inte längre."


async def _missing(session: AsyncSession, query: Any, unknown: str) -> NotFound:
    """404 for a case that is not there: 'case_deleted' (saying when) if retention deleted it."""
    deleted = (await session.exec(query)).first()
    if deleted is None:
        return NotFound("case_not_found", unknown)
    return NotFound("case_deleted", deleted_message(deleted))


async def find_case_id(session: AsyncSession, reference: str) -> int:
    reference = reference.upper()
    case = (await session.exec(select(Case).where(Case.reference == reference))).first()
    if case is None:
        raise await _missing(
            session, select(DeletedCase).where(DeletedCase.reference == reference),
            f"Det finns inget ärende med nummer {reference}.",
        )
    return case.id


async def load_case_record(
    session: AsyncSession, case_id: int, now: datetime, exported_by: str | None
) -> dict[str, Any]:
    case = await session.get(Case, case_id)
    if case is None:
        raise await _missing(session, select(DeletedCase).where(DeletedCase.case_id == case_id), "Ärendet finns inte.")
    conversation = await session.get(Conversation, case.conversation_id)
    agent = await session.get(Agent, case.agent_id) if case.agent_id else None
    record = await _conversation_part(session, conversation, now, exported_by)
    others = await session.exec(
        select(Case.reference)
        .where(Case.conversation_id == case.conversation_id, col(Case.id) != case.id)
        .order_by(col(Case.id))
    )
    record.update(
        record="case",
        case_id=case.id,
        reference=case.reference,
        kind=case.kind,
        kind_text=KIND_TEXTS.get(case.kind, case.kind),
        status=case.status,
        status_text=STATUS_TEXTS.get(case.status, case.status),
        category=case.category,
        reason=case.reason,
        reason_text=REASON_TEXTS.get(case.reason) if case.reason else None,
        topic=case.topic,
        agent={"id": agent.id, "name": agent.display_name} if agent else None,
        times={
            "created": local_iso(case.created_at),
            "queued": local_iso(case.queued_at),
            "claimed": local_iso(case.claimed_at),
            "closed": local_iso(case.closed_at),
        },
        left_message={
            "text": case.text, "contact": case.contact, "answer": _answer(case, agent),
        } if case.text is not None else None,
        other_references=[reference for reference in others.all() if reference],
        notes=await _notes(session, case.id),
        holds=await _holds(session, case.id),
    )
    return record


async def load_conversation_record(
    session: AsyncSession, conversation_id: str, now: datetime, exported_by: str | None
) -> dict[str, Any]:
    """A conversation as a record; one that became a case is exported as that case (its first one)."""
    conversation = await session.get(Conversation, conversation_id) if _CONVERSATION_ID.match(conversation_id) else None
    if conversation is None:
        raise NotFound("conversation_not_found", "Konversationen finns inte.")
    first_case = (
        await session.exec(select(Case).where(Case.conversation_id == conversation_id).order_by(col(Case.id)))
    ).first()
    if first_case is not None:
        return await load_case_record(session, first_case.id, now, exported_by)
    record = await _conversation_part(session, conversation, now, exported_by)
    record.update(
        record="conversation",
        case_id=None,
        reference=None,
        kind=CONVERSATION_KIND,
        kind_text=KIND_TEXTS[CONVERSATION_KIND],
        status=conversation.state,
        status_text=STATE_TEXTS.get(conversation.state, conversation.state),
        category=None,
        reason=None,
        reason_text=None,
        topic=None,
        agent=None,
        times={"created": local_iso(conversation.created_at), "queued": None, "claimed": None, "closed": None},
        left_message=None,
        other_references=[],
        notes=[],
        holds=[],
    )
    return record


async def _conversation_part(
    session: AsyncSession, conversation: Conversation, now: datetime, exported_by: str | None
) -> dict[str, Any]:
    rows = await session.exec(
        select(Message, Agent)
        .outerjoin(Agent, col(Message.agent_id) == col(Agent.id))
        .where(Message.conversation_id == conversation.id)
        .order_by(col(Message.id))
    )
    transcript = [
        {
            "at": local_iso(message.created_at),
            "from": message.sender,
            "from_text": SENDER_TEXTS.get(message.sender, message.sender),
            "agent": author.display_name if author is not None and message.sender == AGENT_SENDER else None,
            "text": shown_text(message),
        }
        for message, author in rows.all()
    ]
    return {
        "organisation": ORGANISATION,
        "conversation_id": conversation.id,
        "timezone": TIMEZONE.key,
        "exported_at": local_iso(now),
        "exported_by": exported_by,
        "transcript": transcript,
    }


ANSWER_TEXTS = {"email": "Besvarat med e-post", "phone": "Besvarat per telefon"}


def _answer(case: Case, agent: Agent | None) -> dict[str, Any] | None:
    """How a left message was answered: the e-mail sent (to which address) or the note of the phone call."""
    if case.answered_at is None:
        return None
    return {
        "channel": case.answer_channel,
        "channel_text": ANSWER_TEXTS.get(case.answer_channel or "", case.answer_channel),
        "email": case.answer_email,
        "text": case.answer_text,
        "at": local_iso(case.answered_at),
        "agent": agent.display_name if agent else None,
    }


async def _notes(session: AsyncSession, case_id: int) -> list[dict[str, Any]]:
    rows = await session.exec(
        select(Note, Agent)
        .join(Agent, col(Note.agent_id) == col(Agent.id))
        .where(Note.case_id == case_id)
        .order_by(col(Note.id))
    )
    return [
        {"label": NOTE_LABEL, "at": local_iso(note.created_at), "agent": author.display_name, "text": note.text}
        for note, author in rows.all()
    ]


async def _holds(session: AsyncSession, case_id: int) -> list[dict[str, Any]]:
    holds = (await session.exec(select(Hold).where(Hold.case_id == case_id).order_by(col(Hold.id)))).all()
    names = {}
    for agent_id in {hold.placed_by for hold in holds} | {hold.released_by for hold in holds if hold.released_by}:
        agent = await session.get(Agent, agent_id)
        names[agent_id] = agent.display_name if agent else None
    return [
        {
            "reason": hold.reason,
            "placed_at": local_iso(hold.placed_at),
            "placed_by": names.get(hold.placed_by),
            "released_at": local_iso(hold.released_at),
            "released_by": names.get(hold.released_by) if hold.released_by else None,
        }
        for hold in holds
    ]


def filename(record: dict[str, Any], extension: str) -> str:
    name = record["reference"] or f"konversation-{record['conversation_id']}"
    return f"{name}.{extension}"
