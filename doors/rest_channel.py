"""Rasa's REST channel with a lock: only a caller presenting `X-Rasa-Token` (the router) can send a
message. credentials.yml names it in place of the built-in `rest:` channel:

    doors.rest_channel.SecretRestInput:
      token: ${RASA_TOKEN}

It keeps the name `rest`, so the webhook stays at /webhooks/rest/webhook and trackers keep recording the
input channel as "rest".

One addition to Rasa's RestInput: the answer ends with the intent Rasa understood,
`{"recipient_id": …, "custom": {"intent": {"name": …, "confidence": …}}}`. The router stores it with the
resident's message (the administrators' inbox and dashboard read it); without it the router had to ask
for the conversation's tracker after every answer — a second request per message that loads, replays and
saves the whole tracker in Rasa's event loop, which doubled Rasa's work per message under load. The
channel parses the message itself and hands the result to Rasa's processor with the message
(`UserMessage.parse_data`, which the processor uses instead of parsing again), so the message is
understood exactly once. Rasa's streaming variant (`?stream=true`) is not offered: the router never uses it.
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from doors.secret import MissingSecret, presented

TOKEN_HEADER = "X-Rasa-Token"
INTENT_KEY = "intent"  # router/rasa/client.py reads the intent under this key of a custom message

logger = logging.getLogger(__name__)


def intent_message(sender_id: Text, parse_data: Optional[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """The closing custom message naming the intent of `parse_data` (none when there is no intent)."""
    intent = (parse_data or {}).get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence")
    if not isinstance(name, str) or not isinstance(confidence, (int, float)):
        return []
    return [{"recipient_id": sender_id, "custom": {INTENT_KEY: {"name": name, "confidence": float(confidence)}}}]


class SecretRestInput(RestInput):
    def __init__(self, token: str) -> None:
        if not token or not token.strip():
            raise MissingSecret(
                "the REST channel's token is empty: set RASA_TOKEN (credentials.yml reads it as ${RASA_TOKEN})"
            )
        self.token = token.strip()

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SecretRestInput":
        return cls(str((credentials or {}).get("token") or ""))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST routes (`GET /`, `POST /webhook`), each behind the token check (a blueprint
        middleware runs only for them); the webhook answers with the intent at the end (module docstring)."""
        channel = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @channel.middleware("request")
        async def require_token(request: Request) -> Optional[HTTPResponse]:
            if presented(request.headers.get(TOKEN_HEADER), self.token):
                return None
            return response.json({"error": "unauthorized", "message": f"Wrong or missing {TOKEN_HEADER}."}, 401)

        @channel.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @channel.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            collector = CollectingOutputChannel()
            message = UserMessage(
                self._extract_message(request), collector, sender_id,
                input_channel=self._extract_input_channel(request), metadata=self.get_metadata(request),
            )
            try:
                message.parse_data = await request.app.ctx.agent.processor.parse_message(message)
            except Exception:  # no model loaded: the processor below fails and logs it, as in RestInput
                logger.exception("Could not parse the message of %s", sender_id)
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("The message of %s was cancelled (the caller went away)", sender_id)
            except Exception:
                logger.exception("Could not handle the message of %s", sender_id)
            return response.json(collector.messages + intent_message(sender_id, message.parse_data))

        return channel
