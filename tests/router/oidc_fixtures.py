"""A real OpenID provider for the single sign-on tests: oidc-provider-mock (authlib's authorization server in
Flask, served by werkzeug on a thread), with users whose claims the test sets, and the router configured
against it."""
from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import aiohttp
import oidc_provider_mock
import pytest
import pytest_asyncio
from yarl import URL

from router.app import create_app
from router.core.clock import Clock
from router.core.config import OidcConfig, Settings
from router.core.options import RouterOptions

CLIENT_ID = "tryggare-helsingborg-chat"
CLIENT_SECRET = "test-client-secret"
AGENTS, ADMINS = "chat-kommunvagledare", "chat-administratorer"
# The provider's ID tokens live this long; the expiry test moves the router's clock past it.
TOKEN_LIFETIME = timedelta(minutes=5)


@dataclass(frozen=True)
class OpenIdProvider:
    url: str

    def set_user(self, sub: str, **claims: object) -> None:
        """The user's claims at the provider (PUT /users/<sub>), as an IT department sets groups."""
        request = urllib.request.Request(
            f"{self.url}/users/{quote(sub, safe='')}", data=json.dumps(claims).encode(), method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 204


@pytest.fixture
def oidc_provider() -> Iterator[OpenIdProvider]:
    with oidc_provider_mock.run_server_in_thread(access_token_max_age=TOKEN_LIFETIME) as server:
        yield OpenIdProvider(f"http://localhost:{server.server_port}")


def oidc_config(provider: OpenIdProvider, client_id: str = CLIENT_ID) -> OidcConfig:
    return OidcConfig(
        issuer=provider.url, client_id=client_id, client_secret=CLIENT_SECRET, role_claim="groups",
        agent_values=frozenset({AGENTS}), admin_values=frozenset({ADMINS}),
    )


@pytest.fixture
def sso_settings(settings: Settings, oidc_provider: OpenIdProvider) -> Settings:
    return replace(settings, oidc=oidc_config(oidc_provider))


@pytest.fixture
def sso_clock() -> Clock:
    """The provider stamps its tokens with the real time, so the router's clock starts at it."""
    return Clock(start=datetime.now(timezone.utc))


@pytest_asyncio.fixture
async def sso_client(aiohttp_client, sso_settings: Settings, sso_clock: Clock, options: RouterOptions):
    app = create_app(sso_settings, clock=sso_clock, options=options)
    test_client = await aiohttp_client(app)
    yield test_client


async def sign_in_at_provider(authorization_url: str, sub: str) -> URL:
    """What the person does at the provider: picks the account and submits (the mock's form takes `sub`).
    Returns where the provider sends the browser back to."""
    async with aiohttp.ClientSession() as browser:
        async with browser.post(authorization_url, data={"sub": sub}, allow_redirects=False) as answer:
            assert answer.status == 302, await answer.text()
            return URL(answer.headers["Location"])


async def start_sso(client) -> str:
    """The login page's "Logga in med stadens konto": the provider's authorization address."""
    start = await client.get("/agent/sso/start", allow_redirects=False)
    assert start.status == 303, await start.text()
    return start.headers["Location"]


async def sso_login(client, sub: str, clock: Clock | None = None, moved: timedelta = timedelta()):
    """A whole login with the city's account; `moved` turns the router's clock on before the callback."""
    back = await sign_in_at_provider(await start_sso(client), sub)
    if moved:
        assert clock is not None
        clock.set(clock.now() + moved)
    return await client.get(back.path_qs, allow_redirects=False)
