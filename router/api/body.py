"""Reading and checking what clients send: JSON bodies, message texts, bearer tokens."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from router.errors import BadInput, TooLarge
from router.texts import MAX_TEXT_LENGTH

MAX_BODY_BYTES = 64 * 1024


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or 400."""
    try:
        raw = await request.text()
    except UnicodeDecodeError:
        raise BadInput("invalid_json") from None
    return parse_json_text(raw)


def parse_json_text(raw: str) -> dict[str, Any]:
    """Text (a body or a WebSocket frame) as a JSON object, or 400."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise BadInput("invalid_json") from None
    if not isinstance(data, dict):
        raise BadInput("invalid_json")
    return data


def message_text(value: Any, limit: int = MAX_TEXT_LENGTH) -> str:
    """A message text: a non-blank string of at most `limit` characters (400 / 413 otherwise)."""
    if value is None:
        raise BadInput("empty_text")
    if not isinstance(value, str):
        raise BadInput("invalid_field", "Fältet text ska vara en text.")
    text = value.strip()
    if not text:
        raise BadInput("empty_text")
    if len(text) > limit:
        raise TooLarge("text_too_long")
    return text


def optional_text(data: dict[str, Any], key: str, limit: int) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise BadInput("invalid_field", f"Fältet {key} ska vara en text på högst {limit} tecken.")
    return value.strip() or None


def boolean(data: dict[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise BadInput("invalid_field", f"Fältet {key} ska vara true eller false.")
    return value


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
