"""Counting what the router stored: conversations, messages, alarms, handoffs and queue waits.

Every code path that starts a conversation, writes a message (resident, bot, agent or system, from any
module), fires the safety net, decides a handoff or lets an agent claim a chat records it in the database,
in the rows `router.transcript` adds. So the counts are taken there, in SQLAlchemy's session events for
this app's engine: what a flush wrote is noted, and counted only when its transaction commits (a claim
that lost the race and rolled back counts nothing). Messages inserted with a Core INSERT through a session
(`router.transcript.insert_messages`, the resident's hot path) are noted from that statement's rows the
same way. The database driver's errors are counted on the engine.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, attributes

from router.metrics.chat_metrics import ALARM_STATES, HANDOFF_OUTCOMES, SENDERS, ChatMetrics
from router.models import QUEUED, Case, Conversation, Event, Message

PENDING = "chat_metrics_pending"
MESSAGES = Message.__table__  # type: ignore[attr-defined]
Count = Callable[[], None]


def _counts(metrics: ChatMetrics, session: Session) -> Iterator[Count]:
    """What this flush writes, as increments to apply once it is committed."""
    for row in session.new:
        if isinstance(row, Conversation):
            yield metrics.conversations.inc
        elif isinstance(row, Message) and row.sender in SENDERS:
            yield metrics.messages.labels(row.sender).inc
        elif isinstance(row, Event):
            yield from _event_counts(metrics, row)
    for row in session.dirty:
        if isinstance(row, Case):
            waited = attributes.get_history(row, "wait_seconds").added
            if waited and waited[0] is not None:
                seconds = float(waited[0])
                yield lambda: metrics.queue_wait_seconds.observe(seconds)


def _inserted_messages(metrics: ChatMetrics, state: ORMExecuteState) -> Iterator[Count]:
    """What a Core INSERT into messages writes (its parameters: a row or a list of rows)."""
    rows = state.parameters
    for row in [rows] if isinstance(rows, Mapping) else rows or ():
        sender = row.get("sender")
        if sender in SENDERS:
            yield metrics.messages.labels(sender).inc


def _event_counts(metrics: ChatMetrics, row: Event) -> Iterator[Count]:
    data: dict[str, Any] = row.data or {}
    if row.kind == "emergency_flagged" and data.get("state") in ALARM_STATES:
        yield metrics.emergency_alarms.labels(data["state"]).inc
    elif row.kind == "queued" and data.get("to") == QUEUED:
        yield metrics.handoffs.labels("queued").inc
    elif row.kind == "handoff_declined" and data.get("outcome") in HANDOFF_OUTCOMES:
        yield metrics.handoffs.labels(data["outcome"]).inc


def count_stored(metrics: ChatMetrics, engine: Engine) -> Callable[[], None]:
    """Count what sessions bound to `engine` commit, and the engine's errors; returns the function that
    stops counting (session events are registered on the Session class, shared by every app)."""

    def after_flush(session: Session, _context: object) -> None:
        if session.bind is engine:
            session.info.setdefault(PENDING, []).extend(_counts(metrics, session))

    def do_orm_execute(state: ORMExecuteState) -> None:
        if state.is_insert and state.session.bind is engine and getattr(state.statement, "table", None) is MESSAGES:
            state.session.info.setdefault(PENDING, []).extend(_inserted_messages(metrics, state))

    def after_commit(session: Session) -> None:
        for count in session.info.pop(PENDING, ()):
            count()

    def after_rollback(session: Session, _previous: object) -> None:
        session.info.pop(PENDING, None)

    def handle_error(context: ExceptionContext) -> None:
        # A unique or foreign-key violation is a race the code handles, not a database in trouble.
        if not isinstance(context.sqlalchemy_exception, IntegrityError):
            metrics.db_errors.inc()

    session_events: list[tuple[str, Callable[..., None]]] = [
        ("after_flush", after_flush), ("do_orm_execute", do_orm_execute), ("after_commit", after_commit),
        ("after_soft_rollback", after_rollback),
    ]
    for name, listener in session_events:
        event.listen(Session, name, listener)
    event.listen(engine, "handle_error", handle_error)

    def stop() -> None:
        for name, listener in session_events:
            event.remove(Session, name, listener)
        event.remove(engine, "handle_error", handle_error)

    return stop
