"""Defaults for production: the router binds 127.0.0.1, a conversation has a limited number of sockets,
transcripts and cases are never cached, the session cookie is Secure unless the site is localhost, and
the Server header names no software version."""
from __future__ import annotations

import aiohttp
import pytest

from router.core.config import PROJECT_ROOT, Settings
from router.core.options import RouterOptions
from tests.router.client_steps import (
    add_agent,
    agent_online,
    login,
    new_conversation,
    open_resident_socket,
    queued_case,
)

def test_the_router_binds_loopback_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("ROUTER_HOST", raising=False)
    empty_env = tmp_path / ".env"
    empty_env.write_text("")
    assert Settings.from_env(empty_env).host == "127.0.0.1"
    monkeypatch.setenv("ROUTER_HOST", "0.0.0.0")
    assert Settings.from_env(empty_env).host == "0.0.0.0"


def test_the_shipped_env_example_binds_loopback_and_leaves_cookie_secure_automatic():
    lines = (PROJECT_ROOT / ".env.example").read_text().splitlines()
    assert "ROUTER_HOST=127.0.0.1" in lines
    assert "COOKIE_SECURE=" in lines


def test_sockets_per_conversation_is_configurable(monkeypatch):
    monkeypatch.delenv("MAX_SOCKETS_PER_CONVERSATION", raising=False)
    assert RouterOptions.from_env().sockets_per_conversation == RouterOptions.sockets_per_conversation
    monkeypatch.setenv("MAX_SOCKETS_PER_CONVERSATION", "2")
    assert RouterOptions.from_env().sockets_per_conversation == 2
    monkeypatch.setenv("MAX_SOCKETS_PER_CONVERSATION", "0")
    with pytest.raises(ValueError, match="MAX_SOCKETS_PER_CONVERSATION"):
        RouterOptions.from_env()


@pytest.fixture
def options() -> RouterOptions:
    return RouterOptions(conversation_per_minute=1000, address_per_minute=1000, rasa_timeout_seconds=1,
                         sockets_per_conversation=2)


@pytest.mark.asyncio
async def test_at_most_n_sockets_per_conversation(client):
    conversation_id, auth = await new_conversation(client)
    other_id, other_auth = await new_conversation(client)
    first = await open_resident_socket(client, conversation_id, auth)
    second = await open_resident_socket(client, conversation_id, auth)
    for socket in (first, second):
        assert (await socket.receive_json())["type"] == "state"
    refused = await open_resident_socket(client, conversation_id, auth)
    error = await refused.receive_json()
    assert (error["type"], error["error"]) == ("error", "too_many_sockets")
    assert (await refused.receive()).type == aiohttp.WSMsgType.CLOSE and refused.close_code == 4429
    # A stranger's sockets never count: they are closed before the conversation's limit is consulted.
    stranger = await client.ws_connect(f"/ws/conversations/{conversation_id}")
    await stranger.send_json({"type": "auth", "token": "not-the-token"})
    assert (await stranger.receive_json())["error"] == "unauthorized"
    # Another conversation is not affected, and a closed socket frees its place.
    other = await open_resident_socket(client, other_id, other_auth)
    assert (await other.receive_json())["type"] == "state"
    await first.close()
    third = await open_resident_socket(client, conversation_id, auth)
    assert (await third.receive_json())["type"] == "state"
    for socket in (second, third, other):
        await socket.close()


@pytest.mark.asyncio
async def test_transcripts_and_cases_are_not_stored_by_caches(client):
    await agent_online(client)
    case_id, conversation_id, auth = await queued_case(client)
    responses = [
        await client.get(f"/api/conversations/{conversation_id}", headers=auth),
        await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hej"}, headers=auth),
        await client.get(f"/api/agent/cases/{case_id}"),
        await client.get("/api/agent/queue"),
        await client.get("/api/agent/follow-ups"),
        await client.get(f"/api/agent/cases/{case_id}/export.json"),
        await client.get("/api/agent/cases/999/hold"),
    ]
    for response in responses:
        assert response.headers.get("Cache-Control") == "no-store", (response.url, response.status)


@pytest.mark.asyncio
async def test_session_cookie_is_secure_unless_the_site_is_localhost(client):
    await add_agent(client, "anna")

    async def session_cookie(host: str | None) -> str:
        headers = {"Host": host} if host else {}
        page = await client.get("/agent/login", headers=headers)
        csrf = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]
        client.session.cookie_jar.clear()
        response = await client.post(
            "/agent/login", data={"username": "anna", "password": "correct horse battery", "csrf_token": csrf},
            headers={**headers, "Cookie": f"hbg_login_csrf={csrf}"}, allow_redirects=False,
        )
        assert response.status == 303
        return next(v for v in response.headers.getall("Set-Cookie") if v.startswith("hbg_agent_session="))

    for local in ("localhost:8080", "127.0.0.1:8080", "[::1]:8080", None):
        assert "Secure" not in await session_cookie(local), local
    for public in ("chatt.helsingborg.se", "10.0.0.5:8080"):
        assert "Secure" in await session_cookie(public), public


def test_cookie_secure_can_be_forced_either_way(monkeypatch):
    monkeypatch.setenv("COOKIE_SECURE", "true")
    forced = RouterOptions.from_env()
    assert forced.secure_cookies_for("localhost:8080") and forced.secure_cookies_for("example.org")
    monkeypatch.setenv("COOKIE_SECURE", "false")
    off = RouterOptions.from_env()
    assert not off.secure_cookies_for("example.org")
    monkeypatch.setenv("COOKIE_SECURE", "")
    automatic = RouterOptions.from_env()
    assert automatic.secure_cookies_for("example.org") and not automatic.secure_cookies_for("localhost")
    assert automatic.secure_cookies_for("[broken")  # a Host header that is no host name: Secure


@pytest.mark.asyncio
async def test_no_software_version_in_the_server_header(client):
    conversation_id, _ = await new_conversation(client)
    await add_agent(client, "anna")
    await login(client, "anna")
    responses = [
        await client.get("/"), await client.get("/static/widget.js"), await client.get("/healthz"),
        await client.get("/api/no-such-thing"), await client.get(f"/api/conversations/{conversation_id}"),
        await client.get("/agent/login"), await client.get("/api/agent/me"),
    ]
    for response in responses:
        server = response.headers.get("Server", "")
        assert "aiohttp" not in server.lower() and "python" not in server.lower(), (response.url, server)
