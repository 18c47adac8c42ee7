"""The inbox: resident messages the assistant may have got wrong, and the administrator's decision on each.

A message lands here when Rasa was unsure (confidence below the threshold), fell back (`nlu_fallback`),
when it was the last thing the resident wrote before a handoff, when the conversation was rated "Nej" on
"Fick du hjälp?", or when the resident rephrased it right after the answer (a confidently wrong answer
shows no low confidence, but the resident asking again in other words does). Identical messages (compared
masked, case- and space-insensitively) are one row with a count, so one decision covers them all.
Each row carries the bot's reply and the turns around it, masked, so the administrator sees what went wrong.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from router.admin.audit import AuditLog
from router.admin.config import AdminConfig
from router.admin.editor import Editor
from router.admin.models import ANNOTATED, DISMISSED, OUT_OF_SCOPE, Review
from router.admin.swedish import TIMEZONE
from router.admin.training_data import OUT_OF_SCOPE as OUT_OF_SCOPE_INTENT
from router.admin.training_data import comparable
from router.core.db import SessionMaker
from router.errors import BadInput, Conflict, NotFound
from router.models import BOT_SENDER, CHAT, RESIDENT, Case, Feedback, Message
from router.privacy.masking import mask

FALLBACK_INTENT = "nlu_fallback"
LOW_CONFIDENCE, FALLBACK, HANDOFF = "low_confidence", "fallback", "handoff"
FEEDBACK_NO, REPHRASED = "feedback_no", "rephrased"
REASONS = (FALLBACK, LOW_CONFIDENCE, HANDOFF, FEEDBACK_NO, REPHRASED)
PAGE_SIZE = 20
CONTEXT_BEFORE = 2  # messages shown before the one in question
# A resident message that follows the bot's answer within this time and shares words with the one before
# (or starts by correcting it) is a rephrasing: the answer missed.
REPHRASE_SECONDS = 120
REPHRASE_OVERLAP = 0.25
# A plain "nej" is often the answer to the bot's own question ("Vill du prata med en person?"), so only
# these count as a correction, with or without a "nej" before them.
_CORRECTION = re.compile(r"^((nej|nä),?\s+)?(jag menar|jag menade|inte det|fel svar|det var inte|du missförstod)\b", re.I)
_WORD = re.compile(r"\w{3,}")


def _is_payload(text: str) -> bool:
    """A button's payload ("/human_handoff"), not something a resident wrote."""
    return text.strip().startswith("/")


def _words(text: str) -> set[str]:
    return {word.casefold() for word in _WORD.findall(text)}


def is_rephrasing(first: str, second: str) -> bool:
    """Whether `second` says `first` again in other words (or corrects what the bot made of it)."""
    a, b = _words(first), _words(second)
    if a and b and len(a & b) / len(a | b) >= REPHRASE_OVERLAP:
        return True
    return bool(_CORRECTION.match(second.strip())) and len(second.split()) >= 3


def _shown_text(message: Message, previous_bot: Message | None) -> str:
    """What the message says to a reader: a button's title instead of its payload."""
    if _is_payload(message.text) and previous_bot is not None:
        for button in previous_bot.buttons or []:
            if isinstance(button, dict) and button.get("payload") == message.text and button.get("title"):
                return str(button["title"])
    return mask(message.text)


