"""Live chat over WebSockets: resident ↔ agent relay, queue updates, typing, resync, limits."""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from router.chat import websocket as resident_ws
from tests.router.client_steps import (
    add_agent,
    agent_online,
    handoff,
    login,
    new_conversation,
    open_resident_socket,
    queued_case,
)

pytestmark = pytest.mark.asyncio


async def receive_until(socket, predicate, timeout: float = 3.0) -> dict[str, Any]:
    """Read frames until one matches; fails the test on timeout."""
    async with asyncio.timeout(timeout):
        while True:
            frame = await socket.receive_json()
            if predicate(frame):
                return frame


def of_type(kind: str, **fields: Any):
    return lambda frame: frame.get("type") == kind and all(frame.get(k) == v for k, v in fields.items())


resident_socket = open_resident_socket


async def refusal(socket) -> tuple[dict[str, Any], int]:
    """The error frame and the close code of a socket the router refuses."""
    error = await socket.receive_json(timeout=3)
    closing = await socket.receive(timeout=3)
    assert closing.type == aiohttp.WSMsgType.CLOSE, closing
    return error, closing.data


async def test_socket_needs_the_right_token_in_its_first_frame(client) -> None:
    conversation_id, own = await new_conversation(client)
    _, other = await new_conversation(client)
    own_token = own["Authorization"].split(" ", 1)[1]
    for first in (
        {"type": "auth", "token": "wrong"},
        {"type": "auth", "token": other["Authorization"].split(" ", 1)[1]},
        {"type": "auth"},
        {"type": "sync", "after_id": 0, "token": own_token},
    ):
        socket = await client.ws_connect(f"/ws/conversations/{conversation_id}")
        await socket.send_json(first)
        error, code = await refusal(socket)
        assert (error["type"], error["error"], code) == ("error", "unauthorized", 4401)
    unknown = await open_resident_socket(client, "unknown", own)
    error, code = await refusal(unknown)
    assert (error["error"], code) == ("not_found", 4404)


async def test_a_token_in_the_url_opens_nothing(client) -> None:
    conversation_id, auth = await new_conversation(client)
    token = auth["Authorization"].split(" ", 1)[1]
    socket = await client.ws_connect(f"/ws/conversations/{conversation_id}?token={token}")
    await socket.send_json({"type": "sync", "after_id": 0})
    error, code = await refusal(socket)
    assert (error["error"], code) == ("unauthorized", 4401)


async def test_a_socket_that_never_authenticates_is_closed(client, monkeypatch) -> None:
    monkeypatch.setattr(resident_ws, "AUTH_TIMEOUT_SECONDS", 0.1)
    conversation_id, _ = await new_conversation(client)
    socket = await client.ws_connect(f"/ws/conversations/{conversation_id}")
    error, code = await refusal(socket)
    assert (error["error"], code) == ("unauthorized", 4401)


async def test_a_first_frame_that_is_not_json_is_refused(client) -> None:
    conversation_id, _ = await new_conversation(client)
    socket = await client.ws_connect(f"/ws/conversations/{conversation_id}")
    await socket.send_str("token=abc")
    error, code = await refusal(socket)
    assert (error["error"], code) == ("invalid_json", 4400)


async def test_resident_message_over_socket_gets_bot_reply_frames(client, rasa) -> None:
    conversation_id, auth = await new_conversation(client)
    socket = await resident_socket(client, conversation_id, auth)
    assert await socket.receive_json() == {"type": "state", "state": "bot"}
    await socket.send_json({"type": "message", "text": "hej", "client_message_id": "m1"})
    own = await receive_until(socket, of_type("message", **{"from": "resident"}))
    assert (own["text"], own["client_message_id"]) == ("hej", "m1")
    reply = await receive_until(socket, of_type("message", **{"from": "bot"}))
    assert reply["text"] == "Du skrev: hej" and reply["buttons"] == [] and reply["id"] > own["id"] and reply["at"]
    await socket.send_json({"type": "message", "text": ""})
    error = await receive_until(socket, of_type("error"))
    assert error["error"] == "empty_text"
    await socket.send_str("not json")
    assert (await receive_until(socket, of_type("error")))["error"] == "invalid_json"
    await socket.send_json({"type": "dance"})
    assert (await receive_until(socket, of_type("error")))["error"] == "unknown_type"
    await socket.close()


