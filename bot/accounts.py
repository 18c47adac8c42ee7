"""`python -m bot agents …`: kommunvägledare and admin accounts in the router's database.

`add` creates an account; `list` shows them; `deactivate` / `activate` lock an account out (and back in);
`reset-password` sets a new password; `revoke-sessions` logs the account out everywhere. Deactivating,
resetting and revoking end the account's login sessions: with `REDIS_URL` the running routers are told at
once and close its open consoles; without it (one router, its own process) every console re-checks its
session within `AGENT_SESSION_CHECK_SECONDS` (30 s by default) and closes then.
"""
from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timezone

from sqlmodel.ext.asyncio.session import AsyncSession

from router.handoff.accounts import (
    AccountError,
    agent_named,
    create_agent,
    list_agents,
    reset_password,
    revoke_sessions,
    set_active,
)
from router.handoff.agent_sessions import announce_ended
from router.core.config import Settings
from router.core.db import create_engine, create_session_maker, migrate
from router.core.options import RouterOptions
from router.models import Agent
from router.bus.redis_pubsub import RedisPubSub


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[AsyncSession]:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        async with create_session_maker(engine)() as session:
            yield session
    finally:
        await engine.dispose()


async def add_agent(username: str, password: str, display_name: str, role: str) -> int:
    try:
        async with _database(Settings.from_env()) as session:
            agent = await create_agent(session, username, password, display_name, role)
    except AccountError as error:
        print(f"Could not create the account: {error}", file=sys.stderr)
        return 2
    print(f"Created {agent.role} account {agent.username!r} ({agent.display_name})")
    return 0


async def print_agents() -> int:
    async with _database(Settings.from_env()) as session:
        rows = await list_agents(session, datetime.now(timezone.utc))
    if not rows:
        print("No accounts yet: create one with `python -m bot agents add USERNAME`.")
        return 0
    print(f"{'username':<24} {'role':<6} {'status':<12} {'online':<7} {'sessions':>8}  name")
    for agent, sessions in rows:
        status = "active" if agent.active else "deactivated"
        online = "yes" if agent.online else "no"
        print(f"{agent.username:<24} {agent.role:<6} {status:<12} {online:<7} {sessions:>8}  {agent.display_name}")
    return 0


async def _announce(settings: Settings, agent: Agent) -> str:
    """Tell the running routers that the account's sessions ended; returns how its consoles will close."""
    if not settings.redis_url:
        seconds = RouterOptions.from_env().agent_session_check_seconds
        return f"open consoles close within {seconds:g} s (their next session check)"
    bus = RedisPubSub(settings.redis_url)
    try:
        await bus.start()
        await announce_ended(bus, agent_id=agent.id)
    except RuntimeError as error:
        return f"the routers could not be told ({error}); open consoles close at their next session check"
    finally:
        await bus.close()
    return "open consoles were closed"


async def _change(username: str, change: Callable[[AsyncSession, Agent], Awaitable[str]], ends_sessions: bool) -> int:
    settings = Settings.from_env()
    try:
        async with _database(settings) as session:
            agent = await agent_named(session, username)
            done = await change(session, agent)
    except AccountError as error:
        print(f"Failed: {error}", file=sys.stderr)
        return 2
    if ends_sessions:
        done += "; " + await _announce(settings, agent)
    print(done)
    return 0


async def deactivate(username: str) -> int:
    async def change(session: AsyncSession, agent: Agent) -> str:
        await set_active(session, agent, False)
        return f"Deactivated {agent.username!r}: it cannot log in and its sessions ended"

    return await _change(username, change, ends_sessions=True)


async def activate(username: str) -> int:
    async def change(session: AsyncSession, agent: Agent) -> str:
        await set_active(session, agent, True)
        return f"Activated {agent.username!r}: it can log in again"

    return await _change(username, change, ends_sessions=False)


async def new_password(username: str, password: str) -> int:
    async def change(session: AsyncSession, agent: Agent) -> str:
        await reset_password(session, agent, password)
        return f"New password set for {agent.username!r}; its sessions ended"

    return await _change(username, change, ends_sessions=True)


async def revoke(username: str) -> int:
    async def change(session: AsyncSession, agent: Agent) -> str:
        ended = await revoke_sessions(session, agent)
        return f"Ended {ended} session(s) of {agent.username!r}"

    return await _change(username, change, ends_sessions=True)
