"""action_submit_left_message against a real router stand-in."""
from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.left_message import ActionSubmitLeftMessage, contact_or_none
from tests.actions.router_stub import SECRET
from tests.actions.trackers import CONVERSATION_ID, make_tracker

RESET = [SlotSet("left_message_text", None), SlotSet("left_message_contact", None)]
NOT_SAVED = (
    "Tyvärr gick det inte att spara ditt meddelande just nu. Du kan i stället ringa kontaktcenter på "
    "042-10 50 00 eller mejla kontaktcenter@helsingborg.se – mejl besvaras inom 24 timmar på arbetsdagar."
)


async def submit(settings, text, contact):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("leave_message", slots={"left_message_text": text, "left_message_contact": contact})
    events = await ActionSubmitLeftMessage(settings).run(dispatcher, tracker, {})
    return [message["text"] for message in dispatcher.messages], events


@pytest.mark.asyncio
async def test_saved_with_contact_promises_a_follow_up_but_no_time_facts_do_not_support(router, settings):
    router.reply("POST", "/internal/left-messages", status=201, json_body={"reference": "HBG-2026-000124"})

    texts, events = await submit(settings, "  Gatlyktan på Järnvägsgatan är trasig.  ", "0701234567")

    assert events == RESET
    assert texts == [
        "Tack! Ditt meddelande är sparat med ärendenummer HBG-2026-000124. "
        "En kommunvägledare läser det när kontaktcenter har öppet och hör av sig till dig."
    ]
    [request] = router.requests
    assert (request.method, request.path, request.secret) == ("POST", "/internal/left-messages", SECRET)
    assert request.body == {
        "conversation_id": CONVERSATION_ID,
        "text": "Gatlyktan på Järnvägsgatan är trasig.",
        "contact": "0701234567",
    }


@pytest.mark.asyncio
@pytest.mark.parametrize("contact", [None, "ingen", "Ingen.", "nej tack", "  "])
async def test_saved_without_contact_says_no_answer_can_be_sent(router, settings, contact):
    router.reply("POST", "/internal/left-messages", status=201, json_body={"reference": "HBG-2026-000125"})

    texts, events = await submit(settings, "Det är mörkt vid busshållplatsen.", contact)

    assert events == RESET
    assert texts == [
        "Tack! Ditt meddelande är sparat med ärendenummer HBG-2026-000125. Du lämnade ingen kontaktuppgift, "
        "så vi kan inte svara dig. Vill du ha svar kan du ringa 042-10 50 00 och uppge ärendenumret."
    ]
    assert router.requests[0].body["contact"] is None


@pytest.mark.asyncio
async def test_router_down_says_not_saved_and_resets(router_down):
    texts, events = await submit(router_down, "Hej!", "anna@example.se")

    assert events == RESET
    assert texts == [NOT_SAVED]


@pytest.mark.asyncio
async def test_router_timeout_says_not_saved_and_resets(router, settings):
    router.reply("POST", "/internal/left-messages", status=201, json_body={"reference": "HBG-2026-000126"}, delay=1.0)

    texts, events = await submit(settings, "Hej!", None)

    assert events == RESET
    assert texts == [NOT_SAVED]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "status, body",
    [
        (201, "<html>oops</html>"),
        (201, '{"reference": ""}'),
        (201, '{"reference": 124}'),
        (201, '{"ref": "HBG-2026-000124"}'),
        (400, '{"error": "text is required"}'),
        (404, '{"error": "unknown conversation"}'),
        (500, '{"reference": "HBG-2026-000124"}'),
    ],
)
async def test_garbage_or_errors_say_not_saved_and_reset(router, settings, status, body):
    router.reply("POST", "/internal/left-messages", status=status, text=body)

    texts, events = await submit(settings, "Hej!", None)

    assert events == RESET
    assert texts == [NOT_SAVED]


@pytest.mark.asyncio
async def test_wrong_secret_says_not_saved(router, wrong_secret):
    router.reply("POST", "/internal/left-messages", status=201, json_body={"reference": "HBG-2026-000124"})

    texts, events = await submit(wrong_secret, "Hej!", None)

    assert events == RESET
    assert texts == [NOT_SAVED]


@pytest.mark.asyncio
@pytest.mark.parametrize("text", [None, "", "   "])
async def test_an_empty_message_is_not_sent(router, settings, text):
    texts, events = await submit(settings, text, "0701234567")

    assert events == RESET
    assert texts == [
        "Jag fick inget meddelande att spara. Du kan i stället ringa kontaktcenter på 042-10 50 00 eller mejla "
        "kontaktcenter@helsingborg.se – mejl besvaras inom 24 timmar på arbetsdagar."
    ]
    assert router.requests == []


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ("Ingen", None),
        ("nej.", None),
        ("anonym", None),
        (" 070-123 45 67 ", "070-123 45 67"),
        ("anna@example.se", "anna@example.se"),
    ],
)
def test_contact_or_none(value, expected):
    assert contact_or_none(value) == expected
