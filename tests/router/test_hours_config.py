"""Validation of settings/hours.yml: every mistake names the field to fix."""
from __future__ import annotations

import copy
from datetime import date, time
from pathlib import Path

import pytest
import yaml

from router.hours.config import HoursConfigError, load_hours_config, parse_hours_config
from router.hours.schedule import DayReason, OpeningHours

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "settings" / "hours.yml"

VALID = {
    "timezone": "Europe/Stockholm",
    "weekly": {
        "monday": {"opens": "08:00", "closes": "17:00"},
        "tuesday": {"opens": "08:00", "closes": "17:00"},
        "wednesday": {"opens": "08:00", "closes": "17:00"},
        "thursday": {"opens": "08:00", "closes": "18:00"},
        "friday": {"opens": "08:00", "closes": "17:00"},
        "saturday": "closed",
        "sunday": "closed",
    },
    "holidays": {
        "closed_on_public_holidays": True,
        "closed_on_de_facto_holidays": True,
        "eve_closes": "15:00",
    },
    "deviations": [],
}


def test_shipped_settings_are_the_documented_defaults() -> None:
    config = load_hours_config(SETTINGS_FILE)
    assert config.timezone.key == "Europe/Stockholm"
    assert [(h.opens, h.closes) if h else None for h in config.weekly] == [
        (time(8), time(17)), (time(8), time(17)), (time(8), time(17)),
        (time(8), time(18)), (time(8), time(17)), None, None,
    ]
    assert config.closed_on_public_holidays and config.closed_on_de_facto_holidays
    assert config.eve_closes == time(15)
    assert config.deviations == {}
    assert config == parse_hours_config(copy.deepcopy(VALID))


def with_change(path: str, value) -> dict:
    """VALID with one value replaced (or removed when value is REMOVE); path like 'weekly.monday.opens'."""
    data = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is REMOVE:
        del target[last]
    else:
        target[last] = value
    return data


REMOVE = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        ("timezone", "Europe/Helsingborg", "timezone", "unknown time zone"),
        ("timezone", "", "timezone", "time zone name"),
        ("timezone", REMOVE, "timezone", "missing"),
        ("weekly.monday.opens", "25:00", "weekly.monday.opens", "not a time"),
        ("weekly.monday.opens", "8.00", "weekly.monday.opens", "not a time"),
        ("weekly.monday.closes", "17:60", "weekly.monday.closes", "not a time"),
        ("weekly.monday.closes", 1020, "weekly.monday.closes", "not a time"),
        ("weekly.monday.closes", REMOVE, "weekly.monday.closes", "missing"),
        ("weekly.tuesday", {"opens": "17:00", "closes": "08:00"}, "weekly.tuesday", "earlier than closes"),
        ("weekly.tuesday", {"opens": "08:00", "closes": "08:00"}, "weekly.tuesday", "earlier than closes"),
        ("weekly.tuesday", "open", "weekly.tuesday", "closed"),
        ("weekly.tuesday", {"opens": "08:00", "closes": "17:00", "lunch": "12:00"}, "weekly.tuesday.lunch", "unknown"),
        ("weekly.måndag", {"opens": "08:00", "closes": "17:00"}, "weekly.måndag", "unknown weekday"),
        ("weekly.sunday", REMOVE, "weekly.sunday", "missing"),
        ("weekly", ["monday"], "weekly", "mapping"),
        ("holidays.eve_closes", "3pm", "holidays.eve_closes", "not a time"),
        ("holidays.eve_closes", REMOVE, "holidays.eve_closes", "missing"),
        ("holidays.closed_on_public_holidays", "yes", "holidays.closed_on_public_holidays", "true or false"),
        ("holidays.include_sundays", True, "holidays.include_sundays", "unknown setting"),
        ("holidays", None, "holidays", "mapping"),
        ("opening_hours", {}, "opening_hours", "unknown setting"),
        ("deviations", {"date": "2026-12-23"}, "deviations", "list"),
    ],
)
def test_invalid_settings_name_the_field(path: str, value, field: str, words: str) -> None:
    with pytest.raises(HoursConfigError) as raised:
        parse_hours_config(with_change(path, value), "settings/hours.yml")
    assert raised.value.field == field
    assert words in raised.value.problem
    assert str(raised.value).startswith(f"settings/hours.yml: {field}: ")


