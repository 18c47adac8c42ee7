"""Is it a text? JSON may carry lone surrogates (`"\\ud800"`) and aiohttp hands over header bytes that are
not UTF-8 as surrogate escapes; neither can be stored, compared as UTF-8 or sent back, so they are refused
where they enter (a 400) instead of failing deep inside with a UnicodeEncodeError (a 500)."""
from __future__ import annotations

from typing import Any


def is_text(value: str) -> bool:
    """True when `value` can be encoded as UTF-8 (it has no lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_is_text(data: Any) -> bool:
    """True when every string in parsed JSON (keys and values, at any depth) is a text."""
    if isinstance(data, str):
        return is_text(data)
    if isinstance(data, dict):
        return all(is_text(key) and json_is_text(value) for key, value in data.items())
    if isinstance(data, list):
        return all(json_is_text(item) for item in data)
    return True
