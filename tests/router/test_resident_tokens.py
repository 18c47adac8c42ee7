"""A resident's token expires a while (RESIDENT_TOKEN_HOURS, 24 by default) after the conversation's last
message, with a Swedish explanation; the socket says the same and closes."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from aiohttp import WSMsgType

from router.app import create_app
from router.core.options import RouterOptions
from tests.router.client_steps import new_conversation, open_resident_socket
from tests.router.constants import MONDAY_10

pytestmark = pytest.mark.asyncio


async def _say(client, conversation_id: str, auth: dict[str, str], text: str) -> None:
    response = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth)
    assert response.status == 200, await response.text()


async def test_the_token_lasts_a_day_after_the_last_message_not_after_the_start(client, clock) -> None:
    conversation_id, auth = await new_conversation(client)
    clock.set(MONDAY_10 + timedelta(hours=20))
    await _say(client, conversation_id, auth, "hej igen")

    clock.set(MONDAY_10 + timedelta(hours=43))  # 23 hours after the last message
    assert (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).status == 200

    clock.set(MONDAY_10 + timedelta(hours=44, minutes=1))
    response = await client.get(f"/api/conversations/{conversation_id}", headers=auth)
    assert response.status == 401
    body = await response.json()
    assert body["error"] == "expired"
    assert "gått ut" in body["message"] and "Starta en ny chatt" in body["message"]
    refused = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "x"}, headers=auth)
    assert (refused.status, (await refused.json())["error"]) == (401, "expired")


async def test_a_conversation_without_messages_expires_from_its_start(client, clock) -> None:
    conversation_id, auth = await new_conversation(client)
    clock.set(MONDAY_10 + timedelta(hours=24, seconds=1))
    response = await client.get(f"/api/conversations/{conversation_id}", headers=auth)
    assert (response.status, (await response.json())["error"]) == (401, "expired")


async def test_an_expired_token_gets_an_error_frame_and_the_socket_closes(client, clock) -> None:
    conversation_id, auth = await new_conversation(client)
    clock.set(MONDAY_10 + timedelta(days=2))
    socket = await open_resident_socket(client, conversation_id, auth)
    error = await socket.receive_json(timeout=3)
    assert (error["type"], error["error"]) == ("error", "expired")
    assert "Starta en ny chatt" in error["message"]
    closing = await socket.receive(timeout=3)
    assert (closing.type, closing.data) == (WSMsgType.CLOSE, 4401)


async def test_a_new_conversation_works_after_one_expired(client, clock) -> None:
    old_id, old_auth = await new_conversation(client)
    clock.set(MONDAY_10 + timedelta(days=2))
    assert (await client.get(f"/api/conversations/{old_id}", headers=old_auth)).status == 401
    new_id, new_auth = await new_conversation(client)
    await _say(client, new_id, new_auth, "hej")


async def test_the_lifetime_is_configurable(aiohttp_client, settings, clock, options, monkeypatch) -> None:
    client = await aiohttp_client(create_app(settings, clock=clock, options=replace(options, resident_token_hours=1)))
    conversation_id, auth = await new_conversation(client)
    clock.set(MONDAY_10 + timedelta(minutes=61))
    assert (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).status == 401

    monkeypatch.setenv("RESIDENT_TOKEN_HOURS", "48")
    assert RouterOptions.from_env().resident_token_hours == 48
    monkeypatch.setenv("RESIDENT_TOKEN_HOURS", "0")
    with pytest.raises(ValueError):
        RouterOptions.from_env()


async def test_a_process_that_saw_the_conversation_long_ago_asks_the_database(
    aiohttp_client, settings, clock, options
) -> None:
    """A router process remembers the conversations it saw lately, so it authenticates them without a query;
    when another process stored the later messages, what it remembers is too old and the database decides."""
    first = await aiohttp_client(create_app(settings, clock=clock, options=options))
    second = await aiohttp_client(create_app(settings, clock=clock, options=options))
    conversation_id, auth = await new_conversation(first)
    clock.set(MONDAY_10 + timedelta(hours=20))
    await _say(second, conversation_id, auth, "hej från en annan process")

    clock.set(MONDAY_10 + timedelta(hours=30))  # 30 hours after the first process saw it, 10 after the last message
    assert (await first.get(f"/api/conversations/{conversation_id}", headers=auth)).status == 200
    wrong = {"Authorization": "Bearer inte-den-har"}
    assert (await first.get(f"/api/conversations/{conversation_id}", headers=wrong)).status == 401
