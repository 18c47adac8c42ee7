"""/agent/sso/start sends the browser to the city's identity provider; /agent/sso/callback takes it back,
checks the answer and starts a staff session.

The callback is reached by a redirect from the provider's site, so the SameSite=Strict session cookie would
not be sent on a redirect onward from it: the callback answers with a page that moves on to the console
itself. The attempt's cookie is SameSite=Lax for the same reason (it must come back with the callback).
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from router.bus.keys import PUBSUB_KEY
from router.core.keys import CLOCK_KEY
from router.handoff.accounts import revoke_sessions, start_session
from router.handoff.agent_sessions import announce_ended
from router.handoff.auth import SESSION_COOKIE
from router.handoff.keys import LOGIN_LIMITS_KEY
from router.handoff.pages import cookie_options, login_page
from router.handoff.sso.attempts import ATTEMPT_LIFETIME, Attempt, begin, take
from router.handoff.sso.keys import OIDC_PROVIDER_KEY
from router.handoff.sso.provider import OidcProvider, SsoError
from router.handoff.sso.staff import account_for, existing_account, role_from
from router.keys import DB_KEY, HTTP_KEY, OPTIONS_KEY, SETTINGS_KEY
from router.web.pages import render

log = logging.getLogger(__name__)

CALLBACK_PATH = "/agent/sso/callback"
ATTEMPT_COOKIE = "hbg_sso_state"

TOO_MANY = "För många inloggningsförsök. Vänta en minut och försök igen."
UNAVAILABLE = "Stadens inloggning svarar inte just nu. Försök igen om en stund."
EXPIRED = "Inloggningen kunde inte slutföras: den hade gått ut eller startades i en annan flik. Försök igen."
ABORTED = "Inloggningen avbröts hos stadens konto. Försök igen."
NOT_VERIFIED = "Inloggningen med stadens konto kunde inte kontrolleras. Försök igen eller kontakta IT-supporten."
NO_ROLE = "Ditt konto har inte behörighet till chatten. Kontakta den som delar ut behörigheter hos staden."
DEACTIVATED = "Ditt konto är avstängt i chatten. Kontakta en administratör."

routes = web.RouteTableDef()


def setup_sso(app: web.Application) -> None:
    """The provider and the two routes, when OIDC_ISSUER is set; nothing is fetched from the provider until
    the first login, so the router starts while the provider is away."""
    config = app[SETTINGS_KEY].oidc
    if config is None:
        return

    async def provider(app: web.Application) -> AsyncIterator[None]:
        app[OIDC_PROVIDER_KEY] = OidcProvider(config, app[HTTP_KEY], app[CLOCK_KEY])
        yield

    app.cleanup_ctx.append(provider)
    app.add_routes(routes)


def _callback_url(request: web.Request) -> str:
    """The address registered at the provider: this site's, as the browser (through the proxy) reaches it."""
    return str(request.url.with_path(CALLBACK_PATH).with_query(None))


@routes.get("/agent/sso/start")
async def start(request: web.Request) -> web.Response:
    next_admin = request.query.get("next") == "admin"
    # Each start stores an attempt: the per-address login limit keeps one machine from filling the table.
    if not await request.app[LOGIN_LIMITS_KEY].admit_address(request.remote or "unknown"):
        return login_page(request, TOO_MANY, status=429, next_admin=next_admin)
    attempt = await begin(request.app[DB_KEY], request.app[CLOCK_KEY].now(), next_admin)
    try:
        url = await request.app[OIDC_PROVIDER_KEY].authorization_url(
            _callback_url(request), attempt.state, attempt.nonce, attempt.code_verifier
        )
    except SsoError as error:
        log.warning("sso login not started: %s", error)
        return login_page(request, UNAVAILABLE, status=503, next_admin=next_admin)
    response = web.HTTPSeeOther(url)
    response.set_cookie(
        ATTEMPT_COOKIE, attempt.state, max_age=int(ATTEMPT_LIFETIME.total_seconds()),
        **{**cookie_options(request), "samesite": "Lax", "path": "/agent/sso/"},
    )
    raise response


@routes.get(CALLBACK_PATH)
async def callback(request: web.Request) -> web.Response:
    state = request.query.get("state", "")
    cookie_state = request.cookies.get(ATTEMPT_COOKIE, "")
    if not state or not secrets.compare_digest(cookie_state.encode(), state.encode()):
        log.warning("sso login refused: the state is not the one this browser started")
        return _refused(request, EXPIRED, 400, next_admin=False)
    attempt = await take(request.app[DB_KEY], state, request.app[CLOCK_KEY].now())
    if attempt is None:
        log.warning("sso login refused: unknown, used or expired state")
        return _refused(request, EXPIRED, 400, next_admin=False)
    if "error" in request.query or not request.query.get("code"):
        log.warning("sso login refused by the provider: %s", request.query.get("error", "no code"))
        return _refused(request, ABORTED, 403, attempt.next_admin)
    return await _finish(request, attempt, request.query["code"])


async def _finish(request: web.Request, attempt: Attempt, code: str) -> web.Response:
    provider = request.app[OIDC_PROVIDER_KEY]
    try:
        tokens = await provider.exchange(code, _callback_url(request), attempt.code_verifier)
        claims = await provider.verify_id_token(tokens["id_token"], attempt.nonce, tokens.get("access_token"))
    except SsoError as error:
        log.warning("sso login refused: %s", error)
        return _refused(request, NOT_VERIFIED, 403, attempt.next_admin)
    issuer, now = provider.config.issuer, request.app[CLOCK_KEY].now()
    role = role_from(claims, provider.config)
    async with request.app[DB_KEY]() as session:
        if role is None:
            # The provider no longer counts this person as staff: no login, and the sessions they had end.
            former = await existing_account(session, issuer, str(claims["sub"]))
            if former is not None:
                await revoke_sessions(session, former)
                await announce_ended(request.app[PUBSUB_KEY], agent_id=former.id)
            log.warning("sso login refused: no chat role in %s (account %s)", provider.config.role_claim,
                        former.id if former else "none")
            return _refused(request, NO_ROLE, 403, attempt.next_admin)
        agent = await account_for(session, claims, issuer, role, now)
        if not agent.active:
            log.warning("sso login refused: account %s is deactivated", agent.id)
            return _refused(request, DEACTIVATED, 403, attempt.next_admin)
        lifetime = timedelta(hours=request.app[OPTIONS_KEY].staff_session_hours)
        token, _ = await start_session(session, agent, now, lifetime, via_sso=True)
    log.info("sso login: account %s as %s", agent.id, role)
    page = render(
        request, "onward.html", heading="Inloggad", text="Fortsätt",
        url="/admin" if attempt.next_admin else "/agent",
    )
    page.set_cookie(SESSION_COOKIE, token, **cookie_options(request))
    page.del_cookie(ATTEMPT_COOKIE, path="/agent/sso/")
    return page


def _refused(request: web.Request, error: str, status: int, next_admin: bool) -> web.Response:
    page = login_page(request, error, status, next_admin=next_admin)
    page.del_cookie(ATTEMPT_COOKIE, path="/agent/sso/")
    return page
