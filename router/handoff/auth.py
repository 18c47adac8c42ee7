"""Who is calling the console: the session cookie, the CSRF token on state-changing requests, roles."""
from __future__ import annotations

import hmac

from aiohttp import web

from router.handoff.accounts import session_agent
from router.core.keys import CLOCK_KEY
from router.errors import Forbidden, Unauthorized
from router.keys import DB_KEY
from router.models import ROLE_ADMIN, ROLE_ANALYST, Agent, AgentSession

SESSION_COOKIE = "hbg_agent_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


async def current_login(request: web.Request) -> tuple[Agent, AgentSession] | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    async with request.app[DB_KEY]() as session:
        return await session_agent(session, token, request.app[CLOCK_KEY].now())


def csrf_matches(given: str | None, login: AgentSession) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), login.csrf_token.encode())


async def api_agent(request: web.Request, role: str | None = None) -> Agent:
    """The logged-in agent for a console API call: 401 without a session, 403 with a wrong
    CSRF token on a state-changing request or without the role."""
    agent, _ = await api_login(request, role)
    return agent


async def api_login(request: web.Request, role: str | None = None) -> tuple[Agent, AgentSession]:
    """As `api_agent`, with the login session."""
    login = await current_login(request)
    if login is None:
        raise Unauthorized("not_logged_in", "Du behöver logga in.")
    agent, agent_session = login
    if request.method not in SAFE_METHODS and not csrf_matches(request.headers.get(CSRF_HEADER), agent_session):
        raise Forbidden("csrf", "Ogiltig eller saknad CSRF-token. Ladda om sidan.")
    if not role_allows(agent.role, role):
        raise Forbidden("forbidden", "Du har inte behörighet.")
    return agent, agent_session


def role_allows(has: str, needed: str | None) -> bool:
    """`needed` None: the console (agents and admins); ROLE_ADMIN: admins; ROLE_ANALYST: the read-only
    statistics of trygghetssignaler (analysts and admins). An analyst reaches nothing else."""
    if needed == ROLE_ANALYST:
        return has in (ROLE_ANALYST, ROLE_ADMIN)
    if needed == ROLE_ADMIN:
        return has == ROLE_ADMIN
    return has != ROLE_ANALYST
