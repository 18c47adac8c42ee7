"""What a kommunvägledare does with chats and left messages in the console.

Claiming is one conditional UPDATE (`... WHERE status = 'queued'`), so of several concurrent claims
exactly one changes a row and wins; the others get 409. Only the agent holding a chat (or an admin)
can write in it, put it back in the queue, close it or hand it back to the bot.
"""
from __future__ import annotations

import re
from typing import Any

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from router import texts
from router.core.clock import Clock
from router.core.db import SessionMaker
from router.core.group_commit import GroupCommit
from router.core.timings import RELAY_PUBLISH, RELAY_STORE, StageTimings
from router.errors import BadGateway, BadInput, Conflict, NotFound
from router.handoff.config import HandoffConfig
from router.handoff.mail import Mailer, MailError
from router.models import (
    AGENT,
    AGENT_SENDER,
    ANSWER_EMAIL,
    ANSWER_PHONE,
    BOT,
    CASE_CLAIMED,
    CASE_CLOSED,
    CASE_QUEUED,
    CHAT,
    CLOSED,
    FOLLOW_UP_DONE,
    FOLLOW_UP_OPEN,
    LEFT_MESSAGE,
    QUEUED,
    ROLE_ADMIN,
    SYSTEM,
    Agent,
    Case,
    Conversation,
    Message,
    Note,
)
from router.bus.pubsub import AGENTS_CHANNEL, PubSub, conversation_channel
from router.handoff.queue import Queue
from router.rasa.client import RasaClient
from router.rasa.resume import resume_bot
from router.transcript import add_event, add_message, message_json, new_message, publish_messages


# A whole e-mail address as residents type them (no display names, no lists).
EMAIL_ADDRESS = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]{2,}")


def case_json(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "reference": case.reference,
        "kind": case.kind,
        "status": case.status,
        "conversation_id": case.conversation_id,
        "reason": case.reason,
        "topic": case.topic,
        "text": case.text,
        "contact": case.contact,
        "category": case.category,
        "agent_id": case.agent_id,
        "created_at": case.created_at.isoformat(),
        "queued_at": case.queued_at.isoformat() if case.queued_at else None,
        "claimed_at": case.claimed_at.isoformat() if case.claimed_at else None,
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "urgent": case.urgent_at is not None,
        "urgent_at": case.urgent_at.isoformat() if case.urgent_at else None,
        "answer": {
            "channel": case.answer_channel,
            "email": case.answer_email,
            "text": case.answer_text,
            "at": case.answered_at.isoformat(),
        } if case.answered_at else None,
    }


