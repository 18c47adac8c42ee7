"""action_opening_hours: against the router's real hours API (clock fixed at Monday 30 November
2026, 10:00, with a deviation on 2 December), and against a stand-in for the ways it can fail."""
from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.offline_hours import KnownWeek
from actions.opening_hours import ActionOpeningHours, phrases_to_ask
from tests.actions.trackers import make_tracker

WEEK = "måndag–onsdag 08.00–17.00, torsdag 08.00–18.00, fredag 08.00–17.00, lördag–söndag stängt"
CAVEAT = "Tiderna kan avvika kring helgdagar och dagen före en helgdag."
PHONE_LINE = "Du når kontaktcenter på 042-10 50 00."
RESET = [SlotSet("weekday", None)]
GENERAL = (
    "Kontaktcenter har öppet nu till kl. 17.00.\n"
    f"Vanliga öppettider: {WEEK}.\n"
    "Avvikande öppettider de närmaste dagarna: onsdag 2 december stängt (personaldag).\n"
    f"{PHONE_LINE}"
)
OFFLINE_UNKNOWN_WEEK = f"Jag kan inte hämta öppettiderna just nu.\n{PHONE_LINE}"
OFFLINE = f"Jag kan inte hämta öppettiderna just nu. Vanliga öppettider: {WEEK}. {CAVEAT}\n{PHONE_LINE}"


async def run_action(settings, week: KnownWeek, text: str, slots: dict[str, Any] | None = None):
    dispatcher = CollectingDispatcher()
    action = ActionOpeningHours(settings, week)
    events = await action.run(dispatcher, make_tracker("opening_hours", slots=slots or {}, text=text), {})
    return [message["text"] for message in dispatcher.messages], events


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Har ni öppet på julafton?", "På julafton, torsdag 24 december, har kontaktcenter stängt."),
        (
            "har ni öppet trettondagsafton",
            "På trettondagsafton, tisdag 5 januari, har kontaktcenter öppet 08.00–15.00 "
            "eftersom det är dagen före en helgdag (trettondedag jul).",
        ),
        (
            "Har ni öppet 5 januari?",
            "På tisdag 5 januari har kontaktcenter öppet 08.00–15.00 "
            "eftersom det är dagen före en helgdag (trettondedag jul).",
        ),
        ("öppet på midsommarafton?", "På midsommarafton, fredag 25 juni, har kontaktcenter stängt."),
        ("har ni öppet på nyarsafton", "På nyårsafton, torsdag 31 december, har kontaktcenter stängt."),
        ("har ni öppet nästa fredag", "På fredag 11 december har kontaktcenter öppet 08.00–17.00."),
        (
            "har ni öppet i helgen",
            "Öppettider för kontaktcenter i helgen:\nlördag 5 december: stängt\nsöndag 6 december: stängt",
        ),
        ("påskafton?", "På påskafton, lördag 27 mars, har kontaktcenter stängt, som alla lördagar."),
        (
            "Har ni öppet på skärtorsdagen",
            "På skärtorsdagen, torsdag 25 mars, har kontaktcenter öppet 08.00–15.00 "
            "eftersom det är dagen före en helgdag (långfredagen).",
        ),
        ("öppet 24/12?", "På torsdag 24 december har kontaktcenter stängt eftersom det är julafton."),
        (
            "har ni öppet den 6 juni",
            "På söndag 6 juni har kontaktcenter stängt eftersom det är helgdag (nationaldagen).",
        ),
        ("har ni öppet imorgon", "I morgon, tisdag 1 december, har kontaktcenter öppet 08.00–17.00."),
        ("har ni öppet på lördag", "På lördag 5 december har kontaktcenter stängt, som alla lördagar."),
        ("är ni öppna på onsdag", "På onsdag 2 december har kontaktcenter stängt (personaldag)."),
    ],
)
async def test_a_named_day_is_answered_by_the_router(hours_settings, week, question: str, answer: str):
    texts, events = await run_action(hours_settings, week, question)

    assert events == RESET
    assert texts == [f"{answer}\n{PHONE_LINE}"]
    assert week.line == WEEK


@pytest.mark.asyncio
async def test_no_day_in_the_message_gets_the_general_answer(hours_settings, week):
    texts, events = await run_action(hours_settings, week, "vad har ni för öppettider")

    assert events == RESET
    assert texts == [GENERAL]


@pytest.mark.asyncio
async def test_a_button_payload_is_not_asked_about_but_the_slot_is(hours_settings, week):
    texts, _ = await run_action(hours_settings, week, "/opening_hours")
    assert texts == [GENERAL]

    texts, events = await run_action(hours_settings, week, '/opening_hours{"weekday": "fredag"}', {"weekday": "fredag"})
    assert events == RESET
    assert texts == [f"På fredag 4 december har kontaktcenter öppet 08.00–17.00.\n{PHONE_LINE}"]


