"""Reading and checking what clients send: JSON bodies, message texts, bearer tokens."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from router.core.unicode import json_is_text
from router.errors import BadInput, TooLarge
from router.texts import MAX_TEXT_LENGTH

MAX_BODY_BYTES = 64 * 1024
# The largest id SQLite's INTEGER (and PostgreSQL's BIGINT) holds; a bigger number is no row's id.
MAX_DATABASE_INT = 2**63 - 1


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or 400 (also for a charset Python does not know)."""
    try:
        raw = await request.text()
    except (UnicodeDecodeError, LookupError):
        raise BadInput("invalid_json") from None
    return parse_json_text(raw)


async def form_data(request: web.Request) -> Any:
    """A form body (`application/x-www-form-urlencoded` or multipart), or 400 when it cannot be decoded."""
    try:
        return await request.post()
    except (UnicodeDecodeError, LookupError, ValueError):
        raise BadInput("bad_request", "Formuläret kunde inte läsas.") from None


def parse_json_text(raw: str) -> dict[str, Any]:
    """Text (a body or a WebSocket frame) as a JSON object, or 400: also for nesting deeper than Python's
    parser goes (RecursionError) and for lone surrogates, which no text can contain."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadInput("invalid_json") from None
    if not isinstance(data, dict) or not json_is_text(data):
        raise BadInput("invalid_json")
    return data


def database_id(raw: str) -> int | None:
    """A path segment as a row id: ASCII digits (not "²" or "٣", which `int` refuses or `isdigit` lets
    through) for a number the database can hold; None otherwise."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_DATABASE_INT:
        return None
    return int(raw)


def database_int(value: Any) -> bool:
    """True for a JSON integer (not a boolean) from 0 up to what the database holds."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_DATABASE_INT


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
