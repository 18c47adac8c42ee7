"""The safety net in every state: the alarm first in the POST answer and on the WebSocket (bot, queued,
agent, closed), Rasa's markers instead of substrings, no fallback after an alarm, the English alarm,
and the urgent mark on the case (queue order, console data, clearing it, events)."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlmodel import col, select

from router.keys import DB_KEY
from router.models import Case, Conversation, Event, Message
from assistant.safety import EMERGENCY_REPLY, ENGLISH_EMERGENCY_REPLY, is_emergency
from tests.router.client_steps import (
    add_agent,
    agent_online,
    handoff,
    login,
    new_conversation,
    open_resident_socket,
    queued_case,
)
from tests.router.fake_rasa import rest_messages

pytestmark = pytest.mark.asyncio

DANGER = "hjälp han slår mig nu"
GAS = "det luktar gas i hela lägenheten"
KNIFE = "man med kniv utanför min dörr, jag känner mig otrygg"
ENGLISH_DANGER = "my husband is hitting me right now"
POLICE_TIP = "Tips till polisen lämnar du på 114 14 eller på polisen.se. Pågår något just nu – ring 112."
RASA_EMERGENCY = "112 – ring direkt om någon är i fara. Den här chatten kan inte larma polis."
NOT_UNDERSTOOD = "Förlåt, jag förstod inte riktigt. Kan du skriva det på ett annat sätt?"
SUGGESTIONS = [{"title": "Öppettider", "payload": "/opening_hours"}]
ALARM = {"text": EMERGENCY_REPLY, "buttons": [], "kind": "alarm"}
AFTER_ALARM_BUTTONS = [
    {"title": "Prata med en kommunvägledare", "payload": "/human_handoff"},
    {"title": "Ring 042-10 50 00", "url": "tel:042105000"},
]


async def post(client, conversation_id: str, auth: dict[str, str], text: str, **extra: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": text, **extra}, headers=auth
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def resident_socket(client, conversation_id: str, auth: dict[str, str]):
    socket = await open_resident_socket(client, conversation_id, auth)
    assert (await socket.receive_json())["type"] == "state"
    return socket


async def frames_until(socket, predicate, timeout: float = 3.0) -> list[dict[str, Any]]:
    """Every frame up to and including the first that matches; fails the test on timeout."""
    frames = []
    async with asyncio.timeout(timeout):
        while True:
            frames.append(await socket.receive_json())
            if predicate(frames[-1]):
                return frames


def messages_of(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [frame for frame in frames if frame["type"] == "message"]


async def events(client, kind: str) -> list[Event]:
    async with client.app[DB_KEY]() as session:
        return list((await session.exec(select(Event).where(Event.kind == kind).order_by(col(Event.id)))).all())


async def case_of(client, case_id: int) -> Case:
    async with client.app[DB_KEY]() as session:
        return await session.get(Case, case_id)


async def claimed_case(client, csrf: str) -> tuple[int, str, dict[str, str]]:
    case_id, conversation_id, auth = await queued_case(client)
    response = await client.post(f"/api/agent/cases/{case_id}/claim", headers={"X-CSRF-Token": csrf})
    assert response.status == 200
    return case_id, conversation_id, auth


async def test_the_danger_messages_of_the_issue_are_emergencies() -> None:
    for text in (DANGER, GAS, KNIFE, ENGLISH_DANGER):
        assert is_emergency(text), text


# ---------------------------------------------------------------- bot state: 112 first, decided by marker


async def test_bot_state_alarm_comes_before_a_rasa_answer_that_mentions_112(client, rasa) -> None:
    """Rasa's police-tips answer ends with "ring 112", but it is not the emergency response."""
    rasa.answer = lambda sender, text: rest_messages(POLICE_TIP)
    conversation_id, auth = await new_conversation(client)
    socket = await resident_socket(client, conversation_id, auth)
    body = await post(client, conversation_id, auth, GAS)
    assert body == {"replies": [ALARM, {"text": POLICE_TIP, "buttons": []}], "state": "bot"}
    frames = messages_of(await frames_until(socket, lambda f: f.get("text") == POLICE_TIP))
    assert [(f["from"], f["text"], f.get("kind")) for f in frames] == [
        ("resident", GAS, None), ("bot", EMERGENCY_REPLY, "alarm"), ("bot", POLICE_TIP, None),
    ]
    await socket.close()
    [flagged] = await events(client, "emergency_flagged")
    assert (flagged.case_id, flagged.data["state"], flagged.data["language"]) == (None, "bot", "sv")


