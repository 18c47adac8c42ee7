"""A resident's conversation: creation, token check, messages through Rasa or to agents, leaving the queue.

States: `bot` (Rasa answers), `queued` (waiting for a kommunvägledare), `agent` (a kommunvägledare
answers), `closed` (an agent ended the chat). A new message in a closed conversation restarts it with
the bot: the state goes back to `bot` and the message is answered by Rasa (Rasa was resumed on close).

The safety net (`assistant.safety.is_emergency`) looks at every resident message in every state. With the
bot, the alarm goes first among Rasa's replies (`router.chat.alarm.compose`). While the resident waits for or
chats with a kommunvägledare, the router answers at once with the alarm (stored like any reply, so the
POST answer and the WebSocket carry it), marks the case urgent (first in the queue, a badge and an alert
in the console) until an agent clears the mark, and logs the event `emergency_flagged`.

Every resident message is stored (and committed) before it is answered, published or relayed; with the
bot, Rasa already works on it meanwhile (the commit and Rasa's answer take milliseconds each), and a failed
commit fails the request. Its result is stored with the replies, so the same `client_message_id` again
returns the same result without storing it twice. Messages of one conversation are handled one at a time.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, null, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router import texts
from router.chat.alarm import alarm_reply, compose
from router.core.clock import Clock
from router.core.db import SessionMaker
from router.core.timings import AUTHENTICATE, LOCK_WAIT, PUBLISH, RASA, STORE_MESSAGE, STORE_REPLIES, StageTimings
from router.core.security import new_token, token_hash, token_matches
from router.errors import Conflict, NotFound, RateLimited, Unauthorized
from router.handoff.handoff import (
    CLOSED_OUTCOME,
    CLOSING_SOON,
    Handoff,
    HandoffResult,
    active_chat_case,
)
from router.handoff.config import HandoffConfig
from router.models import (
    AGENT,
    ALARM,
    BOT,
    BOT_SENDER,
    CASE_CANCELLED,
    CASE_CLAIMED,
    CASE_QUEUED,
    CHAT,
    CLOSED,
    QUEUED,
    RESIDENT,
    SYSTEM,
    Agent,
    Case,
    Conversation,
    Feedback,
    Message,
)
from router.bus.pubsub import AGENTS_CHANNEL, PubSub, conversation_channel
from router.handoff.queue import Queue
from router.rasa.client import FALLBACK_MARKER, Intent, RasaAnswer, RasaClient, RasaUnavailable
from router.bus.rate_limit import RateLimiter
from router.rasa.resume import resume_bot
from assistant.safety import is_emergency, is_english
from router.core.group_commit import GroupCommit
from router.transcript import (
    add_event, add_message, agent_names, insert_messages, message_json, message_row, new_message, offered_title,
    publish_messages, Shown,
)

if TYPE_CHECKING:  # router.metrics reads the app's keys, which name this module
    from router.metrics.chat_metrics import ChatMetrics

log = logging.getLogger(__name__)

PERSON_STATES = (QUEUED, AGENT)

# The statements of every resident message, built once: building a statement and its cache key on every
# call cost more CPU than running it (issue 17). Core statements on the tables: no ORM objects to load, and
# none of the ORM's compiling and loading around them either.
_CONVERSATIONS = Conversation.__table__
_MESSAGES = Message.__table__
_LAST_ACTIVITY = select(
    _CONVERSATIONS.c.token_hash,
    _CONVERSATIONS.c.created_at,
    select(func.max(_MESSAGES.c.created_at))
    .where(_MESSAGES.c.conversation_id == bindparam("conversation_id"))
    .scalar_subquery(),
).where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
_CONVERSATION = select(_CONVERSATIONS.c.state, _CONVERSATIONS.c.needs_resume, null(), null()).where(
    _CONVERSATIONS.c.id == bindparam("conversation_id")
)
# The same, with the message stored earlier under the client's id (a retry), if any.
_CONVERSATION_AND_RETRY = (
    select(_CONVERSATIONS.c.state, _CONVERSATIONS.c.needs_resume, _MESSAGES.c.id, _MESSAGES.c.result)
    .select_from(
        _CONVERSATIONS.outerjoin(
            _MESSAGES,
            (_MESSAGES.c.conversation_id == _CONVERSATIONS.c.id)
            & (_MESSAGES.c.client_message_id == bindparam("client_message_id")),
        )
    )
    .where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
)
_STATE = select(_CONVERSATIONS.c.state).where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
_STORE_ANSWER = (
    update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("message_id"))
    .values(
        result=bindparam("result", type_=_MESSAGES.c.result.type),
        intent=bindparam("intent", type_=_MESSAGES.c.intent.type),
        intent_confidence=bindparam("intent_confidence", type_=_MESSAGES.c.intent_confidence.type),
    )
)


def _abandon(task: asyncio.Task[Any]) -> None:
    """Cancel a task whose outcome no longer matters; its exception, if it has one, is taken so asyncio
    does not log it as never retrieved."""
    task.cancel()
    task.add_done_callback(lambda done: done.cancelled() or done.exception())


class ActiveConversations:
    """The token hashes of the conversations this process saw lately, and when each last had a message,
    so a resident's every request needs no query to authenticate it (issue 17: the router's CPU per
    message competes with Rasa's on the same cores).

    Only a yes is taken from here, and only when it is sure: a conversation's token hash never changes,
    and its last activity only moves forward (messages are only added), so a time noted here is never
    later than the truth. When it is missing, older than the token's lifetime (another process may have
    stored later messages) or the token does not match, the database decides. A conversation deleted by
    retention (quiet for days, longer than a token lives) has no fresh time here either."""

    def __init__(self, keep: int = 10_000) -> None:
        self._keep = keep
        self._seen: OrderedDict[str, tuple[str, datetime]] = OrderedDict()

    def fresh(self, conversation_id: str, token: str | None, since: datetime) -> bool:
        """True when `token` is the conversation's and it had a message (or began) after `since`."""
        seen = self._seen.get(conversation_id)
        return seen is not None and token is not None and seen[1] >= since and token_matches(token, seen[0])

    def note(self, conversation_id: str, stored_hash: str, last: datetime) -> None:
        self._seen[conversation_id] = (stored_hash, last)
        self._seen.move_to_end(conversation_id)
        while len(self._seen) > self._keep:
            self._seen.popitem(last=False)  # forget the least recently seen conversation

    def touch(self, conversation_id: str, at: datetime) -> None:
        """A message was stored at `at`."""
        seen = self._seen.get(conversation_id)
        if seen is not None and at > seen[1]:
            self.note(conversation_id, seen[0], at)


