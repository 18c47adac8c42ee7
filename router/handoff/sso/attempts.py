"""Starting a login at the provider and finding it again at the callback: `state` (bound to the browser by a
cookie), `nonce` (bound into the ID token) and the PKCE code verifier, each random and used once."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from authlib.common.security import generate_token
from sqlmodel import col, delete, select

from router.core.db import SessionMaker
from router.core.security import token_hash
from router.handoff.sso.models import SsoAttempt

# Long enough to type a password and a second factor at the provider; a callback after it starts over.
ATTEMPT_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class Attempt:
    state: str
    nonce: str
    code_verifier: str
    next_admin: bool


async def begin(maker: SessionMaker, now: datetime, next_admin: bool) -> Attempt:
    """A new attempt, stored by its state's hash; expired attempts are removed on the way."""
    attempt = Attempt(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=generate_token(64),  # RFC 7636: 43–128 unreserved characters
        next_admin=next_admin,
    )
    async with maker() as session:
        await session.exec(delete(SsoAttempt).where(col(SsoAttempt.expires_at) < now))
        session.add(
            SsoAttempt(
                state_hash=token_hash(attempt.state),
                nonce=attempt.nonce,
                code_verifier=attempt.code_verifier,
                next_admin=next_admin,
                expires_at=now + ATTEMPT_LIFETIME,
            )
        )
        await session.commit()
    return attempt


async def take(maker: SessionMaker, state: str, now: datetime) -> Attempt | None:
    """The unexpired attempt with this state, removed so that it cannot be used twice."""
    async with maker() as session:
        row = (await session.exec(select(SsoAttempt).where(SsoAttempt.state_hash == token_hash(state)))).first()
        if row is None:
            return None
        await session.delete(row)
        await session.commit()
    if row.expires_at <= now:
        return None
    return Attempt(state=state, nonce=row.nonce, code_verifier=row.code_verifier, next_admin=row.next_admin)
