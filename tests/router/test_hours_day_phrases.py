"""The Swedish day-phrase parser: which days a resident's message asks about."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from router.hours.day_phrases import MAX_DAYS, find_days, fold
from router.hours.schedule import SwedishHolidays
from router.hours.swedish import WEEKDAY_NAMES

CALENDAR = SwedishHolidays()
THURSDAY = date(2026, 12, 3)

# Each single named day: (phrase, the holiday it is tied to, days from that holiday).
NAMED_DAYS = [
    ("julafton", "julafton", 0),
    ("juldagen", "juldagen", 0),
    ("annandag jul", "annandag jul", 0),
    ("nyårsafton", "nyårsafton", 0),
    ("nyårsdagen", "nyårsdagen", 0),
    ("trettondagsafton", "trettondedag jul", -1),
    ("trettondedag jul", "trettondedag jul", 0),
    ("skärtorsdagen", "långfredagen", -1),
    ("långfredagen", "långfredagen", 0),
    ("påskafton", "påskdagen", -1),
    ("påskdagen", "påskdagen", 0),
    ("annandag påsk", "annandag påsk", 0),
    ("valborg", "första maj", -1),
    ("valborgsmässoafton", "första maj", -1),
    ("första maj", "första maj", 0),
    ("Kristi himmelsfärd", "Kristi himmelsfärdsdag", 0),
    ("pingstafton", "pingstdagen", -1),
    ("pingst", "pingstdagen", 0),
    ("nationaldagen", "nationaldagen", 0),
    ("midsommarafton", "midsommarafton", 0),
    ("midsommardagen", "midsommardagen", 0),
    ("alla helgons afton", "alla helgons dag", -1),
    ("alla helgons dag", "alla helgons dag", 0),
]


def days(text: str, today: date = THURSDAY) -> list[date]:
    return [day for phrase in find_days(text, today, CALENDAR.by_name) for day in phrase.dates]


def whens(text: str, today: date = THURSDAY) -> list[str | None]:
    return [phrase.when for phrase in find_days(text, today, CALENDAR.by_name)]


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("Har ni öppet på julafton?", THURSDAY, [date(2026, 12, 24)]),
        ("julafton", date(2026, 12, 24), [date(2026, 12, 24)]),  # today counts
        ("julafton", date(2026, 12, 25), [date(2027, 12, 24)]),  # once past: next year's
        ("juldagen", THURSDAY, [date(2026, 12, 25)]),
        ("annandag jul", THURSDAY, [date(2026, 12, 26)]),
        ("nyårsafton", THURSDAY, [date(2026, 12, 31)]),
        ("nyårsdagen", THURSDAY, [date(2027, 1, 1)]),
        ("trettondagsafton", THURSDAY, [date(2027, 1, 5)]),
        ("trettondedag jul", THURSDAY, [date(2027, 1, 6)]),
        ("5 januari", THURSDAY, [date(2027, 1, 5)]),
        ("i jul", THURSDAY, [date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)]),
        ("i jul", date(2026, 12, 25), [date(2026, 12, 25), date(2026, 12, 26)]),  # what is left of it
        ("mellan jul och nyår", THURSDAY, [date(2026, 12, d) for d in (27, 28, 29, 30)]),
        ("över nyår", THURSDAY, [date(2026, 12, 31), date(2027, 1, 1)]),
        ("över nyår", date(2027, 1, 1), [date(2027, 1, 1)]),
        ("5 jul", THURSDAY, [date(2027, 7, 5)]),  # a number before "jul" makes it July
    ],
)
def test_christmas_to_new_year(text: str, today: date, expected: list[date]) -> None:
    assert days(text, today) == expected


# Easter Sunday (påskdagen) of each year, from the almanac.
EASTER = [date(2026, 4, 5), date(2027, 3, 28), date(2028, 4, 16), date(2029, 4, 1), date(2030, 4, 21)]


@pytest.mark.parametrize("easter", EASTER)
@pytest.mark.parametrize(
    ("text", "shift"),
    [
        ("skärtorsdagen", -3),
        ("skartorsdagen", -3),
        ("långfredagen", -2),
        ("påskafton", -1),
        ("PASKAFTON", -1),
        ("påskdagen", 0),
        ("annandag påsk", 1),
        ("kristi himmelsfärdsdag", 39),
        ("pingstafton", 48),
        ("pingstdagen", 49),
    ],
)
def test_easter_and_the_days_that_move_with_it(easter: date, text: str, shift: int) -> None:
    assert days(text, date(easter.year, 1, 1)) == [easter + timedelta(days=shift)]


def test_i_pask_is_skartorsdagen_to_annandag_pask() -> None:
    assert days("har ni öppet i påsk", date(2027, 1, 1)) == [date(2027, 3, d) for d in range(25, 30)]
    assert whens("har ni öppet i påsk", date(2027, 1, 1)) == ["i påsk"]


@pytest.mark.parametrize(
    ("year", "eve"),
    [(2026, date(2026, 6, 19)), (2027, date(2027, 6, 25)), (2028, date(2028, 6, 23)), (2029, date(2029, 6, 22))],
)
def test_midsommar(year: int, eve: date) -> None:
    first_of_june = date(year, 6, 1)
    assert days("midsommarafton", first_of_june) == [eve]
    assert days("Midsommardagen", first_of_june) == [eve + timedelta(days=1)]
    assert days("öppet i midsommar?", first_of_june) == [eve, eve + timedelta(days=1)]
    assert days("midsommarafton", eve + timedelta(days=1)) == days("midsommarafton", date(year + 1, 6, 1))


@settings(max_examples=150, deadline=None)
@given(today=st.dates(min_value=date(2006, 1, 1), max_value=date(2090, 12, 31)), named=st.sampled_from(NAMED_DAYS))
def test_a_named_day_is_the_next_one_and_the_engines_calendar_agrees(today: date, named: tuple[str, str, int]) -> None:
    text, holiday, shift = named

    def is_it(day: date) -> bool:
        """Asked the engine's way (the holiday names of a date), not the way the parser looks them up."""
        anchor = day - timedelta(days=shift)
        names = (CALENDAR.public(anchor) or "").split(" och ") + (CALENDAR.de_facto(anchor) or "").split(" och ")
        return holiday in names

    [day] = days(text, today)
    assert today <= day and day.year <= today.year + 1
    assert is_it(day)
    assert not any(is_it(today + timedelta(days=n)) for n in range((day - today).days))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fredag", date(2026, 12, 4)),
        ("har ni öppet på fredag", date(2026, 12, 4)),
        ("i fredag", date(2026, 12, 4)),
        ("fredagen", date(2026, 12, 4)),
        ("på torsdag", THURSDAY),  # today is Thursday: the coming one is today
        ("onsdag", date(2026, 12, 9)),
        ("nästa fredag", date(2026, 12, 11)),  # the Friday of next week
        ("nasta fredag", date(2026, 12, 11)),
        ("kommande fredag", date(2026, 12, 4)),
        ("fredag nästa vecka", date(2026, 12, 11)),
        ("nästa veckas fredag", date(2026, 12, 11)),
        ("nästa torsdag", date(2026, 12, 10)),
        ("öppet på tis?", date(2026, 12, 8)),
        ("har ni öppet på tors", THURSDAY),
        ("på lördag", date(2026, 12, 5)),
        ("LÖRDAG", date(2026, 12, 5)),
        ("sondag", date(2026, 12, 6)),
    ],
)
def test_weekdays(text: str, expected: date) -> None:
    assert days(text) == [expected]
    assert whens(text) == [None]


