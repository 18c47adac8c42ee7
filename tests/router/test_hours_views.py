"""The public hours API: GET /api/hours and GET /api/hours/days."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import pytest_asyncio
from aiohttp import web

from router.core import clock as clock_module
from router.core.clock import Clock
from router.core.keys import CLOCK_KEY
from router.hours import setup_hours
from router.hours.keys import HOURS_KEY
from router.hours.schedule import OpeningHours

SETTINGS_DIR = Path(__file__).resolve().parents[2] / "settings"
WEEK = "måndag–onsdag 08.00–17.00, torsdag 08.00–18.00, fredag 08.00–17.00, lördag–söndag stängt"

pytestmark = pytest.mark.asyncio


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    # Monday 30 November 2026, 10:00 in Stockholm; the clock stands still so that "at" is exact.
    monkeypatch.setattr(clock_module, "time", SimpleNamespace(monotonic=lambda: 0.0))
    return Clock(start=datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc))


@pytest_asyncio.fixture
async def client(aiohttp_client, clock: Clock):
    app = web.Application()
    app[CLOCK_KEY] = clock
    setup_hours(app, SETTINGS_DIR)
    return await aiohttp_client(app)


async def get_hours(client, at: str | None = None):
    url = "/api/hours" if at is None else f"/api/hours?at={quote(at)}"
    response = await client.get(url)
    return response.status, await response.json()


async def test_setup_stores_the_engine(client) -> None:
    assert isinstance(client.app[HOURS_KEY], OpeningHours)


async def test_closed_friday_evening_opens_monday(client) -> None:
    status, body = await get_hours(client, "2026-11-27T18:30:00+01:00")
    assert status == 200
    assert body == {
        "open": False,
        "opens_at": "2026-11-30T08:00:00+01:00",
        "closes_at": None,
        "at": "2026-11-27T18:30:00+01:00",
        "timezone": "Europe/Stockholm",
        "text": "Kontaktcenter har stängt just nu och öppnar igen måndag 30 november kl. 08.00.\n"
        f"Vanliga öppettider: {WEEK}.",
        "week": WEEK,
    }


async def test_open_gives_closing_time_in_stockholm_offset(client) -> None:
    status, body = await get_hours(client, "2026-07-02T06:30:00Z")
    assert status == 200
    assert body == {
        "open": True,
        "opens_at": None,
        "closes_at": "2026-07-02T18:00:00+02:00",
        "at": "2026-07-02T08:30:00+02:00",
        "timezone": "Europe/Stockholm",
        "text": f"Kontaktcenter har öppet nu till kl. 18.00.\nVanliga öppettider: {WEEK}.",
        "week": WEEK,
    }


async def test_eve_closing_and_offsets_across_dst(client) -> None:
    _, body = await get_hours(client, "2026-04-02T12:00:00+02:00")
    assert body["closes_at"] == "2026-04-02T15:00:00+02:00"
    _, body = await get_hours(client, "2026-03-27T17:00:00+01:00")
    assert body["opens_at"] == "2026-03-30T08:00:00+02:00"
    _, body = await get_hours(client, "2026-12-23T17:00:00+01:00")
    assert body["opens_at"] == "2026-12-28T08:00:00+01:00"


async def test_at_without_offset_is_stockholm_local_time(client) -> None:
    # 16:30 in Stockholm is open; read as UTC it would be 18:30 local and closed.
    _, body = await get_hours(client, "2026-07-01T16:30")
    assert body["open"] is True
    assert body["closes_at"] == "2026-07-01T17:00:00+02:00"
    assert body["at"] == "2026-07-01T16:30:00+02:00"


async def test_unencoded_plus_in_the_query_still_means_an_offset(client) -> None:
    response = await client.get("/api/hours?at=2026-11-27T18:30:00+01:00")
    assert response.status == 200
    assert (await response.json())["opens_at"] == "2026-11-30T08:00:00+01:00"


async def test_default_is_now_from_the_clock(client, clock: Clock) -> None:
    status, body = await get_hours(client)
    assert status == 200
    assert body["open"] is True and body["closes_at"] == "2026-11-30T17:00:00+01:00"
    assert body["at"] == "2026-11-30T10:00:00+01:00"
    clock.set(datetime(2026, 12, 24, 9, 0, tzinfo=timezone.utc))
    _, body = await get_hours(client)
    assert body == {
        "open": False,
        "opens_at": "2026-12-28T08:00:00+01:00",
        "closes_at": None,
        "at": "2026-12-24T10:00:00+01:00",
        "timezone": "Europe/Stockholm",
        "text": "Kontaktcenter har stängt just nu och öppnar igen måndag 28 december kl. 08.00.\n"
        f"Vanliga öppettider: {WEEK}.\n"
        "Avvikande öppettider de närmaste dagarna: torsdag 24 december stängt (julafton), "
        "fredag 25 december stängt (juldagen, helgdag).",
        "week": WEEK,
    }


@pytest.mark.parametrize("at", ["", "tomorrow", "2026-13-01T08:00", "2026-11-30T25:00", "30/11/2026 08:00"])
async def test_bad_at_is_a_400_with_a_message(client, at: str) -> None:
    status, body = await get_hours(client, at)
    assert status == 400
    assert set(body) == {"error"}
    assert body["error"].startswith("at: ")


@pytest.mark.parametrize("at", ["9999-12-31T23:59:59-12:00", "9999-12-27T10:00:00+01:00"])
async def test_at_out_of_range_is_a_400(client, at: str) -> None:
    status, body = await get_hours(client, at)
    assert status == 400
    assert "range" in body["error"]


async def test_days_contract(client) -> None:
    response = await client.get("/api/hours/days?from=2026-12-21&days=7")
    assert response.status == 200
    body = await response.json()
    assert body["timezone"] == "Europe/Stockholm"
    assert len(body["days"]) == 7
    assert body["days"][0] == {
        "date": "2026-12-21", "weekday": "måndag", "open": True,
        "opens": "08:00", "closes": "17:00", "note": None, "reason": "weekly", "holiday": None,
    }
    assert body["days"][3] == {
        "date": "2026-12-24", "weekday": "torsdag", "open": False,
        "opens": None, "closes": None, "note": "julafton", "reason": "de_facto_holiday", "holiday": "julafton",
    }
    assert [d["weekday"] for d in body["days"]] == [
        "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag",
    ]


async def test_days_shows_eves(client) -> None:
    response = await client.get("/api/hours/days?from=2027-01-05&days=2")
    days = (await response.json())["days"]
    assert days[0] == {
        "date": "2027-01-05", "weekday": "tisdag", "open": True,
        "opens": "08:00", "closes": "15:00", "note": "dag före trettondedag jul",
        "reason": "eve", "holiday": "trettondedag jul",
    }
    assert days[1]["note"] == "trettondedag jul" and days[1]["open"] is False


async def test_days_defaults_to_seven_days_from_the_stockholm_date(client, clock: Clock) -> None:
    # 23:30 UTC on 29 November is 00:30 on 30 November in Stockholm.
    clock.set(datetime(2026, 11, 29, 23, 30, tzinfo=timezone.utc))
    response = await client.get("/api/hours/days")
    days = (await response.json())["days"]
    assert [d["date"] for d in days] == [f"2026-{m}" for m in (
        "11-30", "12-01", "12-02", "12-03", "12-04", "12-05", "12-06",
    )]


@pytest.mark.parametrize("count", ["1", "31"])
async def test_days_bounds_are_accepted(client, count: str) -> None:
    response = await client.get(f"/api/hours/days?from=2026-12-01&days={count}")
    assert response.status == 200
    assert len((await response.json())["days"]) == int(count)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("days=0", "days"),
        ("days=32", "days"),
        ("days=-1", "days"),
        ("days=1.5", "days"),
        ("days=sju", "days"),
        ("days=", "days"),
        ("from=2026-02-30", "from"),
        ("from=20261201", "from"),
        ("from=1/12/2026", "from"),
        ("from=", "from"),
        ("from=9999-12-31&days=2", "from"),
    ],
)
async def test_days_bad_input_is_a_400(client, query: str, field: str) -> None:
    response = await client.get(f"/api/hours/days?{query}")
    assert response.status == 400
    body = await response.json()
    assert set(body) == {"error"}
    assert body["error"].startswith(f"{field}: ")


@pytest_asyncio.fixture
async def client_with_deviations(aiohttp_client, clock: Clock, tmp_path: Path):
    shipped = (SETTINGS_DIR / "hours.yml").read_text(encoding="utf-8")
    assert "deviations: []" in shipped
    (tmp_path / "hours.yml").write_text(
        shipped.replace(
            "deviations: []",
            "deviations:\n"
            '  - {date: 2026-12-01, closed: true, note: "personaldag"}\n'
            '  - {date: 2026-12-02, opens: "10:00", closes: "14:00"}\n'
            '  - {date: 2026-12-24, opens: "09:00", closes: "12:00", note: "julafton, öppet för besök"}\n',
        ),
        encoding="utf-8",
    )
    app = web.Application()
    app[CLOCK_KEY] = clock
    setup_hours(app, tmp_path)
    return await aiohttp_client(app)


async def ask(client, phrase: str) -> dict:
    response = await client.post("/api/hours/days", json={"phrase": phrase})
    assert response.status == 200, await response.text()
    return await response.json()


async def test_phrase_julafton_is_closed_with_the_days_in_the_body(client) -> None:
    body = await ask(client, "Har ni öppet på julafton?")
    assert body == {
        "timezone": "Europe/Stockholm",
        "phrase": "Har ni öppet på julafton?",
        "days": [
            {
                "date": "2026-12-24", "weekday": "torsdag", "open": False, "opens": None, "closes": None,
                "note": "julafton", "reason": "de_facto_holiday", "holiday": "julafton",
            }
        ],
        "text": "På julafton, torsdag 24 december, har kontaktcenter stängt.",
        "week": WEEK,
    }


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("juldagen", "På juldagen, fredag 25 december, har kontaktcenter stängt eftersom det är helgdag."),
        ("25/12", "På fredag 25 december har kontaktcenter stängt eftersom det är helgdag (juldagen)."),
        ("24 december", "På torsdag 24 december har kontaktcenter stängt eftersom det är julafton."),
        ("nyarsafton", "På nyårsafton, torsdag 31 december, har kontaktcenter stängt."),
        (
            "trettondagsafton",
            "På trettondagsafton, tisdag 5 januari, har kontaktcenter öppet 08.00–15.00 "
            "eftersom det är dagen före en helgdag (trettondedag jul).",
        ),
        (
            "öppet 5 januari?",
            "På tisdag 5 januari har kontaktcenter öppet 08.00–15.00 "
            "eftersom det är dagen före en helgdag (trettondedag jul).",
        ),
        ("midsommarafton", "På midsommarafton, fredag 25 juni, har kontaktcenter stängt."),
        ("påskafton", "På påskafton, lördag 27 mars, har kontaktcenter stängt, som alla lördagar."),
        (
            "skärtorsdagen",
            "På skärtorsdagen, torsdag 25 mars, har kontaktcenter öppet 08.00–15.00 "
            "eftersom det är dagen före en helgdag (långfredagen).",
        ),
        (
            "Kristi himmelsfärd",
            "På Kristi himmelsfärdsdag, torsdag 6 maj, har kontaktcenter stängt eftersom det är helgdag.",
        ),
        ("den 6 juni", "På söndag 6 juni har kontaktcenter stängt eftersom det är helgdag (nationaldagen)."),
        ("nästa fredag", "På fredag 11 december har kontaktcenter öppet 08.00–17.00."),
        ("på lördag", "På lördag 5 december har kontaktcenter stängt, som alla lördagar."),
        ("har ni öppet idag", "I dag, måndag 30 november, har kontaktcenter öppet 08.00–17.00."),
        ("imorgon", "I morgon, tisdag 1 december, har kontaktcenter öppet 08.00–17.00."),
        ("på tisdag", "I morgon, tisdag 1 december, har kontaktcenter öppet 08.00–17.00."),
        (
            "i helgen",
            "Öppettider för kontaktcenter i helgen:\nlördag 5 december: stängt\nsöndag 6 december: stängt",
        ),
        (
            "i jul",
            "Öppettider för kontaktcenter i jul:\n"
            "torsdag 24 december: stängt (julafton)\n"
            "fredag 25 december: stängt (juldagen, helgdag)\n"
            "lördag 26 december: stängt (annandag jul, helgdag)",
        ),
        (
            "mellan jul och nyår",
            "Öppettider för kontaktcenter i mellandagarna:\n"
            "söndag 27 december: stängt\n"
            "måndag 28 december: öppet 08.00–17.00\n"
            "tisdag 29 december: öppet 08.00–17.00\n"
            "onsdag 30 december: öppet 08.00–17.00",
        ),
        (
            "julafton eller trettondagsafton",
            "Öppettider för kontaktcenter:\n"
            "torsdag 24 december: stängt (julafton)\n"
            "tisdag 5 januari: öppet 08.00–15.00 (dagen före trettondedag jul)",
        ),
    ],
)
async def test_phrase_texts(client, phrase: str, text: str) -> None:
    assert (await ask(client, phrase))["text"] == text


async def test_phrase_deviation_days_from_the_settings(client_with_deviations) -> None:
    body = await ask(client_with_deviations, "imorgon")
    assert body["days"][0]["reason"] == "deviation"
    assert body["text"] == "I morgon, tisdag 1 december, har kontaktcenter stängt (personaldag)."
    body = await ask(client_with_deviations, "onsdag")
    assert body["text"] == (
        "På onsdag 2 december har kontaktcenter öppet 10.00–14.00, som är ett undantag från de vanliga tiderna."
    )
    body = await ask(client_with_deviations, "julafton")
    assert body["text"] == (
        "På julafton, torsdag 24 december, har kontaktcenter öppet 09.00–12.00 (julafton, öppet för besök)."
    )
    body = await ask(client_with_deviations, "i veckan")
    assert body["text"].splitlines()[1:4] == [
        "måndag 30 november: öppet 08.00–17.00",
        "tisdag 1 december: stängt (personaldag)",
        "onsdag 2 december: öppet 10.00–14.00 (undantag från de vanliga tiderna)",
    ]


async def test_phrase_today_is_the_stockholm_date_of_the_routers_clock(client, clock: Clock) -> None:
    # 23:30 UTC on Thursday 24 December is 00:30 on Friday 25 December in Stockholm.
    clock.set(datetime(2026, 12, 24, 23, 30, tzinfo=timezone.utc))
    body = await ask(client, "idag")
    assert [day["date"] for day in body["days"]] == ["2026-12-25"]
    body = await ask(client, "julafton")
    assert [day["date"] for day in body["days"]] == ["2027-12-24"]


async def test_the_general_text_lists_the_deviating_days(client_with_deviations) -> None:
    _, body = await get_hours(client_with_deviations, "2026-11-30T10:00:00+01:00")
    assert body["text"] == (
        f"Kontaktcenter har öppet nu till kl. 17.00.\nVanliga öppettider: {WEEK}.\n"
        "Avvikande öppettider de närmaste dagarna: tisdag 1 december stängt (personaldag), "
        "onsdag 2 december öppet 10.00–14.00 (undantag från de vanliga tiderna)."
    )


@pytest.mark.parametrize("phrase", ["hej", "vad har ni för öppettider", "har ni öppet på fredagar", "31/2"])
async def test_a_phrase_without_a_day_is_no_error_but_names_no_days(client, phrase: str) -> None:
    body = await ask(client, phrase)
    assert body == {"timezone": "Europe/Stockholm", "phrase": phrase, "days": [], "text": None, "week": WEEK}


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"phrase": ""}, "phrase"),
        ({"phrase": "   "}, "phrase"),
        ({"phrase": "x" * 2001}, "phrase"),
        ({"phrase": None}, "phrase"),
        ({"phrase": ["julafton"]}, "phrase"),
        ({"phrase": "julafton", "from": "2026-12-01"}, "body"),
        ({}, "body"),
        (["julafton"], "body"),
        ("julafton", "body"),
    ],
)
async def test_bad_phrase_is_a_400_with_a_message(client, sent, field: str) -> None:
    response = await client.post("/api/hours/days", json=sent)
    assert response.status == 400
    body = await response.json()
    assert set(body) == {"error"}
    assert body["error"].startswith(f"{field}: ")


async def test_a_body_that_is_not_json_is_a_400(client) -> None:
    response = await client.post("/api/hours/days", data=b"phrase=julafton")
    assert response.status == 400
    assert (await response.json())["error"].startswith("body: ")


async def test_the_longest_message_a_resident_can_send_is_read(client) -> None:
    phrase = ("hej " * 500)[:1990] + " julafton"
    assert len(phrase) <= 2000
    assert [day["date"] for day in (await ask(client, phrase))["days"]] == ["2026-12-24"]
