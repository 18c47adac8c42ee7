"""Storing messages and audit events, and the JSON shapes messages take in the API and in frames."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from collections.abc import Sequence
from typing import Any, TypedDict, Unpack

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router.models import AGENT_SENDER, RESIDENT, Agent, Event, Message
from router.bus.pubsub import AGENTS_CHANNEL, PubSub, conversation_channel

_MESSAGES = Message.__table__
# New messages without the ORM's unit of work (issue 17: the resident's message and the bot's replies),
# built once; their ids come back in the order of the rows, so replies keep their order.
INSERT_MESSAGES = insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True)


class MessageFields(TypedDict, total=False):
    """A new message's optional columns (None when not given)."""

    buttons: list[dict[str, str]] | None
    agent_id: int | None
    client_message_id: str | None
    kind: str | None
    title: str | None
    result: dict[str, Any] | None


def new_message(conversation_id: str, sender: str, text: str, at: datetime, **fields: Unpack[MessageFields]) -> Message:
    """A message not stored yet (for `router.core.group_commit.GroupCommit.store`, or `add_message`)."""
    return Message(**message_row(conversation_id, sender, text, at, **fields))


def message_row(
    conversation_id: str, sender: str, text: str, at: datetime, **fields: Unpack[MessageFields]
) -> dict[str, Any]:
    """The columns of a new message, every one as the ORM inserts it (None in a JSON column is JSON null):
    the parameters of a Core INSERT into messages (`STORE_MESSAGES`), and `Message(id=…, **row)` after it."""
    return {
        "conversation_id": conversation_id,
        "sender": sender,
        "text": text,
        "title": fields.get("title"),
        "buttons": fields.get("buttons") or None,
        "agent_id": fields.get("agent_id"),
        "client_message_id": fields.get("client_message_id"),
        "result": fields.get("result"),
        "kind": fields.get("kind"),
        "intent": None,
        "intent_confidence": None,
        "created_at": at,
    }


async def add_message(
    session: AsyncSession, conversation_id: str, sender: str, text: str, at: datetime, **fields: Unpack[MessageFields]
) -> Message:
    message = new_message(conversation_id, sender, text, at, **fields)
    session.add(message)
    await session.flush()
    return message


@dataclass(slots=True)
class InsertedMessage:
    """A message `insert_messages` stored: its columns, without an ORM object (building a SQLModel object
    cost more CPU than the INSERT, issue 17). Shown and published like a `Message`."""

    id: int
    conversation_id: str
    sender: str
    text: str
    title: str | None
    buttons: list[dict[str, str]] | None
    agent_id: int | None
    client_message_id: str | None
    result: dict[str, Any] | None
    kind: str | None
    intent: str | None
    intent_confidence: float | None
    created_at: datetime


# What the API and the frames show: a message loaded or added with the ORM, or one just inserted.
Shown = Message | InsertedMessage


async def insert_messages(session: AsyncSession, rows: list[dict[str, Any]]) -> list[InsertedMessage]:
    """Insert new messages (`message_row`s) with one Core statement; returns them with their ids. The
    message metrics count them at the commit (router/metrics/stored.py)."""
    ids = (await session.exec(INSERT_MESSAGES, params=rows)).scalars().all()
    return [InsertedMessage(id=id_, **row) for id_, row in zip(ids, rows, strict=True)]


def add_event(
    session: AsyncSession,
    kind: str,
    at: datetime,
    *,
    conversation_id: str | None = None,
    case_id: int | None = None,
    agent_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        Event(
            kind=kind,
            created_at=at,
            conversation_id=conversation_id,
            case_id=case_id,
            agent_id=agent_id,
            data=data,
        )
    )


async def agent_names(session: AsyncSession, messages: list[Message]) -> dict[int, str]:
    """The display names (the name residents see, never the username) of the agents who wrote these messages."""
    ids = {m.agent_id for m in messages if m.sender == AGENT_SENDER and m.agent_id is not None}
    if not ids:
        return {}
    agents = await session.exec(select(Agent).where(col(Agent.id).in_(ids)))
    return {agent.id: agent.display_name for agent in agents.all()}


MAX_BUTTON_TITLE = 200  # messages.title


def shown_text(message: Shown) -> str:
    """What people read for a message: a tapped button's title, never its payload (issue 13)."""
    return message.title or message.text


def offered_title(turn: list[Message], payload: str, title: str | None) -> str | None:
    """`title` when one of the buttons of the bot's latest turn has it with this payload, else None.

    The widget sends the title it showed; the router keeps it only when the latest turn really offered
    that button, so a made-up or stale title never stands in for what the resident sent."""
    if title is None:
        return None
    for message in turn:
        for button in message.buttons or []:
            if button.get("title") == title and button.get("payload") == payload:
                return title
    return None


def message_json(message: Shown, names: dict[int, str] | None = None) -> dict[str, Any]:
    """A message as the resident API and the agent console show it. With `names` (from agent_names),
    an agent's message carries "name": the display name the resident saw when the agent joined.
    "kind" is there only for a message shown in a special way ("alarm": the safety net's 112 message)."""
    shown: dict[str, Any] = {
        "id": message.id,
        "from": message.sender,
        "text": shown_text(message),
        "at": message.created_at.isoformat(),
    }
    if message.buttons:
        shown["buttons"] = message.buttons
    if message.kind:
        shown["kind"] = message.kind
    if names and message.sender == AGENT_SENDER and message.agent_id in names:
        shown["name"] = names[message.agent_id]
    return shown


def message_frame(message: Shown) -> dict[str, Any]:
    """A WebSocket frame for the resident; their own messages carry client_message_id to match them."""
    frame = {
        "type": "message",
        "id": message.id,
        "from": message.sender,
        "text": shown_text(message),
        "buttons": message.buttons or [],
        "at": message.created_at.isoformat(),
    }
    if message.kind:
        frame["kind"] = message.kind
    if message.sender == RESIDENT and message.client_message_id:
        frame["client_message_id"] = message.client_message_id
    return frame


async def publish_messages(pubsub: PubSub, messages: Sequence[Shown], *, to_agents: bool) -> None:
    """Push stored messages to the resident's WebSockets and, while a person is involved, to the consoles."""
    for message in messages:
        await pubsub.publish(conversation_channel(message.conversation_id), message_frame(message))
        if to_agents:
            await pubsub.publish(
                AGENTS_CHANNEL,
                {"type": "message", "conversation_id": message.conversation_id, "message": message_json(message)},
            )
