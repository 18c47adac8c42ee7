"""The inbox: resident messages the assistant was unsure about (low confidence), fell back on
(nlu_fallback), or that ended in a handoff, and the administrator's decision on each."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select

from router.admin.audit import AuditLog
from router.admin.config import AdminConfig
from router.admin.editor import Editor
from router.admin.models import ANNOTATED, DISMISSED, OUT_OF_SCOPE, Review
from router.admin.training_data import OUT_OF_SCOPE as OUT_OF_SCOPE_INTENT
from router.core.db import SessionMaker
from router.errors import BadInput, Conflict, NotFound
from router.models import CHAT, RESIDENT, Case, Message
from router.privacy.masking import mask

FALLBACK_INTENT = "nlu_fallback"
LOW_CONFIDENCE, FALLBACK, HANDOFF = "low_confidence", "fallback", "handoff"
REASONS = (LOW_CONFIDENCE, FALLBACK, HANDOFF)
MAX_ITEMS = 500


def _is_payload(text: str) -> bool:
    """A button's payload ("/human_handoff"), not something a resident wrote."""
    return text.strip().startswith("/")


class Inbox:
    def __init__(self, maker: SessionMaker, now: Any, config: AdminConfig, editor: Editor, audit: AuditLog) -> None:
        self._maker = maker
        self._now = now
        self._config = config
        self._editor = editor
        self._audit = audit

    async def items(self, intent: str | None = None, reason: str | None = None) -> list[dict[str, Any]]:
        """Unreviewed messages, newest first, with personal data masked."""
        if reason is not None and reason not in REASONS:
            raise BadInput("bad_reason", "Okänd orsak: välj låg säkerhet, reservsvar eller överlämning.")
        since = self._now() - timedelta(days=self._config.inbox_days)
        threshold = self._config.confidence_threshold
        async with self._maker() as session:
            handoff_at: dict[str, list] = {}
            for case in (await session.exec(
                select(Case).where(Case.kind == CHAT, Case.created_at >= since)
            )).all():
                handoff_at.setdefault(case.conversation_id, []).append(case.created_at)
            reviewed = select(Review.message_id)
            query = (
                select(Message)
                .where(Message.sender == RESIDENT, Message.created_at >= since, col(Message.id).not_in(reviewed))
                .where(or_(
                    Message.intent == FALLBACK_INTENT,
                    col(Message.intent_confidence) < threshold,
                    col(Message.conversation_id).in_(list(handoff_at)),
                ))
                .order_by(col(Message.created_at).desc(), col(Message.id).desc())
            )
            messages = (await session.exec(query)).all()
            # The message that ended in a handoff: the resident's last one before the case was opened.
            handoff_ids: set[int] = set()
            if handoff_at:
                residents = (await session.exec(
                    select(Message).where(
                        Message.sender == RESIDENT, col(Message.conversation_id).in_(list(handoff_at))
                    ).order_by(col(Message.created_at), col(Message.id))
                )).all()
                for conversation_id, times in handoff_at.items():
                    own = [m for m in residents if m.conversation_id == conversation_id]
                    for at in times:
                        before = [m for m in own if m.created_at <= at and not _is_payload(m.text)]
                        if before:
                            handoff_ids.add(before[-1].id)
        items = []
        for message in messages:
            if _is_payload(message.text):
                continue
            reasons = []
            if message.intent == FALLBACK_INTENT:
                reasons.append(FALLBACK)
            if message.intent_confidence is not None and message.intent_confidence < threshold:
                reasons.append(LOW_CONFIDENCE)
            if message.id in handoff_ids:
                reasons.append(HANDOFF)
            if not reasons or (reason and reason not in reasons) or (intent and message.intent != intent):
                continue
            items.append({
                "id": message.id,
                "conversation_id": message.conversation_id,
                "text": mask(message.text),
                "intent": message.intent,
                "confidence": message.intent_confidence,
                "reasons": reasons,
                "at": message.created_at.isoformat(),
            })
            if len(items) >= MAX_ITEMS:
                break
        return items

    async def annotate(self, message_id: Any, action: Any, intent: Any, actor: str, agent_id: int | None) -> dict[str, Any]:
        """`action` "intent" (with `intent`), "out_of_scope" or "dismiss". An assigned message becomes a
        (masked) training example in the file that holds the intent."""
        if isinstance(message_id, bool) or not isinstance(message_id, int):
            raise BadInput("bad_message", "Ange meddelandets id.")
        if action not in ("intent", "out_of_scope", "dismiss"):
            raise BadInput("bad_action", "Välj ett intent, utanför området eller avfärda.")
        async with self._maker() as session:
            message = await session.get(Message, message_id)
            if message is None or message.sender != RESIDENT:
                raise NotFound("not_found", "Meddelandet finns inte.")
            if (await session.exec(select(Review).where(Review.message_id == message_id))).first():
                raise Conflict("already_reviewed", "Meddelandet är redan hanterat.")
            text = message.text
        example = None
        if action == "dismiss":
            outcome, intent = DISMISSED, None
        else:
            outcome = ANNOTATED if action == "intent" else OUT_OF_SCOPE
            intent = intent if action == "intent" else OUT_OF_SCOPE_INTENT
            example = (await self._editor.add_examples(intent, [text], actor))[0]
        async with self._maker() as session:
            session.add(Review(message_id=message_id, agent_id=agent_id, outcome=outcome, intent=intent,
                               example=example, created_at=self._now()))
            try:
                await session.commit()
            except IntegrityError:
                raise Conflict("already_reviewed", "Meddelandet är redan hanterat.") from None
        await self._audit.record(actor, "annotate", str(message_id), outcome=outcome, intent=intent)
        return {"message_id": message_id, "outcome": outcome, "intent": intent, "example": example}
