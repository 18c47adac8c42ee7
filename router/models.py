"""Database tables (sqlmodel). All times are aware UTC datetimes (see `UTCDateTime`).

The JSON shapes clients see are written out where they are served (router/transcript.py,
router/handoff/desk.py, router/handoff/queue.py), because they differ from the rows (e.g. `from`, ISO times).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class UTCDateTime(sa.types.TypeDecorator):
    """Stores aware datetimes as UTC and always returns aware UTC datetimes (SQLite keeps them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _time(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


# Conversation states
BOT, QUEUED, AGENT, CLOSED = "bot", "queued", "agent", "closed"
# Case kinds and statuses
CHAT, LEFT_MESSAGE = "chat", "message"
CASE_QUEUED, CASE_CLAIMED, CASE_CLOSED, CASE_CANCELLED = "queued", "claimed", "closed", "cancelled"
FOLLOW_UP_OPEN, FOLLOW_UP_DONE = "open", "done"
# How a left message was answered
ANSWER_EMAIL, ANSWER_PHONE = "email", "phone"
# Message senders
RESIDENT, BOT_SENDER, AGENT_SENDER, SYSTEM = "resident", "bot", "agent", "system"
# Message kinds: how a message is shown besides who sent it (None: an ordinary bubble)
ALARM = "alarm"
# A bot message that asks for the resident's phone number or e-mail: the widget does not warn about them.
ASKS_CONTACT = "asks_contact"
# Agent roles. An analyst (crime-prevention coordinator) only reads the trygghetssignaler page: no console.
ROLE_AGENT, ROLE_ADMIN, ROLE_ANALYST = "agent", "admin", "analyst"


class Conversation(SQLModel, table=True):
    __tablename__ = "conversations"

    id: str = Field(primary_key=True, max_length=32)
    token_hash: str = Field(max_length=64)
    state: str = Field(default=BOT, max_length=16, index=True)
    needs_resume: bool = Field(default=False)
    created_at: datetime = _time()
    updated_at: datetime = _time()


class Message(SQLModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("conversation_id", "client_message_id", name="uq_messages_client_message_id"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversations.id", index=True, max_length=32)
    sender: str = Field(max_length=16)
    text: str
    # The title of the button the resident tapped (text is then its payload, which only Rasa sees).
    title: Optional[str] = Field(default=None, max_length=200)
    buttons: Optional[list[dict[str, str]]] = Field(default=None, sa_type=sa.JSON)
    agent_id: Optional[int] = Field(default=None, foreign_key="agents.id")
    client_message_id: Optional[str] = Field(default=None, max_length=100)
    result: Optional[dict[str, Any]] = Field(default=None, sa_type=sa.JSON)
    kind: Optional[str] = Field(default=None, max_length=16)
    intent: Optional[str] = Field(default=None, max_length=100)
    intent_confidence: Optional[float] = None
    created_at: datetime = _time()


class Case(SQLModel, table=True):
    __tablename__ = "cases"
    # An id, and so the reference HBG-<year>-<id>, is never given twice, also after retention deleted the
    # newest case (migration 0006; a batch migration that rebuilds this table must pass it on).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    status: str = Field(max_length=16, index=True)
    reason: Optional[str] = Field(default=None, max_length=32)
    topic: Optional[str] = Field(default=None, max_length=100)
    text: Optional[str] = None
    contact: Optional[str] = Field(default=None, max_length=200)
    category: Optional[str] = Field(default=None, max_length=100)
    reference: Optional[str] = Field(default=None, max_length=32, unique=True)
    conversation_id: str = Field(foreign_key="conversations.id", index=True, max_length=32)
    agent_id: Optional[int] = Field(default=None, foreign_key="agents.id")
    created_at: datetime = _time()
    queued_at: Optional[datetime] = _time(default=None)
    claimed_at: Optional[datetime] = _time(default=None)
    closed_at: Optional[datetime] = _time(default=None)
    wait_seconds: Optional[float] = None
    # Set when the safety net fired while a person was involved; an agent clears it.
    urgent_at: Optional[datetime] = _time(default=None)
    # A left message's answer (part of the record): by e-mail to `answer_email`, or noted after a phone call.
    answer_channel: Optional[str] = Field(default=None, max_length=16)
    answer_email: Optional[str] = Field(default=None, max_length=200)
    answer_text: Optional[str] = None
    answered_at: Optional[datetime] = _time(default=None)


class Agent(SQLModel, table=True):
    __tablename__ = "agents"
    __table_args__ = (
        sa.UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_agents_oidc_identity"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=100)
    role: str = Field(default=ROLE_AGENT, max_length=16)
    # Empty for an account of the city's identity provider: it has no password here.
    password_hash: str = Field(max_length=255)
    online: bool = Field(default=False)
    active: bool = Field(default=True)
    created_at: datetime = _time()
    # Accounts that log in with the city's identity provider (router/handoff/sso/): who they are there.
    email: Optional[str] = Field(default=None, max_length=255)
    oidc_issuer: Optional[str] = Field(default=None, max_length=255)
    oidc_subject: Optional[str] = Field(default=None, max_length=255)


class AgentSession(SQLModel, table=True):
    __tablename__ = "sessions"

    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    csrf_token: str = Field(max_length=64)
    agent_id: int = Field(foreign_key="agents.id", index=True)
    created_at: datetime = _time()
    expires_at: datetime = _time()
    # Started through the identity provider: logging out also ends the provider's session where it offers that.
    via_sso: bool = Field(default=False)


class Note(SQLModel, table=True):
    __tablename__ = "notes"

    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    agent_id: int = Field(foreign_key="agents.id")
    text: str
    created_at: datetime = _time()


class Event(SQLModel, table=True):
    """Audit trail: every state change of a conversation or case, and who caused it."""

    __tablename__ = "events"

    id: Optional[int] = Field(default=None, primary_key=True)
    conversation_id: Optional[str] = Field(default=None, foreign_key="conversations.id", index=True, max_length=32)
    case_id: Optional[int] = Field(default=None, foreign_key="cases.id")
    agent_id: Optional[int] = Field(default=None, foreign_key="agents.id")
    kind: str = Field(max_length=32)
    data: Optional[dict[str, Any]] = Field(default=None, sa_type=sa.JSON)
    created_at: datetime = _time()


class Feedback(SQLModel, table=True):
    __tablename__ = "feedback"

    id: Optional[int] = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversations.id", index=True, max_length=32)
    helped: bool
    created_at: datetime = _time()
