"""action_fallback: rephrase on the first miss, offer a person on the second miss in a row."""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback
from tests.actions.trackers import action_event, bot_event, make_tracker, user_event

REPHRASE = (
    "Förlåt, jag förstod inte riktigt. Kan du skriva det på ett annat sätt? Du kan också välja något av det här:",
    [
        {"title": "Anmäla ett brott", "payload": "/report_crime"},
        {"title": "Öppettider", "payload": "/opening_hours"},
        {"title": "Känner mig otrygg", "payload": "/feeling_unsafe"},
        {"title": "Prata med en kommunvägledare", "payload": "/human_handoff"},
    ],
)
OFFER = (
    "Jag förstår tyvärr fortfarande inte. Vill du prata med en kommunvägledare?",
    [{"title": "Ja", "payload": "/affirm"}, {"title": "Nej", "payload": "/deny"}],
)


def miss_turn() -> list[dict]:
    return [
        action_event("action_listen"),
        user_event("nlu_fallback", "asdf qwerty"),
        action_event("action_fallback"),
        bot_event(REPHRASE[0]),
        action_event("action_listen"),
    ]


def current_miss() -> list[dict]:
    return [user_event("nlu_fallback", "blergh")]


async def run_fallback(settings, events):
    dispatcher = CollectingDispatcher()
    result = await ActionFallback(settings).run(dispatcher, make_tracker("nlu_fallback", events=events), {})
    return [(message["text"], message["buttons"]) for message in dispatcher.messages], result


@pytest.mark.asyncio
async def test_first_miss_asks_to_rephrase_without_reverting(router, settings):
    said, events = await run_fallback(settings, [action_event("action_listen"), *current_miss()])

    assert events == []
    assert said == [REPHRASE]
    assert router.requests == []


@pytest.mark.asyncio
async def test_second_miss_in_a_row_asks_before_handing_over(router, settings):
    """Never queued without asking (issue 13): "Ja" (/affirm) then runs action_handoff (data/rules.yml),
    which queues with reason fallback (tests/actions/test_handoff.py)."""
    said, events = await run_fallback(settings, [*miss_turn(), *current_miss()])

    assert events == []
    assert said == [OFFER]
    assert router.requests == []


@pytest.mark.asyncio
async def test_an_understood_message_between_resets_the_count(router, settings):
    understood = [
        user_event("opening_hours", "när har ni öppet"),
        action_event("action_opening_hours"),
        bot_event("Kontaktcenter har öppet nu till kl. 17.00."),
        action_event("action_listen"),
    ]

    said, events = await run_fallback(settings, [*miss_turn(), *understood, *current_miss()])

    assert events == []
    assert said == [REPHRASE]
    assert router.requests == []


@pytest.mark.asyncio
async def test_a_miss_that_filled_a_form_slot_does_not_count(router, settings):
    form_answer = [
        action_event("action_listen"),
        user_event("nlu_fallback", "Lampan vid skolan är trasig sedan en vecka"),
        action_event("leave_message_form"),
        action_event("action_listen"),
    ]

    said, _ = await run_fallback(settings, [*form_answer, *current_miss()])

    assert said == [REPHRASE]
    assert router.requests == []


@pytest.mark.asyncio
async def test_a_miss_in_a_previous_session_does_not_count(router, settings):
    new_session = [
        action_event("action_session_start"),
        {"event": "session_started", "timestamp": None},
        action_event("action_listen"),
    ]

    said, _ = await run_fallback(settings, [*miss_turn(), *new_session, *current_miss()])

    assert said == [REPHRASE]
    assert router.requests == []


@pytest.mark.asyncio
async def test_a_reverted_miss_does_not_count(router, settings):
    rewind = {"event": "rewind", "timestamp": None}

    said, _ = await run_fallback(settings, [*miss_turn(), rewind, *current_miss()])

    assert said == [REPHRASE]
    assert router.requests == []
