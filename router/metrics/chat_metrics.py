"""The chat's Prometheus metrics, in a registry of their own per application.

A registry per app, not prometheus_client's global one: the tests build many apps in one process, and two
apps must never add to each other's counts. Every label takes a value from a short fixed list (a sender,
an outcome, a kind of error), never text a resident wrote or anything that names a person.
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from router.handoff.handoff import CLOSED_OUTCOME, CLOSING_SOON, NO_AGENT, QUEUED_OUTCOME
from router.models import AGENT, AGENT_SENDER, BOT, BOT_SENDER, QUEUED, RESIDENT, SYSTEM

SENDERS = (RESIDENT, BOT_SENDER, AGENT_SENDER, SYSTEM)
HANDOFF_OUTCOMES = (QUEUED_OUTCOME, CLOSED_OUTCOME, CLOSING_SOON, NO_AGENT)
# The conversation's state when the safety net fired.
ALARM_STATES = (BOT, QUEUED, AGENT)
# timeout / connection: Rasa did not answer; status: it answered with an error; empty_answer: it answered
# nothing (a custom action failed, e.g. the action server is down).
RASA_ERROR_KINDS = ("timeout", "connection", "status", "empty_answer")
RATE_LIMIT_SCOPES = ("address", "conversation", "login_address", "login_username")

# A reply should take well under 2 s (the alert's threshold); Rasa's own timeout is 10 s.
REPLY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
# From "at once" to an hour in the queue.
WAIT_BUCKETS = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0)


class ChatMetrics:
    """The counters and histograms the router's code paths feed. The values read from the database,
    presence and Rasa when Prometheus asks are in `router.metrics.scrape`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.conversations = Counter("chat_conversations", "Conversations started.", registry=registry)
        self.messages = Counter("chat_messages", "Messages stored, by sender.", ["sender"], registry=registry)
        self.bot_reply_seconds = Histogram(
            "chat_bot_reply_seconds", "The router's whole bot turn: Rasa, the safety net, storing and publishing.",
            buckets=REPLY_BUCKETS, registry=registry,
        )
        self.rasa_request_seconds = Histogram(
            "chat_rasa_request_seconds", "Rasa's REST webhook alone, per request.",
            buckets=REPLY_BUCKETS, registry=registry,
        )
        self.rasa_errors = Counter("chat_rasa_errors", "Failed requests to Rasa, by kind.", ["kind"], registry=registry)
        self.fallbacks = Counter("chat_fallbacks", "Bot replies Rasa marked as its fallback answer.", registry=registry)
        self.emergency_alarms = Counter(
            "chat_emergency_alarms", "Times the safety net fired, by the conversation's state.", ["state"],
            registry=registry,
        )
        self.handoffs = Counter(
            "chat_handoffs", "Requests for a kommunvägledare, by outcome.", ["outcome"], registry=registry
        )
        self.queue_wait_seconds = Histogram(
            "chat_queue_wait_seconds", "How long a chat waited in the queue before an agent claimed it.",
            buckets=WAIT_BUCKETS, registry=registry,
        )
        self.rate_limited = Counter(
            "chat_rate_limited", "Requests refused by a rate limit, by scope.", ["scope"], registry=registry
        )
        self.db_errors = Counter("chat_db_errors", "Errors the database driver raised.", registry=registry)
        # Every known label value from the start: a series that exists at 0 lets rate() see its first event.
        for labelled, values in (
            (self.messages, SENDERS), (self.rasa_errors, RASA_ERROR_KINDS), (self.emergency_alarms, ALARM_STATES),
            (self.handoffs, HANDOFF_OUTCOMES), (self.rate_limited, RATE_LIMIT_SCOPES),
        ):
            for value in values:
                labelled.labels(value)

    def refused(self, scope: str) -> "Counter":
        """The counter a rate limiter of `scope` adds to when it refuses."""
        return self.rate_limited.labels(scope)
