"""Handoff to a kommunvägledare in every situation, left messages, and the internal API's guards."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from router import texts
from router.handoff.keys import PRESENCE_KEY
from router.keys import DB_KEY
from router.models import Case, Conversation
from tests.router.client_steps import add_agent, handoff, new_conversation
from tests.router.constants import INTERNAL_SECRET

pytestmark = pytest.mark.asyncio

STOCKHOLM_WINTER = timezone(timedelta(hours=1))


async def online_agent(client, username: str = "anna"):
    agent = await add_agent(client, username)
    await client.app[PRESENCE_KEY].set_online(agent.id, True)
    return agent


async def test_open_with_agent_online_queues_with_reference_position_and_wait(client) -> None:
    await online_agent(client)
    first, _ = await new_conversation(client)
    second, _ = await new_conversation(client)

    response = await handoff(client, first, reason="topic", topic="welfare_crime_tip")
    assert response.status == 200
    body = await response.json()
    assert body["outcome"] == "queued"
    assert re.fullmatch(r"HBG-2026-\d{6}", body["reference"])
    assert (body["position"], body["wait_minutes"]) == (1, 5)  # default_handling_minutes in handoff.yml
    assert body["closes_at"] == "2026-11-30T17:00:00+01:00"
    assert body["phone"] == "042-10 50 00"
    assert body["opens_at"] is None and body["opens_at_text"] is None
    assert body["text"] == (
        "Nu står du i kö till en kommunvägledare. Du är nummer 1 i kön, beräknad väntetid cirka 5 minuter. "
        f"Ditt ärendenummer är {body['reference']}."
    )

    body2 = await (await handoff(client, second)).json()
    assert (body2["outcome"], body2["position"], body2["wait_minutes"]) == ("queued", 2, 10)
    assert body2["reference"] != body["reference"]

    again = await (await handoff(client, first)).json()
    assert (again["outcome"], again["reference"], again["position"]) == ("already_queued", body["reference"], 1)
    assert again["text"].startswith("Du står redan i kö till en kommunvägledare. Du är nummer 1 i kön, ")

    async with client.app[DB_KEY]() as session:
        conversation = await session.get(Conversation, first)
        cases = (await session.exec(select(Case).where(Case.conversation_id == first))).all()
    assert conversation.state == "queued"
    assert [(c.kind, c.status, c.reason, c.topic) for c in cases] == [("chat", "queued", "topic", "welfare_crime_tip")]


@pytest.mark.parametrize(
    ("already", "position", "wait_minutes", "text"),
    [
        (False, 1, 0, "Nu står du i kö till en kommunvägledare. Du är nummer 1 i kön, beräknad väntetid under en "
         "minut. Ditt ärendenummer är HBG-2026-000001."),
        (True, 3, 1, "Du står redan i kö till en kommunvägledare. Du är nummer 3 i kön, beräknad väntetid cirka 1 "
         "minut. Ditt ärendenummer är HBG-2026-000001."),
        (False, None, 4, "Nu står du i kö till en kommunvägledare. Beräknad väntetid är cirka 4 minuter. Ditt "
         "ärendenummer är HBG-2026-000001."),
        (False, None, None, "Nu står du i kö till en kommunvägledare. Ditt ärendenummer är HBG-2026-000001."),
    ],
)
async def test_queue_text_leaves_out_what_is_not_known(already, position, wait_minutes, text) -> None:
    """The one wording of the queue (the actions show it as the router gives it)."""
    assert texts.in_queue(already, "HBG-2026-000001", position, wait_minutes) == text


async def test_closing_within_the_margin_is_closing_soon(client, clock) -> None:
    await online_agent(client)
    conversation_id, _ = await new_conversation(client)
    clock.set(datetime(2026, 11, 30, 16, 46, tzinfo=STOCKHOLM_WINTER))  # closes 17.00, margin 15 min
    body = await (await handoff(client, conversation_id)).json()
    assert body["outcome"] == "closing_soon"
    assert body["reference"] is None and body["position"] is None
    assert body["closes_at"] == "2026-11-30T17:00:00+01:00"
    clock.set(datetime(2026, 11, 30, 16, 44, tzinfo=STOCKHOLM_WINTER))
    assert (await (await handoff(client, conversation_id)).json())["outcome"] == "queued"


async def test_no_agent_online(client) -> None:
    await add_agent(client, "offline")  # exists but is not online
    conversation_id, _ = await new_conversation(client)
    body = await (await handoff(client, conversation_id)).json()
    assert body["outcome"] == "no_agent"
    assert body["reference"] is None
    async with client.app[DB_KEY]() as session:
        assert (await session.get(Conversation, conversation_id)).state == "bot"


async def test_closed_gives_when_it_opens_in_swedish(client, clock) -> None:
    await online_agent(client)
    conversation_id, _ = await new_conversation(client)
    clock.set(datetime(2026, 11, 27, 18, 30, tzinfo=STOCKHOLM_WINTER))  # Friday evening
    body = await (await handoff(client, conversation_id)).json()
    assert body["outcome"] == "closed"
    assert body["opens_at"] == "2026-11-30T08:00:00+01:00"
    assert body["opens_at_text"] == "måndag 30 november kl. 08.00"
    assert body["closes_at"] is None and body["reference"] is None


async def test_wait_estimate_follows_the_median_of_recent_claims(client, clock) -> None:
    from tests.router.client_steps import login

    await add_agent(client, "anna")
    csrf = await login(client, "anna")
    await client.post("/api/agent/presence", json={"online": True}, headers={"X-CSRF-Token": csrf})
    for wait_minutes in (2, 3, 30):
        conversation_id, _ = await new_conversation(client)
        case_reference = (await (await handoff(client, conversation_id)).json())["reference"]
        clock.set(clock.now() + timedelta(minutes=wait_minutes))
        async with client.app[DB_KEY]() as session:
            case = (await session.exec(select(Case).where(Case.reference == case_reference))).one()
        claimed = await client.post(f"/api/agent/cases/{case.id}/claim", headers={"X-CSRF-Token": csrf})
        assert claimed.status == 200
    waiting, _ = await new_conversation(client)
    body = await (await handoff(client, waiting)).json()
    assert (body["position"], body["wait_minutes"]) == (1, 3)  # median of 2, 3 and 30 minutes


async def test_internal_api_needs_the_secret(client) -> None:
    conversation_id, _ = await new_conversation(client)
    for headers in ({}, {"X-Internal-Secret": "wrong"}):
        response = await client.post("/internal/handoff", json={"conversation_id": conversation_id}, headers=headers)
        assert response.status == 401
        response = await client.post(
            "/internal/left-messages", json={"conversation_id": conversation_id, "text": "hej"}, headers=headers
        )
        assert response.status == 401


async def test_internal_api_bad_input(client) -> None:
    headers = {"X-Internal-Secret": INTERNAL_SECRET}
    assert (await handoff(client, "unknown-conversation")).status == 404
    conversation_id, _ = await new_conversation(client)
    assert (await handoff(client, conversation_id, reason="because")).status == 400
    assert (await client.post("/internal/handoff", data="nope", headers=headers)).status == 400
    response = await client.post("/internal/left-messages", json={"conversation_id": conversation_id, "text": " "}, headers=headers)
    assert response.status == 400
    response = await client.post("/internal/left-messages", json={"conversation_id": "nope", "text": "hej"}, headers=headers)
    assert response.status == 404


async def test_left_message_becomes_a_follow_up_case(client) -> None:
    from tests.router.client_steps import login

    conversation_id, _ = await new_conversation(client)
    response = await client.post(
        "/internal/left-messages",
        json={"conversation_id": conversation_id, "text": "Ring mig om klottret", "contact": "0701234567"},
        headers={"X-Internal-Secret": INTERNAL_SECRET},
    )
    assert response.status == 201
    reference = (await response.json())["reference"]
    assert re.fullmatch(r"HBG-2026-\d{6}", reference)

    await add_agent(client, "anna")
    csrf = await login(client, "anna")
    follow_ups = (await (await client.get("/api/agent/follow-ups?status=open")).json())["follow_ups"]
    assert [(f["reference"], f["kind"], f["status"], f["text"], f["contact"]) for f in follow_ups] == [
        (reference, "message", "open", "Ring mig om klottret", "0701234567")
    ]
    done = await client.post(
        f"/api/agent/follow-ups/{follow_ups[0]['id']}", json={"status": "done"}, headers={"X-CSRF-Token": csrf}
    )
    assert done.status == 200
    assert (await (await client.get("/api/agent/follow-ups?status=open")).json())["follow_ups"] == []
    assert len((await (await client.get("/api/agent/follow-ups?status=done")).json())["follow_ups"]) == 1
    assert (await client.get("/api/agent/follow-ups?status=maybe")).status == 400


async def test_handoff_action_during_the_webhook_call_changes_the_returned_state(client, rasa) -> None:
    """The fake Rasa does what the handoff action does: call /internal/handoff, then answer."""
    await online_agent(client)

    async def answer(sender: str, text: str):
        if text != "/human_handoff":
            return [{"text": "Du skrev: " + text}]
        result = await (await handoff(client, sender)).json()
        return [{"text": f"Du står i kö. Ärendenummer {result['reference']}."}]

    rasa.answer = answer
    conversation_id, auth = await new_conversation(client)
    body = await (
        await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "/human_handoff"}, headers=auth)
    ).json()
    assert body["state"] == "queued"
    assert body["replies"][0]["text"].startswith("Du står i kö")

    # While queued, messages are stored and not sent to Rasa.
    sent_to_rasa = len(rasa.received)
    body = await (
        await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hallå?"}, headers=auth)
    ).json()
    assert body == {"replies": [], "state": "queued"}
    assert len(rasa.received) == sent_to_rasa
    history = await (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).json()
    assert history["reference"].startswith("HBG-2026-")
    assert history["messages"][-1]["text"] == "hallå?"


async def test_rasa_down_router_handles_the_handoff_button_itself(client, rasa) -> None:
    await online_agent(client)
    rasa.mode = "error"
    conversation_id, auth = await new_conversation(client)
    first = await (
        await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hej"}, headers=auth)
    ).json()
    payload = first["replies"][0]["buttons"][0]["payload"]
    body = await (
        await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": payload}, headers=auth)
    ).json()
    assert body["state"] == "queued"
    [reply] = body["replies"]
    assert reply["text"].startswith("Nu står du i kö till en kommunvägledare. Du är nummer 1 i kön, ")
    assert "HBG-2026-" in reply["text"]


async def test_rasa_down_and_no_agent_says_so_with_the_phone_number(client, rasa) -> None:
    rasa.mode = "error"
    conversation_id, auth = await new_conversation(client)
    body = await (
        await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "/human_handoff"}, headers=auth)
    ).json()
    assert body["state"] == "bot"
    assert "ingen kommunvägledare" in body["replies"][0]["text"]
    assert "042-10 50 00" in body["replies"][0]["text"]


async def test_leave_queue_cancels_the_case_and_resumes_rasa(client, rasa) -> None:
    await online_agent(client)
    conversation_id, auth = await new_conversation(client)
    await handoff(client, conversation_id)
    response = await client.post(f"/api/conversations/{conversation_id}/leave-queue", headers=auth)
    assert response.status == 200
    assert await response.json() == {"state": "bot"}
    assert rasa.resumed == [conversation_id]
    async with client.app[DB_KEY]() as session:
        case = (await session.exec(select(Case).where(Case.conversation_id == conversation_id))).one()
    assert case.status == "cancelled"
    history = await (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).json()
    assert history["state"] == "bot"
    assert history["messages"][-1]["from"] == "system"


async def test_a_waiting_residents_estimate_only_counts_down(client, clock) -> None:
    """Issue 13: the estimate never jumps up while the resident waits (a slow claim of someone else raises
    the median) and counts down as time passes."""
    from tests.router.client_steps import login

    await add_agent(client, "anna")
    csrf = await login(client, "anna")
    await client.post("/api/agent/presence", json={"online": True}, headers={"X-CSRF-Token": csrf})
    first, _ = await new_conversation(client)
    first_reference = (await (await handoff(client, first)).json())["reference"]
    second, _ = await new_conversation(client)
    body = await (await handoff(client, second)).json()
    assert (body["position"], body["wait_minutes"]) == (2, 10)  # 2 × default_handling_minutes

    clock.set(clock.now() + timedelta(minutes=40))  # the first one waited 40 minutes: the median is 40
    async with client.app[DB_KEY]() as session:
        case = (await session.exec(select(Case).where(Case.reference == first_reference))).one()
    assert (await client.post(f"/api/agent/cases/{case.id}/claim", headers={"X-CSRF-Token": csrf})).status == 200
    again = await (await handoff(client, second)).json()
    assert (again["position"], again["wait_minutes"]) == (1, 1)  # not 40: the promised moment has passed

    third, _ = await new_conversation(client)
    assert (await (await handoff(client, third)).json())["wait_minutes"] == 80  # a newcomer: 2 × 40
    clock.set(clock.now() + timedelta(minutes=30))
    assert (await (await handoff(client, third)).json())["wait_minutes"] == 50
