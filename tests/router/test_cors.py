"""Cross-origin embedding (ALLOWED_ORIGINS): CORS on the resident API and the opening hours only, and the
Origin check on the WebSockets."""
from __future__ import annotations

from dataclasses import replace

import aiohttp
import pytest

from router.core.config import Settings
from tests.router.client_steps import new_conversation

pytestmark = pytest.mark.asyncio

CITY = "https://helsingborg.se"
STRANGER = "https://evil.example"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, allowed_origins=(CITY, "http://localhost:8081"))


async def test_preflight_from_a_listed_origin_is_answered(client) -> None:
    response = await client.options(
        "/api/conversations",
        headers={"Origin": CITY, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"},
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == CITY
    assert set(response.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "POST"}
    assert response.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_preflight_for_a_conversation_message_and_the_hours(client) -> None:
    for path in ("/api/conversations/abc/messages", "/api/hours"):
        response = await client.options(path, headers={"Origin": CITY, "Access-Control-Request-Method": "POST"})
        assert response.status == 204, path
        assert response.headers["Access-Control-Allow-Origin"] == CITY


async def test_post_from_a_listed_origin_can_be_read_and_used(client) -> None:
    response = await client.post("/api/conversations", headers={"Origin": CITY})
    assert response.status == 201
    assert response.headers["Access-Control-Allow-Origin"] == CITY
    assert "Origin" in response.headers.getall("Vary")
    body = await response.json()
    sent = await client.post(
        f"/api/conversations/{body['id']}/messages", json={"text": "hej"},
        headers={"Origin": CITY, "Authorization": f"Bearer {body['token']}"},
    )
    assert sent.status == 200
    assert sent.headers["Access-Control-Allow-Origin"] == CITY


async def test_errors_on_the_shared_paths_carry_the_cors_headers(client) -> None:
    response = await client.get("/api/conversations/nope", headers={"Origin": CITY})
    assert response.status in (401, 404)
    assert response.headers["Access-Control-Allow-Origin"] == CITY


async def test_hours_and_contact_facts_are_shared_with_a_listed_origin(client) -> None:
    for path in ("/api/hours", "/api/contact"):
        response = await client.get(path, headers={"Origin": CITY})
        assert response.status == 200, path
        assert response.headers["Access-Control-Allow-Origin"] == CITY, path


async def test_unknown_origin_gets_no_cors_headers(client) -> None:
    preflight = await client.options(
        "/api/conversations", headers={"Origin": STRANGER, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status == 403
    assert (await preflight.json())["error"] == "origin_not_allowed"
    assert not any(name.startswith("Access-Control-") for name in preflight.headers)
    post = await client.post("/api/conversations", headers={"Origin": STRANGER})
    assert not any(name.startswith("Access-Control-") for name in post.headers)


async def test_console_and_admin_api_are_not_shared(client) -> None:
    for path in ("/api/agent/me", "/api/admin/inbox"):
        preflight = await client.options(path, headers={"Origin": CITY, "Access-Control-Request-Method": "GET"})
        assert "Access-Control-Allow-Origin" not in preflight.headers, path
        response = await client.get(path, headers={"Origin": CITY})
        assert "Access-Control-Allow-Origin" not in response.headers, path


async def test_resident_socket_accepts_own_and_listed_origins(client) -> None:
    conversation_id, auth = await new_conversation(client)
    token = auth["Authorization"].removeprefix("Bearer ")
    own = str(client.make_url("")).rstrip("/")
    for origin in (own, CITY):
        socket = await client.ws_connect(f"/ws/conversations/{conversation_id}", origin=origin)
        await socket.send_json({"type": "auth", "token": token})
        assert (await socket.receive_json(timeout=3))["type"] == "state"
        await socket.close()


async def test_resident_socket_refuses_an_unknown_origin(client) -> None:
    conversation_id, _ = await new_conversation(client)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(f"/ws/conversations/{conversation_id}", origin=STRANGER)
    assert refused.value.status == 403


async def test_agent_socket_refuses_even_a_listed_origin(client) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws/agent", origin=CITY)
    assert refused.value.status == 403
