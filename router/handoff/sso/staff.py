"""The staff account behind a verified ID token: its role from the provider's role claim, its name and e-mail
from the token, created at the first login and brought up to date at every one after it.

The provider decides who is staff: a user whose role claim names neither role is refused and any session
that account still has here ends, so removing someone from the group at the provider is enough. A local
deactivation (the admin's command line) still stops an account that the provider lets in.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from router.core.config import OidcConfig
from router.handoff.accounts import SSO_USERNAME_PREFIX
from router.models import ROLE_ADMIN, ROLE_AGENT, ROLE_ANALYST, Agent

NAME_LENGTH = 100
EMAIL_LENGTH = 255


def role_from(claims: dict[str, Any], config: OidcConfig) -> str | None:
    """admin, agent, analyst or None (no access) from the role claim: a list of values (groups, roles) or one
    value. The widest role named wins."""
    raw = claims.get(config.role_claim)
    listed = raw if isinstance(raw, list) else [raw]
    values = {value for value in listed if isinstance(value, str)}
    if values & config.admin_values:
        return ROLE_ADMIN
    if values & config.agent_values:
        return ROLE_AGENT
    if values & config.analyst_values:
        return ROLE_ANALYST
    return None


def username_for(issuer: str, subject: str) -> str:
    """A stable username that cannot be a password account's (create_agent refuses the prefix)."""
    return SSO_USERNAME_PREFIX + hashlib.sha256(f"{issuer} {subject}".encode()).hexdigest()[:16]


def _display_name(claims: dict[str, Any]) -> str:
    for name in ("name", "preferred_username", "email"):
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:NAME_LENGTH]
    return "Kommunvägledare"


async def existing_account(session: AsyncSession, issuer: str, subject: str) -> Agent | None:
    return (
        await session.exec(select(Agent).where(Agent.oidc_issuer == issuer, Agent.oidc_subject == subject))
    ).first()


async def account_for(session: AsyncSession, claims: dict[str, Any], issuer: str, role: str, now: datetime) -> Agent:
    """The account of this identity with the role, name and e-mail of the token, created at the first login."""
    subject = str(claims["sub"])
    agent = await existing_account(session, issuer, subject)
    if agent is None:
        agent = Agent(
            username=username_for(issuer, subject), password_hash="", oidc_issuer=issuer, oidc_subject=subject,
            display_name="", created_at=now.astimezone(timezone.utc),
        )
    email = claims.get("email")
    agent.display_name = _display_name(claims)
    agent.email = email[:EMAIL_LENGTH] if isinstance(email, str) and email else None
    agent.role = role
    session.add(agent)
    await session.commit()
    await session.refresh(agent)
    return agent
