"""The resident API: creating conversations, messages through (a stand-in for) Rasa, idempotency,
the transcript, feedback, and every kind of bad input."""
from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlmodel import select

from router import texts
from router.app import create_app
from router.keys import DB_KEY, ENGINE_KEY
from router.models import Message
from tests.router.client_steps import new_conversation

pytestmark = pytest.mark.asyncio


async def test_create_conversation_returns_id_token_and_swedish_notice(client) -> None:
    response = await client.post("/api/conversations")
    assert response.status == 201
    body = await response.json()
    assert set(body) == {"id", "token", "notice"}
    notice = body["notice"]
    for must in ("automatisk assistent", "inte en människa", "allmän handling", "personnummer", "112", "042-10 50 00"):
        assert must in notice
    assert "namn" in notice


async def test_message_goes_to_rasa_and_reply_comes_back(client, rasa) -> None:
    conversation_id, auth = await new_conversation(client)
    rasa.answer = lambda sender, text: [
        {"recipient_id": sender, "text": "Hej! Vad kan jag hjälpa dig med?",
         "buttons": [{"title": "Öppettider", "payload": "/opening_hours"}]},
        {"recipient_id": sender, "image": "https://example.org/x.png"},
    ]
    response = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hej"}, headers=auth)
    assert response.status == 200
    assert await response.json() == {
        "replies": [{"text": "Hej! Vad kan jag hjälpa dig med?", "buttons": [{"title": "Öppettider", "payload": "/opening_hours"}]}],
        "state": "bot",
    }
    assert rasa.received == [{"sender": conversation_id, "message": "hej"}]

    history = await (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).json()
    assert history["state"] == "bot"
    assert history["reference"] is None
    assert [(m["from"], m["text"]) for m in history["messages"]] == [
        ("resident", "hej"),
        ("bot", "Hej! Vad kan jag hjälpa dig med?"),
    ]
    assert history["messages"][1]["buttons"] == [{"title": "Öppettider", "payload": "/opening_hours"}]
    assert "buttons" not in history["messages"][0]
    assert history["messages"][0]["at"].startswith("2026-11-30T09:00")


async def test_button_payload_is_sent_as_text(client, rasa) -> None:
    conversation_id, auth = await new_conversation(client)
    await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "/opening_hours"}, headers=auth)
    assert rasa.received[-1]["message"] == "/opening_hours"


async def test_same_client_message_id_is_stored_once_and_answered_the_same(client, rasa) -> None:
    conversation_id, auth = await new_conversation(client)
    counter = iter(range(100))
    rasa.answer = lambda sender, text: [{"text": f"svar {next(counter)}"}]
    body = {"text": "hej", "client_message_id": "c-1"}
    first = await client.post(f"/api/conversations/{conversation_id}/messages", json=body, headers=auth)
    second = await client.post(f"/api/conversations/{conversation_id}/messages", json=body, headers=auth)
    assert await first.json() == await second.json() == {"replies": [{"text": "svar 0", "buttons": []}], "state": "bot"}
    assert len(rasa.received) == 1
    async with client.app[DB_KEY]() as session:
        stored = (await session.exec(select(Message).where(Message.conversation_id == conversation_id))).all()
    assert [(m.sender, m.text) for m in stored] == [("resident", "hej"), ("bot", "svar 0")]


