"""The agent console's pages: the console (/agent), login and logout, and the door to /admin (admins only).
They are rendered with router/web/pages.py."""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from aiohttp import web

from router.bus.keys import PUBSUB_KEY
from router.core.keys import CLOCK_KEY
from router.handoff.accounts import authenticate, end_session, start_session
from router.handoff.agent_sessions import announce_ended
from router.handoff.auth import SESSION_COOKIE, csrf_matches, current_login
from router.handoff.keys import LOGIN_LIMITS_KEY
from router.handoff.sso.keys import OIDC_PROVIDER_KEY
from router.keys import DB_KEY, OPTIONS_KEY, PASSWORD_CHECKS_KEY, SETTINGS_KEY
from router.models import ROLE_ADMIN, ROLE_ANALYST
from router.web.body import form_data
from router.web.pages import render

LOGIN_CSRF_COOKIE = "hbg_login_csrf"

routes = web.RouteTableDef()

# Where an analyst lands: the only page the role may see.
ANALYST_HOME = "/admin/signals"


def cookie_options(request: web.Request) -> dict[str, Any]:
    secure = request.app[OPTIONS_KEY].secure_cookies_for(request.host)
    return {"httponly": True, "samesite": "Strict", "secure": secure, "path": "/"}


@routes.get("/agent")
async def agent_console(request: web.Request) -> web.Response:
    login = await current_login(request)
    if login is None:
        raise web.HTTPSeeOther("/agent/login")
    agent, session = login
    if agent.role == ROLE_ANALYST:
        raise web.HTTPSeeOther(ANALYST_HOME)
    return render(request, "agent.html", agent=agent, csrf_token=session.csrf_token)


@routes.get("/agent/login")
async def login_form(request: web.Request) -> web.Response:
    return login_page(request, error=None, status=200)


def login_page(
    request: web.Request, error: str | None, status: int, next_admin: bool | None = None, username: str = ""
) -> web.Response:
    """The login page: the city's account (when OIDC is configured) and the password form (unless
    PASSWORD_LOGIN=false); after a failed attempt the username stays filled in (only the password is asked again)."""
    token = secrets.token_urlsafe(32)
    settings = request.app[SETTINGS_KEY]
    response = render(
        request, "login.html", status=status, csrf_token=token, error=error, username=username,
        next_admin=request.query.get("next") == "admin" if next_admin is None else next_admin,
        password_login=settings.password_login, sso=settings.oidc is not None,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **cookie_options(request))
    return response


@routes.post("/agent/login")
async def login(request: web.Request) -> web.Response:
    if not request.app[SETTINGS_KEY].password_login:
        return login_page(request, "Inloggning med lösenord är avstängd. Logga in med stadens konto.", status=403)
    form = await form_data(request)
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    form_token = str(form.get("csrf_token", ""))
    if not cookie_token or not secrets.compare_digest(cookie_token.encode(), form_token.encode()):
        return login_page(request, "Sidan hade gått ut. Försök logga in igen.", status=403)
    username = str(form.get("username", ""))
    if not await request.app[LOGIN_LIMITS_KEY].admit(request.remote or "unknown", username):
        return login_page(
            request, "För många inloggningsförsök. Vänta en minut och försök igen.", status=429, username=username
        )
    agent = await authenticate(
        request.app[DB_KEY], request.app[PASSWORD_CHECKS_KEY], username, str(form.get("password", ""))
    )
    if agent is None:
        return login_page(request, "Fel användarnamn eller lösenord.", status=401, username=username)
    async with request.app[DB_KEY]() as session:
        token, _ = await start_session(
            session, agent, request.app[CLOCK_KEY].now(), timedelta(hours=request.app[OPTIONS_KEY].staff_session_hours)
        )
    home = "/admin" if request.query.get("next") == "admin" else "/agent"
    response = web.HTTPSeeOther(ANALYST_HOME if agent.role == ROLE_ANALYST else home)
    response.set_cookie(SESSION_COOKIE, token, **cookie_options(request))
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/")
    raise response


@routes.post("/agent/logout")
async def logout(request: web.Request) -> web.Response:
    login = await current_login(request)
    form = await form_data(request)
    if login is not None:
        if not csrf_matches(str(form.get("csrf_token", "")), login[1]):
            raise web.HTTPForbidden(text="Ogiltig CSRF-token. Ladda om sidan.")
        async with request.app[DB_KEY]() as session:
            await end_session(session, request.cookies[SESSION_COOKIE])
        # Consoles opened with this session close, in every router process.
        await announce_ended(request.app[PUBSUB_KEY], session_id=login[1].id)
    login_url = str(request.url.with_path("/agent/login").with_query(None))
    provider = request.app.get(OIDC_PROVIDER_KEY)
    # A login through the city's account also ends the provider's session, where the provider offers that.
    provider_logout = await provider.end_session_url(login_url) if provider and login and login[1].via_sso else None
    if provider_logout:  # a page, not a redirect: the CSP's form-action 'self' holds for a form's redirects too
        page = render(request, "onward.html", heading="Du är utloggad", text="Loggar ut från stadens konto …",
                      url=provider_logout)
        page.del_cookie(SESSION_COOKIE, path="/")
        return page
    response = web.HTTPSeeOther("/agent/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


@routes.get("/admin")
async def admin(request: web.Request) -> web.Response:
    login = await current_login(request)
    if login is None:
        raise web.HTTPSeeOther("/agent/login?next=admin")
    agent, session = login
    if agent.role == ROLE_ANALYST:
        raise web.HTTPSeeOther(ANALYST_HOME)
    if agent.role != ROLE_ADMIN:
        return render(request, "forbidden.html", status=403, agent=agent, csrf_token=session.csrf_token)
    return render(request, "admin.html", agent=agent, csrf_token=session.csrf_token)
