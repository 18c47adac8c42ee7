"""Router options that are operational rather than contractual: rate limits and the cookie flag.

Read from the environment (next to the variables in `Settings`):
`RATE_LIMIT_CONVERSATION` messages a minute per conversation (default 20),
`RATE_LIMIT_ADDRESS` API requests a minute per client address (default 120),
`RATE_LIMIT_LOGIN_ADDRESS` / `RATE_LIMIT_LOGIN_USERNAME` login attempts a minute per client address and
per username (default 10 each),
`RASA_TIMEOUT_SECONDS` how long a resident's message may wait for Rasa's answer (default 10),
`RASA_STARTUP_SECONDS` for how long after the router starts a Rasa that has not answered yet counts as starting
(its model loads for a minute or more while the router already serves): the resident is told the assistant is
starting rather than that it failed (default 300),
`COOKIE_SECURE` `true`/`false` to mark the agent session cookie Secure or not; empty (the default): Secure
unless the site is reached as localhost (`make run`), so a deployment cannot forget it,
`MAX_SOCKETS_PER_CONVERSATION` open resident WebSockets per conversation in one router process (default 8:
a few tabs and reconnects, not a flood that holds the process's memory),
`DB_POOL_SIZE` / `DB_MAX_OVERFLOW` PostgreSQL connections per router process (default 5 + 10 more at peaks),
`PASSWORD_CHECKS_AT_ONCE` argon2 verifications running at the same time, in worker threads (default 2),
`RESIDENT_TOKEN_HOURS` how long a resident's conversation token stays valid after the last message (default 24),
`AGENT_SESSION_CHECK_SECONDS` how often an open console WebSocket re-checks its login session (default 30),
`STAFF_SESSION_HOURS` how long a staff login lasts, with a password or the city's account, before logging in
again (default 12: a working day; the identity provider is asked again at the next login).
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from urllib.parse import urlsplit


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def _flag(name: str) -> bool | None:
    """True or False when set, None when empty."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return None
    if raw in ("0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise ValueError(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class RouterOptions:
    conversation_per_minute: int = 20
    address_per_minute: int = 120
    login_per_address_minute: int = 10
    login_per_username_minute: int = 10
    rasa_timeout_seconds: float = 10.0
    rasa_startup_seconds: float = 0.0  # 0: a Rasa that does not answer is down, never starting
    cookie_secure: bool | None = None  # None: Secure unless the site is localhost (see secure_cookies_for)
    sockets_per_conversation: int = 8
    db_pool_size: int = 5
    db_max_overflow: int = 10
    password_checks_at_once: int = 2
    resident_token_hours: int = 24
    agent_session_check_seconds: float = 30.0
    staff_session_hours: int = 12

    @classmethod
    def from_env(cls) -> "RouterOptions":
        return cls(
            conversation_per_minute=_positive_int("RATE_LIMIT_CONVERSATION", cls.conversation_per_minute),
            address_per_minute=_positive_int("RATE_LIMIT_ADDRESS", cls.address_per_minute),
            login_per_address_minute=_positive_int("RATE_LIMIT_LOGIN_ADDRESS", cls.login_per_address_minute),
            login_per_username_minute=_positive_int("RATE_LIMIT_LOGIN_USERNAME", cls.login_per_username_minute),
            rasa_timeout_seconds=_positive_int("RASA_TIMEOUT_SECONDS", 10),
            rasa_startup_seconds=_positive_int("RASA_STARTUP_SECONDS", 300),
            cookie_secure=_flag("COOKIE_SECURE"),
            db_pool_size=_positive_int("DB_POOL_SIZE", cls.db_pool_size),
            db_max_overflow=_positive_int("DB_MAX_OVERFLOW", cls.db_max_overflow),
            sockets_per_conversation=_positive_int("MAX_SOCKETS_PER_CONVERSATION", cls.sockets_per_conversation),
            password_checks_at_once=_positive_int("PASSWORD_CHECKS_AT_ONCE", cls.password_checks_at_once),
            resident_token_hours=_positive_int("RESIDENT_TOKEN_HOURS", cls.resident_token_hours),
            agent_session_check_seconds=_positive_int("AGENT_SESSION_CHECK_SECONDS", 30),
            staff_session_hours=_positive_int("STAFF_SESSION_HOURS", cls.staff_session_hours),
        )

    def secure_cookies_for(self, host: str) -> bool:
        """Whether cookies set for a request with this Host header are marked Secure. Automatic: yes,
        unless the host is localhost or a loopback address (plain http on the developer's machine, where
        a Secure cookie would not come back in every client); a Host that is no host name gets Secure."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        try:
            name = urlsplit(f"//{host}").hostname or ""
        except ValueError:
            return True
        if name == "localhost" or name.endswith(".localhost"):
            return False
        try:
            return not ipaddress.ip_address(name).is_loopback
        except ValueError:
            return True
