"""The router's side of Rasa's HTTP API: REST webhook, tracker, pause/resume, and health checks."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import aiohttp

from router.rasa.upstream import RasaUpstream

API_TIMEOUT = aiohttp.ClientTimeout(total=5)
HEALTH_TIMEOUT = aiohttp.ClientTimeout(total=2)
# Rasa (Sanic) closes a keep-alive connection after 5 s idle. Reusing one it is closing at that moment
# fails the request, and after a model swap unblocks Rasa's event loop it closes them all at once; so the
# router never reuses a connection idle for this long.
KEEPALIVE_SECONDS = 2.0


# Rasa's REST channel takes a message only with this header carrying RASA_TOKEN (doors/rest_channel.py).
# A header, not `?token=`, so no access log records the token.
TOKEN_HEADER = "X-Rasa-Token"
WEBHOOK_PATH = "/webhooks/rest/webhook"

RESUME_EVENTS = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]


class RasaUnavailable(Exception):
    """Rasa did not answer in time, refused the connection or answered with an error."""


@dataclass(frozen=True)
class Intent:
    name: str
    confidence: float


@dataclass(frozen=True)
class RasaAnswer:
    """What Rasa answered one message with: the replies (see `replies_of`) and the intent it understood."""

    replies: list[dict[str, Any]]
    intent: Intent | None


# A response in Rasa's domain (or a custom action) can say what kind of answer it is with
# `custom: {"answer": "emergency"}` or `custom: {"answer": "fallback"}`. Rasa's REST channel sends that
# custom payload as a message of its own, right after the response's text (rasa/core/channels/channel.py,
# OutputChannel.send_response), so a marker belongs to the text reply before it. Marked responses are
# one paragraph: the REST channel splits a text at blank lines, and only the last part would be marked.
MARKER_KEY = "answer"
# `custom: {"answer": "asks_contact"}`: the answer asks for a phone number or e-mail (issue 13).
EMERGENCY_MARKER, FALLBACK_MARKER, ASKS_CONTACT_MARKER = "emergency", "fallback", "asks_contact"
MARKERS = (EMERGENCY_MARKER, FALLBACK_MARKER, ASKS_CONTACT_MARKER)
# The REST channel ends its answer with the intent it understood, as a custom message of its own
# (doors/rest_channel.py): the intent comes with the answer instead of from a second request for the tracker.
INTENT_KEY = "intent"


def _reply(raw: Any) -> dict[str, Any] | None:
    """One bot message as {"text", "buttons"}; messages without text (images, custom JSON) are skipped."""
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"].strip():
        return None
    buttons = [
        {"title": str(button["title"]), "payload": str(button["payload"])}
        for button in raw.get("buttons") or []
        if isinstance(button, dict) and "title" in button and "payload" in button
    ]
    return {"text": raw["text"], "buttons": buttons}


def _marker(raw: Any) -> str | None:
    custom = raw.get("custom") if isinstance(raw, dict) else None
    marker = custom.get(MARKER_KEY) if isinstance(custom, dict) else None
    return marker if marker in MARKERS else None


def replies_of(body: list[Any]) -> list[dict[str, Any]]:
    """The webhook's messages as replies {"text", "buttons"}, with "marker" on a reply Rasa marked."""
    replies: list[dict[str, Any]] = []
    for raw in body:
        reply = _reply(raw)
        if reply is not None:
            replies.append(reply)
        marker = _marker(raw)
        if marker is not None and replies and "marker" not in replies[-1]:
            replies[-1]["marker"] = marker
    return replies


def intent_of(body: list[Any]) -> Intent | None:
    """The intent the REST channel named at the end of its answer, if any."""
    for raw in reversed(body):
        custom = raw.get("custom") if isinstance(raw, dict) else None
        intent = custom.get(INTENT_KEY) if isinstance(custom, dict) else None
        if isinstance(intent, dict):
            name, confidence = intent.get("name"), intent.get("confidence")
            if isinstance(name, str) and name and isinstance(confidence, (int, float)):
                return Intent(name, float(confidence))
    return None


class RasaClient:
    def __init__(
        self, http: aiohttp.ClientSession, upstream: RasaUpstream, token: str, webhook_timeout_seconds: float = 10.0,
        startup_seconds: float = 0.0,
    ) -> None:
        self._http = http
        self.upstream = upstream
        self._token = token
        self._webhook_timeout = aiohttp.ClientTimeout(total=webhook_timeout_seconds)
        self._startup_until = time.monotonic() + startup_seconds
        self._answered = False

    def starting(self) -> bool:
        """Whether Rasa may still be loading its model: it has not answered since this router started, which
        was less than `startup_seconds` ago (`make run` starts the router while Rasa loads)."""
        return not self._answered and time.monotonic() < self._startup_until

    async def send(self, sender: str, text: str) -> RasaAnswer:
        """Send a resident's message through the REST channel; returns the bot's replies and the intent."""
        try:
            async with self.upstream.request() as base, self._http.post(
                f"{base}{WEBHOOK_PATH}", json={"sender": sender, "message": text},
                headers={TOKEN_HEADER: self._token}, timeout=self._webhook_timeout,
            ) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"webhook answered {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise RasaUnavailable(f"webhook failed: {error!r}") from error
        if not isinstance(body, list):
            raise RasaUnavailable("webhook answered something other than a list")
        self._answered = True
        return RasaAnswer(replies_of(body), intent_of(body))

    async def resume(self, sender: str) -> None:
        """Undo the ConversationPaused the handoff action returned, so Rasa answers again.

        A paused conversation never ran `action_listen` after the handoff action; without it the next
        user turn matches no rule and Rasa falls back into the handoff again, so it is appended here."""
        try:
            async with self.upstream.request() as base, self._http.post(
                f"{base}/conversations/{sender}/tracker/events", params={"token": self._token}, json=RESUME_EVENTS,
                timeout=API_TIMEOUT,
            ) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"resume answered {response.status}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RasaUnavailable(f"resume failed: {error!r}") from error


async def served_model(http: aiohttp.ClientSession, url: str, token: str) -> str | None:
    """The file name of the model the Rasa at `url` serves; None when Rasa is up without one (`GET /status`
    answers 409 when loading its model failed). RasaUnavailable when it does not answer."""
    try:
        async with http.get(f"{url}/status", params={"token": token}, timeout=HEALTH_TIMEOUT) as response:
            if response.status == 409:
                return None
            if response.status != 200:
                raise RasaUnavailable(f"status answered {response.status}")
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        raise RasaUnavailable(f"status failed: {error!r}") from error
    model = body.get("model_file") if isinstance(body, dict) else None
    return PurePath(model).name if isinstance(model, str) and model else None


async def answers(http: aiohttp.ClientSession, url: str) -> bool:
    """True when `url` answers 200 within the health-check timeout."""
    try:
        async with http.get(url, timeout=HEALTH_TIMEOUT) as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False
