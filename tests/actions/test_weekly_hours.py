"""The tolerant reader of the normal week in settings/hours.yml, and the Swedish wording."""
from __future__ import annotations

from datetime import datetime, time, timezone

import pytest

from actions.config import PROJECT_ROOT
from actions.swedish_time import format_moment
from actions.weekly_hours import DEFAULT_SCHEDULE, STOCKHOLM, DaySpan, load_weekly_schedule

DEFAULT_LINE = "måndag–onsdag 08.00–17.00, torsdag 08.00–18.00, fredag 08.00–17.00, lördag–söndag stängt"


def write(tmp_path, text):
    (tmp_path / "hours.yml").write_text(text, encoding="utf-8")
    return tmp_path


def test_default_week_summary():
    assert DEFAULT_SCHEDULE.summary() == DEFAULT_LINE


def test_missing_file_gives_the_default_week(tmp_path):
    assert load_weekly_schedule(tmp_path) == DEFAULT_SCHEDULE


def test_the_projects_hours_file_is_understood(caplog):
    """The reader must understand the file the router reads, not silently fall back."""
    schedule = load_weekly_schedule(PROJECT_ROOT / "settings")
    assert "hours.yml" not in caplog.text
    assert len(schedule.days) == 7


def test_unquoted_times_swedish_day_names_and_missing_days(tmp_path):
    schedule = load_weekly_schedule(
        write(tmp_path, "weekly:\n  måndag: {opens: 09:30, closes: 16:00}\n  fri: {opens: '10:00', closes: '12:00'}\n")
    )
    assert schedule.on(0) == DaySpan(time(9, 30), time(16, 0))
    assert schedule.on(4) == DaySpan(time(10), time(12))
    assert schedule.summary() == "måndag 09.30–16.00, tisdag–torsdag stängt, fredag 10.00–12.00, lördag–söndag stängt"


@pytest.mark.parametrize(
    "text",
    [
        "weekly: [monday]\n",
        "just text\n",
        "weekly:\n  funday: closed\n",
        'weekly:\n  monday: {opens: "25:00", closes: "17:00"}\n',
        'weekly:\n  monday: {opens: "17:00", closes: "08:00"}\n',
        'weekly:\n  monday: {opens: "08:00"}\n',
        'weekly:\n  monday: "all day"\n',
        "weekly: {monday: [\n",
    ],
)
def test_an_unusable_file_gives_the_default_week(tmp_path, text, caplog):
    assert load_weekly_schedule(write(tmp_path, text)) == DEFAULT_SCHEDULE
    assert "using the default opening hours" in caplog.text


def test_an_unknown_timezone_falls_back_to_stockholm(tmp_path):
    schedule = load_weekly_schedule(write(tmp_path, 'timezone: Mars/Olympus\nweekly:\n  monday: closed\n'))
    assert schedule.timezone == STOCKHOLM
    assert schedule.summary() == "måndag–söndag stängt"


@pytest.mark.parametrize(
    "moment, expected",
    [
        (datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc), "måndag 30 november kl. 08.00"),
        (datetime(2026, 6, 1, 6, 0, tzinfo=timezone.utc), "måndag 1 juni kl. 08.00"),  # summer time
        (datetime(2027, 1, 1, 23, 30, tzinfo=timezone.utc), "lördag 2 januari kl. 00.30"),
    ],
)
def test_format_moment_in_stockholm(moment, expected):
    assert format_moment(moment, STOCKHOLM) == expected


def test_format_moment_refuses_a_naive_time():
    with pytest.raises(ValueError, match="no UTC offset"):
        format_moment(datetime(2026, 11, 30, 8, 0), STOCKHOLM)
