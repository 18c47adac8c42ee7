"""action_opening_hours against a real router stand-in, with a fixed clock."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.opening_hours import ActionOpeningHours, requested_day
from tests.actions.trackers import make_tracker

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY_BEFORE_CHRISTMAS = datetime(2026, 12, 21, 10, 0, tzinfo=STOCKHOLM)
WEEK = (
    "Vanliga öppettider: måndag–onsdag 08.00–17.00, torsdag 08.00–18.00, fredag 08.00–17.00, "
    "lördag–söndag stängt."
)
CAVEAT = "Tiderna kan avvika kring helgdagar och dagen före en helgdag."
PHONE_LINE = "Du når kontaktcenter på 042-10 50 00."
RESET = [SlotSet("weekday", None)]


def hours_now(
    at: str | None = "2026-12-21T10:00:00+01:00",
    *,
    is_open: bool = True,
    opens_at: str | None = None,
    closes_at: str | None = "2026-12-21T17:00:00+01:00",
) -> dict[str, Any]:
    """A GET /api/hours body; `at` None leaves the field out, as a router from before it did."""
    body = {"open": is_open, "opens_at": opens_at, "closes_at": closes_at, "timezone": "Europe/Stockholm"}
    if at is not None:
        body["at"] = at
    return body


def day(iso: str, weekday: str, opens: str | None, closes: str | None, note: str | None = None) -> dict[str, Any]:
    return {"date": iso, "weekday": weekday, "open": opens is not None, "opens": opens, "closes": closes, "note": note}


CHRISTMAS_WEEK = {
    "timezone": "Europe/Stockholm",
    "days": [
        day("2026-12-21", "måndag", "08:00", "17:00"),
        day("2026-12-22", "tisdag", "08:00", "17:00"),
        day("2026-12-23", "onsdag", "08:00", "17:00"),
        day("2026-12-24", "torsdag", None, None, "julafton"),
        day("2026-12-25", "fredag", None, None, "juldagen"),
        day("2026-12-26", "lördag", None, None, "annandag jul"),
        day("2026-12-27", "söndag", None, None),
    ],
}


async def run_action(settings, slots: dict[str, Any], now: datetime = MONDAY_BEFORE_CHRISTMAS):
    dispatcher = CollectingDispatcher()
    action = ActionOpeningHours(settings, clock=lambda: now)
    events = await action.run(dispatcher, make_tracker("opening_hours", slots=slots), {})
    return [message["text"] for message in dispatcher.messages], events


@pytest.mark.asyncio
async def test_open_now_says_until_when_the_week_and_the_deviating_days(router, settings):
    router.reply("GET", "/api/hours", json_body=hours_now())
    router.reply("GET", "/api/hours/days", json_body=CHRISTMAS_WEEK)

    texts, events = await run_action(settings, {})

    assert events == RESET
    assert texts == [
        "Kontaktcenter har öppet nu till kl. 17.00.\n"
        f"{WEEK}\n"
        "Avvikande öppettider de närmaste dagarna: torsdag 24 december stängt (julafton), "
        "fredag 25 december stängt (juldagen).\n"
        f"{PHONE_LINE}"
    ]
    assert [request.path for request in router.requests] == ["/api/hours", "/api/hours/days"]
    assert router.requests[-1].query == {"from": "2026-12-21", "days": "7"}


@pytest.mark.asyncio
async def test_closed_now_says_when_it_opens_next(router, settings):
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=STOCKHOLM)
    router.reply(
        "GET",
        "/api/hours",
        json_body=hours_now(
            "2026-11-28T12:00:00+01:00", is_open=False, opens_at="2026-11-30T07:00:00+00:00", closes_at=None
        ),
    )
    router.reply(
        "GET",
        "/api/hours/days",
        json_body={
            "timezone": "Europe/Stockholm",
            "days": [
                day("2026-11-28", "lördag", None, None),
                day("2026-11-29", "söndag", None, None),
                day("2026-11-30", "måndag", "08:00", "17:00"),
                day("2026-12-01", "tisdag", "08:00", "17:00"),
                day("2026-12-02", "onsdag", "08:00", "17:00"),
                day("2026-12-03", "torsdag", "08:00", "18:00"),
                day("2026-12-04", "fredag", "08:00", "17:00"),
            ],
        },
    )

    texts, events = await run_action(settings, {}, now=saturday)

    assert events == RESET
    assert texts == [
        "Kontaktcenter har stängt just nu och öppnar igen måndag 30 november kl. 08.00.\n"
        f"{WEEK}\n"
        f"{PHONE_LINE}"
    ]
    assert router.requests[-1].query == {"from": "2026-11-28", "days": "7"}


@pytest.mark.asyncio
async def test_a_weekday_name_means_the_next_such_date(router, settings):
    router.reply("GET", "/api/hours", json_body=hours_now())
    router.reply("GET", "/api/hours/days", json_body=CHRISTMAS_WEEK)

    texts, events = await run_action(settings, {"weekday": "torsdag"})

    assert events == RESET
    assert texts == [f"På torsdag 24 december har kontaktcenter stängt (julafton).\n{PHONE_LINE}"]
    assert [request.path for request in router.requests] == ["/api/hours", "/api/hours/days"]
    assert router.requests[-1].query == {"from": "2026-12-21", "days": "7"}


@pytest.mark.asyncio
async def test_todays_weekday_name_means_today(router, settings):
    router.reply("GET", "/api/hours", json_body=hours_now())
    router.reply("GET", "/api/hours/days", json_body=CHRISTMAS_WEEK)

    texts, _ = await run_action(settings, {"weekday": "måndag"})

    assert texts == [f"I dag, måndag 21 december, har kontaktcenter öppet 08.00–17.00.\n{PHONE_LINE}"]


@pytest.mark.asyncio
async def test_idag(router, settings):
    router.reply("GET", "/api/hours", json_body=hours_now())
    router.reply("GET", "/api/hours/days", json_body=CHRISTMAS_WEEK)

    texts, _ = await run_action(settings, {"weekday": "idag"})

    assert texts == [f"I dag, måndag 21 december, har kontaktcenter öppet 08.00–17.00.\n{PHONE_LINE}"]


@pytest.mark.asyncio
async def test_imorgon(router, settings):
    router.reply("GET", "/api/hours", json_body=hours_now())
    router.reply("GET", "/api/hours/days", json_body=CHRISTMAS_WEEK)

    texts, events = await run_action(settings, {"weekday": "imorgon"})

    assert events == RESET
    assert texts == [f"I morgon, tisdag 22 december, har kontaktcenter öppet 08.00–17.00.\n{PHONE_LINE}"]


@pytest.mark.asyncio
async def test_a_shortened_eve_shows_its_note(router, settings):
    router.reply("GET", "/api/hours", json_body=hours_now("2027-01-04T09:00:00+01:00"))
    router.reply(
        "GET",
        "/api/hours/days",
        json_body={
            "timezone": "Europe/Stockholm",
            "days": [
                day("2027-01-04", "måndag", "08:00", "17:00"),
                day("2027-01-05", "tisdag", "08:00", "15:00", "trettondagsafton"),
                day("2027-01-06", "onsdag", None, None, "trettondedag jul"),
                day("2027-01-07", "torsdag", "08:00", "18:00"),
                day("2027-01-08", "fredag", "08:00", "17:00"),
                day("2027-01-09", "lördag", None, None),
                day("2027-01-10", "söndag", None, None),
            ],
        },
    )

    texts, _ = await run_action(settings, {"weekday": "tisdag"}, now=datetime(2027, 1, 4, 9, 0, tzinfo=STOCKHOLM))

    assert texts == [f"I morgon, tisdag 5 januari, har kontaktcenter öppet 08.00–15.00 (trettondagsafton).\n{PHONE_LINE}"]


@pytest.mark.asyncio
async def test_other_hours_without_a_note_are_called_out(router, settings):
    week = {"timezone": "Europe/Stockholm", "days": [dict(entry) for entry in CHRISTMAS_WEEK["days"]]}
    week["days"][2] = day("2026-12-23", "onsdag", "10:00", "14:00")
    router.reply("GET", "/api/hours", json_body=hours_now())
    router.reply("GET", "/api/hours/days", json_body=week)

    texts, _ = await run_action(settings, {"weekday": "onsdag"})

    assert texts == [
        f"På onsdag 23 december har kontaktcenter öppet 10.00–14.00.\nDet är andra tider än vanligt.\n{PHONE_LINE}"
    ]


@pytest.mark.asyncio
async def test_a_weekday_value_without_diacritics_and_in_capitals_is_understood(router, settings):
    router.reply("GET", "/api/hours", json_body=hours_now())
    router.reply("GET", "/api/hours/days", json_body=CHRISTMAS_WEEK)

    texts, _ = await run_action(settings, {"weekday": "Lordag"})

    assert texts == [f"På lördag 26 december har kontaktcenter stängt (annandag jul).\n{PHONE_LINE}"]


@pytest.mark.asyncio
async def test_an_unknown_weekday_value_gets_the_general_answer(router, settings):
    router.reply("GET", "/api/hours", json_body=hours_now())
    router.reply("GET", "/api/hours/days", json_body=CHRISTMAS_WEEK)

    texts, events = await run_action(settings, {"weekday": "påskafton"})

    assert events == RESET
    assert texts[0].startswith("Kontaktcenter har öppet nu till kl. 17.00.\n")


FIRST_WEEK_OF_DECEMBER = {
    "timezone": "Europe/Stockholm",
    "days": [
        day("2026-12-04", "fredag", "08:00", "17:00"),
        day("2026-12-05", "lördag", None, None),
        day("2026-12-06", "söndag", None, None),
        day("2026-12-07", "måndag", "08:00", "17:00"),
        day("2026-12-08", "tisdag", "08:00", "17:00"),
        day("2026-12-09", "onsdag", "08:00", "17:00"),
        day("2026-12-10", "torsdag", "08:00", "18:00"),
    ],
}
FRIDAY_4_DECEMBER_16 = hours_now("2026-12-04T16:00:00+01:00", closes_at="2026-12-04T17:00:00+01:00")
MONDAY_30_NOVEMBER = datetime(2026, 11, 30, 10, 0, tzinfo=STOCKHOLM)


@pytest.mark.asyncio
async def test_imorgon_is_the_routers_tomorrow_not_the_actions(router, settings):
    # The router's clock is fixed at Friday 4 December; the action's own clock says Monday 30 November.
    router.reply("GET", "/api/hours", json_body=FRIDAY_4_DECEMBER_16)
    router.reply("GET", "/api/hours/days", json_body=FIRST_WEEK_OF_DECEMBER)

    texts, events = await run_action(settings, {"weekday": "imorgon"}, now=MONDAY_30_NOVEMBER)

    assert events == RESET
    assert texts == [f"I morgon, lördag 5 december, har kontaktcenter stängt.\n{PHONE_LINE}"]
    assert [request.path for request in router.requests] == ["/api/hours", "/api/hours/days"]
    assert router.requests[-1].query == {"from": "2026-12-04", "days": "7"}


@pytest.mark.asyncio
async def test_the_general_answer_looks_ahead_from_the_routers_today(router, settings):
    router.reply("GET", "/api/hours", json_body=FRIDAY_4_DECEMBER_16)
    router.reply("GET", "/api/hours/days", json_body=FIRST_WEEK_OF_DECEMBER)

    texts, _ = await run_action(settings, {}, now=MONDAY_30_NOVEMBER)

    assert texts == [f"Kontaktcenter har öppet nu till kl. 17.00.\n{WEEK}\n{PHONE_LINE}"]
    assert router.requests[-1].query == {"from": "2026-12-04", "days": "7"}


@pytest.mark.asyncio
async def test_the_routers_at_is_read_in_the_schedules_time_zone(router, settings):
    # 23:30 UTC on Friday 4 December is 00:30 on Saturday 5 December in Stockholm.
    router.reply("GET", "/api/hours", json_body=hours_now("2026-12-04T23:30:00+00:00", is_open=False, closes_at=None))
    router.reply("GET", "/api/hours/days", json_body=FIRST_WEEK_OF_DECEMBER)

    texts, _ = await run_action(settings, {"weekday": "idag"}, now=MONDAY_30_NOVEMBER)

    assert texts == [f"I dag, lördag 5 december, har kontaktcenter stängt.\n{PHONE_LINE}"]
    assert router.requests[-1].query == {"from": "2026-12-05", "days": "7"}


@pytest.mark.asyncio
async def test_a_router_without_at_leaves_today_to_the_actions_clock(router, settings):
    router.reply("GET", "/api/hours", json_body=hours_now(None))
    router.reply("GET", "/api/hours/days", json_body=CHRISTMAS_WEEK)

    texts, events = await run_action(settings, {"weekday": "imorgon"})

    assert events == RESET
    assert texts == [f"I morgon, tisdag 22 december, har kontaktcenter öppet 08.00–17.00.\n{PHONE_LINE}"]
    assert router.requests[-1].query == {"from": "2026-12-21", "days": "7"}


OFFLINE_NOW = (
    "Jag kan inte kontrollera om kontaktcenter har öppet just nu.\n"
    f"{WEEK} {CAVEAT}\n"
    f"{PHONE_LINE}"
)
OFFLINE_THURSDAY = (
    "Jag kan inte hämta öppettiderna för torsdag 24 december just nu. "
    "Vanligtvis har kontaktcenter öppet 08.00–18.00 på torsdagar.\n"
    f"{WEEK} {CAVEAT}\n"
    f"{PHONE_LINE}"
)


@pytest.mark.asyncio
async def test_router_down_answers_from_the_configured_week(router_down):
    texts, events = await run_action(router_down, {})

    assert events == RESET
    assert texts == [OFFLINE_NOW]


@pytest.mark.asyncio
async def test_router_down_answers_a_day_from_the_configured_week(router_down):
    texts, events = await run_action(router_down, {"weekday": "torsdag"})

    assert events == RESET
    assert texts == [OFFLINE_THURSDAY]


@pytest.mark.asyncio
async def test_router_down_and_a_closed_weekday(router_down):
    texts, _ = await run_action(router_down, {"weekday": "söndag"})

    assert texts[0].startswith(
        "Jag kan inte hämta öppettiderna för söndag 27 december just nu. "
        "Vanligtvis har kontaktcenter stängt på söndagar.\n"
    )


@pytest.mark.asyncio
async def test_router_timeout_answers_from_the_configured_week(router, settings):
    router.reply("GET", "/api/hours", json_body=hours_now())
    router.reply("GET", "/api/hours/days", json_body=CHRISTMAS_WEEK, delay=1.0)

    texts, events = await run_action(settings, {"weekday": "torsdag"})

    assert events == RESET
    assert texts == [OFFLINE_THURSDAY]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "hours, days",
    [
        ("not json", CHRISTMAS_WEEK),
        ('{"open": "yes"}', CHRISTMAS_WEEK),
        ('{"open": true, "closes_at": "at five"}', CHRISTMAS_WEEK),
        ('{"open": true, "closes_at": "2026-12-21T17:00:00"}', CHRISTMAS_WEEK),
        ('{"open": true, "closes_at": null}', {"days": "none"}),
        ('{"open": true, "closes_at": null}', {"days": [day("2026-12-21", "måndag", "08:00", None)]}),
        ('{"open": true, "closes_at": null}', {"days": [day("2026-13-21", "måndag", "08:00", "17:00")]}),
        ('{"open": true, "closes_at": null}', {"days": [day("2026-12-21", "måndag", "8 am", "17:00")]}),
        (
            '{"open": true, "closes_at": null}',
            {"days": [{"date": "2026-12-21", "open": False, "opens": "08:00", "closes": "17:00", "note": None}]},
        ),
    ],
)
async def test_garbage_answers_from_the_configured_week(router, settings, hours, days):
    router.reply("GET", "/api/hours", text=hours)
    router.reply("GET", "/api/hours/days", json_body=days)

    texts, events = await run_action(settings, {})

    assert events == RESET
    assert texts == [OFFLINE_NOW]


@pytest.mark.asyncio
@pytest.mark.parametrize("at", ["at ten", "2026-12-21T10:00:00", "", 1766307600, True])
async def test_a_malformed_at_answers_from_the_configured_week(router, settings, at):
    router.reply("GET", "/api/hours", json_body={**hours_now(), "at": at})
    router.reply("GET", "/api/hours/days", json_body=CHRISTMAS_WEEK)

    texts, events = await run_action(settings, {"weekday": "torsdag"})

    assert events == RESET
    assert texts == [OFFLINE_THURSDAY]
    assert [request.path for request in router.requests] == ["/api/hours"]


@pytest.mark.asyncio
async def test_a_days_answer_without_the_requested_date_answers_from_the_configured_week(router, settings):
    router.reply("GET", "/api/hours", json_body=hours_now())
    router.reply("GET", "/api/hours/days", json_body={"timezone": "Europe/Stockholm", "days": CHRISTMAS_WEEK["days"][:2]})

    texts, _ = await run_action(settings, {"weekday": "torsdag"})

    assert texts == [OFFLINE_THURSDAY]


@pytest.mark.asyncio
async def test_server_error_answers_from_the_configured_week(router, settings):
    router.reply("GET", "/api/hours", status=500, json_body={"error": "boom"})
    router.reply("GET", "/api/hours/days", json_body=CHRISTMAS_WEEK)

    texts, _ = await run_action(settings, {})

    assert texts == [OFFLINE_NOW]


@pytest.mark.asyncio
async def test_without_hours_yml_the_default_week_is_used(router_down):
    (router_down.settings_dir / "hours.yml").unlink()

    texts, _ = await run_action(router_down, {})

    assert texts == [OFFLINE_NOW]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("idag", date(2026, 12, 21)),
        ("i dag", date(2026, 12, 21)),
        ("imorgon", date(2026, 12, 22)),
        ("I morgon", date(2026, 12, 22)),
        ("måndag", date(2026, 12, 21)),
        ("söndag", date(2026, 12, 27)),
        ("sondag", date(2026, 12, 27)),
        ("fredagar", date(2026, 12, 25)),
        (["onsdag"], date(2026, 12, 23)),
        ("midsommar", None),
        (None, None),
        (3, None),
    ],
)
def test_requested_day(value, expected):
    assert requested_day(value, date(2026, 12, 21)) == expected
