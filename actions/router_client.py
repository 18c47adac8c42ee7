"""Async client for the router's hours API and internal API (see docs/architecture.md).

Every failure — connection refused, timeout, an unexpected status, a body that is not JSON
or does not have the contract's shape — is raised as `RouterError`, so an action has exactly
one thing to catch.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp

from actions.config import ActionSettings

HANDOFF_OUTCOMES = ("queued", "already_queued", "no_agent", "closing_soon", "closed")
HANDOFF_REASONS = ("requested", "fallback", "topic")


class RouterError(Exception):
    """The router could not be reached in time or answered outside the contract."""


@dataclass(frozen=True)
class HoursAnswer:
    """The router's Swedish answer about opening hours, ready for the resident."""

    text: str | None  # None: the resident's message names no day (POST /api/hours/days)
    week: str  # the normal week in one line, kept for when the router cannot be reached


@dataclass(frozen=True)
class HandoffResult:
    outcome: str
    reference: str | None
    position: int | None
    wait_minutes: int | None
    opens_at: datetime | None
    opens_at_text: str | None
    closes_at: datetime | None
    phone: str | None
    # The router's wording when the outcome is queued or already_queued: the actions show it as it is.
    text: str | None


class RouterClient:
    def __init__(self, settings: ActionSettings) -> None:
        self._base_url = settings.router_url.rstrip("/")
        self._secret = settings.internal_secret
        self._timeout = aiohttp.ClientTimeout(total=settings.timeout_seconds)

    async def hours_now(self) -> HoursAnswer:
        """GET /api/hours: open or closed now, the normal week and the deviating days ahead, worded."""
        body = _mapping(await self._request("GET", "/api/hours", expected=(200,)), "response")
        return HoursAnswer(text=_text(body, "text"), week=_text(body, "week"))

    async def hours_for_phrase(self, phrase: str) -> HoursAnswer:
        """POST /api/hours/days {"phrase": …}: the hours of the days the resident's message names,
        worded; `text` is None when it names none."""
        payload = {"phrase": phrase}
        body = _mapping(await self._request("POST", "/api/hours/days", payload=payload, expected=(200,)), "response")
        days = _field(body, "days", list)
        text = _optional(body, "text", str)
        if (text is None) != (not days) or (text is not None and not text.strip()):
            raise RouterError("a text must come with days, and no text without")
        return HoursAnswer(text=text, week=_text(body, "week"))

    async def request_handoff(self, conversation_id: str, reason: str, topic: str | None) -> HandoffResult:
        """POST /internal/handoff. An unknown conversation (404) is a RouterError like any other."""
        if reason not in HANDOFF_REASONS:
            raise ValueError(f"reason must be one of {HANDOFF_REASONS}, got {reason!r}")
        payload = {"conversation_id": conversation_id, "reason": reason, "topic": topic}
        body = _mapping(
            await self._request("POST", "/internal/handoff", payload=payload, internal=True, expected=(200,)),
            "response",
        )
        outcome = _field(body, "outcome", str)
        if outcome not in HANDOFF_OUTCOMES:
            raise RouterError(f"unknown handoff outcome {outcome!r}")
        text = _optional(body, "text", str)
        if outcome in ("queued", "already_queued") and not (text and text.strip()):
            raise RouterError(f"a {outcome} handoff comes without its text")
        return HandoffResult(
            outcome=outcome,
            reference=_optional(body, "reference", str),
            position=_optional(body, "position", int),
            wait_minutes=_optional(body, "wait_minutes", int),
            opens_at=_moment(body, "opens_at"),
            opens_at_text=_optional(body, "opens_at_text", str),
            closes_at=_moment(body, "closes_at"),
            phone=_optional(body, "phone", str),
            text=text,
        )

    async def submit_left_message(self, conversation_id: str, text: str, contact: str | None) -> str:
        """POST /internal/left-messages; returns the case reference."""
        payload = {"conversation_id": conversation_id, "text": text, "contact": contact}
        body = _mapping(
            await self._request("POST", "/internal/left-messages", payload=payload, internal=True, expected=(200, 201)),
            "response",
        )
        reference = _field(body, "reference", str)
        if not reference.strip():
            raise RouterError("empty reference")
        return reference

    async def record_signal(self, conversation_id: str, intent: str, text: str, district: str | None) -> str | None:
        """POST /internal/signals: the router decides whether the message is a trygghetssignal (never one the
        safety net marks as danger now), normalises the district and masks the place; returns the signal's id,
        or None when nothing was recorded. The signal keeps no conversation id: the router notes the signal in
        the conversation's audit trail only, so the kommunvägledare closing the chat can correct it."""
        payload = {"conversation_id": conversation_id, "intent": intent, "text": text, "district": district}
        body = _mapping(
            await self._request("POST", "/internal/signals", payload=payload, internal=True, expected=(200, 201)),
            "response",
        )
        if not _field(body, "recorded", bool):
            return None
        signal_id = _field(body, "id", str)
        if not signal_id.strip():
            raise RouterError("a recorded signal comes without its id")
        return signal_id

    async def withdraw_signal(self, signal_id: str) -> bool:
        """DELETE /internal/signals/{id}; True when the signal was there and is now gone."""
        body = _mapping(
            await self._request("DELETE", f"/internal/signals/{signal_id}", internal=True, expected=(200,)),
            "response",
        )
        return bool(_field(body, "removed", bool))

    async def _request(
        self,
        method: str,
        path: str,
        *,
        expected: tuple[int, ...],
        params: dict[str, str] | None = None,
        payload: dict[str, Any] | None = None,
        internal: bool = False,
    ) -> Any:
        headers = {"X-Internal-Secret": self._secret} if internal else {}
        url = f"{self._base_url}{path}"
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as session:
                async with session.request(method, url, params=params, json=payload, headers=headers) as response:
                    text = await response.text()
                    status = response.status
        except asyncio.TimeoutError as error:
            raise RouterError(f"{method} {path}: no answer within {self._timeout.total} s") from error
        except aiohttp.ClientError as error:
            raise RouterError(f"{method} {path}: {error.__class__.__name__}: {error}") from error
        if status not in expected:
            raise RouterError(f"{method} {path}: HTTP {status}")
        try:
            return json.loads(text)
        except ValueError as error:
            raise RouterError(f"{method} {path}: the body is not JSON") from error


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RouterError(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value


def _field(body: dict[str, Any], key: str, kind: type) -> Any:
    if key not in body:
        raise RouterError(f"missing field {key!r}")
    value = body[key]
    if not _is(value, kind):
        raise RouterError(f"field {key!r}: expected {kind.__name__}, got {value!r}")
    return value


def _optional(body: dict[str, Any], key: str, kind: type) -> Any:
    value = body.get(key)
    if value is None:
        return None
    if not _is(value, kind):
        raise RouterError(f"field {key!r}: expected {kind.__name__} or null, got {value!r}")
    return value


def _is(value: Any, kind: type) -> bool:
    # JSON true/false must not pass as a number.
    if kind is int and isinstance(value, bool):
        return False
    return isinstance(value, kind)


def _moment(body: dict[str, Any], key: str) -> datetime | None:
    text = _optional(body, key, str)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise RouterError(f"field {key!r}: not an ISO time: {text!r}") from error
    if moment.tzinfo is None:
        raise RouterError(f"field {key!r}: {text!r} has no UTC offset")
    return moment


def _text(body: dict[str, Any], key: str) -> str:
    value = _field(body, key, str)
    if not value.strip():
        raise RouterError(f"field {key!r} is empty")
    return value