async def test_sync_after_reconnect_returns_missed_messages(client, rasa) -> None:
    conversation_id, auth = await new_conversation(client)
    await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "ett"}, headers=auth)
    await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "två"}, headers=auth)
    history = (await (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).json())["messages"]
    socket = await resident_socket(client, conversation_id, auth)
    await socket.receive_json()  # state
    await socket.send_json({"type": "sync", "after_id": history[1]["id"]})
    missed = [await socket.receive_json() for _ in range(2)]
    assert [(f["type"], f["from"], f["text"]) for f in missed] == [
        ("message", "resident", "två"),
        ("message", "bot", "Du skrev: två"),
    ]
    await socket.send_json({"type": "sync", "after_id": "x"})
    assert (await receive_until(socket, of_type("error")))["error"] == "invalid_field"
    await socket.close()


async def test_oversized_frame_closes_the_socket_cleanly(client) -> None:
    conversation_id, auth = await new_conversation(client)
    socket = await resident_socket(client, conversation_id, auth)
    await socket.receive_json()
    await socket.send_str('{"type": "message", "text": "' + "x" * 40_000 + '"}')
    message = await socket.receive(timeout=3)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
    assert socket.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    # The router is still fine.
    assert (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).status == 200


async def test_too_long_text_in_a_frame_is_an_error_frame(client) -> None:
    conversation_id, auth = await new_conversation(client)
    socket = await resident_socket(client, conversation_id, auth)
    await socket.receive_json()
    await socket.send_json({"type": "message", "text": "x" * 2001})
    error = await receive_until(socket, of_type("error"))
    assert error["error"] == "text_too_long" and "2 000" in error["message"]
    await socket.close()


async def test_relay_between_resident_and_agent(client, rasa) -> None:
    csrf = await agent_online(client, "anna")
    headers = {"X-CSRF-Token": csrf}
    agent_socket = await client.ws_connect("/ws/agent")
    assert (await agent_socket.receive_json())["type"] == "presence"

    case_id, conversation_id, resident_auth = await queued_case(client)
    queue_frame = await receive_until(agent_socket, of_type("queue"))
    assert [c["id"] for c in queue_frame["queue"]] == [case_id]

    resident = await resident_socket(client, conversation_id, resident_auth)
    assert await resident.receive_json() == {"type": "state", "state": "queued"}
    place = await resident.receive_json()
    assert (place["type"], place["position"], place["wait_minutes"]) == ("queue", 1, 5)
    assert place["reference"].startswith("HBG-2026-")

    await client.post(f"/api/agent/cases/{case_id}/claim", headers=headers)
    assert (await receive_until(resident, of_type("agent_joined")))["name"] == "Anna"
    await receive_until(resident, of_type("state", state="agent"))

    await resident.send_json({"type": "typing"})
    typing = await receive_until(agent_socket, of_type("typing"))
    assert typing["conversation_id"] == conversation_id
    await resident.send_json({"type": "message", "text": "Hej Anna", "client_message_id": "r1"})
    relayed = await receive_until(agent_socket, lambda f: f["type"] == "message" and f["message"]["from"] == "resident")
    assert (relayed["conversation_id"], relayed["message"]["text"]) == (conversation_id, "Hej Anna")

    await client.post(f"/api/agent/cases/{case_id}/typing", headers=headers)
    assert await receive_until(resident, of_type("typing")) == {"type": "typing", "from": "agent"}
    await client.post(f"/api/agent/cases/{case_id}/messages", json={"text": "Hej! Hur kan jag hjälpa?"}, headers=headers)
    frame = await receive_until(resident, of_type("message", **{"from": "agent"}))
    assert frame["text"] == "Hej! Hur kan jag hjälpa?"

    categories = (await (await client.get("/api/agent/categories")).json())["categories"]
    await client.post(f"/api/agent/cases/{case_id}/close", json={"category": categories[-1]}, headers=headers)
    assert (await receive_until(resident, of_type("agent_left")))["name"] == "Anna"
    await receive_until(resident, of_type("state", state="closed"))
    await receive_until(resident, of_type("closed"))
    await resident.close()
    await agent_socket.close()


async def test_queue_positions_are_pushed_when_someone_ahead_leaves(client) -> None:
    await agent_online(client)
    _, first_id, first_auth = await queued_case(client)
    _, second_id, second_auth = await queued_case(client)
    second = await resident_socket(client, second_id, second_auth)
    await receive_until(second, of_type("queue", position=2))
    first = await resident_socket(client, first_id, first_auth)
    await first.receive_json()
    await first.send_json({"type": "leave_queue"})
    await receive_until(first, of_type("state", state="bot"))
    moved = await receive_until(second, of_type("queue"))
    assert (moved["position"], moved["wait_minutes"]) == (1, 5)
    await first.close()
    await second.close()


