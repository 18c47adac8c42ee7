"""The opening-hours engine over real dates, with the shipped settings/hours.yml."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from router.hours.config import load_hours_config, parse_hours_config
from router.hours.schedule import LOOKAHEAD_DAYS, DayReason, OpeningHours, SwedishHolidays
from router.hours.swedish import format_opens_at, format_opens_at_relative

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "settings" / "hours.yml"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture(scope="module")
def hours() -> OpeningHours:
    return OpeningHours(load_hours_config(SETTINGS_FILE))


def shipped_settings() -> dict:
    return yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8"))


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("day", "opens", "closes", "note"),
    [
        # An ordinary week.
        (date(2026, 11, 30), "08:00", "17:00", None),
        (date(2026, 12, 3), "08:00", "18:00", None),
        (date(2026, 12, 4), "08:00", "17:00", None),
        (date(2026, 12, 5), None, None, None),
        (date(2026, 12, 6), None, None, None),
        # Easter 2026.
        (date(2026, 4, 2), "08:00", "15:00", "dag före långfredagen"),  # skärtorsdagen
        (date(2026, 4, 3), None, None, "långfredagen"),
        (date(2026, 4, 5), None, None, "påskdagen"),
        (date(2026, 4, 6), None, None, "annandag påsk"),
        (date(2026, 4, 7), "08:00", "17:00", None),
        # Valborg and första maj.
        (date(2026, 4, 30), "08:00", "15:00", "dag före första maj"),
        (date(2026, 5, 1), None, None, "första maj"),
        # Kristi himmelsfärd.
        (date(2026, 5, 13), "08:00", "15:00", "dag före Kristi himmelsfärdsdag"),
        (date(2026, 5, 14), None, None, "Kristi himmelsfärdsdag"),
        (date(2026, 5, 15), "08:00", "17:00", None),
        # Nationaldagen on a Saturday: the Friday before is an eve.
        (date(2026, 6, 5), "08:00", "15:00", "dag före nationaldagen"),
        (date(2026, 6, 6), None, None, "nationaldagen"),
        # Midsommar: the day before midsommarafton keeps normal (Thursday) hours.
        (date(2026, 6, 18), "08:00", "18:00", None),
        (date(2026, 6, 19), None, None, "midsommarafton"),
        (date(2026, 6, 20), None, None, "midsommardagen"),
        # Alla helgons dag is a Saturday: the Friday before closes early.
        (date(2026, 10, 30), "08:00", "15:00", "dag före alla helgons dag"),
        (date(2026, 10, 31), None, None, "alla helgons dag"),
        # Christmas and New Year.
        (date(2026, 12, 23), "08:00", "17:00", None),
        (date(2026, 12, 24), None, None, "julafton"),
        (date(2026, 12, 25), None, None, "juldagen"),
        (date(2026, 12, 26), None, None, "annandag jul"),
        (date(2026, 12, 28), "08:00", "17:00", None),
        (date(2026, 12, 30), "08:00", "17:00", None),
        (date(2026, 12, 31), None, None, "nyårsafton"),
        (date(2027, 1, 1), None, None, "nyårsdagen"),
        (date(2027, 1, 5), "08:00", "15:00", "dag före trettondedag jul"),  # trettondagsafton
        (date(2027, 1, 6), None, None, "trettondedag jul"),
        (date(2027, 1, 7), "08:00", "18:00", None),
    ],
)
def test_day_hours_over_real_dates(hours: OpeningHours, day: date, opens, closes, note) -> None:
    result = hours.day(day)
    assert (result.opens, result.closes, result.note) == (
        time.fromisoformat(opens) if opens else None,
        time.fromisoformat(closes) if closes else None,
        note,
    )
    assert result.is_open is (opens is not None)
    window = hours.window_for(day)
    if opens is None:
        assert window is None
    else:
        assert window is not None
        assert window.opens == local(day.year, day.month, day.day, *map(int, opens.split(":")))
        assert window.closes == local(day.year, day.month, day.day, *map(int, closes.split(":")))
        assert window.note == note


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(2026, 4, 2, 14, 59), True),
        (local(2026, 4, 2, 15, 0), False),
        (local(2026, 4, 3, 10, 0), False),
        (local(2026, 6, 18, 17, 30), True),
        (local(2026, 11, 30, 7, 59, 59), False),
        (local(2026, 11, 30, 8, 0), True),
        (local(2026, 11, 30, 16, 59, 59, 999999), True),
        (local(2026, 11, 30, 17, 0), False),
        # The same instant in another offset.
        (datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc), True),
        (datetime(2026, 7, 1, 6, 0, tzinfo=timezone.utc), True),
        (datetime(2026, 7, 1, 5, 59, tzinfo=timezone.utc), False),
        (datetime(2026, 7, 1, 15, 0, tzinfo=timezone.utc), False),
    ],
)
def test_is_open(hours: OpeningHours, moment: datetime, expected: bool) -> None:
    assert hours.is_open(moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Friday evening → Monday morning.
        (local(2026, 11, 27, 17, 0), "2026-11-30T08:00:00+01:00"),
        (datetime(2026, 11, 27, 22, 0, tzinfo=timezone.utc), "2026-11-30T08:00:00+01:00"),
        # Across the spring DST change (Sunday 29 March 2026).
        (local(2026, 3, 27, 17, 0), "2026-03-30T08:00:00+02:00"),
        # Across the autumn DST change (Sunday 25 October 2026).
        (local(2026, 10, 23, 17, 0), "2026-10-26T08:00:00+01:00"),
        # Christmas: 23 Dec 17:00 → Monday 28 Dec.
        (local(2026, 12, 23, 17, 0), "2026-12-28T08:00:00+01:00"),
        # New Year: 30 Dec 17:00 → Monday 4 Jan 2027.
        (local(2026, 12, 30, 17, 0), "2027-01-04T08:00:00+01:00"),
        # Easter: skärtorsdagen after 15:00 → Tuesday 7 April.
        (local(2026, 4, 2, 15, 0), "2026-04-07T08:00:00+02:00"),
        # Midsommar: Thursday evening → Monday 22 June.
        (local(2026, 6, 18, 18, 0), "2026-06-22T08:00:00+02:00"),
        # Early morning the same day.
        (local(2026, 12, 1, 6, 30), "2026-12-01T08:00:00+01:00"),
        # Already open: the moment itself, in Stockholm time.
        (datetime(2026, 12, 1, 9, 15, tzinfo=timezone.utc), "2026-12-01T10:15:00+01:00"),
    ],
)
def test_next_open(hours: OpeningHours, moment: datetime, expected: str) -> None:
    result = hours.next_open(moment)
    assert result is not None
    assert result.isoformat() == expected
    assert result.tzinfo == STOCKHOLM


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(2026, 12, 1, 9, 0), "2026-12-01T17:00:00+01:00"),
        (local(2026, 12, 3, 9, 0), "2026-12-03T18:00:00+01:00"),
        (local(2026, 4, 2, 9, 0), "2026-04-02T15:00:00+02:00"),
        (local(2026, 10, 30, 14, 0), "2026-10-30T15:00:00+01:00"),
        (datetime(2026, 3, 27, 15, 0, tzinfo=timezone.utc), "2026-03-27T17:00:00+01:00"),
        (datetime(2026, 3, 30, 6, 0, tzinfo=timezone.utc), "2026-03-30T17:00:00+02:00"),
        (datetime(2026, 10, 23, 6, 0, tzinfo=timezone.utc), "2026-10-23T17:00:00+02:00"),
        (datetime(2026, 10, 26, 7, 0, tzinfo=timezone.utc), "2026-10-26T17:00:00+01:00"),
    ],
)
def test_closes_at(hours: OpeningHours, moment: datetime, expected: str) -> None:
    result = hours.closes_at(moment)
    assert result is not None and result.isoformat() == expected


def test_closes_at_is_none_when_closed(hours: OpeningHours) -> None:
    assert hours.closes_at(local(2026, 12, 24, 10, 0)) is None
    assert hours.closes_at(local(2026, 12, 1, 17, 0)) is None


def test_dst_offsets_of_windows(hours: OpeningHours) -> None:
    before_spring, after_spring = hours.window_for(date(2026, 3, 27)), hours.window_for(date(2026, 3, 30))
    before_autumn, after_autumn = hours.window_for(date(2026, 10, 23)), hours.window_for(date(2026, 10, 26))
    assert before_spring.opens.utcoffset() == timedelta(hours=1)
    assert after_spring.opens.utcoffset() == timedelta(hours=2)
    assert before_autumn.closes.utcoffset() == timedelta(hours=2)
    assert after_autumn.opens.utcoffset() == timedelta(hours=1)
    assert after_spring.opens.astimezone(timezone.utc) == datetime(2026, 3, 30, 6, 0, tzinfo=timezone.utc)
    assert after_autumn.opens.astimezone(timezone.utc) == datetime(2026, 10, 26, 7, 0, tzinfo=timezone.utc)


def test_days_lists_consecutive_days(hours: OpeningHours) -> None:
    days = hours.days(date(2026, 12, 21), 14)
    assert [d.date for d in days] == [date(2026, 12, 21) + timedelta(days=i) for i in range(14)]
    assert [d.date.day for d in days if d.is_open] == [21, 22, 23, 28, 29, 30]
    assert hours.days(date(2026, 12, 21), 0) == []
    with pytest.raises(ValueError):
        hours.days(date(2026, 12, 21), -1)


def test_naive_moments_are_refused(hours: OpeningHours) -> None:
    with pytest.raises(ValueError, match="no UTC offset"):
        hours.is_open(datetime(2026, 12, 1, 9, 0))
    with pytest.raises(ValueError, match="no UTC offset"):
        hours.next_open(datetime(2026, 12, 1, 9, 0))


def test_deviations_override_weekly_hours_and_holidays() -> None:
    settings = shipped_settings()
    settings["deviations"] = [
        {"date": "2026-12-01", "closed": True, "note": "personaldag"},
        {"date": "2026-12-02", "opens": "10:00", "closes": "14:00", "note": "utbildning"},
        {"date": "2026-12-24", "opens": "09:00", "closes": "12:00"},
        {"date": "2026-04-02", "opens": "08:00", "closes": "18:00", "note": "förlängda öppettider"},
        {"date": "2026-12-05", "opens": "10:00", "closes": "13:00", "note": "lördagsöppet"},
    ]
    hours = OpeningHours(parse_hours_config(settings))
    assert hours.window_for(date(2026, 12, 1)) is None
    assert hours.day(date(2026, 12, 1)).note == "personaldag"
    assert not hours.is_open(local(2026, 12, 1, 10, 0))
    assert hours.next_open(local(2026, 12, 1, 7, 0)) == local(2026, 12, 2, 10, 0)
    assert hours.closes_at(local(2026, 12, 2, 11, 0)) == local(2026, 12, 2, 14, 0)
    assert not hours.is_open(local(2026, 12, 2, 9, 0))
    # A deviation without a note keeps the holiday's name.
    assert hours.day(date(2026, 12, 24)).note == "julafton"
    assert hours.closes_at(local(2026, 12, 24, 11, 0)) == local(2026, 12, 24, 12, 0)
    # A deviation replaces the eve rule.
    assert hours.closes_at(local(2026, 4, 2, 16, 0)) == local(2026, 4, 2, 18, 0)
    assert hours.next_open(local(2026, 12, 4, 17, 0)) == local(2026, 12, 5, 10, 0)


def test_holiday_rules_can_be_switched_off() -> None:
    settings = shipped_settings()
    settings["holidays"] = {
        "closed_on_public_holidays": False,
        "closed_on_de_facto_holidays": False,
        "eve_closes": None,
    }
    hours = OpeningHours(parse_hours_config(settings))
    assert hours.day(date(2026, 4, 3)).opens == time(8, 0)
    assert hours.day(date(2026, 4, 3)).note == "långfredagen"
    assert hours.day(date(2026, 12, 24)).closes == time(18, 0)
    assert hours.day(date(2026, 4, 2)).closes == time(18, 0)


def test_eve_closing_time_is_configurable() -> None:
    settings = shipped_settings()
    settings["holidays"]["eve_closes"] = "13:00"
    hours = OpeningHours(parse_hours_config(settings))
    assert hours.closes_at(local(2026, 4, 30, 9, 0)) == local(2026, 4, 30, 13, 0)
    # An eve closing time before the day's opening closes the whole day.
    settings["holidays"]["eve_closes"] = "07:00"
    hours = OpeningHours(parse_hours_config(settings))
    assert hours.window_for(date(2026, 4, 30)) is None
    assert hours.day(date(2026, 4, 30)).note == "dag före första maj"


def test_next_open_gives_up_after_the_lookahead() -> None:
    settings = shipped_settings()
    settings["weekly"] = {day: "closed" for day in settings["weekly"]}
    far = date(2026, 1, 1) + timedelta(days=LOOKAHEAD_DAYS)
    settings["deviations"] = [{"date": far.isoformat(), "opens": "08:00", "closes": "09:00"}]
    hours = OpeningHours(parse_hours_config(settings))
    assert hours.next_open(local(2026, 1, 1, 12, 0)) == local(far.year, far.month, far.day, 8, 0)
    assert hours.next_open(local(2025, 12, 31, 12, 0)) is None


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(2026, 11, 30, 8, 0), "måndag 30 november kl. 08.00"),
        (datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc), "måndag 30 november kl. 08.00"),
        (local(2026, 3, 30, 8, 0), "måndag 30 mars kl. 08.00"),
        (local(2027, 1, 7, 13, 5), "torsdag 7 januari kl. 13.05"),
        (local(2026, 6, 22, 8, 0), "måndag 22 juni kl. 08.00"),
        (local(2026, 8, 15, 10, 30), "lördag 15 augusti kl. 10.30"),
    ],
)
def test_format_opens_at(moment: datetime, expected: str) -> None:
    assert format_opens_at(moment) == expected


def test_format_opens_at_relative() -> None:
    now = local(2026, 12, 1, 7, 0)
    assert format_opens_at_relative(local(2026, 12, 1, 13, 0), now) == "i dag kl. 13.00"
    assert format_opens_at_relative(local(2026, 12, 2, 8, 0), now) == "i morgon kl. 08.00"
    assert format_opens_at_relative(local(2026, 12, 3, 8, 0), now) == "torsdag 3 december kl. 08.00"
    # "Today" is the Stockholm date: 23:30 UTC on 30 November is already 1 December there.
    late = datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)
    assert format_opens_at_relative(local(2026, 12, 1, 8, 0), late) == "i dag kl. 08.00"
    with pytest.raises(ValueError):
        format_opens_at(datetime(2026, 12, 1, 8, 0))


def test_a_time_skipped_by_the_dst_change_moves_forward() -> None:
    settings = shipped_settings()
    # 02:00–03:00 does not exist in Stockholm on Sunday 29 March 2026.
    settings["deviations"] = [{"date": "2026-03-29", "opens": "02:30", "closes": "04:00"}]
    hours = OpeningHours(parse_hours_config(settings))
    window = hours.window_for(date(2026, 3, 29))
    assert window.opens.isoformat() == "2026-03-29T03:30:00+02:00"
    assert window.closes.isoformat() == "2026-03-29T04:00:00+02:00"
    assert hours.next_open(local(2026, 3, 28, 12, 0)).isoformat() == "2026-03-29T03:30:00+02:00"


@pytest.mark.parametrize(
    ("day", "reason", "holiday"),
    [
        (date(2026, 12, 3), DayReason.WEEKLY, None),
        (date(2026, 12, 5), DayReason.WEEKLY, None),
        (date(2026, 12, 24), DayReason.DE_FACTO_HOLIDAY, "julafton"),
        (date(2026, 12, 25), DayReason.PUBLIC_HOLIDAY, "juldagen"),
        (date(2026, 12, 26), DayReason.PUBLIC_HOLIDAY, "annandag jul"),  # a Saturday, closed anyway
        (date(2027, 1, 5), DayReason.EVE, "trettondedag jul"),  # the eve names the holiday after it
        (date(2026, 12, 23), DayReason.WEEKLY, None),  # the day before julafton keeps normal hours
        (date(2027, 3, 27), DayReason.WEEKLY, None),  # påskafton is a Saturday
    ],
)
def test_each_day_says_which_rule_decided_it(hours: OpeningHours, day: date, reason: DayReason, holiday) -> None:
    result = hours.day(day)
    assert (result.reason, result.holiday) == (reason, holiday)


def test_deviation_reason_keeps_the_holiday_name() -> None:
    settings = shipped_settings()
    settings["deviations"] = [{"date": "2026-12-24", "opens": "09:00", "closes": "12:00"}]
    result = OpeningHours(parse_hours_config(settings)).day(date(2026, 12, 24))
    assert (result.reason, result.holiday, result.note) == (DayReason.DEVIATION, "julafton", "julafton")


def test_holidays_by_name_cover_the_legal_list_and_the_three_eves() -> None:
    names = SwedishHolidays().by_name(2027)
    assert names["påskdagen"] == date(2027, 3, 28)
    assert names["Kristi himmelsfärdsdag"] == date(2027, 5, 6)
    assert names["midsommarafton"] == date(2027, 6, 25)
    assert names["alla helgons dag"] == date(2027, 11, 6)
    assert len(names) == 16  # 13 public holidays (Sundays aside) and 3 de-facto ones
