"""Secrets: bearer tokens kept only as hashes, constant-time comparison, and agent passwords (argon2)."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(token_hash(token), stored_hash)


def secrets_equal(given: str, expected: str) -> bool:
    """Constant-time equality; an empty expected secret never matches."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password: str, stored_hash: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class PasswordChecks:
    """Argon2 verification takes a CPU core for a sizeable fraction of a second: on the event loop, a few
    wrong-password logins would stall every resident and console. Checks run in worker threads, at most
    `at_once` at a time (more would only compete for the same cores and let a login flood take every
    thread); the rest wait their turn without blocking anything.

    An unknown (or deactivated) username is verified against a hash of a random password made with the same
    parameters, so the answer takes as long as a wrong password and does not tell which usernames exist."""

    def __init__(self, at_once: int, check: Callable[[str, str], bool] = password_matches) -> None:
        if at_once < 1:
            raise ValueError("at least one password check must be allowed at a time")
        self._slots = asyncio.Semaphore(at_once)
        self._check = check
        self._dummy_hash = hash_password(secrets.token_urlsafe(16))

    async def matches(self, password: str, stored_hash: str | None) -> bool:
        """Whether `password` matches `stored_hash`; None (no such account) takes the same time and fails."""
        async with self._slots:
            matched = await asyncio.to_thread(self._check, password, stored_hash or self._dummy_hash)
        return matched and stored_hash is not None