async def test_agent_socket_needs_a_session_and_same_origin(client) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
        await client.ws_connect("/ws/agent")
    assert error.value.status == 401
    await add_agent(client, "anna")
    await login(client, "anna")
    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
        await client.ws_connect("/ws/agent", headers={"Origin": "https://evil.example"})
    assert error.value.status == 403


async def test_handoff_over_socket_when_rasa_is_down(client, rasa) -> None:
    await agent_online(client)
    rasa.mode = "error"
    conversation_id, auth = await new_conversation(client)
    socket = await resident_socket(client, conversation_id, auth)
    await socket.receive_json()
    await socket.send_json({"type": "message", "text": "hej", "client_message_id": "a"})
    down = await receive_until(socket, of_type("message", **{"from": "bot"}))
    assert "042-10 50 00" in down["text"]
    await socket.send_json({"type": "message", "text": down["buttons"][0]["payload"], "client_message_id": "b"})
    await receive_until(socket, of_type("state", state="queued"))
    await receive_until(socket, of_type("queue", position=1))
    await socket.close()
    assert (await (await handoff(client, conversation_id)).json())["outcome"] == "already_queued"


async def test_resident_transcript_names_agents_as_the_live_chat_did(client, rasa) -> None:
    """After a reload the widget rebuilds the chat from GET /api/conversations/{id}: agent messages carry
    the display name the live agent_joined frame showed (never the username), notes stay internal."""
    await add_agent(client, "a.svensson", name="Anna S")
    csrf = await login(client, "a.svensson")
    headers = {"X-CSRF-Token": csrf}
    await client.post("/api/agent/presence", json={"online": True}, headers=headers)
    case_id, conversation_id, resident_auth = await queued_case(client)
    resident = await resident_socket(client, conversation_id, resident_auth)

    before = await (await client.get(f"/api/conversations/{conversation_id}", headers=resident_auth)).json()
    assert before["state"] == "queued" and before["agent_name"] is None

    await client.post(f"/api/agent/cases/{case_id}/claim", headers=headers)
    live_name = (await receive_until(resident, of_type("agent_joined")))["name"]
    assert live_name == "Anna S"
    await client.post(f"/api/agent/cases/{case_id}/messages", json={"text": "Hej, vad gäller det?"}, headers=headers)
    await client.post(f"/api/agent/cases/{case_id}/notes", json={"text": "Intern anteckning"}, headers=headers)
    await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "Klotter"}, headers=resident_auth)

    body = await client.get(f"/api/conversations/{conversation_id}", headers=resident_auth)
    raw = await body.text()
    transcript = await body.json()
    assert transcript["state"] == "agent" and transcript["agent_name"] == live_name
    agent_messages = [m for m in transcript["messages"] if m["from"] == "agent"]
    assert [(m["text"], m["name"]) for m in agent_messages] == [("Hej, vad gäller det?", live_name)]
    assert all("name" not in m for m in transcript["messages"] if m["from"] != "agent")
    # The router's own line about the agent joining is stored once, so a reload shows it once.
    joined = [m["text"] for m in transcript["messages"] if m["from"] == "system" and "Anna S" in m["text"]]
    assert joined == ["Du chattar nu med Anna S, kommunvägledare på Helsingborg kontaktcenter."]
    assert "a.svensson" not in raw and "Intern anteckning" not in raw and "agent_id" not in raw

    # An admin writing in the chat is named by their own display name; the chat stays Anna's.
    await add_agent(client, "boss", role="admin", name="Bodil")
    boss_csrf = await login(client, "boss")
    await client.post(f"/api/agent/cases/{case_id}/messages", json={"text": "Jag hjälper till."}, headers={"X-CSRF-Token": boss_csrf})
    transcript = await (await client.get(f"/api/conversations/{conversation_id}", headers=resident_auth)).json()
    assert [(m["text"], m["name"]) for m in transcript["messages"] if m["from"] == "agent"] == [
        ("Hej, vad gäller det?", "Anna S"),
        ("Jag hjälper till.", "Bodil"),
    ]
    assert transcript["agent_name"] == "Anna S"

    # Back in the queue: nobody is chatting now, but the earlier messages keep their names.
    await client.post(f"/api/agent/cases/{case_id}/requeue", headers={"X-CSRF-Token": boss_csrf})
    transcript = await (await client.get(f"/api/conversations/{conversation_id}", headers=resident_auth)).json()
    assert transcript["state"] == "queued" and transcript["agent_name"] is None
    assert [m["name"] for m in transcript["messages"] if m["from"] == "agent"] == ["Anna S", "Bodil"]
    await resident.close()
