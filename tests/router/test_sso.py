"""Staff single sign-on against a real OpenID provider (tests/router/oidc_fixtures.py): kommunvägledare and
administrators come in with the role their group at the provider gives them, everyone else stays out, and
an answer that is not the provider's own for this browser's login starts no session."""
from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import timedelta

import aiohttp
import pytest
from sqlmodel import select

from router.app import create_app
from router.handoff.accounts import AccountError, create_agent
from router.handoff.sso.keys import OIDC_PROVIDER_KEY
from router.handoff.sso.provider import OidcProvider, SsoError
from router.handoff.sso.views import CALLBACK_PATH, EXPIRED, NO_ROLE, NOT_VERIFIED, TOO_MANY
from router.keys import DB_KEY
from router.models import Agent, AgentSession
from tests.router.oidc_fixtures import (
    ADMINS, AGENTS, CLIENT_ID, TOKEN_LIFETIME, oidc_config, sign_in_at_provider, sso_login, start_sso,
)

pytestmark = pytest.mark.asyncio


async def me(client):
    response = await client.get("/api/agent/me")
    return response.status, (await response.json())


async def test_a_kommunvagledare_logs_in_with_the_city_account(sso_client, oidc_provider) -> None:
    page = await (await sso_client.get("/agent/login")).text()
    assert "Logga in med stadens konto" in page and 'name="password"' in page
    oidc_provider.set_user("anna@helsingborg.se", name="Anna Andersson", email="anna@helsingborg.se", groups=[AGENTS])

    answer = await sso_login(sso_client, "anna@helsingborg.se")

    assert answer.status == 200
    assert 'content="0;url=/agent"' in await answer.text()
    status, body = await me(sso_client)
    assert status == 200 and body["role"] == "agent" and body["display_name"] == "Anna Andersson"
    assert (await sso_client.get("/agent")).status == 200
    assert (await sso_client.get("/admin")).status == 403
    async with sso_client.app[DB_KEY]() as session:
        agent = (await session.exec(select(Agent).where(Agent.email == "anna@helsingborg.se"))).one()
        login = (await session.exec(select(AgentSession).where(AgentSession.agent_id == agent.id))).one()
    assert agent.oidc_subject == "anna@helsingborg.se" and agent.password_hash == ""
    assert login.via_sso and login.expires_at - login.created_at == timedelta(hours=12)


async def test_an_administrator_logs_in_and_the_account_follows_the_token(sso_client, oidc_provider) -> None:
    oidc_provider.set_user("bo", name="Bo Berg", email="bo@helsingborg.se", groups=[AGENTS, ADMINS])
    assert (await sso_login(sso_client, "bo")).status == 200
    assert (await sso_client.get("/admin")).status == 200
    # A new name and address at the provider reach the account at the next login; it stays one account.
    oidc_provider.set_user("bo", name="Bo Bergström", email="bo.bergstrom@helsingborg.se", groups=[ADMINS])
    assert (await sso_login(sso_client, "bo")).status == 200
    status, body = await me(sso_client)
    assert body["display_name"] == "Bo Bergström" and body["role"] == "admin"
    async with sso_client.app[DB_KEY]() as session:
        agents = (await session.exec(select(Agent))).all()
    assert [(agent.email, agent.role) for agent in agents] == [("bo.bergstrom@helsingborg.se", "admin")]


async def test_a_user_without_the_role_is_refused(sso_client, oidc_provider) -> None:
    oidc_provider.set_user("cecilia", name="Cecilia", groups=["ekonomi"])
    answer = await sso_login(sso_client, "cecilia")
    assert answer.status == 403 and NO_ROLE in await answer.text()
    assert (await me(sso_client))[0] == 401
    async with sso_client.app[DB_KEY]() as session:
        assert (await session.exec(select(Agent))).all() == []


async def test_a_role_removed_at_the_provider_ends_access_at_the_next_login(sso_client, oidc_provider) -> None:
    oidc_provider.set_user("david", name="David", groups=[AGENTS])
    assert (await sso_login(sso_client, "david")).status == 200
    assert (await me(sso_client))[0] == 200
    oidc_provider.set_user("david", name="David", groups=[])
    answer = await sso_login(sso_client, "david")
    assert answer.status == 403 and NO_ROLE in await answer.text()
    # The session the earlier login started has ended too.
    assert (await me(sso_client))[0] == 401


async def test_a_wrong_state_is_refused_and_a_state_works_once(sso_client, oidc_provider) -> None:
    oidc_provider.set_user("erik", groups=[AGENTS])
    back = await sign_in_at_provider(await start_sso(sso_client), "erik")
    forged = back.with_query({**back.query, "state": "a-state-this-browser-never-started"})
    answer = await sso_client.get(forged.path_qs, allow_redirects=False)
    assert answer.status == 400 and EXPIRED in await answer.text()
    assert (await me(sso_client))[0] == 401
    # An answer without the browser's attempt cookie (another browser, or a link sent to a victim) is refused.
    sso_client.session.cookie_jar.clear()
    answer = await sso_client.get(back.path_qs, allow_redirects=False)
    assert answer.status == 400 and (await me(sso_client))[0] == 401


async def test_a_callback_is_used_once(sso_client, oidc_provider) -> None:
    oidc_provider.set_user("frida", groups=[AGENTS])
    back = await sign_in_at_provider(await start_sso(sso_client), "frida")
    assert (await sso_client.get(back.path_qs, allow_redirects=False)).status == 200
    cookie = {"hbg_sso_state": back.query["state"]}
    replay = await sso_client.get(back.path_qs, allow_redirects=False, cookies=cookie)
    assert replay.status == 400 and EXPIRED in await replay.text()


