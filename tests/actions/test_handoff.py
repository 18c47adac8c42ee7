"""action_handoff against a real router stand-in: every outcome, and every way the router can fail."""
from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import ConversationPaused
from rasa_sdk.executor import CollectingDispatcher

from actions.config import PROJECT_ROOT
from facts.contact import load_contact_facts
from actions.handoff import ActionHandoff
from actions.offline_hours import KnownWeek
from tests.actions.router_stub import SECRET
from tests.actions.trackers import CONVERSATION_ID, action_event, make_tracker, user_event

LEAVE_MESSAGE = [{"title": "Lämna ett meddelande", "payload": "/leave_message"}]
# The notice from settings/contact.yml, then 112.
RECORD_NOTICE = f"{load_contact_facts(PROJECT_ROOT / 'settings').public_record_notice} Är det akut – ring 112."
UNREACHABLE = (
    "Det går inte att nå en kommunvägledare via chatten just nu. "
    "Du kan ringa kontaktcenter på 042-10 50 00 eller lämna ett meddelande här."
)


# The router words the queue (router/texts.py, in_queue; tests/router/test_handoff.py checks the wording).
QUEUE_TEXT = (
    "Nu står du i kö till en kommunvägledare. Du är nummer 2 i kön, beräknad väntetid cirka 4 minuter. "
    "Ditt ärendenummer är HBG-2026-000123."
)


def handoff_body(outcome: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "outcome": outcome,
        "reference": None,
        "position": None,
        "wait_minutes": None,
        "opens_at": None,
        "opens_at_text": None,
        "closes_at": None,
        "phone": "042-10 50 00",
        "text": QUEUE_TEXT if outcome in ("queued", "already_queued") else None,
    }
    body.update(overrides)
    return body


def said(dispatcher: CollectingDispatcher) -> list[tuple[str, list[dict[str, str]]]]:
    return [(message["text"], message["buttons"]) for message in dispatcher.messages]


async def run_handoff(settings, intent: str = "human_handoff", week: KnownWeek | None = None):
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff(settings, week or KnownWeek()).run(dispatcher, make_tracker(intent), {})
    return dispatcher, events


@pytest.mark.asyncio
async def test_queued_pauses_the_conversation_and_shows_the_routers_text(router, settings):
    router.reply(
        "POST",
        "/internal/handoff",
        json_body=handoff_body("queued", reference="HBG-2026-000123", position=2, wait_minutes=4),
    )

    dispatcher, events = await run_handoff(settings)

    assert events == [ConversationPaused()]
    assert said(dispatcher) == [(QUEUE_TEXT, []), (RECORD_NOTICE, [])]
    [request] = router.requests
    assert (request.method, request.path, request.secret) == ("POST", "/internal/handoff", SECRET)
    assert request.body == {"conversation_id": CONVERSATION_ID, "reason": "requested", "topic": None}


@pytest.mark.asyncio
async def test_already_queued_shows_the_routers_text(router, settings):
    already = "Du står redan i kö till en kommunvägledare. Ditt ärendenummer är HBG-2026-000123."
    router.reply("POST", "/internal/handoff", json_body=handoff_body("already_queued", text=already))

    dispatcher, events = await run_handoff(settings)

    assert events == [ConversationPaused()]
    assert said(dispatcher) == [(already, []), (RECORD_NOTICE, [])]


@pytest.mark.asyncio
@pytest.mark.parametrize("text", [None, "  "])
async def test_queued_without_the_routers_text_answers_as_unreachable(router, settings, text):
    """The actions have no queue wording of their own: a queued answer without its text is a broken answer."""
    router.reply("POST", "/internal/handoff", json_body=handoff_body("queued", reference="HBG-2026-000777", text=text))

    dispatcher, events = await run_handoff(settings)

    assert events == []
    assert said(dispatcher) == [(UNREACHABLE, LEAVE_MESSAGE)]


@pytest.mark.asyncio
@pytest.mark.parametrize("intent", ["welfare_crime_tip", "complaint_safety_work"])
async def test_topic_intents_send_reason_topic_with_the_intent_name(router, settings, intent):
    router.reply("POST", "/internal/handoff", json_body=handoff_body("queued", reference="HBG-2026-000125"))

    _, events = await run_handoff(settings, intent)

    assert events == [ConversationPaused()]
    assert router.requests[0].body == {"conversation_id": CONVERSATION_ID, "reason": "topic", "topic": intent}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("asked_with", "reason", "topic"),
    [
        ("welfare_crime_tip", "topic", "welfare_crime_tip"),
        ("complaint_safety_work", "topic", "complaint_safety_work"),
        ("nlu_fallback", "fallback", None),
        ("greet", "requested", None),
    ],
)
async def test_yes_to_the_offer_keeps_the_reason_of_the_message_before(router, settings, asked_with, reason, topic):
    """"Ja" (affirm) right after "Vill du prata med en kommunvägledare?" queues for the message that led
    to the question (issue 13: never queued without asking)."""
    router.reply("POST", "/internal/handoff", json_body=handoff_body("queued", reference="HBG-2026-000126"))
    events = [
        action_event("action_listen"), user_event(asked_with, "…"), action_event("utter_offer_person_crime_tip"),
        action_event("action_listen"), user_event("affirm", "ja"),
    ]
    tracker = make_tracker("affirm", events=events)

    result = await ActionHandoff(settings, KnownWeek()).run(CollectingDispatcher(), tracker, {})

    assert result == [ConversationPaused()]
    assert router.requests[0].body == {"conversation_id": CONVERSATION_ID, "reason": reason, "topic": topic}


