"""The resident's real address behind trusted proxies (TRUSTED_PROXIES), rate limits per that address,
and the login's own limits per address and per username."""
from __future__ import annotations

import ipaddress
import re
from dataclasses import replace

import pytest

from router.core.config import Settings
from router.core.options import RouterOptions
from router.web.proxies import client_address, forwarded_scheme
from tests.router.client_steps import add_agent
from tests.router.constants import PASSWORD

PROXY = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("127.0.0.1", ["203.0.113.7"], "203.0.113.7"),  # one proxy
        ("127.0.0.1", ["198.51.100.1, 203.0.113.7"], "203.0.113.7"),  # a forged hop on the left is ignored
        ("127.0.0.1", ["203.0.113.7, 10.1.2.3"], "203.0.113.7"),  # two proxies of ours
        ("127.0.0.1", ["198.51.100.1", "203.0.113.7"], "203.0.113.7"),  # the header twice
        ("127.0.0.1", [], "127.0.0.1"),  # nothing forwarded: the proxy itself
        ("127.0.0.1", ["garbage, 203.0.113.7"], "203.0.113.7"),
        ("127.0.0.1", ["203.0.113.7, garbage"], "127.0.0.1"),  # our proxy sent garbage: stop at it
        ("127.0.0.1", ["10.0.0.5, 10.0.0.6"], "10.0.0.5"),  # only proxies: the leftmost
        ("192.0.2.9", ["203.0.113.7"], "192.0.2.9"),  # not a trusted peer: header ignored
        ("127.0.0.1", ["2001:db8::1"], "2001:db8::1"),
    ],
)
def test_client_address_is_the_rightmost_untrusted_hop(peer: str, forwarded: list[str], expected: str) -> None:
    assert client_address(peer, forwarded, PROXY) == expected


def test_forwarded_scheme_only_from_a_trusted_proxy() -> None:
    assert forwarded_scheme("127.0.0.1", "https", PROXY) == "https"
    assert forwarded_scheme("192.0.2.9", "https", PROXY) is None
    assert forwarded_scheme("127.0.0.1", "gopher", PROXY) is None
    assert forwarded_scheme("127.0.0.1", None, PROXY) is None


def test_without_trusted_proxies_nothing_is_believed() -> None:
    assert client_address("127.0.0.1", ["203.0.113.7"], ()) == "127.0.0.1"


def _trusting(settings: Settings, networks: str) -> Settings:
    return replace(settings, trusted_proxies=tuple(ipaddress.ip_network(n) for n in networks.split(",")))


LIMITED = RouterOptions(conversation_per_minute=1000, address_per_minute=3, rasa_timeout_seconds=1)


async def _statuses(client, addresses: list[str]) -> list[int]:
    return [
        (await client.post("/api/conversations", headers={"X-Forwarded-For": address})).status
        for address in addresses
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize("options", [LIMITED])
@pytest.mark.parametrize("settings", ["behind_proxy"], indirect=True)
async def test_behind_a_trusted_proxy_each_resident_has_a_bucket(client) -> None:
    many = [f"203.0.113.{n}" for n in range(1, 21)]
    assert await _statuses(client, many) == [201] * 20
    assert await _statuses(client, ["198.51.100.1"] * 5) == [201, 201, 201, 429, 429]
    # a resident behind the limited address cannot dodge it by writing another address on the left
    assert await _statuses(client, ["203.0.113.99, 198.51.100.1"]) == [429]


@pytest.mark.asyncio
@pytest.mark.parametrize("options", [LIMITED])
@pytest.mark.parametrize("settings", ["untrusted_peer"], indirect=True)
async def test_forwarded_headers_from_an_untrusted_peer_are_ignored(client) -> None:
    # the test client connects from 127.0.0.1, which is not in TRUSTED_PROXIES here: one bucket for all
    assert await _statuses(client, [f"203.0.113.{n}" for n in range(1, 6)]) == [201, 201, 201, 429, 429]


@pytest.mark.asyncio
@pytest.mark.parametrize("settings", ["behind_proxy"], indirect=True)
async def test_forwarded_proto_is_the_scheme_the_resident_used(client) -> None:
    own = str(client.make_url("")).rstrip("/").replace("http://", "https://")
    response = await client.get("/ws/agent", headers={
        "Origin": own, "X-Forwarded-Proto": "https", "Connection": "Upgrade", "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    })
    # same origin through the proxy's https: past the origin check, refused for lack of a login
    assert response.status == 401


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    kind = getattr(request, "param", "behind_proxy")
    return _trusting(settings, "127.0.0.1/32" if kind == "behind_proxy" else "10.0.0.0/8")


# ---------------------------------------------------------------- login limits


async def _attempt(client, username: str, password: str, address: str) -> int:
    page = await (await client.get("/agent/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = await client.post(
        "/agent/login", data={"username": username, "password": password, "csrf_token": token},
        headers={"X-Forwarded-For": address}, allow_redirects=False,
    )
    return response.status


LOGIN_LIMITED = RouterOptions(
    conversation_per_minute=1000, address_per_minute=2, login_per_address_minute=3, login_per_username_minute=4,
    rasa_timeout_seconds=1,
)


@pytest.mark.asyncio
@pytest.mark.parametrize("options", [LOGIN_LIMITED])
async def test_a_wrong_password_flood_from_one_address_leaves_others_able_to_log_in(client) -> None:
    await add_agent(client, "anna")
    await add_agent(client, "bertil")
    flood = [await _attempt(client, "anna", "wrong", "198.51.100.1") for _ in range(5)]
    assert flood == [401, 401, 401, 429, 429]
    # a resident-API flood from yet another address uses up only that address's API bucket
    assert await _statuses(client, ["198.51.100.2"] * 3) == [201, 201, 429]
    assert await _attempt(client, "bertil", PASSWORD, "203.0.113.5") == 303
    assert await _attempt(client, "bertil", PASSWORD, "198.51.100.2") == 303


@pytest.mark.asyncio
@pytest.mark.parametrize("options", [LOGIN_LIMITED])
async def test_guessing_one_username_from_many_addresses_is_limited(client) -> None:
    await add_agent(client, "anna")
    statuses = [await _attempt(client, "Anna", "wrong", f"203.0.113.{n}") for n in range(1, 7)]
    assert statuses == [401, 401, 401, 401, 429, 429]
    assert await _attempt(client, "bertil", "wrong", "203.0.113.50") == 401


@pytest.mark.asyncio
@pytest.mark.parametrize("options", [LOGIN_LIMITED])
async def test_the_refused_login_says_why_in_swedish(client) -> None:
    await add_agent(client, "anna")
    for _ in range(3):
        await _attempt(client, "anna", "wrong", "198.51.100.1")
    page = await (await client.get("/agent/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = await client.post(
        "/agent/login", data={"username": "anna", "password": PASSWORD, "csrf_token": token},
        headers={"X-Forwarded-For": "198.51.100.1"}, allow_redirects=False,
    )
    assert response.status == 429
    assert "För många inloggningsförsök" in await response.text()
