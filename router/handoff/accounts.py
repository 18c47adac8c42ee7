"""Agent and admin accounts (argon2 password hashes) and their login sessions (kept as token hashes)."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta, timezone

from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router.core.db import SessionMaker
from router.core.security import PasswordChecks, hash_password, new_token, token_hash
from router.models import ROLE_ADMIN, ROLE_AGENT, ROLE_ANALYST, Agent, AgentSession

MIN_PASSWORD_LENGTH = 10
ROLES = (ROLE_AGENT, ROLE_ADMIN, ROLE_ANALYST)
# Accounts created at a login with the city's identity provider (router/handoff/sso/staff.py) are named so.
SSO_USERNAME_PREFIX = "sso-"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AccountError(ValueError):
    """The account cannot be created as asked; the message says why."""


async def create_agent(
    session: AsyncSession, username: str, password: str, display_name: str, role: str = ROLE_AGENT
) -> Agent:
    """Create and commit an account; raises AccountError for a bad or taken username, short password or bad role."""
    username = username.strip().lower()
    display_name = display_name.strip()
    if not _USERNAME.match(username):
        raise AccountError("username: 2–64 characters: lowercase letters, digits, '.', '_' or '-'")
    if username.startswith(SSO_USERNAME_PREFIX):
        raise AccountError(f"username: {SSO_USERNAME_PREFIX!r} names the accounts of the city's identity provider")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if not display_name or len(display_name) > 100:
        raise AccountError("display name: 1–100 characters")
    if role not in ROLES:
        raise AccountError(f"role: one of {', '.join(ROLES)}")
    if (await session.exec(select(Agent).where(Agent.username == username))).first() is not None:
        raise AccountError(f"username: {username!r} already exists")
    agent = Agent(
        username=username,
        display_name=display_name,
        role=role,
        password_hash=hash_password(password),
        created_at=datetime.now(timezone.utc),
    )
    session.add(agent)
    await session.commit()
    await session.refresh(agent)
    return agent


async def authenticate(maker: SessionMaker, checks: PasswordChecks, username: str, password: str) -> Agent | None:
    """The active account with this username and password. Unknown and deactivated accounts are checked
    against a dummy hash, so they take as long as a wrong password. No database connection is held
    while the check waits for its turn."""
    async with maker() as session:
        agent = (
            await session.exec(select(Agent).where(Agent.username == username.strip().lower(), col(Agent.active)))
        ).first()
    if not await checks.matches(password, agent.password_hash if agent is not None else None):
        return None
    return agent


async def start_session(
    session: AsyncSession, agent: Agent, now: datetime, lifetime: timedelta, *, via_sso: bool = False
) -> tuple[str, AgentSession]:
    """A new login session of `lifetime` (STAFF_SESSION_HOURS); returns (cookie token, session). Expired
    sessions are removed on the way."""
    await session.exec(delete(AgentSession).where(col(AgentSession.expires_at) < now))
    token = new_token()
    login = AgentSession(
        token_hash=token_hash(token),
        csrf_token=secrets.token_urlsafe(32),
        agent_id=agent.id,
        created_at=now,
        expires_at=now + lifetime,
        via_sso=via_sso,
    )
    session.add(login)
    await session.commit()
    return token, login


async def session_agent(session: AsyncSession, token: str, now: datetime) -> tuple[Agent, AgentSession] | None:
    """The agent and session behind a cookie token, if the session is valid and the account active."""
    row = (
        await session.exec(
            select(Agent, AgentSession)
            .join(AgentSession, col(AgentSession.agent_id) == col(Agent.id))
            .where(AgentSession.token_hash == token_hash(token))
        )
    ).first()
    if row is None:
        return None
    agent, login = row
    if login.expires_at <= now or not agent.active:
        return None
    return agent, login


async def end_session(session: AsyncSession, token: str) -> None:
    await session.exec(delete(AgentSession).where(AgentSession.token_hash == token_hash(token)))
    await session.commit()


async def agent_named(session: AsyncSession, username: str) -> Agent:
    """The account with this username; raises AccountError when there is none."""
    agent = (await session.exec(select(Agent).where(Agent.username == username.strip().lower()))).first()
    if agent is None:
        raise AccountError(f"no account named {username.strip().lower()!r}")
    return agent


async def list_agents(session: AsyncSession, now: datetime) -> list[tuple[Agent, int]]:
    """Every account with its number of unexpired login sessions, by username."""
    agents = (await session.exec(select(Agent).order_by(col(Agent.username)))).all()
    live = (
        await session.exec(
            select(AgentSession.agent_id, func.count()).where(col(AgentSession.expires_at) > now).group_by(
                col(AgentSession.agent_id)
            )
        )
    ).all()
    sessions = dict(live)
    return [(agent, sessions.get(agent.id, 0)) for agent in agents]


async def revoke_sessions(session: AsyncSession, agent: Agent) -> int:
    """End every login session of the account (the caller announces it to open consoles); returns how many."""
    ended = await session.exec(delete(AgentSession).where(col(AgentSession.agent_id) == agent.id))
    await session.commit()
    return ended.rowcount


async def set_active(session: AsyncSession, agent: Agent, active: bool) -> None:
    """Deactivate (no login, no sessions, offline) or reactivate an account."""
    agent.active = active
    if not active:
        agent.online = False
        await session.exec(delete(AgentSession).where(col(AgentSession.agent_id) == agent.id))
    session.add(agent)
    await session.commit()


async def reset_password(session: AsyncSession, agent: Agent, password: str) -> None:
    """A new password; every session of the old one ends."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    agent.password_hash = hash_password(password)
    session.add(agent)
    await session.exec(delete(AgentSession).where(col(AgentSession.agent_id) == agent.id))
    await session.commit()