class Desk:
    def __init__(
        self,
        maker: SessionMaker,
        pubsub: PubSub,
        clock: Clock,
        rasa: RasaClient,
        queue: Queue,
        config: HandoffConfig,
        timings: StageTimings,
        writer: GroupCommit,
        mailer: Mailer | None = None,
    ) -> None:
        self._maker = maker
        self._writer = writer
        self._mailer = mailer
        self._pubsub = pubsub
        self._clock = clock
        self._rasa = rasa
        self._queue = queue
        self._config = config
        self._timings = timings

    async def _chat(self, session: AsyncSession, case_id: int) -> Case:
        case = await session.get(Case, case_id)
        if case is None or case.kind != CHAT:
            raise NotFound("case_not_found", "Ärendet finns inte.")
        return case

    def _held_by(self, case: Case, agent: Agent) -> None:
        if case.status != CASE_CLAIMED:
            raise Conflict("case_not_claimed", "Chatten är inte pågående.")
        if case.agent_id != agent.id and agent.role != ROLE_ADMIN:
            raise Conflict("case_held_by_other", "En annan kommunvägledare har den här chatten.")

    async def claim(self, case_id: int, agent: Agent) -> dict[str, Any]:
        now = self._clock.now()
        async with self._maker() as session:
            case = await self._chat(session, case_id)
            claimed = await session.exec(
                update(Case)
                .where(col(Case.id) == case_id, col(Case.status) == CASE_QUEUED)
                .values(status=CASE_CLAIMED, agent_id=agent.id, claimed_at=now)
            )
            if claimed.rowcount != 1:
                await session.rollback()
                raise Conflict("already_claimed", "Chatten har redan tagits av en annan kommunvägledare.")
            await session.refresh(case)
            case.wait_seconds = max(0.0, (now - (case.queued_at or case.created_at)).total_seconds())
            conversation = await session.get(Conversation, case.conversation_id)
            conversation.state = AGENT
            conversation.updated_at = now
            add_event(
                session, "claimed", now, conversation_id=case.conversation_id, case_id=case.id,
                agent_id=agent.id, data={"from": QUEUED, "to": AGENT},
            )
            notice = await add_message(session, case.conversation_id, SYSTEM, texts.agent_joined(agent.display_name), now)
            await session.commit()
        channel = conversation_channel(case.conversation_id)
        await self._pubsub.publish(channel, {"type": "agent_joined", "name": agent.display_name})
        await self._pubsub.publish(channel, {"type": "state", "state": AGENT})
        await publish_messages(self._pubsub, [notice], to_agents=True)
        await self._queue.publish()
        return case_json(case)

    async def detail(self, case_id: int) -> dict[str, Any]:
        """The case with the whole conversation (the bot part too) and the internal notes."""
        async with self._maker() as session:
            case = await session.get(Case, case_id)
            if case is None:
                raise NotFound("case_not_found", "Ärendet finns inte.")
            conversation = await session.get(Conversation, case.conversation_id)
            messages = await session.exec(
                select(Message).where(Message.conversation_id == case.conversation_id).order_by(col(Message.id))
            )
            notes = await session.exec(
                select(Note, Agent)
                .join(Agent, col(Note.agent_id) == col(Agent.id))
                .where(Note.case_id == case_id)
                .order_by(col(Note.id))
            )
            related = await session.exec(
                select(Case)
                .where(Case.conversation_id == case.conversation_id, col(Case.id) != case.id)
                .order_by(col(Case.id))
            )
            transcript = []
            for message in messages.all():
                shown = message_json(message)
                if message.intent:
                    shown["intent"] = {"name": message.intent, "confidence": message.intent_confidence}
                transcript.append(shown)
            return {
                "case": case_json(case),
                "state": conversation.state,
                "related": [
                    {"id": other.id, "reference": other.reference, "kind": other.kind, "status": other.status,
                     "created_at": other.created_at.isoformat()}
                    for other in related.all()
                ],
                "messages": transcript,
                "notes": [
                    {"id": note.id, "text": note.text, "agent": author.display_name, "at": note.created_at.isoformat()}
                    for note, author in notes.all()
                ],
            }

    async def send(self, case_id: int, agent: Agent, text: str) -> dict[str, Any]:
        now = self._clock.now()
        with self._timings.stage(RELAY_STORE):
            async with self._maker() as session:
                case = await self._chat(session, case_id)
                self._held_by(case, agent)
            # Committed with the other messages of the moment, before it is forwarded (router/core/group_commit.py).
            message = new_message(case.conversation_id, AGENT_SENDER, text, now, agent_id=agent.id)
            await self._writer.store([message])
        with self._timings.stage(RELAY_PUBLISH):
            await publish_messages(self._pubsub, [message], to_agents=True)
        return message_json(message)

    async def typing(self, case_id: int, agent: Agent) -> None:
        async with self._maker() as session:
            case = await self._chat(session, case_id)
            self._held_by(case, agent)
        await self._pubsub.publish(conversation_channel(case.conversation_id), {"type": "typing", "from": "agent"})

    async def add_note(self, case_id: int, agent: Agent, text: str) -> dict[str, Any]:
        now = self._clock.now()
        async with self._maker() as session:
            if await session.get(Case, case_id) is None:
                raise NotFound("case_not_found", "Ärendet finns inte.")
            note = Note(case_id=case_id, agent_id=agent.id, text=text, created_at=now)
            session.add(note)
            await session.commit()
        return {"id": note.id, "text": note.text, "agent": agent.display_name, "at": now.isoformat()}

    async def requeue(self, case_id: int, agent: Agent) -> dict[str, Any]:
        """Put a chat back in the queue at its original place: `queued_at` is kept, and the queue is ordered
        by it (router/handoff/queue.py), so the resident is truthfully told they keep their place."""
        now = self._clock.now()
        async with self._maker() as session:
            case = await self._chat(session, case_id)
            self._held_by(case, agent)
            case.status = CASE_QUEUED
            case.agent_id = None
            case.claimed_at = None
            conversation = await session.get(Conversation, case.conversation_id)
            conversation.state = QUEUED
            conversation.updated_at = now
            add_event(
                session, "requeued", now, conversation_id=case.conversation_id, case_id=case.id,
                agent_id=agent.id, data={"from": AGENT, "to": QUEUED},
            )
            notice = await add_message(session, case.conversation_id, SYSTEM, texts.AGENT_REQUEUED, now)
            await session.commit()
        channel = conversation_channel(case.conversation_id)
        await self._pubsub.publish(channel, {"type": "agent_left", "name": agent.display_name})
        await self._pubsub.publish(channel, {"type": "state", "state": QUEUED})
        await publish_messages(self._pubsub, [notice], to_agents=True)
        await self._queue.publish()
        return case_json(case)

    async def colleagues(self, agent: Agent) -> list[dict[str, Any]]:
        """The other kommunvägledare online now: whom a chat can be handed to."""
        async with self._maker() as session:
            online = await session.exec(
                select(Agent)
                .where(col(Agent.online), col(Agent.active), col(Agent.id) != agent.id)
                .order_by(col(Agent.display_name))
            )
            return [{"id": other.id, "name": other.display_name} for other in online.all()]

    async def transfer(self, case_id: int, agent: Agent, to_agent_id: int, note: str | None) -> dict[str, Any]:
        """Hand a chat to a named colleague who is online; the note is kept with the case's internal notes
        and shown to the colleague, and the resident is told who answers now."""
        now = self._clock.now()
        async with self._maker() as session:
            case = await self._chat(session, case_id)
            self._held_by(case, agent)
            colleague = await session.get(Agent, to_agent_id)
            if colleague is None or not colleague.active or colleague.id == case.agent_id:
                raise BadInput("invalid_colleague", "Välj en annan kommunvägledare.")
            if not colleague.online:
                raise Conflict("colleague_offline", f"{colleague.display_name} är inte tillgänglig för chatt just nu.")
            previous = case.agent_id
            case.agent_id = colleague.id
            add_event(
                session, "transferred", now, conversation_id=case.conversation_id, case_id=case.id,
                agent_id=agent.id, data={"from_agent": previous, "to_agent": colleague.id},
            )
            if note:
                session.add(Note(case_id=case.id, agent_id=agent.id, text=texts.transfer_note(colleague.display_name, note), created_at=now))
            notice = await add_message(
                session, case.conversation_id, SYSTEM, texts.transferred(colleague.display_name), now
            )
            await session.commit()
            name = colleague.display_name
        await self._pubsub.publish(conversation_channel(case.conversation_id), {"type": "agent_joined", "name": name})
        await self._pubsub.publish(
            AGENTS_CHANNEL,
            {
                "type": "transferred", "case_id": case.id, "reference": case.reference,
                "conversation_id": case.conversation_id, "to_agent_id": to_agent_id,
                "from": agent.display_name, "note": note,
            },
        )
        await publish_messages(self._pubsub, [notice], to_agents=True)
        await self._queue.publish()
        return case_json(case)

    async def close(self, case_id: int, agent: Agent, category: str) -> dict[str, Any]:
        """End the chat with a category; the conversation is closed and Rasa answers its next message."""
        if category not in self._config.close_categories:
            raise BadInput("invalid_category", "Välj en av kategorierna.")
        return await self._finish(case_id, agent, category, CLOSED, texts.CLOSED_BY_AGENT, "closed")

    async def hand_back(self, case_id: int, agent: Agent) -> dict[str, Any]:
        """Give the conversation back to the bot at once."""
        return await self._finish(case_id, agent, None, BOT, texts.HANDED_BACK, "handed_back")

    async def _finish(
        self, case_id: int, agent: Agent, category: str | None, state: str, notice_text: str, kind: str
    ) -> dict[str, Any]:
        now = self._clock.now()
        async with self._maker() as session:
            case = await self._chat(session, case_id)
            self._held_by(case, agent)
            case.status = CASE_CLOSED
            case.category = category
            case.closed_at = now
            conversation = await session.get(Conversation, case.conversation_id)
            conversation.state = state
            conversation.updated_at = now
            add_event(
                session, kind, now, conversation_id=case.conversation_id, case_id=case.id,
                agent_id=agent.id, data={"from": AGENT, "to": state, "category": category},
            )
            notice = await add_message(session, case.conversation_id, SYSTEM, notice_text, now)
            await session.commit()
        await resume_bot(self._maker, self._rasa, case.conversation_id)
        channel = conversation_channel(case.conversation_id)
        await self._pubsub.publish(channel, {"type": "agent_left", "name": agent.display_name})
        await self._pubsub.publish(channel, {"type": "state", "state": state})
        if state == CLOSED:
            await self._pubsub.publish(channel, {"type": "closed"})
        await publish_messages(self._pubsub, [notice], to_agents=True)
        await self._queue.publish()
        return case_json(case)

    async def clear_urgent(self, case_id: int, agent: Agent) -> dict[str, Any]:
        """An agent has seen the safety net's mark and clears it: the chat takes its ordinary place again.
        Any agent may clear it, from the queue too, not only the one holding the chat."""
        now = self._clock.now()
        async with self._maker() as session:
            case = await self._chat(session, case_id)
            if case.urgent_at is None:
                raise Conflict("not_urgent", "Chatten är inte markerad som möjlig fara.")
            flagged_at = case.urgent_at
            case.urgent_at = None
            add_event(
                session, "emergency_cleared", now, conversation_id=case.conversation_id, case_id=case.id,
                agent_id=agent.id, data={"flagged_at": flagged_at.isoformat()},
            )
            await session.commit()
        await self._pubsub.publish(
            AGENTS_CHANNEL, {"type": "urgent_cleared", "case_id": case.id, "conversation_id": case.conversation_id}
        )
        await self._queue.publish()
        return case_json(case)

    async def follow_ups(self, status: str | None) -> list[dict[str, Any]]:
        """Left messages, newest first; `status` open or done filters them."""
        if status not in (None, FOLLOW_UP_OPEN, FOLLOW_UP_DONE):
            raise BadInput("invalid_status", "Status ska vara open eller done.")
        query = select(Case).where(Case.kind == LEFT_MESSAGE)
        if status:
            query = query.where(Case.status == status)
        async with self._maker() as session:
            cases = await session.exec(query.order_by(col(Case.id).desc()))
            return [case_json(case) for case in cases.all()]

    @property
    def answers_by_email(self) -> bool:
        return self._mailer is not None

    async def answer_follow_up(
        self, case_id: int, agent: Agent, text: str, email: str | None
    ) -> dict[str, Any]:
        """Answer a left message: by e-mail when SMTP is configured (to `email`), otherwise the agent
        has called the resident and `text` says what was said. Either way the message is done, and the
        address and the answer are part of the case record. The mail is sent before anything is stored:
        a failed send changes nothing and the agent can try again."""
        now = self._clock.now()
        async with self._maker() as session:
            case = await session.get(Case, case_id)
            if case is None or case.kind != LEFT_MESSAGE:
                raise NotFound("case_not_found", "Ärendet finns inte.")
            if case.answered_at is not None:
                raise Conflict("already_answered", "Meddelandet är redan besvarat.")
            reference, left_text = case.reference or "", case.text or ""
        if self._mailer is not None:
            if not email or not EMAIL_ADDRESS.fullmatch(email):
                raise BadInput("invalid_email", "Skriv en giltig e-postadress.")
            body = texts.follow_up_mail(text, reference, left_text, self._config.contact.phone)
            try:
                await self._mailer.send(email, texts.follow_up_subject(reference), body)
            except MailError as error:
                raise BadGateway("mail_failed", f"E-postservern tog inte emot svaret ({error}). Försök igen.") from error
        async with self._maker() as session:
            case = await session.get(Case, case_id)
            previous = case.status
            case.answer_channel = ANSWER_EMAIL if self._mailer is not None else ANSWER_PHONE
            case.answer_email = email if self._mailer is not None else None
            case.answer_text = text
            case.answered_at = now
            case.status = FOLLOW_UP_DONE
            case.agent_id = agent.id
            case.closed_at = now
            add_event(
                session, "follow_up_answered", now, conversation_id=case.conversation_id, case_id=case.id,
                agent_id=agent.id, data={"from": previous, "to": FOLLOW_UP_DONE, "channel": case.answer_channel},
            )
            await session.commit()
        await self._pubsub.publish(AGENTS_CHANNEL, {"type": "follow_ups"})
        return case_json(case)

    async def set_follow_up(self, case_id: int, agent: Agent, status: str) -> dict[str, Any]:
        if status not in (FOLLOW_UP_OPEN, FOLLOW_UP_DONE):
            raise BadInput("invalid_status", "Status ska vara open eller done.")
        now = self._clock.now()
        async with self._maker() as session:
            case = await session.get(Case, case_id)
            if case is None or case.kind != LEFT_MESSAGE:
                raise NotFound("case_not_found", "Ärendet finns inte.")
            previous = case.status
            case.status = status
            case.agent_id = agent.id
            case.closed_at = now if status == FOLLOW_UP_DONE else None
            add_event(
                session, "follow_up", now, conversation_id=case.conversation_id, case_id=case.id,
                agent_id=agent.id, data={"from": previous, "to": status},
            )
            await session.commit()
        await self._pubsub.publish(AGENTS_CHANNEL, {"type": "follow_ups"})
        return case_json(case)
