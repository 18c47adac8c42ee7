"""Properties of the opening-hours engine over random instants in 2026–2028."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from router.hours.config import load_hours_config
from router.hours.schedule import OpeningHours

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "settings" / "hours.yml"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
TICK = timedelta(microseconds=1)

HOURS = OpeningHours(load_hours_config(SETTINGS_FILE))

instants = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2028, 12, 31, 23, 59, 59),
    timezones=st.sampled_from(
        [
            timezone.utc,
            STOCKHOLM,
            ZoneInfo("America/New_York"),
            timezone(timedelta(hours=5, minutes=30)),
            timezone(timedelta(hours=-11)),
        ]
    ),
)
# Instants near the opening and closing times, where mistakes would show.
near_edges = st.builds(
    lambda day, minute, second: datetime(day.year, day.month, day.day, tzinfo=STOCKHOLM)
    + timedelta(minutes=minute, seconds=second),
    st.dates(min_value=datetime(2026, 1, 1).date(), max_value=datetime(2028, 12, 31).date()),
    st.sampled_from([7 * 60 + 59, 8 * 60, 14 * 60 + 59, 15 * 60, 16 * 60 + 59, 17 * 60, 17 * 60 + 59, 18 * 60]),
    st.sampled_from([0, 59]),
)
moments = st.one_of(instants, near_edges)


def in_stockholm_time(moment: datetime) -> bool:
    return moment.tzinfo == STOCKHOLM and moment.utcoffset() == moment.astimezone(STOCKHOLM).utcoffset()


@settings(max_examples=300, deadline=None)
@given(moments)
def test_next_open_is_the_first_open_moment_at_or_after_t(t: datetime) -> None:
    opens_at = HOURS.next_open(t)
    assert opens_at is not None  # the shipped schedule opens every week
    assert in_stockholm_time(opens_at)
    assert opens_at >= t
    assert HOURS.is_open(opens_at)
    if opens_at == t:
        assert HOURS.is_open(t)
    else:
        assert not HOURS.is_open(t)
        assert not HOURS.is_open(opens_at - TICK)
        # No open period starts or lasts anywhere in [t, opens_at).
        day = t.astimezone(STOCKHOLM).date()
        while day <= opens_at.date():
            window = HOURS.window_for(day)
            if window is not None and window.opens != opens_at:
                assert window.closes <= t or window.opens >= opens_at
            day += timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(moments)
def test_closes_at_is_the_first_closed_moment(t: datetime) -> None:
    closes_at = HOURS.closes_at(t)
    if not HOURS.is_open(t):
        assert closes_at is None
        return
    assert closes_at is not None
    assert in_stockholm_time(closes_at)
    assert closes_at > t
    assert HOURS.is_open(closes_at - TICK)
    assert not HOURS.is_open(closes_at)
    # Open all the way from t to closes_at: the same day's window covers it.
    window = HOURS.window_for(t.astimezone(STOCKHOLM).date())
    assert window.opens <= t and window.closes == closes_at


@settings(max_examples=300, deadline=None)
@given(moments)
def test_open_exactly_inside_the_window_of_the_local_date(t: datetime) -> None:
    local = t.astimezone(STOCKHOLM)
    window = HOURS.window_for(local.date())
    inside = window is not None and window.opens <= t < window.closes
    assert HOURS.is_open(t) is inside
    day = HOURS.day(local.date())
    assert HOURS.is_open(t) is (day.is_open and day.opens <= local.time().replace(tzinfo=None) < day.closes)
    if window is not None:
        assert in_stockholm_time(window.opens) and in_stockholm_time(window.closes)
        assert window.opens.date() == window.closes.date() == local.date()