async def test_a_message_that_cannot_be_stored_fails_and_no_answer_is_kept(client, rasa) -> None:
    """Rasa is asked while the resident's message is committed (issue 17). When that commit fails, the
    request fails as it did when Rasa was asked only after it: no answer is returned or stored, and the
    resident's retry with the same client_message_id is stored and answered once."""
    conversation_id, auth = await new_conversation(client)
    async with client.app[ENGINE_KEY].begin() as connection:
        await connection.exec_driver_sql(
            "CREATE TRIGGER full_disk BEFORE INSERT ON messages WHEN NEW.sender = 'resident' "
            "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
        )
    body = {"text": "hej", "client_message_id": "c-1"}
    failed = await client.post(f"/api/conversations/{conversation_id}/messages", json=body, headers=auth)
    assert failed.status >= 500 and "replies" not in await failed.json()
    async with client.app[ENGINE_KEY].begin() as connection:
        await connection.exec_driver_sql("DROP TRIGGER full_disk")
    await asyncio.sleep(0.1)  # Rasa's answer, if it was on its way, arrives and is dropped
    async with client.app[DB_KEY]() as session:
        assert (await session.exec(select(Message).where(Message.conversation_id == conversation_id))).all() == []

    retried = await client.post(f"/api/conversations/{conversation_id}/messages", json=body, headers=auth)
    assert retried.status == 200
    assert await retried.json() == {"replies": [{"text": "Du skrev: hej", "buttons": []}], "state": "bot"}
    async with client.app[DB_KEY]() as session:
        stored = (await session.exec(select(Message).where(Message.conversation_id == conversation_id))).all()
    assert [(m.sender, m.text) for m in stored] == [("resident", "hej"), ("bot", "Du skrev: hej")]


async def test_concurrent_duplicates_are_stored_once(client, rasa) -> None:
    conversation_id, auth = await new_conversation(client)
    body = {"text": "hej", "client_message_id": "same"}
    responses = await asyncio.gather(
        *(client.post(f"/api/conversations/{conversation_id}/messages", json=body, headers=auth) for _ in range(4))
    )
    assert {r.status for r in responses} == {200}
    assert len(rasa.received) == 1


async def test_predicted_intent_is_stored_on_the_resident_message(client, rasa) -> None:
    conversation_id, auth = await new_conversation(client)
    await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hej"}, headers=auth)
    async with client.app[DB_KEY]() as session:
        message = (await session.exec(select(Message).where(Message.sender == "resident"))).one()
    assert (message.intent, message.intent_confidence) == ("greet", 0.93)


@pytest.mark.parametrize("mode", ["error", "slow", "drop"])
async def test_rasa_down_gives_swedish_message_with_phone_and_handoff_button(client, rasa, mode) -> None:
    rasa.mode = mode
    conversation_id, auth = await new_conversation(client)
    response = await client.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": "hej", "client_message_id": "x"}, headers=auth
    )
    assert response.status == 200
    body = await response.json()
    assert body["state"] == "bot"
    [reply] = body["replies"]
    assert "042-10 50 00" in reply["text"] and "tekniskt fel" in reply["text"]
    assert reply["buttons"] == [{"title": "Chatta med en person", "payload": "/human_handoff"}]
    history = await (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).json()
    assert [m["from"] for m in history["messages"]] == ["resident", "bot"]


async def test_while_rasa_starts_the_resident_is_told_to_try_again_soon(
    aiohttp_client, settings, clock, options, rasa
) -> None:
    """`make run` starts the router while Rasa still loads its model: until Rasa has answered once (within
    RASA_STARTUP_SECONDS), a message it cannot take gets "Assistenten startar", not the technical-error text."""
    app = create_app(settings, clock=clock, options=replace(options, rasa_startup_seconds=300))
    client = await aiohttp_client(app)
    conversation_id, auth = await new_conversation(client)

    async def say(text: str) -> dict:
        response = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth)
        assert response.status == 200
        return (await response.json())["replies"][0]

    rasa.mode = "error"
    starting = await say("hej")
    assert starting["text"] == texts.rasa_starting("042-10 50 00")
    assert starting["text"].startswith("Assistenten startar, prova igen om en liten stund.")
    assert starting["buttons"] == [{"title": "Chatta med en person", "payload": "/human_handoff"}]
    rasa.mode = "ok"
    assert (await say("hej igen"))["text"] == "Du skrev: hej igen"
    rasa.mode = "error"
    assert "tekniskt fel" in (await say("och nu?"))["text"]  # up once: a failure now is a failure