async def test_an_expired_id_token_is_refused(sso_client, sso_clock, oidc_provider) -> None:
    oidc_provider.set_user("gustav", groups=[AGENTS])
    # Past the token's expiry and the minute of leeway, within the ten minutes a login attempt lasts.
    answer = await sso_login(sso_client, "gustav", sso_clock, moved=TOKEN_LIFETIME + timedelta(minutes=2))
    assert answer.status == 403 and NOT_VERIFIED in await answer.text()
    assert (await me(sso_client))[0] == 401


def _tampered(token: str, **claims: object) -> str:
    """The same signature over a payload with other claims."""
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    changed = base64.urlsafe_b64encode(json.dumps({**decoded, **claims}).encode()).rstrip(b"=").decode()
    return f"{header}.{changed}.{signature}"


def _unsigned(token: str) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    return f"{header}.{token.split('.')[1]}."


async def test_a_tampered_or_foreign_id_token_is_refused(sso_client, oidc_provider) -> None:
    """The router's own verification of a real token from the provider, and of that token altered."""
    oidc_provider.set_user("hanna", groups=[AGENTS])
    provider = sso_client.app[OIDC_PROVIDER_KEY]
    redirect_uri = str(sso_client.make_url(CALLBACK_PATH))
    verifier = "v" * 64
    back = await sign_in_at_provider(
        await provider.authorization_url(redirect_uri, "state-1", "nonce-1", verifier), "hanna"
    )
    tokens = await provider.exchange(back.query["code"], redirect_uri, verifier)
    id_token = tokens["id_token"]
    claims = await provider.verify_id_token(id_token, "nonce-1", tokens["access_token"])
    assert claims["sub"] == "hanna" and claims["groups"] == [AGENTS]

    for forged in (_tampered(id_token, groups=[ADMINS]), _tampered(id_token, sub="someone-else"), _unsigned(id_token)):
        with pytest.raises(SsoError):
            await provider.verify_id_token(forged, "nonce-1", tokens["access_token"])
    with pytest.raises(SsoError):  # the nonce of another login: a replayed token
        await provider.verify_id_token(id_token, "nonce-2", tokens["access_token"])
    with pytest.raises(SsoError):  # issued to another client
        other = OidcProvider(oidc_config(oidc_provider, client_id="another-app"), provider._http, provider._clock)
        await other.verify_id_token(id_token, "nonce-1")
    with pytest.raises(SsoError):  # another issuer
        config = replace(oidc_config(oidc_provider), issuer=oidc_provider.url.replace("localhost", "127.0.0.1"))
        await OidcProvider(config, provider._http, provider._clock).verify_id_token(id_token, "nonce-1")


async def test_logout_ends_the_session_here_and_at_the_provider(sso_client, oidc_provider) -> None:
    oidc_provider.set_user("ida", groups=[AGENTS])
    assert (await sso_login(sso_client, "ida")).status == 200
    _, body = await me(sso_client)
    answer = await sso_client.post("/agent/logout", data={"csrf_token": body["csrf_token"]}, allow_redirects=False)
    assert answer.status == 200
    page = await answer.text()
    assert f'url={oidc_provider.url}/oauth2/end_session?client_id={CLIENT_ID}&amp;post_logout_redirect_uri=' in page
    assert (await me(sso_client))[0] == 401


async def test_password_login_can_be_switched_off(aiohttp_client, sso_settings, sso_clock, options) -> None:
    app = create_app(replace(sso_settings, password_login=False), clock=sso_clock, options=options)
    client = await aiohttp_client(app)
    page = await (await client.get("/agent/login")).text()
    assert "Logga in med stadens konto" in page and 'name="password"' not in page
    refused = await client.post("/agent/login", data={"username": "x", "password": "y", "csrf_token": "z"})
    assert refused.status == 403


async def test_the_discovery_document_and_keys_are_fetched_once(sso_client, oidc_provider) -> None:
    """Two logins' worth of checks ask the provider for its discovery document and keys once."""
    oidc_provider.set_user("jonas", groups=[AGENTS])
    fetched: list[str] = []

    async def count(session, context, params) -> None:
        fetched.append(params.url.path)

    tracing = aiohttp.TraceConfig()
    tracing.on_request_start.append(count)
    app_provider = sso_client.app[OIDC_PROVIDER_KEY]
    redirect_uri = str(sso_client.make_url(CALLBACK_PATH))
    async with aiohttp.ClientSession(trace_configs=[tracing]) as http:
        provider = OidcProvider(app_provider.config, http, app_provider._clock)
        for nonce in ("nonce-1", "nonce-2"):
            url = await provider.authorization_url(redirect_uri, "state", nonce, "v" * 64)
            back = await sign_in_at_provider(url, "jonas")
            tokens = await provider.exchange(back.query["code"], redirect_uri, "v" * 64)
            await provider.verify_id_token(tokens["id_token"], nonce, tokens["access_token"])
    assert fetched == [
        "/.well-known/openid-configuration", "/oauth2/token", "/jwks", "/oauth2/token",
    ]


async def test_starting_logins_is_limited_per_address(sso_client) -> None:
    for _ in range(10):  # RATE_LIMIT_LOGIN_ADDRESS's default
        assert (await sso_client.get("/agent/sso/start", allow_redirects=False)).status == 303
    refused = await sso_client.get("/agent/sso/start", allow_redirects=False)
    assert refused.status == 429 and TOO_MANY in await refused.text()


async def test_a_password_account_cannot_take_the_name_of_a_city_account(sso_client) -> None:
    async with sso_client.app[DB_KEY]() as session:
        with pytest.raises(AccountError, match="sso-"):
            await create_agent(session, "sso-0123456789abcdef", "a long enough password", "Mallory")