@pytest.mark.parametrize(
    ("deviation", "field", "words"),
    [
        ({"date": "2026-02-30", "closed": True}, "deviations[0].date", "not a date"),
        ({"date": "30/12/2026", "closed": True}, "deviations[0].date", "not a date"),
        ({"date": "20261230", "closed": True}, "deviations[0].date", "not a date"),
        ({"closed": True}, "deviations[0].date", "missing"),
        ({"date": "2026-12-30"}, "deviations[0]", "closed: true or opens and closes"),
        ({"date": "2026-12-30", "closed": True, "opens": "10:00", "closes": "12:00"}, "deviations[0]", "not both"),
        ({"date": "2026-12-30", "closed": "ja"}, "deviations[0].closed", "true or false"),
        ({"date": "2026-12-30", "opens": "10:00"}, "deviations[0].closes", "missing"),
        ({"date": "2026-12-30", "opens": "14:00", "closes": "10:00"}, "deviations[0]", "earlier than closes"),
        ({"date": "2026-12-30", "opens": "10:00", "closes": "24:00"}, "deviations[0].closes", "not a time"),
        ({"date": "2026-12-30", "closed": True, "note": ""}, "deviations[0].note", "text"),
        ({"date": "2026-12-30", "closed": True, "reason": "x"}, "deviations[0].reason", "unknown"),
        ("2026-12-30", "deviations[0]", "mapping"),
    ],
)
def test_invalid_deviations_name_the_field(deviation, field: str, words: str) -> None:
    with pytest.raises(HoursConfigError) as raised:
        parse_hours_config(with_change("deviations", [deviation]))
    assert raised.value.field == field
    assert words in raised.value.problem


def test_duplicate_deviation_dates_are_refused() -> None:
    data = with_change(
        "deviations",
        [{"date": "2026-12-30", "closed": True}, {"date": "2026-12-30", "opens": "10:00", "closes": "12:00"}],
    )
    with pytest.raises(HoursConfigError) as raised:
        parse_hours_config(data)
    assert raised.value.field == "deviations[1].date"
    assert "already has a deviation" in raised.value.problem


def test_valid_deviations_are_read() -> None:
    config = parse_hours_config(
        with_change(
            "deviations",
            [
                {"date": "2026-12-30", "closed": True},
                {"date": "2026-12-29", "opens": "10:00", "closes": "14:00", "note": " utbildning "},
            ],
        )
    )
    closed, short = config.deviations[date(2026, 12, 30)], config.deviations[date(2026, 12, 29)]
    assert closed.hours is None and closed.note is None
    assert (short.hours.opens, short.hours.closes, short.note) == (time(10), time(14), "utbildning")


def test_yaml_file_with_unquoted_times_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "hours.yml"
    path.write_text(
        """
timezone: Europe/Stockholm
weekly:
  monday: {opens: 08:00, closes: 17:00}
  tuesday: {opens: 8:00, closes: 17:30}
  wednesday: closed
  thursday: {opens: 08:00, closes: 18:00}
  friday: {opens: 08:00, closes: 17:00}
  saturday: closed
  sunday: closed
holidays:
  closed_on_public_holidays: true
  closed_on_de_facto_holidays: true
  eve_closes: 15:00
deviations:
  - {date: 2026-12-23, opens: 10:00, closes: 14:00, note: kortare dag}
  - date: 2026-12-22
    closed: true
""",
        encoding="utf-8",
    )
    config = load_hours_config(path)
    assert config.weekly[0].closes == time(17)
    assert config.weekly[1].opens == time(8) and config.weekly[1].closes == time(17, 30)
    assert config.weekly[2] is None
    assert config.eve_closes == time(15)
    assert config.deviations[date(2026, 12, 23)].hours.closes == time(14)
    assert config.deviations[date(2026, 12, 22)].hours is None


def test_yaml_file_with_an_impossible_date(tmp_path: Path) -> None:
    path = tmp_path / "hours.yml"
    text = SETTINGS_FILE.read_text(encoding="utf-8").replace(
        "deviations: []", "deviations:\n  - {date: 2026-02-30, closed: true}"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(HoursConfigError) as raised:
        load_hours_config(path)
    assert raised.value.field == "deviations[0].date"
    assert str(path) in str(raised.value)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "hours.yml"
    path.write_text("timezone: [Europe/Stockholm\n", encoding="utf-8")
    with pytest.raises(HoursConfigError, match="not valid YAML"):
        load_hours_config(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "hours.yml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(HoursConfigError, match="must be a mapping"):
        load_hours_config(path)


def test_the_example_deviations_in_the_shipped_file_agree_with_the_holiday_rule() -> None:
    """The commented examples are valid deviations for ordinary days: none restates or contradicts
    the holiday rule (e.g. "dag före julafton" at 15.00, when days before julafton keep normal hours)."""
    examples = [
        line.split("- ", 1)[1]
        for line in SETTINGS_FILE.read_text(encoding="utf-8").splitlines()
        if line.startswith("#   - {date:")
    ]
    assert len(examples) == 2
    deviations = [yaml.safe_load(example) for example in examples]
    for deviation in deviations:
        deviation["date"] = deviation["date"].isoformat()
    settings = copy.deepcopy(VALID)
    settings["deviations"] = deviations
    rule_only = OpeningHours(parse_hours_config(VALID))
    with_examples = OpeningHours(parse_hours_config(settings))
    holiday_words = ("afton", "helgdag", "dag före", "jul", "påsk", "midsommar", "nyår")
    for deviation in deviations:
        day = date.fromisoformat(deviation["date"])
        ruled = rule_only.day(day)
        assert ruled.reason is DayReason.WEEKLY and ruled.holiday is None, deviation
        assert with_examples.day(day).reason is DayReason.DEVIATION
        assert not any(word in deviation["note"] for word in holiday_words), deviation