async def test_rasa_emergency_response_first_is_the_alarm_and_not_doubled(client, rasa) -> None:
    rasa.answer = lambda sender, text: rest_messages(RASA_EMERGENCY, "emergency")
    conversation_id, auth = await new_conversation(client)
    body = await post(client, conversation_id, auth, KNIFE)
    assert body["replies"] == [{"text": RASA_EMERGENCY, "buttons": [], "kind": "alarm"}]
    history = await (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).json()
    assert [(m["from"], m.get("kind")) for m in history["messages"]] == [("resident", None), ("bot", "alarm")]


async def test_rasa_emergency_response_is_an_alarm_even_when_the_safety_net_is_silent(client, rasa) -> None:
    rasa.answer = lambda sender, text: rest_messages(RASA_EMERGENCY, "emergency")
    conversation_id, auth = await new_conversation(client)
    assert not is_emergency("när ska man ringa 112?")
    body = await post(client, conversation_id, auth, "när ska man ringa 112?")
    assert body["replies"] == [{"text": RASA_EMERGENCY, "buttons": [], "kind": "alarm"}]


async def test_rasa_emergency_response_after_another_answer_gives_way_to_the_alarm(client, rasa) -> None:
    rasa.answer = lambda sender, text: rest_messages(POLICE_TIP) + rest_messages(RASA_EMERGENCY, "emergency")
    conversation_id, auth = await new_conversation(client)
    body = await post(client, conversation_id, auth, DANGER)
    assert body["replies"] == [ALARM, {"text": POLICE_TIP, "buttons": []}]


async def test_a_marker_without_text_before_it_is_ignored(client, rasa) -> None:
    rasa.answer = lambda sender, text: [{"recipient_id": sender, "custom": {"answer": "emergency"}}] + rest_messages(
        POLICE_TIP
    )
    conversation_id, auth = await new_conversation(client)
    body = await post(client, conversation_id, auth, DANGER)
    assert body["replies"] == [ALARM, {"text": POLICE_TIP, "buttons": []}]


async def test_no_fallback_after_an_alarm_but_a_way_to_a_person(client, rasa) -> None:
    rasa.answer = lambda sender, text: rest_messages(NOT_UNDERSTOOD, "fallback", SUGGESTIONS)
    conversation_id, auth = await new_conversation(client)
    body = await post(client, conversation_id, auth, DANGER)
    [alarm, after] = body["replies"]
    assert alarm == ALARM
    assert "förstod inte" not in after["text"] and "042-10 50 00" in after["text"]
    assert after["buttons"] == AFTER_ALARM_BUTTONS
    history = await (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).json()
    assert history["messages"][-1]["buttons"] == AFTER_ALARM_BUTTONS


async def test_the_phone_after_an_alarm_comes_from_the_config(client, rasa) -> None:
    from router.handoff.keys import HANDOFF_CONFIG_KEY

    contact = client.app[HANDOFF_CONFIG_KEY].contact
    rasa.answer = lambda sender, text: rest_messages(NOT_UNDERSTOOD, "fallback")
    conversation_id, auth = await new_conversation(client)
    after = (await post(client, conversation_id, auth, DANGER))["replies"][1]
    assert contact.phone in after["text"] and after["buttons"][1]["title"] == f"Ring {contact.phone}"


async def test_a_fallback_without_an_alarm_is_left_alone(client, rasa) -> None:
    rasa.answer = lambda sender, text: rest_messages(NOT_UNDERSTOOD, "fallback", SUGGESTIONS)
    conversation_id, auth = await new_conversation(client)
    body = await post(client, conversation_id, auth, "blergh qwerty")
    assert body["replies"] == [{"text": NOT_UNDERSTOOD, "buttons": SUGGESTIONS}]