@pytest.mark.asyncio
async def test_the_slot_answers_when_the_words_name_no_day(hours_settings, week):
    # "fre" alone is no day to the router; the NLU's entity made it "fredag".
    texts, _ = await run_action(hours_settings, week, "har ni öppet fre eftermiddag", {"weekday": "fredag"})

    assert texts == [f"På fredag 4 december har kontaktcenter öppet 08.00–17.00.\n{PHONE_LINE}"]


@pytest.mark.asyncio
async def test_router_down_before_it_ever_answered_gives_the_phone(router_down, week):
    texts, events = await run_action(router_down, week, "har ni öppet på julafton")

    assert events == RESET
    assert texts == [OFFLINE_UNKNOWN_WEEK]


@pytest.mark.asyncio
async def test_router_down_later_gives_the_week_it_last_told_and_the_phone(hours_settings, router_down, week):
    await run_action(hours_settings, week, "öppettider")

    texts, events = await run_action(router_down, week, "har ni öppet på julafton")

    assert events == RESET
    assert texts == [OFFLINE]


PHRASE_ANSWER = {
    "timezone": "Europe/Stockholm",
    "phrase": "julafton",
    "days": [{"date": "2026-12-24", "open": False, "opens": None, "closes": None, "note": "julafton"}],
    "text": "På julafton, torsdag 24 december, har kontaktcenter stängt.",
    "week": WEEK,
}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        "not json",
        '["a list"]',
        '{"days": [], "text": null}',  # no week
        '{"days": [], "text": null, "week": ""}',
        '{"days": [], "text": "På julafton …", "week": "x"}',  # a text without days
        '{"days": [{"date": "2026-12-24"}], "text": null, "week": "x"}',  # days without a text
        '{"days": [{"date": "2026-12-24"}], "text": " ", "week": "x"}',
        '{"days": "none", "text": "x", "week": "x"}',
        '{"days": [{"date": "2026-12-24"}], "text": 42, "week": "x"}',
    ],
)
async def test_an_answer_outside_the_contract_counts_as_router_down(router, settings, week, body: str):
    week.remember(WEEK)
    router.reply("POST", "/api/hours/days", text=body)

    texts, events = await run_action(settings, week, "julafton")

    assert events == RESET
    assert texts == [OFFLINE]


@pytest.mark.asyncio
async def test_a_general_answer_without_text_counts_as_router_down(router, settings, week):
    router.reply("POST", "/api/hours/days", json_body={**PHRASE_ANSWER, "days": [], "text": None})
    router.reply("GET", "/api/hours", json_body={"open": True, "week": WEEK})

    texts, _ = await run_action(settings, week, "öppettider")

    assert texts == [OFFLINE_UNKNOWN_WEEK]
    assert [(request.method, request.path, request.body) for request in router.requests] == [
        ("POST", "/api/hours/days", {"phrase": "öppettider"}),
        ("GET", "/api/hours", None),
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [400, 404, 500])
async def test_an_error_status_counts_as_router_down(router, settings, week, status: int):
    router.reply("POST", "/api/hours/days", status=status, json_body={"error": "x"})

    texts, _ = await run_action(settings, week, "julafton")

    assert texts == [OFFLINE_UNKNOWN_WEEK]


@pytest.mark.asyncio
async def test_a_slow_router_counts_as_router_down(router, settings, week):
    router.reply("POST", "/api/hours/days", json_body=PHRASE_ANSWER, delay=1.0)

    texts, _ = await run_action(settings, week, "julafton")

    assert texts == [OFFLINE_UNKNOWN_WEEK]


@pytest.mark.parametrize(
    ("text", "slots", "expected"),
    [
        ("har ni öppet på julafton", {}, ["har ni öppet på julafton"]),
        ("öppet fre?", {"weekday": "fredag"}, ["öppet fre?", "fredag"]),
        ("fredag", {"weekday": "fredag"}, ["fredag"]),
        ("/opening_hours", {}, []),
        ('/opening_hours{"weekday": "idag"}', {"weekday": "idag"}, ["idag"]),
        ("öppet?", {"weekday": ["onsdag", "torsdag"]}, ["öppet?", "onsdag"]),
        ("  ", {"weekday": 3}, []),
    ],
)
def test_phrases_to_ask(text: str, slots: dict[str, Any], expected: list[str]):
    assert phrases_to_ask(make_tracker("opening_hours", slots=slots, text=text)) == expected
