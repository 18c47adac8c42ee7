"""The kommunvägledare's daily work: queue rows (masked last message, Swedish topic, wait colours), requeue
keeping the place, transfer to a named colleague, linked cases, and answering left messages by e-mail
(a real SMTP server) or by phone."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

import ast
from router import texts
from router.app import create_app
from facts.contact import load_contact_facts
from router.core.config import PROJECT_ROOT, SmtpSettings
from router.core.keys import CLOCK_KEY
from router.handoff.config import load_handoff_config
from router.bus.keys import PUBSUB_KEY
from router.bus.pubsub import AGENTS_CHANNEL
from tests.router.client_steps import add_agent, agent_online, handoff, login, new_conversation, queued_case
from tests.router.constants import INTERNAL_SECRET
from tests.router.smtp_fixtures import free_port

pytestmark = pytest.mark.asyncio


async def _say(client, conversation_id: str, auth: dict[str, str], text: str) -> None:
    response = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth)
    assert response.status == 200, await response.text()


async def _queue(client) -> dict:
    return await (await client.get("/api/agent/queue")).json()


def _advance(client, minutes: float) -> None:
    clock = client.app[CLOCK_KEY]
    clock.set(clock.now() + timedelta(minutes=minutes))


def _topic_intents() -> list[str]:
    """actions/handoff.py's TOPIC_INTENTS, read without importing the action server (another venv)."""
    tree = ast.parse((PROJECT_ROOT / "actions" / "handoff.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "TOPIC_INTENTS" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError("TOPIC_INTENTS not found in actions/handoff.py")


async def test_every_topic_the_bot_hands_over_has_a_swedish_name() -> None:
    config = load_handoff_config(PROJECT_ROOT / "settings", load_contact_facts(PROJECT_ROOT / "settings"))
    assert _topic_intents()
    for intent in _topic_intents():
        name = config.topic_text(intent)
        assert name and name != "annat ämne" and "_" not in name


async def test_queue_rows_show_the_masked_last_message_the_swedish_topic_and_wait_colours(client) -> None:
    await agent_online(client)
    conversation_id, auth = await new_conversation(client)
    body = await (await handoff(client, conversation_id, reason="topic", topic="complaint_safety_work")).json()
    assert body["outcome"] == "queued"
    await _say(client, conversation_id, auth, "Första frågan")
    await _say(client, conversation_id, auth, "Ring mig på 070-123 45 67 om belysningen")
    _advance(client, 4)
    queue = await _queue(client)
    row = queue["queue"][0]
    assert row["last_message"] == "Ring mig på [telefonnummer] om belysningen"
    assert row["topic"] == "complaint_safety_work"
    assert row["topic_text"] == "Synpunkt eller klagomål på stadens trygghetsarbete"
    assert row["waited_minutes"] == 4
    assert queue["wait_colours"] == {"amber_after_minutes": 3, "red_after_minutes": 8}


async def test_a_topic_without_a_name_is_never_shown_as_a_code(client) -> None:
    await agent_online(client)
    conversation_id, _ = await new_conversation(client)
    await handoff(client, conversation_id, reason="topic", topic="some_new_intent")
    assert (await _queue(client))["queue"][0]["topic_text"] == "annat ämne"


async def test_requeue_keeps_the_original_place_and_tells_the_resident_so(client) -> None:
    csrf = await agent_online(client)
    headers = {"X-CSRF-Token": csrf}
    first, first_conversation, first_auth = await queued_case(client)
    _advance(client, 2)
    second, _, _ = await queued_case(client)
    third, _, _ = await queued_case(client)
    await client.post(f"/api/agent/cases/{first}/claim", headers=headers)
    _advance(client, 3)
    assert (await client.post(f"/api/agent/cases/{first}/requeue", headers=headers)).status == 200

    queue = await _queue(client)
    assert [(row["id"], row["position"]) for row in queue["queue"]] == [(first, 1), (second, 2), (third, 3)]
    assert queue["queue"][0]["waited_minutes"] == 5  # since first queued, not since the requeue
    history = await (await client.get(f"/api/conversations/{first_conversation}", headers=first_auth)).json()
    assert history["messages"][-1]["text"] == texts.AGENT_REQUEUED
    again = await (await handoff(client, first_conversation)).json()
    assert (again["outcome"], again["position"]) == ("already_queued", 1)


async def test_transfer_to_a_named_online_colleague_with_a_note(client) -> None:
    await agent_online(client, "bertil")
    await add_agent(client, "cecilia")  # not online
    csrf = await agent_online(client, "anna")
    headers = {"X-CSRF-Token": csrf}
    case_id, conversation_id, auth = await queued_case(client)
    await client.post(f"/api/agent/cases/{case_id}/claim", headers=headers)

    colleagues = (await (await client.get("/api/agent/colleagues")).json())["colleagues"]
    assert [c["name"] for c in colleagues] == ["Bertil"]
    bertil = colleagues[0]["id"]

    async with client.app[PUBSUB_KEY].subscribe(AGENTS_CHANNEL) as consoles:
        moved = await client.post(
            f"/api/agent/cases/{case_id}/transfer", json={"agent_id": bertil, "note": "Gäller bidragsfusk"},
            headers=headers,
        )
        assert moved.status == 200, await moved.text()
        frames = [await consoles.get() for _ in range(1)]
    assert (await moved.json())["agent_id"] == bertil
    assert frames[0] == {
        "type": "transferred", "case_id": case_id, "reference": (await moved.json())["reference"],
        "conversation_id": conversation_id, "to_agent_id": bertil, "from": "Anna", "note": "Gäller bidragsfusk",
    }
    detail = await (await client.get(f"/api/agent/cases/{case_id}")).json()
    assert [n["text"] for n in detail["notes"]] == ["Överlämnad till Bertil: Gäller bidragsfusk"]
    history = await (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).json()
    assert history["messages"][-1]["text"] == texts.transferred("Bertil")
    # Anna no longer holds the chat.
    assert (await client.post(f"/api/agent/cases/{case_id}/messages", json={"text": "hej"}, headers=headers)).status == 409

    bertil_csrf = await login(client, "bertil")
    offline = await client.post(
        f"/api/agent/cases/{case_id}/transfer", json={"agent_id": colleagues[0]["id"] + 1},
        headers={"X-CSRF-Token": bertil_csrf},
    )
    assert offline.status == 409 and (await offline.json())["error"] == "colleague_offline"
    to_self = await client.post(
        f"/api/agent/cases/{case_id}/transfer", json={"agent_id": bertil}, headers={"X-CSRF-Token": bertil_csrf}
    )
    assert to_self.status == 400
    assert (await client.post(f"/api/agent/cases/{case_id}/messages", json={"text": "Hej, Bertil här"},
                              headers={"X-CSRF-Token": bertil_csrf})).status == 201


async def test_the_cases_of_one_conversation_are_linked(client) -> None:
    csrf = await agent_online(client)
    headers = {"X-CSRF-Token": csrf}
    first, conversation_id, _ = await queued_case(client)
    await client.post(f"/api/agent/cases/{first}/claim", headers=headers)
    await client.post(f"/api/agent/cases/{first}/hand-back", headers=headers)
    second = await (await handoff(client, conversation_id)).json()
    queue = await _queue(client)
    assert [row["reference"] for row in queue["queue"]] == [second["reference"]]
    detail = await (await client.get(f"/api/agent/cases/{queue['queue'][0]['id']}")).json()
    assert detail["case"]["status"] == "queued"
    assert [(r["id"], r["status"]) for r in detail["related"]] == [(first, "closed")]


async def _left_message(client, contact: str | None) -> int:
    conversation_id, _ = await new_conversation(client)
    response = await client.post(
        "/internal/left-messages",
        json={"conversation_id": conversation_id, "text": "Lampan på Söder är trasig", "contact": contact},
        headers={"X-Internal-Secret": INTERNAL_SECRET},
    )
    assert response.status == 201
    follow_ups = (await (await client.get("/api/agent/follow-ups?status=open")).json())["follow_ups"]
    return follow_ups[0]["id"]


async def test_without_smtp_a_left_message_is_answered_by_phone_with_a_note(client) -> None:
    csrf = await agent_online(client)
    assert (await (await client.get("/api/agent/me")).json())["answers_by_email"] is False
    case_id = await _left_message(client, "0701234567")
    answered = await client.post(
        f"/api/agent/follow-ups/{case_id}/answer", json={"text": "Ringde, felanmälan gjord"},
        headers={"X-CSRF-Token": csrf},
    )
    assert answered.status == 200, await answered.text()
    body = await answered.json()
    assert body["status"] == "done"
    assert (body["answer"]["channel"], body["answer"]["email"], body["answer"]["text"]) == (
        "phone", None, "Ringde, felanmälan gjord"
    )
    record = await (await client.get(f"/api/agent/cases/{case_id}/export.json")).json()
    assert record["left_message"]["answer"]["channel_text"] == "Besvarat per telefon"
    assert record["left_message"]["answer"]["agent"] == "Anna"
    html = await (await client.get(f"/api/agent/cases/{case_id}/export.html")).text()
    assert "Ringde, felanmälan gjord" in html
    again = await client.post(
        f"/api/agent/follow-ups/{case_id}/answer", json={"text": "igen"}, headers={"X-CSRF-Token": csrf}
    )
    assert again.status == 409


@pytest.fixture
def mailing_settings(settings, smtp_server):
    return replace(settings, smtp=smtp_server.settings)


async def test_with_smtp_the_answer_is_mailed_and_kept_in_the_record(
    aiohttp_client, mailing_settings, clock, options, smtp_server
) -> None:
    client = await aiohttp_client(create_app(mailing_settings, clock=clock, options=options))
    csrf = await agent_online(client)
    assert (await (await client.get("/api/agent/me")).json())["answers_by_email"] is True
    case_id = await _left_message(client, "lisa@example.se")
    bad = await client.post(
        f"/api/agent/follow-ups/{case_id}/answer", json={"text": "Hej", "email": "inte en adress"},
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status == 400 and smtp_server.inbox.messages == []
    answered = await client.post(
        f"/api/agent/follow-ups/{case_id}/answer",
        json={"text": "Tack, vi har felanmält lampan.", "email": "lisa@example.se"},
        headers={"X-CSRF-Token": csrf},
    )
    assert answered.status == 200, await answered.text()
    [(recipients, mail)] = smtp_server.inbox.messages
    reference = (await answered.json())["reference"]
    assert recipients == ["lisa@example.se"]
    assert mail["From"] == "kontaktcenter@helsingborg.se"
    assert mail["Subject"] == texts.follow_up_subject(reference)
    content = mail.get_content()
    assert "Tack, vi har felanmält lampan." in content and "> Lampan på Söder är trasig" in content
    record = await (await client.get(f"/api/agent/cases/{case_id}/export.json")).json()
    answer = record["left_message"]["answer"]
    assert (answer["channel"], answer["email"], answer["text"]) == ("email", "lisa@example.se", "Tack, vi har felanmält lampan.")
    pdf = await client.get(f"/api/agent/cases/{case_id}/export.pdf")
    assert pdf.status == 200


async def test_a_refused_mail_changes_nothing(aiohttp_client, settings, clock, options) -> None:
    nobody_listens = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", sender="kontaktcenter@helsingborg.se")
    client = await aiohttp_client(create_app(replace(settings, smtp=nobody_listens), clock=clock, options=options))
    csrf = await agent_online(client)
    case_id = await _left_message(client, None)
    failed = await client.post(
        f"/api/agent/follow-ups/{case_id}/answer", json={"text": "Hej", "email": "lisa@example.se"},
        headers={"X-CSRF-Token": csrf},
    )
    assert failed.status == 502 and (await failed.json())["error"] == "mail_failed"
    open_ones = (await (await client.get("/api/agent/follow-ups?status=open")).json())["follow_ups"]
    assert [(f["id"], f["answer"]) for f in open_ones] == [(case_id, None)]
