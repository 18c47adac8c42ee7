"""Pages: the demo page with the resident chat widget (/), the privacy notice (/integritet), the agent
console (/agent), login/logout, /admin.

All pages are rendered from router/templates (Jinja2 with autoescaping); / and /integritet take the contact
details from settings/contact.yml and /integritet the retention periods from settings/retention.yml, so
neither is typed into a page. Scripts and styles are files under /static, so the Content-Security-Policy
allows no inline script.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from aiohttp import web

from router.accounts import authenticate, end_session, start_session
from router.agent_sessions import announce_ended
from router.api.agent_auth import SESSION_COOKIE, csrf_matches, current_login
from router.api.body import form_data
from router.core.keys import CLOCK_KEY
from router.keys import CONTACT_KEY, DB_KEY, LOGIN_LIMITS_KEY, OPTIONS_KEY, PASSWORD_CHECKS_KEY, PUBSUB_KEY
from router.models import ROLE_ADMIN
from router.records.keys import RETENTION_CONFIG_KEY

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
TEMPLATES_KEY = web.AppKey("templates", jinja2.Environment)
LOGIN_CSRF_COOKIE = "hbg_login_csrf"

routes = web.RouteTableDef()


def create_templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(("html",)),
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["days"] = days_text
    environment.filters["host"] = host_text
    return environment


def days_text(days: int) -> str:
    """A retention period in Swedish: "1 dag", "90 dagar", "730 dagar (2 år)"."""
    text = "1 dag" if days == 1 else f"{days} dagar"
    return f"{text} ({days // 365} år)" if days % 365 == 0 else text


def host_text(url: str) -> str:
    """A web address as link text: "https://www.digg.se/x" → "digg.se"."""
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    html = request.app[TEMPLATES_KEY].get_template(name).render(**context)
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _cookie_options(request: web.Request) -> dict[str, Any]:
    secure = request.app[OPTIONS_KEY].secure_cookies_for(request.host)
    return {"httponly": True, "samesite": "Strict", "secure": secure, "path": "/"}


@routes.get("/")
async def demo_page(request: web.Request) -> web.Response:
    """A demo of the city's page, with the resident chat widget (static/widget.js)."""
    return render(request, "demo.html", contact=request.app[CONTACT_KEY])


@routes.get("/integritet")
async def privacy_notice(request: web.Request) -> web.Response:
    return render(
        request, "integritet.html", contact=request.app[CONTACT_KEY], retention=request.app[RETENTION_CONFIG_KEY]
    )


@routes.get("/agent")
async def agent_console(request: web.Request) -> web.Response:
    login = await current_login(request)
    if login is None:
        raise web.HTTPSeeOther("/agent/login")
    agent, session = login
    return render(request, "agent.html", agent=agent, csrf_token=session.csrf_token)


@routes.get("/agent/login")
async def login_form(request: web.Request) -> web.Response:
    return _login_page(request, error=None, status=200)


def _login_page(request: web.Request, error: str | None, status: int, username: str = "") -> web.Response:
    """The login form; after a failed attempt the username stays filled in (only the password is asked again)."""
    token = secrets.token_urlsafe(32)
    response = render(
        request, "login.html", status=status, csrf_token=token, error=error, username=username,
        next_admin=request.query.get("next") == "admin",
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **_cookie_options(request))
    return response


@routes.post("/agent/login")
async def login(request: web.Request) -> web.Response:
    form = await form_data(request)
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    form_token = str(form.get("csrf_token", ""))
    if not cookie_token or not secrets.compare_digest(cookie_token.encode(), form_token.encode()):
        return _login_page(request, "Sidan hade gått ut. Försök logga in igen.", status=403)
    username = str(form.get("username", ""))
    if not await request.app[LOGIN_LIMITS_KEY].admit(request.remote or "unknown", username):
        return _login_page(
            request, "För många inloggningsförsök. Vänta en minut och försök igen.", status=429, username=username
        )
    agent = await authenticate(
        request.app[DB_KEY], request.app[PASSWORD_CHECKS_KEY], username, str(form.get("password", ""))
    )
    if agent is None:
        return _login_page(request, "Fel användarnamn eller lösenord.", status=401, username=username)
    async with request.app[DB_KEY]() as session:
        token, _ = await start_session(session, agent, request.app[CLOCK_KEY].now())
    response = web.HTTPSeeOther("/admin" if request.query.get("next") == "admin" else "/agent")
    response.set_cookie(SESSION_COOKIE, token, **_cookie_options(request))
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
    response = web.HTTPSeeOther("/agent/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


@routes.get("/admin")
async def admin(request: web.Request) -> web.Response:
    login = await current_login(request)
    if login is None:
        raise web.HTTPSeeOther("/agent/login?next=admin")
    agent, session = login
    if agent.role != ROLE_ADMIN:
        return render(request, "forbidden.html", status=403, agent=agent, csrf_token=session.csrf_token)
    return render(request, "admin.html", agent=agent, csrf_token=session.csrf_token)