async def test_english_danger_gets_the_english_alarm_first(client, rasa) -> None:
    rasa.answer = lambda sender, text: rest_messages(RASA_EMERGENCY, "emergency") + rest_messages(
        NOT_UNDERSTOOD, "fallback"
    )
    conversation_id, auth = await new_conversation(client)
    body = await post(client, conversation_id, auth, ENGLISH_DANGER)
    [alarm, after] = body["replies"]
    assert alarm == {"text": ENGLISH_EMERGENCY_REPLY, "buttons": [], "kind": "alarm"}
    assert ENGLISH_EMERGENCY_REPLY.startswith("Is this an emergency? Call 112 now")
    assert after["buttons"][0] == {"title": "Chat with a kommunvägledare", "payload": "/human_handoff"}
    assert after["buttons"][1] == {"title": "Call 042-10 50 00", "url": "tel:042105000"}
    [flagged] = await events(client, "emergency_flagged")
    assert flagged.data["language"] == "en"


async def test_rasa_down_still_gives_the_alarm_first(client, rasa) -> None:
    rasa.mode = "error"
    conversation_id, auth = await new_conversation(client)
    body = await post(client, conversation_id, auth, "Det brinner i trapphuset!")
    assert body["replies"][0] == ALARM
    assert "tekniskt fel" in body["replies"][1]["text"]


async def test_an_ordinary_message_gets_no_alarm_and_no_event(client, rasa) -> None:
    conversation_id, auth = await new_conversation(client)
    body = await post(client, conversation_id, auth, "Vilka öppettider har kontaktcenter?")
    assert body["replies"] == [{"text": "Du skrev: Vilka öppettider har kontaktcenter?", "buttons": []}]
    assert await events(client, "emergency_flagged") == []


# ---------------------------------------------------------------- closed: restarts with the bot, alarm first


async def test_closed_state_restarts_with_the_alarm_first(client, rasa) -> None:
    rasa.answer = lambda sender, text: rest_messages(POLICE_TIP)
    conversation_id, auth = await new_conversation(client)
    async with client.app[DB_KEY]() as session:
        conversation = await session.get(Conversation, conversation_id)
        conversation.state = "closed"
        await session.commit()
    socket = await resident_socket(client, conversation_id, auth)
    body = await post(client, conversation_id, auth, DANGER)
    assert body == {"replies": [ALARM, {"text": POLICE_TIP, "buttons": []}], "state": "bot"}
    frames = messages_of(await frames_until(socket, lambda f: f.get("text") == POLICE_TIP))
    assert [f.get("kind") for f in frames if f["from"] == "bot"] == ["alarm", None]
    await socket.close()
    assert [m["message"] for m in rasa.received] == [DANGER]


# ---------------------------------------------------------------- queued and agent: the router answers at once


