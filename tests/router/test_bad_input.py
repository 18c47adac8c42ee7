"""Bad input gets a 4xx with a clear JSON error, never a 500 with a traceback: each case found in the
deployment review (issue 12) has its regression test here; test_bad_input_properties.py throws random
input at every route."""
from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import WSMsgType

from tests.router import raw_http
from tests.router.admin_fixtures import as_admin
from tests.router.client_steps import (
    add_agent,
    agent_online,
    login,
    new_conversation,
    open_resident_socket,
    queued_case,
)
from tests.router.constants import INTERNAL_SECRET

pytestmark = pytest.mark.asyncio

NESTED = "[" * 20_000 + "]" * 20_000
# A lone surrogate is valid JSON (\ud800) but not a Unicode text: it cannot be stored or sent as UTF-8.
LONE_SURROGATE_TEXT = '{"text": "hej \\ud800 då"}'
LONE_SURROGATE_ID = '{"text": "hej", "client_message_id": "m\\udfff"}'
BEYOND_SQLITE = str(2**63)  # SQLite's INTEGER ends at 2**63 - 1


@pytest.fixture(autouse=True)
def no_tracebacks(caplog: pytest.LogCaptureFixture):
    """Every test here also checks that nothing was logged as an unhandled error."""
    caplog.set_level(logging.ERROR)
    yield
    unhandled = [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]
    assert not unhandled, [record.getMessage() for record in unhandled]


async def assert_json_error(response, status: int, code: str | None = None) -> dict:
    assert response.status == status, await response.text()
    body = await response.json()
    # The hours API (also called by the actions) says what is wrong in "error" alone.
    assert body.get("message") or response.url.path.startswith("/api/hours"), body
    if code is not None:
        assert body["error"] == code, body
    return body