async def test_closed_conversation_restarts_with_the_bot(client, rasa) -> None:
    from router.models import Conversation

    conversation_id, auth = await new_conversation(client)
    async with client.app[DB_KEY]() as session:
        conversation = await session.get(Conversation, conversation_id)
        conversation.state = "closed"
        await session.commit()
    body = await (
        await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hej igen"}, headers=auth)
    ).json()
    assert body["state"] == "bot"
    assert body["replies"] == [{"text": "Du skrev: hej igen", "buttons": []}]


async def test_feedback_is_stored(client) -> None:
    from router.models import Feedback

    conversation_id, auth = await new_conversation(client)
    response = await client.post(f"/api/conversations/{conversation_id}/feedback", json={"helped": True}, headers=auth)
    assert response.status == 201
    bad = await client.post(f"/api/conversations/{conversation_id}/feedback", json={"helped": "ja"}, headers=auth)
    assert bad.status == 400
    async with client.app[DB_KEY]() as session:
        assert [f.helped for f in (await session.exec(select(Feedback))).all()] == [True]


# --- bad input ---------------------------------------------------------------------------------


async def test_invalid_json_is_400(client) -> None:
    conversation_id, auth = await new_conversation(client)
    for body in ("{not json", "[1, 2]", ""):
        response = await client.post(
            f"/api/conversations/{conversation_id}/messages", data=body,
            headers={**auth, "Content-Type": "application/json"},
        )
        assert response.status == 400
        assert (await response.json())["error"] == "invalid_json"


@pytest.mark.parametrize("text", ["", "   \n ", None])
async def test_empty_text_is_400(client, text) -> None:
    conversation_id, auth = await new_conversation(client)
    response = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth)
    assert response.status == 400
    assert (await response.json())["error"] == "empty_text"


async def test_text_over_2000_characters_is_413_in_swedish(client, rasa) -> None:
    conversation_id, auth = await new_conversation(client)
    ok = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "å" * 2000}, headers=auth)
    assert ok.status == 200
    response = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "å" * 2001}, headers=auth)
    assert response.status == 413
    body = await response.json()
    assert body == {"error": "text_too_long", "message": "Meddelandet är för långt. Det får vara högst 2 000 tecken."}
    huge = await client.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": "x" * 200_000}, headers=auth
    )
    assert huge.status == 413
    assert "2 000 tecken" in (await huge.json())["message"]
    assert len(rasa.received) == 1


async def test_unknown_conversation_is_404(client) -> None:
    _, auth = await new_conversation(client)
    for method, path in [
        ("GET", "/api/conversations/doesnotexist"),
        ("POST", "/api/conversations/doesnotexist/messages"),
        ("POST", "/api/conversations/doesnotexist/leave-queue"),
    ]:
        response = await client.request(method, path, json={"text": "hej"}, headers=auth)
        assert response.status == 404
        assert (await response.json())["error"] == "not_found"


async def test_missing_or_wrong_token_is_401_and_never_opens_another_conversation(client) -> None:
    first_id, first_auth = await new_conversation(client)
    second_id, second_auth = await new_conversation(client)
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, second_auth):
        response = await client.get(f"/api/conversations/{first_id}", headers=headers)
        assert response.status == 401
        response = await client.post(f"/api/conversations/{first_id}/messages", json={"text": "hej"}, headers=headers)
        assert response.status == 401
    assert (await client.get(f"/api/conversations/{second_id}", headers=second_auth)).status == 200


async def test_only_a_hash_of_the_token_is_stored(client) -> None:
    from router.models import Conversation

    response = await client.post("/api/conversations")
    body = await response.json()
    async with client.app[DB_KEY]() as session:
        conversation = await session.get(Conversation, body["id"])
    assert body["token"] not in conversation.token_hash
    assert len(conversation.token_hash) == 64


async def test_leave_queue_when_not_queued_is_409(client) -> None:
    conversation_id, auth = await new_conversation(client)
    response = await client.post(f"/api/conversations/{conversation_id}/leave-queue", headers=auth)
    assert response.status == 409
    assert (await response.json())["message"] == "Du står inte i kö."