async def test_queued_danger_gets_the_alarm_at_once_and_the_case_goes_first(client, rasa) -> None:
    csrf = await agent_online(client)
    first_id, _, _ = await queued_case(client)
    case_id, conversation_id, auth = await queued_case(client)
    agents = await client.ws_connect("/ws/agent")
    resident = await resident_socket(client, conversation_id, auth)
    assert (await resident.receive_json())["position"] == 2

    body = await post(client, conversation_id, auth, DANGER, client_message_id="c1")
    assert body == {"replies": [ALARM], "state": "queued"}
    assert rasa.received == []  # a person answers this conversation: Rasa is not asked

    frames = await frames_until(resident, lambda f: f["type"] == "queue")
    assert [(f["from"], f.get("kind")) for f in messages_of(frames)] == [("resident", None), ("bot", "alarm")]
    assert frames[-1]["position"] == 1

    console = await frames_until(agents, lambda f: f["type"] == "queue" and f["queue"][0]["id"] == case_id)
    urgent = [f for f in console if f["type"] == "urgent"]
    assert [(f["case_id"], f["conversation_id"]) for f in urgent] == [(case_id, conversation_id)]
    alarm_frame = [f for f in console if f["type"] == "message" and f["message"].get("kind") == "alarm"]
    assert alarm_frame and alarm_frame[0]["conversation_id"] == conversation_id

    queue = await (await client.get("/api/agent/queue")).json()
    assert [(c["id"], c["position"], c["urgent"]) for c in queue["queue"]] == [(case_id, 1, True), (first_id, 2, False)]
    assert queue["queue"][0]["urgent_at"]
    assert (await case_of(client, case_id)).urgent_at is not None
    [flagged] = await events(client, "emergency_flagged")
    assert (flagged.case_id, flagged.data["state"]) == (case_id, "queued")

    # The same message again (a retry) is answered the same and stored once.
    assert await post(client, conversation_id, auth, DANGER, client_message_id="c1") == body
    async with client.app[DB_KEY]() as session:
        alarms = (await session.exec(select(Message).where(Message.kind == "alarm"))).all()
    assert len(alarms) == 1
    await resident.close()
    await agents.close()
    assert csrf


async def test_agent_state_danger_gets_the_alarm_and_the_console_sees_it(client, rasa) -> None:
    csrf = await agent_online(client)
    case_id, conversation_id, auth = await claimed_case(client, csrf)
    agents = await client.ws_connect("/ws/agent")
    resident = await resident_socket(client, conversation_id, auth)

    body = await post(client, conversation_id, auth, DANGER)
    assert body == {"replies": [ALARM], "state": "agent"}
    frames = messages_of(await frames_until(resident, lambda f: f.get("kind") == "alarm"))
    assert [f["from"] for f in frames] == ["resident", "bot"]
    assert rasa.received == []

    console = await frames_until(agents, lambda f: f["type"] == "urgent")
    assert console[-1]["case_id"] == case_id
    detail = await (await client.get(f"/api/agent/cases/{case_id}")).json()
    assert detail["case"]["urgent"] is True
    assert [(m["from"], m.get("kind")) for m in detail["messages"][-2:]] == [("resident", None), ("bot", "alarm")]
    queue = await (await client.get("/api/agent/queue")).json()
    assert [(c["id"], c["urgent"]) for c in queue["active"]] == [(case_id, True)]
    await resident.close()
    await agents.close()


async def test_danger_that_rasa_hands_to_a_person_queues_the_case_as_urgent(client, rasa) -> None:
    """The fake Rasa does what the handoff action does (a danger message that also asks for a person):
    call /internal/handoff, then answer. The case it queued is marked urgent in the same turn."""
    await agent_online(client)
    first_id, _, _ = await queued_case(client)

    async def answer(sender: str, text: str):
        result = await (await handoff(client, sender)).json()
        return rest_messages(f"Du står i kö. Ärendenummer {result['reference']}.")

    rasa.answer = answer
    conversation_id, auth = await new_conversation(client)
    body = await post(client, conversation_id, auth, "jag vill prata med en människa, han slår mig nu")
    assert body["state"] == "queued"
    assert body["replies"][0] == ALARM and body["replies"][1]["text"].startswith("Du står i kö")
    queue = await (await client.get("/api/agent/queue")).json()
    assert [c["urgent"] for c in queue["queue"]] == [True, False]
    assert queue["queue"][1]["id"] == first_id
    [flagged] = await events(client, "emergency_flagged")
    assert flagged.data["state"] == "queued" and flagged.case_id == queue["queue"][0]["id"]


async def test_ordinary_messages_to_a_person_get_no_reply_and_no_mark(client, rasa) -> None:
    await agent_online(client)
    case_id, conversation_id, auth = await queued_case(client)
    body = await post(client, conversation_id, auth, "Hur länge måste jag vänta?")
    assert body == {"replies": [], "state": "queued"}
    assert (await case_of(client, case_id)).urgent_at is None
    assert await events(client, "emergency_flagged") == []