@dataclass(frozen=True)
class _Found:
    """What a resident's message needs to know first: the conversation's state and whether Rasa must be
    resumed, and the message stored earlier with the same `client_message_id` (its id and its result)."""

    state: str
    needs_resume: bool
    earlier_id: int | None
    earlier_result: dict[str, Any] | None


class Conversations:
    def __init__(
        self,
        maker: SessionMaker,
        pubsub: PubSub,
        clock: Clock,
        rasa: RasaClient,
        handoff: Handoff,
        queue: Queue,
        config: HandoffConfig,
        limiter: RateLimiter,
        timings: StageTimings,
        token_lifetime: timedelta,
        metrics: ChatMetrics,
        writer: GroupCommit,
    ) -> None:
        self._maker = maker
        self._writer = writer
        self._pubsub = pubsub
        self._clock = clock
        self._rasa = rasa
        self._handoff = handoff
        self._queue = queue
        self._config = config
        self._limiter = limiter
        self._timings = timings
        self._token_lifetime = token_lifetime
        self._metrics = metrics
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._active = ActiveConversations()

    def notice(self) -> str:
        return texts.notice(self._config.contact)

    async def create(self) -> tuple[str, str]:
        """A new conversation; returns (id, token). Only a hash of the token is kept."""
        token = new_token()
        now = self._clock.now()
        conversation = Conversation(
            id=uuid.uuid4().hex, token_hash=token_hash(token), state=BOT, created_at=now, updated_at=now
        )
        async with self._maker() as session:
            session.add(conversation)
            add_event(session, "created", now, conversation_id=conversation.id, data={"to": BOT})
            await session.commit()
        self._active.note(conversation.id, conversation.token_hash, now)
        return conversation.id, token

    async def authenticate(self, conversation_id: str, token: str | None) -> None:
        """404 for an unknown conversation, 401 when the token is missing or belongs elsewhere, and 401
        `expired` when nothing was said for `token_lifetime` (a token kept in a shared browser does not
        open the conversation days later; the resident starts a new one)."""
        with self._timings.stage(AUTHENTICATE):
            if self._active.fresh(conversation_id, token, self._clock.now() - self._token_lifetime):
                return
            stored_hash, last = await self._last_activity(conversation_id, token)
        if self._clock.now() - last > self._token_lifetime:
            raise Unauthorized("expired")
        self._active.note(conversation_id, stored_hash, last)

    async def _last_activity(self, conversation_id: str, token: str | None) -> tuple[str, datetime]:
        """The token's hash (once the token matched it) and the conversation's last activity, in one query
        without ORM objects."""
        async with self._maker() as session:
            row = (await session.exec(_LAST_ACTIVITY, params={"conversation_id": conversation_id})).first()
        if row is None:
            raise NotFound("not_found")
        stored_hash, created_at, last = row
        if not token or not token_matches(token, stored_hash):
            raise Unauthorized("unauthorized")
        return stored_hash, last if last is not None else created_at

    def _lock(self, conversation_id: str) -> asyncio.Lock:
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[conversation_id] = lock
        return lock

    async def post(
        self, conversation_id: str, text: str, client_message_id: str | None, title: str | None = None
    ) -> dict[str, Any]:
        """Handle a resident's (already validated) message; returns {"replies", "state"}. `title` is the
        title of the button tapped (text is its payload): kept when the bot's latest turn offered it."""
        lock = self._lock(conversation_id)
        with self._timings.stage(LOCK_WAIT):
            await lock.acquire()
        try:
            return await self._post_in_turn(conversation_id, text, client_message_id, title)
        finally:
            lock.release()

    async def _post_in_turn(
        self, conversation_id: str, text: str, client_message_id: str | None, title: str | None
    ) -> dict[str, Any]:
        asking: asyncio.Task[RasaAnswer] | None = None
        try:
            with self._timings.stage(STORE_MESSAGE):
                async with self._maker() as session:
                    found = await self._conversation_and_retry(session, conversation_id, client_message_id)
                    if found is not None and found.earlier_result is not None:
                        return found.earlier_result
                    if not await self._limiter.take(conversation_id):
                        raise RateLimited("rate_limited")
                    if found is None:
                        raise NotFound("not_found")
                    state, needs_resume = found.state, found.needs_resume
                    # A retry of a message stored before its answer was (rare): that message is answered now.
                    message = None if found.earlier_id is None else await session.get(Message, found.earlier_id)
                    new = message is None
                    now = self._clock.now()
                    if new and title is not None:
                        title = offered_title(await self._latest_bot_turn(session, conversation_id), text, title)
                    to_bot = state not in PERSON_STATES
                    if state == BOT:
                        # Rasa is asked now, while the message is committed: the commit (an fsync) and Rasa's
                        # answer each take milliseconds, and one after the other they added up (issue 17).
                        # Nothing changes for the resident: the answer is stored and returned only after this
                        # commit, and a failed commit fails the request (Rasa may then have seen a message the
                        # router did not store; the resident's retry sends it again). Not from a closed
                        # conversation: a handoff Rasa starts must find the conversation restarted.
                        asking = self._ask_rasa(conversation_id, text if message is None else message.text, needs_resume)
                    relayed = new and not to_bot and not is_emergency(text)
                    alarm: Message | None = None
                    urgent: Case | None = None
                    if relayed:
                        # The common case with a person: the message and its result are one new row, committed
                        # with the other messages of the moment (router/core/group_commit.py), once this read
                        # session has given its connection back.
                        message = new_message(
                            conversation_id, RESIDENT, text, now, client_message_id=client_message_id, title=title,
                            result={"replies": [], "state": state},
                        )
                    elif to_bot:
                        if message is None:
                            # A Core INSERT: the ORM's unit of work cost more CPU than the statement (issue 17).
                            [message] = await insert_messages(
                                session,
                                [message_row(
                                    conversation_id, RESIDENT, text, now, client_message_id=client_message_id,
                                    title=title,
                                )],
                            )
                            if state == CLOSED:
                                await self._restart(session, conversation_id, now)
                                state = BOT
                        await session.commit()
                    else:  # a person answers, but the safety net speaks at once
                        if message is None:
                            message = await add_message(
                                session, conversation_id, RESIDENT, text, now, client_message_id=client_message_id,
                                title=title,
                            )
                        replies = []
                        if is_emergency(message.text):
                            reply = alarm_reply(message.text)
                            alarm = await add_message(session, conversation_id, BOT_SENDER, reply["text"], now, kind=ALARM)
                            urgent = await self._flag(session, conversation_id, state, message, now)
                            replies = [reply]
                        message.result = {"replies": replies, "state": state}
                        await session.commit()
                if relayed:
                    await self._writer.store([message])
                if new:
                    self._active.touch(conversation_id, now)
            if relayed:
                with self._timings.stage(PUBLISH):
                    await publish_messages(self._pubsub, [message], to_agents=True)
                return message.result
            if new or alarm is not None:
                shown = [message] if new else []
                with self._timings.stage(PUBLISH):
                    await publish_messages(
                        self._pubsub, shown + ([alarm] if alarm else []), to_agents=state in PERSON_STATES
                    )
            if urgent is not None:
                await self._announce_urgent(urgent)
            if not to_bot:
                assert message.result is not None
                return message.result
            if asking is None:  # the conversation was restarted just now
                asking = self._ask_rasa(conversation_id, message.text, needs_resume)
            with self._metrics.bot_reply_seconds.time():
                return await self._bot_turn(conversation_id, message, asking)
        except BaseException:
            if asking is not None:
                _abandon(asking)
            raise

    def _ask_rasa(self, conversation_id: str, text: str, needs_resume: bool) -> asyncio.Task[RasaAnswer]:
        """Rasa's answer to the resident's message, asked in a task of its own (raises RasaUnavailable)."""

        async def ask() -> RasaAnswer:
            if needs_resume:
                await self._rasa.resume(conversation_id)
                await self._set_needs_resume(conversation_id, False)
            with self._timings.stage(RASA):
                return await self._rasa.send(conversation_id, text)

        return asyncio.create_task(ask(), name=f"rasa-{conversation_id}")

    async def _restart(self, session: AsyncSession, conversation_id: str, now: datetime) -> None:
        """A message in a closed conversation: it is with the bot again."""
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None  # found above, in this transaction's view
        conversation.state = BOT
        conversation.updated_at = now
        add_event(session, "restarted", now, conversation_id=conversation_id, data={"from": CLOSED, "to": BOT})

    async def _flag(
        self, session: AsyncSession, conversation_id: str, state: str, message: Shown, now: datetime
    ) -> Case | None:
        """Log that the safety net fired; while a person is involved, mark the conversation's chat urgent.
        Returns the case newly marked, if any."""
        case = None
        if state in PERSON_STATES:
            case = await active_chat_case(session, conversation_id)
        newly_urgent = case is not None and case.urgent_at is None
        if newly_urgent:
            case.urgent_at = now
        add_event(
            session, "emergency_flagged", now, conversation_id=conversation_id, case_id=case.id if case else None,
            data={"state": state, "message_id": message.id, "language": "en" if is_english(message.text) else "sv"},
        )
        return case if newly_urgent else None

    async def _announce_urgent(self, case: Case) -> None:
        """The consoles raise their urgent alert; the queue (and every waiting resident's place) is new."""
        await self._pubsub.publish(
            AGENTS_CHANNEL,
            {"type": "urgent", "case_id": case.id, "conversation_id": case.conversation_id, "reference": case.reference},
        )
        await self._queue.publish()

    async def _latest_bot_turn(self, session: AsyncSession, conversation_id: str) -> list[Message]:
        """The bot's messages since the resident's last message: the only turn whose buttons count."""
        last_resident = (
            select(func.max(Message.id))
            .where(Message.conversation_id == conversation_id, Message.sender == RESIDENT)
            .scalar_subquery()
        )
        rows = await session.exec(
            select(Message).where(
                Message.conversation_id == conversation_id,
                Message.sender == BOT_SENDER,
                col(Message.id) > func.coalesce(last_resident, 0),
            )
        )
        return list(rows.all())

    async def _conversation_and_retry(
        self, session: AsyncSession, conversation_id: str, client_message_id: str | None
    ) -> _Found | None:
        """The conversation's state, and the message already stored with this `client_message_id` (a retry),
        in one query without ORM objects; None when there is no such conversation."""
        if client_message_id is None:
            query, params = _CONVERSATION, {"conversation_id": conversation_id}
        else:
            query = _CONVERSATION_AND_RETRY
            params = {"conversation_id": conversation_id, "client_message_id": client_message_id}
        row = (await session.exec(query, params=params)).first()
        return None if row is None else _Found(*row)

    async def _bot_turn(
        self, conversation_id: str, message: Shown, asking: asyncio.Task[RasaAnswer]
    ) -> dict[str, Any]:
        """Rasa's answer (`asking`) with the safety net's alarm first when it fires, stored with the message's
        result and intent, then published."""
        emergency = is_emergency(message.text)  # while Rasa works on the message
        intent: Intent | None = None
        try:
            answer = await asking
            replies, intent = answer.replies, answer.intent
            self._metrics.fallbacks.inc(sum(reply.get("marker") == FALLBACK_MARKER for reply in replies))
            if not replies:
                self._metrics.rasa_errors.labels("empty_answer").inc()
                # Rasa answers nothing when a custom action failed (e.g. the action server is down)
                log.warning("Rasa gave no answer for %s; the resident gets the fallback answer", conversation_id)
                replies = [self._rasa_down_reply()]
        except RasaUnavailable as error:
            log.warning("Rasa unavailable for %s: %s", conversation_id, error)
            if message.text.strip() == texts.HUMAN_HANDOFF_PAYLOAD:
                replies = [await self._handoff_without_rasa(conversation_id)]
            else:
                replies = [self._rasa_down_reply()]
        replies = compose(message.text, replies, emergency=emergency, phone=self._config.contact.phone)

        urgent: Case | None = None
        with self._timings.stage(STORE_REPLIES):
            async with self._maker() as session:
                now = self._clock.now()
                # The handoff action may have changed the state while Rasa was answering.
                state = (await session.exec(_STATE, params={"conversation_id": conversation_id})).one()
                stored = await insert_messages(
                    session,
                    [
                        message_row(
                            conversation_id, BOT_SENDER, reply["text"], now, buttons=reply["buttons"], kind=reply.get("kind")
                        )
                        for reply in replies
                    ],
                )
                if emergency:
                    urgent = await self._flag(session, conversation_id, state, message, now)
                result = {"replies": replies, "state": state}
                # In the same transaction as the replies: a retry with the same client_message_id gets this
                # answer, and the intent (for the administrators' inbox) costs no write of its own. A plain
                # UPDATE: loading the message again as an ORM object only to change three columns cost a query.
                answered = {"message_id": message.id, "result": result, "intent": None, "intent_confidence": None}
                if intent is not None:
                    answered.update(intent=intent.name, intent_confidence=intent.confidence)
                await session.exec(_STORE_ANSWER, params=answered)
                await session.commit()
        with self._timings.stage(PUBLISH):
            await publish_messages(self._pubsub, stored, to_agents=result["state"] in PERSON_STATES)
        if urgent is not None:
            await self._announce_urgent(urgent)
        return result

    def _rasa_down_reply(self) -> dict[str, Any]:
        """Rasa did not answer: it is starting (see RasaClient.starting) or down; either way a way to a person."""
        phone = self._config.contact.phone
        return {
            "text": texts.rasa_starting(phone) if self._rasa.starting() else texts.rasa_down(phone),
            "buttons": [{"title": texts.HANDOFF_BUTTON_TITLE, "payload": texts.HUMAN_HANDOFF_PAYLOAD}],
        }

    async def _handoff_without_rasa(self, conversation_id: str) -> dict[str, Any]:
        """Rasa is down, so the router answers the handoff button itself with the same handoff service."""
        result: HandoffResult = await self._handoff.request(conversation_id, "requested", None)
        phone = result.phone
        if result.text:  # queued, or already queued or with an agent
            text = result.text
        elif result.outcome == CLOSING_SOON:
            text = texts.closing_soon(phone)
        elif result.outcome == CLOSED_OUTCOME:
            text = texts.closed(result.opens_at_text, phone)
        else:
            text = texts.no_agent(phone)
        return {"text": text, "buttons": []}

    async def _set_needs_resume(self, conversation_id: str, value: bool) -> None:
        async with self._maker() as session:
            conversation = await session.get(Conversation, conversation_id)
            conversation.needs_resume = value
            await session.commit()

    async def transcript(self, conversation_id: str) -> dict[str, Any]:
        """GET /api/conversations/{id}: {"state", "reference", "agent_name", "messages"}. An agent's message
        carries "name", the agent's display name; "agent_name" is the display name of the agent chatting
        now (state agent), else null. So a reloaded widget names agents as the live chat did."""
        async with self._maker() as session:
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFound("not_found")
            messages = await self.messages_after(conversation_id, 0, session)
            case = (
                await session.exec(
                    select(Case)
                    .where(Case.conversation_id == conversation_id, Case.kind == CHAT)
                    .order_by(col(Case.id).desc())
                )
            ).first()
            names = await agent_names(session, messages)
            agent_name = None
            if conversation.state == AGENT and case is not None and case.status == CASE_CLAIMED and case.agent_id:
                agent = await session.get(Agent, case.agent_id)
                agent_name = agent.display_name if agent else None
        # Agents are named as in the live chat (agent_joined): by display name only.
        return {
            "state": conversation.state,
            "reference": case.reference if case else None,
            "agent_name": agent_name,
            "messages": [message_json(message, names) for message in messages],
        }

    async def messages_after(
        self, conversation_id: str, after_id: int, session: AsyncSession | None = None
    ) -> list[Message]:
        if session is None:
            async with self._maker() as own:
                return await self.messages_after(conversation_id, after_id, own)
        result = await session.exec(
            select(Message)
            .where(Message.conversation_id == conversation_id, col(Message.id) > after_id)
            .order_by(col(Message.id))
        )
        return list(result.all())

    async def queue_frame(self, conversation_id: str) -> dict[str, Any] | None:
        """The resident's current place in the queue as a frame, when queued."""
        async with self._maker() as session:
            case = (
                await session.exec(
                    select(Case).where(
                        Case.conversation_id == conversation_id, Case.kind == CHAT, Case.status == CASE_QUEUED
                    )
                )
            ).first()
            if case is None:
                return None
            place = await self._queue.place_of(session, case.id)
        if place is None:
            return None
        return {"type": "queue", "position": place[0], "wait_minutes": place[1], "reference": case.reference}

    async def state(self, conversation_id: str) -> str:
        async with self._maker() as session:
            conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound("not_found")
        return conversation.state

    async def leave_queue(self, conversation_id: str) -> str:
        """The resident gives up waiting: the case is cancelled and the bot answers again."""
        async with self._lock(conversation_id):
            now = self._clock.now()
            async with self._maker() as session:
                conversation = await session.get(Conversation, conversation_id)
                if conversation is None:
                    raise NotFound("not_found")
                if conversation.state != QUEUED:
                    raise Conflict("not_in_queue")
                case = (
                    await session.exec(
                        select(Case).where(
                            Case.conversation_id == conversation_id, Case.kind == CHAT, Case.status == CASE_QUEUED
                        )
                    )
                ).first()
                if case is not None:
                    case.status = CASE_CANCELLED
                    case.closed_at = now
                conversation.state = BOT
                conversation.updated_at = now
                add_event(
                    session, "left_queue", now, conversation_id=conversation_id,
                    case_id=case.id if case else None, data={"from": QUEUED, "to": BOT},
                )
                notice = await add_message(session, conversation_id, SYSTEM, texts.LEFT_QUEUE, now)
                await session.commit()
            await resume_bot(self._maker, self._rasa, conversation_id)
            await self._pubsub.publish(conversation_channel(conversation_id), {"type": "state", "state": BOT})
            await publish_messages(self._pubsub, [notice], to_agents=True)
            await self._queue.publish()
            return BOT

    async def resident_typing(self, conversation_id: str) -> None:
        """Forward "the resident is typing" to the consoles while a person is involved."""
        if await self.state(conversation_id) in PERSON_STATES:
            await self._pubsub.publish(AGENTS_CHANNEL, {"type": "typing", "conversation_id": conversation_id})

    async def feedback(self, conversation_id: str, helped: bool) -> None:
        now = self._clock.now()
        async with self._maker() as session:
            if await session.get(Conversation, conversation_id) is None:
                raise NotFound("not_found")
            session.add(Feedback(conversation_id=conversation_id, helped=helped, created_at=now))
            await session.commit()