@pytest.mark.asyncio
async def test_no_agent_offers_a_message_and_the_phone_without_promising_a_chat(router, settings):
    router.reply("POST", "/internal/handoff", json_body=handoff_body("no_agent"))

    dispatcher, events = await run_handoff(settings)

    assert events == []
    assert said(dispatcher) == [
        (
            "Just nu finns ingen kommunvägledare ledig i chatten. Du kan lämna ett meddelande här, "
            "så tar en kommunvägledare hand om det, eller ringa kontaktcenter på 042-10 50 00.",
            LEAVE_MESSAGE,
        )
    ]


@pytest.mark.asyncio
async def test_closing_soon_names_the_closing_time(router, settings):
    router.reply(
        "POST", "/internal/handoff", json_body=handoff_body("closing_soon", closes_at="2026-11-26T18:00:00+01:00")
    )

    dispatcher, events = await run_handoff(settings)

    assert events == []
    assert said(dispatcher) == [
        (
            "Kontaktcenter stänger snart (kl. 18.00), så vi hinner inte starta en chatt med en kommunvägledare "
            "i dag. Du kan lämna ett meddelande här, så tar en kommunvägledare hand om det, eller ringa "
            "kontaktcenter på 042-10 50 00.",
            LEAVE_MESSAGE,
        )
    ]


@pytest.mark.asyncio
async def test_closed_says_when_it_opens_and_where_to_turn_in_an_emergency(router, settings):
    router.reply(
        "POST",
        "/internal/handoff",
        json_body=handoff_body(
            "closed", opens_at="2026-11-30T08:00:00+01:00", opens_at_text="måndag 30 november kl. 08.00"
        ),
    )

    dispatcher, events = await run_handoff(settings)

    assert events == []
    assert said(dispatcher) == [
        (
            "Just nu kan ingen kommunvägledare svara i chatten. Kontaktcenter öppnar igen måndag 30 november "
            "kl. 08.00. Du kan lämna ett meddelande här, så tar en kommunvägledare hand om det när "
            "kontaktcenter har öppnat. Är det akut – ring 112. Polisärenden som inte är akuta: ring 114 14.",
            LEAVE_MESSAGE,
        )
    ]


@pytest.mark.asyncio
async def test_closed_without_the_routers_wording_leaves_the_opening_time_out(router, settings):
    router.reply("POST", "/internal/handoff", json_body=handoff_body("closed", opens_at="2026-12-28T08:00:00+01:00"))

    dispatcher, _ = await run_handoff(settings)

    assert said(dispatcher)[0][0].startswith(
        "Just nu kan ingen kommunvägledare svara i chatten. Du kan lämna ett meddelande här"
    )


@pytest.mark.asyncio
async def test_unknown_conversation_404_answers_as_unreachable(router, settings):
    router.reply("POST", "/internal/handoff", status=404, json_body={"error": "unknown conversation"})

    dispatcher, events = await run_handoff(settings)

    assert events == []
    assert said(dispatcher) == [(UNREACHABLE, LEAVE_MESSAGE)]


@pytest.mark.asyncio
async def test_router_down_answers_as_unreachable(router_down):
    dispatcher, events = await run_handoff(router_down)

    assert events == []
    assert said(dispatcher) == [(UNREACHABLE, LEAVE_MESSAGE)]


@pytest.mark.asyncio
async def test_router_timeout_answers_as_unreachable(router, settings):
    router.reply("POST", "/internal/handoff", json_body=handoff_body("queued", reference="X"), delay=1.0)

    dispatcher, events = await run_handoff(settings)

    assert events == []
    assert said(dispatcher) == [(UNREACHABLE, LEAVE_MESSAGE)]


@pytest.mark.asyncio
async def test_wrong_secret_is_refused_and_answered_as_unreachable(router, wrong_secret):
    router.reply("POST", "/internal/handoff", json_body=handoff_body("queued", reference="HBG-2026-000123"))

    dispatcher, events = await run_handoff(wrong_secret)

    assert events == []
    assert said(dispatcher) == [(UNREACHABLE, LEAVE_MESSAGE)]
    assert router.requests[0].secret == "not-the-secret"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "garbage",
    [
        "<html>Bad gateway</html>",
        '{"outcome": "queued", ',
        '["queued"]',
        '{"reference": "HBG-2026-000123"}',
        '{"outcome": "maybe"}',
        '{"outcome": "queued", "position": "two"}',
        '{"outcome": "queued", "wait_minutes": true}',
        '{"outcome": "closed", "opens_at": "next monday"}',
    ],
)
async def test_garbage_answers_as_unreachable(router, settings, garbage):
    router.reply("POST", "/internal/handoff", text=garbage)

    dispatcher, events = await run_handoff(settings)

    assert events == []
    assert said(dispatcher) == [(UNREACHABLE, LEAVE_MESSAGE)]


@pytest.mark.asyncio
async def test_unreachable_gives_the_week_the_router_last_told(router_down):
    week = KnownWeek()
    week.remember("måndag 09.00–16.00, tisdag–söndag stängt")

    dispatcher, _ = await run_handoff(router_down, week=week)

    assert said(dispatcher) == [
        (
            f"{UNREACHABLE}\nVanliga öppettider: måndag 09.00–16.00, tisdag–söndag stängt. "
            "Tiderna kan avvika kring helgdagar och dagen före en helgdag.",
            LEAVE_MESSAGE,
        )
    ]
