"""Rasa's REST channel with a lock: only a caller presenting `X-Rasa-Token` (the router) can send a
message. credentials.yml names it in place of the built-in `rest:` channel:

    doors.rest_channel.SecretRestInput:
      token: ${RASA_TOKEN}

It keeps the name `rest`, so the webhook stays at /webhooks/rest/webhook and trackers keep recording the
input channel as "rest". Everything else is Rasa's own RestInput.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from doors.secret import MissingSecret, presented

TOKEN_HEADER = "X-Rasa-Token"


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
        """RestInput's routes, each behind the token check (a blueprint middleware runs only for them)."""
        channel = super().blueprint(on_new_message)

        @channel.middleware("request")
        async def require_token(request: Request) -> Optional[HTTPResponse]:
            if presented(request.headers.get(TOKEN_HEADER), self.token):
                return None
            return response.json({"error": "unauthorized", "message": f"Wrong or missing {TOKEN_HEADER}."}, 401)

        return channel