async def raw_request(client, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    return await raw_http.raw_request(client.host, client.port, head, body)


# --- bodies ---------------------------------------------------------------------------------------------

async def test_deeply_nested_json_body_is_400(client):
    conversation_id, auth = await new_conversation(client)
    response = await client.post(f"/api/conversations/{conversation_id}/messages", data=NESTED,
                                 headers={**auth, "Content-Type": "application/json"})
    await assert_json_error(response, 400, "invalid_json")
    await assert_json_error(await client.post("/api/hours/days", data=NESTED), 400)


async def test_unknown_charset_is_400(client):
    conversation_id, auth = await new_conversation(client)
    headers = {**auth, "Content-Type": "application/json; charset=x-no-such-charset"}
    response = await client.post(f"/api/conversations/{conversation_id}/messages", data=b'{"text": "hej"}',
                                 headers=headers)
    await assert_json_error(response, 400, "invalid_json")
    response = await client.post("/api/hours/days", data=b'{"phrase": "idag"}', headers=headers)
    await assert_json_error(response, 400)
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=x-no-such-charset"}
    response = await client.post("/agent/login", data=b"username=a&password=b", headers=form)
    await assert_json_error(response, 400)


@pytest.mark.parametrize("body", [LONE_SURROGATE_TEXT, LONE_SURROGATE_ID])
async def test_lone_surrogate_in_a_message_is_400(client, body):
    conversation_id, auth = await new_conversation(client)
    response = await client.post(f"/api/conversations/{conversation_id}/messages", data=body,
                                 headers={**auth, "Content-Type": "application/json"})
    await assert_json_error(response, 400, "invalid_json")
    transcript = await (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).json()
    assert transcript["messages"] == []


async def test_lone_surrogate_in_an_hours_phrase_is_400(client):
    await assert_json_error(await client.post("/api/hours/days", data='{"phrase": "\\ud800"}'), 400)


# --- headers --------------------------------------------------------------------------------------------

async def test_non_utf8_authorization_is_4xx(client):
    conversation_id, _ = await new_conversation(client)
    status, body = await raw_request(
        client, f"GET /api/conversations/{conversation_id} HTTP/1.1\r\nAuthorization: Bearer ".encode() + b"\xff\xfe"
    )
    assert status == 400 and b'"error"' in body


async def test_non_utf8_cookie_is_4xx(client):
    status, body = await raw_request(client, b"GET /api/agent/me HTTP/1.1\r\nCookie: hbg_agent_session=\xc3\x28")
    assert status == 400 and b'"error"' in body
    status, _ = await raw_request(client, b"GET /agent HTTP/1.1\r\nCookie: hbg_agent_session=\xff")
    assert status == 400


async def test_non_utf8_csrf_token_is_4xx(client):
    await add_agent(client, "anna")
    await login(client, "anna")
    session = next(c.value for c in client.session.cookie_jar if c.key == "hbg_agent_session")
    head = (f"POST /api/agent/presence HTTP/1.1\r\nCookie: hbg_agent_session={session}\r\n"
            f"Content-Type: application/json\r\nX-CSRF-Token: ").encode() + b"\x80abc"
    status, body = await raw_request(client, head, b'{"online": true}')
    assert status == 400 and b'"error"' in body


async def test_non_utf8_internal_secret_is_4xx(client):
    conversation_id, _ = await new_conversation(client)
    head = b"POST /internal/handoff HTTP/1.1\r\nContent-Type: application/json\r\nX-Internal-Secret: \xfe" + \
        INTERNAL_SECRET.encode()
    status, body = await raw_request(client, head, f'{{"conversation_id": "{conversation_id}"}}'.encode())
    assert status == 400 and b'"error"' in body


# --- numbers in paths and queries -----------------------------------------------------------------------

@pytest.mark.parametrize("case_id", ["%C2%B2", "%D9%A3", BEYOND_SQLITE, "9" * 40])
async def test_case_ids_that_are_no_numbers_sqlite_can_hold_are_404(client, case_id):
    await add_agent(client, "anna")
    csrf = {"X-CSRF-Token": await login(client, "anna")}
    await assert_json_error(await client.get(f"/api/agent/cases/{case_id}"), 404)
    await assert_json_error(await client.post(f"/api/agent/cases/{case_id}/claim", headers=csrf), 404)
    await assert_json_error(await client.get(f"/api/agent/cases/{case_id}/hold"), 404)
    await assert_json_error(await client.post(f"/api/agent/follow-ups/{case_id}", json={}, headers=csrf), 404)


async def test_dashboard_days_are_checked_after_the_login(admin_client):
    response = await admin_client.get("/admin/dashboard?days=%C2%B2", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/agent/login?next=admin"
    assert (await admin_client.get("/api/admin/dashboard?days=%C2%B2")).status == 401
    await as_admin(admin_client)
    for days in ("%C2%B2", BEYOND_SQLITE, "-1", "0"):
        await assert_json_error(await admin_client.get(f"/admin/dashboard?days={days}"), 400, "bad_days")
        await assert_json_error(await admin_client.get(f"/api/admin/dashboard?days={days}"), 400, "bad_days")


async def test_admin_ids_beyond_sqlite_are_404(admin_client):
    csrf = await as_admin(admin_client)
    for path in (f"/api/admin/models/{BEYOND_SQLITE}/evaluation", f"/api/admin/models/{'9' * 30}/evaluation"):
        await assert_json_error(await admin_client.get(path), 404)
    response = await admin_client.post(f"/api/admin/inbox/{'9' * 30}/annotate", json={}, headers=csrf)
    await assert_json_error(response, 404)


# --- the administrator's YAML editor --------------------------------------------------------------------

@pytest.mark.parametrize("character", ["\x85", "\x9f", "\uffff", "\ufffe"])
async def test_characters_yaml_cannot_hold_are_refused_in_the_editor(admin_client, character):
    csrf = await as_admin(admin_client)
    response = await admin_client.post("/api/admin/intents/greet/examples",
                                       json={"examples": [f"hej{character} där"]}, headers=csrf)
    await assert_json_error(response, 400, "bad_example")
    response = await admin_client.post("/api/admin/responses/utter_greet/0", json={"text": f"Hej{character}!"},
                                       headers=csrf)
    await assert_json_error(response, 400, "bad_response")
    yaml_text = f"nlu:\n- intent: greet\n  examples: |\n    - hej{character} du\n"
    response = await admin_client.post("/api/admin/import", json={"yaml": yaml_text}, headers=csrf)
    await assert_json_error(response, 400)
    # The files are still readable: the editor lists the intents and responses.
    assert (await admin_client.get("/api/admin/intents")).status == 200
    assert (await admin_client.get("/api/admin/responses")).status == 200


# --- the resident's WebSocket ---------------------------------------------------------------------------

async def resident_socket(client):
    conversation_id, auth = await new_conversation(client)
    socket = await open_resident_socket(client, conversation_id, auth)
    assert (await socket.receive_json())["type"] == "state"
    return socket


async def next_error(socket) -> dict:
    async with asyncio.timeout(3):
        while True:
            frame = await socket.receive()
            assert frame.type == WSMsgType.TEXT, (frame.type, frame.data, frame.extra)
            data = frame.json()
            if data.get("type") == "error":
                return data


@pytest.mark.parametrize("frame", [
    NESTED[:8000] + NESTED[-8000:],
    '{"type": "message", "text": "hej \\ud800"}',
    '{"type": "message", "text": "hej", "client_message_id": "\\udc80"}',
    '{"type": "sync", "after_id": ' + BEYOND_SQLITE + "}",
    '{"type": "sync", "after_id": 1e400}',
    b'{"type": "typing"}',  # a binary frame
])
async def test_bad_resident_frames_get_an_error_frame_and_the_socket_stays(client, frame):
    socket = await resident_socket(client)
    if isinstance(frame, bytes):
        await socket.send_bytes(frame)
    else:
        await socket.send_str(frame)
    error = await next_error(socket)
    assert error["error"] and error["message"]
    await socket.send_json({"type": "sync", "after_id": 0})
    await socket.send_json({"type": "dance"})
    assert (await next_error(socket))["error"] == "unknown_type"
    assert not socket.closed
    await socket.close()


async def test_queued_resident_socket_survives_bad_frames(client):
    await agent_online(client)
    _, conversation_id, auth = await queued_case(client)
    socket = await open_resident_socket(client, conversation_id, auth)
    await socket.send_str(NESTED[:8000] + NESTED[-8000:])
    assert (await next_error(socket))["error"] == "invalid_json"
    await socket.close()


@pytest.mark.parametrize("origin", ["http://[", "http://[::1", "https://exa mple.org:99999"])
async def test_an_origin_that_is_no_url_is_refused_on_the_agent_socket(client, origin):
    await add_agent(client, "anna")
    await login(client, "anna")
    await assert_json_error(await client.get("/ws/agent", headers={"Origin": origin}), 403)
