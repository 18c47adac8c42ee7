"""Errors a client can correct, with the HTTP status and the (Swedish) message the client is shown.

Services raise them; the error middleware turns them into JSON, WebSocket handlers into error frames.
"""
from __future__ import annotations

from router.texts import ERRORS


class ClientError(Exception):
    status = 400

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message or ERRORS.get(code, code)
        super().__init__(self.message)

    def as_json(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


class BadInput(ClientError):
    status = 400


class Unauthorized(ClientError):
    status = 401


class Forbidden(ClientError):
    status = 403


class NotFound(ClientError):
    status = 404


class Conflict(ClientError):
    status = 409


class TooLarge(ClientError):
    status = 413


class RateLimited(ClientError):
    status = 429


class BadGateway(ClientError):
    """A server the router relies on for the request (the SMTP server) failed; nothing was changed."""

    status = 502