def _day(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadInput("bad_date", f"Datumet {name} ska skrivas ÅÅÅÅ-MM-DD, till exempel 2026-11-30.") from None


class Inbox:
    def __init__(self, maker: SessionMaker, now: Any, config: AdminConfig, editor: Editor, audit: AuditLog) -> None:
        self._maker = maker
        self._now = now
        self._config = config
        self._editor = editor
        self._audit = audit

    def _window(self, since: Any, until: Any) -> tuple[datetime, datetime]:
        """From `since` (a local date; default the configured number of days back) to the end of `until`."""
        first, last = _day(since, "från"), _day(until, "till")
        if first and last and first > last:
            raise BadInput("bad_date", "Från-datumet ligger efter till-datumet.")
        start = (datetime.combine(first, time(), TIMEZONE) if first
                 else self._now() - timedelta(days=self._config.inbox_days))
        end = datetime.combine(last + timedelta(days=1), time(), TIMEZONE) if last else self._now() + timedelta(days=1)
        return start, end

    async def _candidates(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Every unreviewed resident message in the window that belongs in the inbox, with its reasons and
        context, oldest first."""
        threshold = self._config.confidence_threshold
        async with self._maker() as session:
            own = select(Message.conversation_id).where(
                Message.sender == RESIDENT, Message.created_at >= start, Message.created_at < end)
            messages = (await session.exec(
                select(Message).where(col(Message.conversation_id).in_(own))
                .order_by(col(Message.conversation_id), col(Message.created_at), col(Message.id))
            )).all()
            cases = (await session.exec(select(Case.conversation_id, Case.created_at).where(
                Case.kind == CHAT, col(Case.conversation_id).in_(own)))).all()
            unhelpful = set((await session.exec(select(Feedback.conversation_id).where(
                Feedback.helped == False, col(Feedback.conversation_id).in_(own)))).all())  # noqa: E712
            reviewed = set((await session.exec(select(Review.message_id))).all())
        handoffs: dict[str, list[datetime]] = {}
        for conversation_id, created in cases:
            handoffs.setdefault(conversation_id, []).append(created)
        by_conversation: dict[str, list[Message]] = {}
        for message in messages:
            by_conversation.setdefault(message.conversation_id, []).append(message)
        found = []
        for conversation_id, thread in by_conversation.items():
            written = [m for m in thread if m.sender == RESIDENT and not _is_payload(m.text)]
            handed_over = {
                before[-1].id for at in handoffs.get(conversation_id, [])
                if (before := [m for m in written if m.created_at <= at])
            }
            for index, message in enumerate(thread):
                if message.sender != RESIDENT or _is_payload(message.text) or message.id in reviewed:
                    continue
                if not start <= message.created_at < end:
                    continue
                reply = []
                following = None
                for later in thread[index + 1:]:
                    if later.sender == RESIDENT:
                        following = later
                        break
                    reply.append(later)
                reasons = []
                if message.intent == FALLBACK_INTENT:
                    reasons.append(FALLBACK)
                if message.intent_confidence is not None and message.intent_confidence < threshold:
                    reasons.append(LOW_CONFIDENCE)
                if message.id in handed_over:
                    reasons.append(HANDOFF)
                if conversation_id in unhelpful:
                    reasons.append(FEEDBACK_NO)
                answered = [m for m in reply if m.sender == BOT_SENDER]
                if (following is not None and answered and not _is_payload(following.text)
                        and (following.created_at - answered[-1].created_at).total_seconds() <= REPHRASE_SECONDS
                        and is_rephrasing(message.text, following.text)):
                    reasons.append(REPHRASED)
                if not reasons:
                    continue
                found.append({"message": message, "reasons": reasons, "thread": thread, "index": index,
                              "reply": reply, "following": following})
        return found

    @staticmethod
    def _context(candidate: dict[str, Any]) -> dict[str, Any]:
        thread, index = candidate["thread"], candidate["index"]

        def shown(message: Message) -> dict[str, Any]:
            earlier = [m for m in thread[:thread.index(message)] if m.sender == BOT_SENDER]
            return {"from": message.sender, "text": _shown_text(message, earlier[-1] if earlier else None),
                    "at": message.created_at.isoformat()}

        return {
            "before": [shown(m) for m in thread[max(0, index - CONTEXT_BEFORE):index]],
            "reply": [shown(m) for m in candidate["reply"]],
            "after": [shown(candidate["following"])] if candidate["following"] is not None else [],
        }

    async def items(
        self, intent: str | None = None, reason: str | None = None, since: Any = None, until: Any = None,
        page: int = 1,
    ) -> dict[str, Any]:
        """One page of rows, each a group of identical messages (newest first), masked, with the newest
        one's context. Filters: predicted intent, reason, local dates."""
        if reason is not None and reason not in REASONS:
            raise BadInput("bad_reason", "Okänd orsak: välj en av orsakerna i listan.")
        start, end = self._window(since, until)
        groups: dict[str, dict[str, Any]] = {}
        for candidate in await self._candidates(start, end):
            message = candidate["message"]
            if (reason and reason not in candidate["reasons"]) or (intent and message.intent != intent):
                continue
            key = comparable(mask(message.text))
            group = groups.get(key)
            if group is None:
                group = groups[key] = {"count": 0, "ids": [], "intents": Counter(), "reasons": set(), "newest": None}
            group["count"] += 1
            group["ids"].append(message.id)
            group["intents"][message.intent or ""] += 1
            group["reasons"].update(candidate["reasons"])
            newest = group["newest"]
            if newest is None or (message.created_at, message.id) > (newest["message"].created_at, newest["message"].id):
                group["newest"] = candidate
        rows = sorted(groups.values(), key=lambda g: (g["newest"]["message"].created_at, g["newest"]["message"].id),
                      reverse=True)
        pages = max(1, -(-len(rows) // PAGE_SIZE))
        if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= pages:
            raise BadInput("bad_page", f"Sidan finns inte: välj en sida från 1 till {pages}.")
        items = []
        for group in rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]:
            newest: Message = group["newest"]["message"]
            items.append({
                "id": newest.id,
                "message_ids": group["ids"],
                "count": group["count"],
                "conversation_id": newest.conversation_id,
                "text": mask(newest.text),
                "intent": newest.intent,
                "intents": [name for name, _ in group["intents"].most_common() if name],
                "confidence": newest.intent_confidence,
                "reasons": [r for r in REASONS if r in group["reasons"]],
                "at": newest.created_at.isoformat(),
                "context": self._context(group["newest"]),
            })
        return {"items": items, "page": page, "pages": pages, "total": len(rows),
                "messages": sum(g["count"] for g in rows), "page_size": PAGE_SIZE}

    async def annotate(self, message_id: Any, action: Any, intent: Any, actor: str, agent_id: int | None) -> dict[str, Any]:
        """`action` "intent" (with `intent`, which the administrator must choose), "out_of_scope" or
        "dismiss". An assigned message becomes one (masked) training example in the file that holds the
        intent; the decision covers every unreviewed identical message in the inbox."""
        if isinstance(message_id, bool) or not isinstance(message_id, int):
            raise BadInput("bad_message", "Ange meddelandets id.")
        if action not in ("intent", "out_of_scope", "dismiss"):
            raise BadInput("bad_action", "Välj ett intent, utanför området eller avfärda.")
        if action == "intent" and intent in (None, ""):
            raise BadInput("no_intent", "Välj rätt intent i listan innan du sparar. Inget sparades.")
        async with self._maker() as session:
            message = await session.get(Message, message_id)
            if message is None or message.sender != RESIDENT:
                raise NotFound("not_found", "Meddelandet finns inte.")
            if (await session.exec(select(Review).where(Review.message_id == message_id))).first():
                raise Conflict("already_reviewed", "Meddelandet är redan hanterat.")
            text = message.text
        key = comparable(mask(text))
        start, end = self._window(None, None)
        same = [c["message"].id for c in await self._candidates(start, end)
                if c["message"].id != message_id and comparable(mask(c["message"].text)) == key]
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
            for other in same:
                session.add(Review(message_id=other, agent_id=agent_id, outcome=outcome, intent=intent,
                                   created_at=self._now()))
            try:
                await session.commit()
            except IntegrityError:
                raise Conflict("already_reviewed", "Meddelandet är redan hanterat.") from None
        await self._audit.record(actor, "annotate", str(message_id), outcome=outcome, intent=intent,
                                 messages=1 + len(same))
        return {"message_id": message_id, "outcome": outcome, "intent": intent, "example": example,
                "messages": 1 + len(same)}
