"""Trackers for action tests, shaped like the ones Rasa sends to the action server."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

CONVERSATION_ID = "conv-42"


def user_event(intent: str, text: str = "…") -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": None,
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text},
    }


def action_event(name: str) -> dict[str, Any]:
    return {"event": "action", "timestamp": None, "name": name}


def bot_event(text: str) -> dict[str, Any]:
    return {"event": "bot", "timestamp": None, "text": text}


def make_tracker(
    intent: str,
    *,
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    text: str = "…",
    entities: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A tracker whose latest message has `intent` (and `entities`); `events` default to that one user message."""
    latest = {"intent": {"name": intent, "confidence": 0.9}, "entities": entities or [], "text": text}
    return Tracker(
        CONVERSATION_ID,
        slots or {},
        latest,
        events if events is not None else [action_event("action_listen"), user_event(intent, text)],
        False,
        None,
        {},
        "action_listen",
    )