async def test_a_second_danger_message_alarms_again_but_keeps_the_first_mark(client, rasa, clock) -> None:
    from datetime import timedelta

    await agent_online(client)
    case_id, conversation_id, auth = await queued_case(client)
    await post(client, conversation_id, auth, DANGER)
    first_mark = (await case_of(client, case_id)).urgent_at
    clock.set(clock.now() + timedelta(minutes=2))
    body = await post(client, conversation_id, auth, "Det brinner i trapphuset!")
    assert body["replies"] == [ALARM]
    assert (await case_of(client, case_id)).urgent_at == first_mark
    assert len(await events(client, "emergency_flagged")) == 2


async def test_transcript_and_sync_keep_the_alarm_kind_after_a_reload(client, rasa) -> None:
    await agent_online(client)
    _, conversation_id, auth = await queued_case(client)
    await post(client, conversation_id, auth, DANGER)
    history = await (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).json()
    assert [(m["from"], m.get("kind")) for m in history["messages"]] == [("resident", None), ("bot", "alarm")]
    socket = await resident_socket(client, conversation_id, auth)
    await socket.send_json({"type": "sync", "after_id": 0})
    frames = messages_of(await frames_until(socket, lambda f: f.get("kind") == "alarm"))
    assert frames[-1]["text"] == EMERGENCY_REPLY
    await socket.close()


# ---------------------------------------------------------------- clearing the mark


async def test_an_agent_clears_the_mark_with_one_request(client, rasa) -> None:
    csrf = await agent_online(client)
    first_id, _, _ = await queued_case(client)
    case_id, conversation_id, auth = await queued_case(client)
    await post(client, conversation_id, auth, DANGER)
    agents = await client.ws_connect("/ws/agent")

    no_csrf = await client.post(f"/api/agent/cases/{case_id}/clear-urgent")
    assert no_csrf.status == 403
    response = await client.post(f"/api/agent/cases/{case_id}/clear-urgent", headers={"X-CSRF-Token": csrf})
    assert response.status == 200
    assert (await response.json())["urgent"] is False

    console = await frames_until(agents, lambda f: f["type"] == "queue")
    assert [f["case_id"] for f in console if f["type"] == "urgent_cleared"] == [case_id]
    queue = await (await client.get("/api/agent/queue")).json()
    assert [(c["id"], c["urgent"]) for c in queue["queue"]] == [(first_id, False), (case_id, False)]
    [cleared] = await events(client, "emergency_cleared")
    me = await (await client.get("/api/agent/me")).json()
    assert (cleared.case_id, cleared.agent_id) == (case_id, me["id"])

    again = await client.post(f"/api/agent/cases/{case_id}/clear-urgent", headers={"X-CSRF-Token": csrf})
    assert again.status == 409 and (await again.json())["error"] == "not_urgent"
    missing = await client.post("/api/agent/cases/999999/clear-urgent", headers={"X-CSRF-Token": csrf})
    assert missing.status == 404
    await agents.close()


async def test_clearing_needs_a_logged_in_agent(client, rasa) -> None:
    await agent_online(client)
    case_id, conversation_id, auth = await queued_case(client)
    await post(client, conversation_id, auth, DANGER)
    client.session.cookie_jar.clear()
    assert (await client.post(f"/api/agent/cases/{case_id}/clear-urgent")).status == 401
    assert (await case_of(client, case_id)).urgent_at is not None


# ---------------------------------------------------------------- one phone pattern in widget and console


async def test_widget_and_console_link_phone_numbers_with_the_same_pattern() -> None:
    from router.core.config import PROJECT_ROOT

    def pattern(name: str) -> str:
        source = (PROJECT_ROOT / "router" / "static" / name).read_text(encoding="utf-8")
        [line] = [line.strip() for line in source.splitlines() if "const PHONE_LINK_RE = " in line]
        return line

    assert pattern("widget.js") == pattern("agent.js")


async def test_console_page_has_the_place_for_the_urgent_badge(client) -> None:
    await add_agent(client, "anna")
    await login(client, "anna")
    page = await (await client.get("/agent")).text()
    assert 'id="case-urgent"' in page