@settings(max_examples=100, deadline=None)
@given(today=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), weekday=st.integers(0, 6))
def test_pa_weekday_is_the_coming_one_and_nasta_is_in_next_week(today: date, weekday: int) -> None:
    name = WEEKDAY_NAMES[weekday]
    [coming] = days(f"på {name}", today)
    assert coming.weekday() == weekday and today <= coming < today + timedelta(days=7)
    [following] = days(f"nästa {fold(name)}", today)
    assert following.weekday() == weekday
    assert following.isocalendar()[:2] == (today + timedelta(days=7)).isocalendar()[:2]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (THURSDAY, [date(2026, 12, 5), date(2026, 12, 6)]),
        (date(2026, 12, 5), [date(2026, 12, 5), date(2026, 12, 6)]),  # Saturday: this weekend
        (date(2026, 12, 6), [date(2026, 12, 6)]),  # Sunday: what is left of it
        (date(2026, 12, 7), [date(2026, 12, 12), date(2026, 12, 13)]),
    ],
)
def test_i_helgen(today: date, expected: list[date]) -> None:
    assert days("har ni öppet i helgen?", today) == expected
    assert whens("i helgen", today) == ["i helgen"]


def test_nasta_helg_and_weeks() -> None:
    assert days("nästa helg") == [date(2026, 12, 12), date(2026, 12, 13)]
    assert days("nästa vecka") == [date(2026, 12, 7) + timedelta(days=n) for n in range(7)]
    assert days("i veckan") == [THURSDAY + timedelta(days=n) for n in range(4)]


