"""Comparing a secret a caller presents with the one from the environment."""
from __future__ import annotations

import hmac
import os


class MissingSecret(RuntimeError):
    """A door would be left open: its secret is not set. The process refuses to start."""


def required_secret(name: str) -> str:
    """The secret in environment variable `name`; raises MissingSecret when it is empty."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise MissingSecret(f"{name} is empty: run `python -m bot setup` to write .env, or set it")
    return value


def presented(given: str | None, expected: str) -> bool:
    """Constant-time check of a presented secret; a missing or non-ASCII one never matches."""
    if not given or not expected or not given.isascii():
        return False
    return hmac.compare_digest(given.encode("ascii"), expected.encode("utf-8"))