@pytest.mark.parametrize(
    ("text", "offset", "when"),
    [
        ("idag", 0, "i dag"),
        ("har ni öppet i dag", 0, "i dag"),
        ("IKVÄLL", 0, "i dag"),
        ("imorgon", 1, "i morgon"),
        ("i morgon", 1, "i morgon"),
        ("imorrn", 1, "i morgon"),
        ("i övermorgon", 2, "i övermorgon"),
        ("i overmorgon", 2, "i övermorgon"),
    ],
)
def test_relative_days(text: str, offset: int, when: str) -> None:
    assert days(text) == [THURSDAY + timedelta(days=offset)]
    assert whens(text) == [when]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24/12", date(2026, 12, 24)),
        ("5/1", date(2027, 1, 5)),  # day first, as Swedish writes it
        ("1/5", date(2027, 5, 1)),
        ("3/12", THURSDAY),
        ("2/12", date(2027, 12, 2)),  # yesterday's date means next year's
        ("24/12/2026", date(2026, 12, 24)),
        ("24/12/27", date(2027, 12, 24)),
        ("2027-01-05", date(2027, 1, 5)),
        ("den 6 juni", date(2027, 6, 6)),
        ("den 5:e januari", date(2027, 1, 5)),
        ("5e jan.", date(2027, 1, 5)),
        ("1:a maj", date(2027, 5, 1)),
        ("5 januari 2028", date(2028, 1, 5)),
        ("29 februari", date(2028, 2, 29)),
        ("24 DECEMBER", date(2026, 12, 24)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert days(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hej",
        "vad har ni för öppettider",
        "har ni öppet på fredagar",  # habitual: the week answers it
        "var ni öppna i fredags",  # the past
        "hade ni öppet förra veckan",
        "var det stängt förra julafton",
        "har ni öppet på helgdagar",
        "31/2",
        "30 februari",
        "2026-13-01",
        "24/12/2025",  # a past year
        "2035-01-01",  # too far ahead
        "32 januari",
        "jag väntade 8 timmar",
        "kl 8.00",
        "det beror på man själv",
        "min son",
    ],
)
def test_no_day(text: str) -> None:
    assert days(text) == []


def test_several_days_in_one_message_in_their_order() -> None:
    assert days("julafton och nyårsafton") == [date(2026, 12, 24), date(2026, 12, 31)]
    assert whens("julafton och nyårsafton") == ["på julafton", "på nyårsafton"]


def test_no_more_than_max_days() -> None:
    found = find_days("nästa vecka " * 10, THURSDAY, CALENDAR.by_name)
    assert sum(len(phrase.dates) for phrase in found) <= MAX_DAYS
    assert len(found) == MAX_DAYS // 7


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200), today=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_any_text_gives_future_days_or_none(text: str, today: date) -> None:
    found = days(text, today)
    assert len(found) <= MAX_DAYS
    assert all(day >= today for day in found)


def test_a_day_that_was_no_holiday_that_year_is_no_day() -> None:
    # Nationaldagen became a public holiday in 2005.
    assert days("nationaldagen", date(2003, 1, 1)) == []
    assert days("nationaldagen", date(2004, 6, 7)) == [date(2005, 6, 6)]
