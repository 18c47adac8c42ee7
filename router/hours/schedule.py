"""The opening-hours engine: is the contact center open, when does it open or close.

Pure: every answer depends only on the settings and the moment asked about. All moments
must carry a UTC offset; answers are in the settings' time zone (Europe/Stockholm).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from holidays.constants import DE_FACTO, PUBLIC

from router.hours.config import DailyHours, HoursConfig

LOOKAHEAD_DAYS = 400


class DayReason(StrEnum):
    """Which rule decided a day's hours; the wording for residents depends on it."""

    WEEKLY = "weekly"  # the normal week (open or closed)
    PUBLIC_HOLIDAY = "public_holiday"  # allmän helgdag
    DE_FACTO_HOLIDAY = "de_facto_holiday"  # midsommarafton, julafton, nyårsafton
    EVE = "eve"  # a working day right before a public holiday
    DEVIATION = "deviation"  # an administrator's one-off deviation


@dataclass(frozen=True)
class DayHours:
    """One calendar day: its opening hours (both None when closed) and what explains them."""

    date: date
    opens: time | None
    closes: time | None
    note: str | None  # the holiday's Swedish name, the deviation's note, or None
    reason: DayReason = DayReason.WEEKLY
    # The holiday that explains the day: its own (holiday, deviation, weekly), or for an eve the next day's.
    holiday: str | None = None

    @property
    def is_open(self) -> bool:
        return self.opens is not None


@dataclass(frozen=True)
class Window:
    """The open period of one day as aware moments: open from `opens`, closed again at `closes`."""

    opens: datetime
    closes: datetime
    note: str | None


class SwedishHolidays:
    """Swedish names of the public holidays (allmänna helgdagar) and of the three de-facto
    holidays (midsommarafton, julafton, nyårsafton), from the `holidays` package."""

    def __init__(self) -> None:
        self._public = holidays.country_holidays("SE", categories=PUBLIC, language="sv")
        self._de_facto = holidays.country_holidays("SE", categories=DE_FACTO, language="sv")

    def public(self, day: date) -> str | None:
        return _swedish_names(self._public.get_list(day))

    def de_facto(self, day: date) -> str | None:
        return _swedish_names(self._de_facto.get_list(day))

    def by_name(self, year: int) -> dict[str, date]:
        """Every public and de-facto holiday of `year` by its Swedish name as `public`/`de_facto` write it."""
        return dict(_holidays_by_name(year))


@lru_cache(maxsize=64)
def _holidays_by_name(year: int) -> tuple[tuple[str, date], ...]:
    calendar = holidays.country_holidays("SE", years=year, categories=(PUBLIC, DE_FACTO), language="sv")
    return tuple((_swedish_name(name), day) for day in sorted(calendar) for name in calendar.get_list(day))


def _swedish_names(names: list[str]) -> str | None:
    if not names:
        return None
    return " och ".join(_swedish_name(name) for name in names)


def _swedish_name(name: str) -> str:
    """Swedish writes holiday names in lower case; 'Kristi' in Kristi himmelsfärdsdag is a proper noun."""
    return name if name.startswith("Kristi ") else name[:1].lower() + name[1:]


class OpeningHours:
    def __init__(self, config: HoursConfig, calendar: SwedishHolidays | None = None) -> None:
        self._config = config
        self._holidays = calendar or SwedishHolidays()

    @property
    def timezone(self) -> ZoneInfo:
        return self._config.timezone

    def localize(self, moment: datetime) -> datetime:
        """The same moment in the settings' time zone; a naive moment is refused."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{moment.isoformat()} has no UTC offset")
        return moment.astimezone(self._config.timezone)

    @property
    def weekly(self) -> tuple[DailyHours | None, ...]:
        """The normal week, Monday first; None: closed."""
        return self._config.weekly

    @property
    def calendar(self) -> SwedishHolidays:
        return self._holidays

    def day(self, day: date) -> DayHours:
        """Opening hours of one date, after deviations, holidays and the eve rule."""
        config = self._config
        public = self._holidays.public(day)
        de_facto = self._holidays.de_facto(day)
        holiday = public or de_facto
        deviation = config.deviations.get(day)
        if deviation is not None:
            note = deviation.note or holiday
            if deviation.hours is None:
                return DayHours(day, None, None, note, DayReason.DEVIATION, holiday)
            opens, closes = deviation.hours.opens, deviation.hours.closes
            return DayHours(day, opens, closes, note, DayReason.DEVIATION, holiday)
        if public and config.closed_on_public_holidays:
            return DayHours(day, None, None, public, DayReason.PUBLIC_HOLIDAY, public)
        if de_facto and config.closed_on_de_facto_holidays:
            return DayHours(day, None, None, de_facto, DayReason.DE_FACTO_HOLIDAY, de_facto)
        usual = config.weekly[day.weekday()]
        if usual is None:
            return DayHours(day, None, None, holiday, DayReason.WEEKLY, holiday)
        next_public = self._holidays.public(day + timedelta(days=1))
        if config.eve_closes is not None and next_public and usual.closes > config.eve_closes:
            eve_note = f"dag före {next_public}"
            if usual.opens >= config.eve_closes:
                return DayHours(day, None, None, eve_note, DayReason.EVE, next_public)
            return DayHours(day, usual.opens, config.eve_closes, eve_note, DayReason.EVE, next_public)
        return DayHours(day, usual.opens, usual.closes, holiday, DayReason.WEEKLY, holiday)

    def days(self, from_date: date, n: int) -> list[DayHours]:
        """`n` consecutive days starting with `from_date`."""
        if n < 0:
            raise ValueError(f"the number of days must not be negative, got {n}")
        return [self.day(from_date + timedelta(days=offset)) for offset in range(n)]

    def window_for(self, day: date) -> Window | None:
        """The open period of `day` as aware moments, or None when closed all day."""
        hours = self.day(day)
        if hours.opens is None or hours.closes is None:
            return None
        return Window(self._at(day, hours.opens), self._at(day, hours.closes), hours.note)

    def is_open(self, moment: datetime) -> bool:
        return self._open_window(moment) is not None

    def closes_at(self, moment: datetime) -> datetime | None:
        """When open at `moment`: the first moment it is closed again; otherwise None."""
        window = self._open_window(moment)
        return window.closes if window else None

    def next_open(self, moment: datetime) -> datetime | None:
        """The first moment at or after `moment` when it is open (`moment` itself when open now);
        None when it is closed for the whole of the next LOOKAHEAD_DAYS days."""
        local = self.localize(moment)
        start = local.date()
        for offset in range(LOOKAHEAD_DAYS + 1):
            window = self.window_for(start + timedelta(days=offset))
            if window is not None and local < window.closes:
                return max(window.opens, local)
        return None

    def _open_window(self, moment: datetime) -> Window | None:
        local = self.localize(moment)
        window = self.window_for(local.date())
        if window is not None and window.opens <= local < window.closes:
            return window
        return None

    def _at(self, day: date, clock: time) -> datetime:
        """The local wall-clock time on `day`; a time skipped by a DST change moves forward."""
        wall = datetime.combine(day, clock, tzinfo=self._config.timezone)
        return wall.astimezone(UTC).astimezone(self._config.timezone)
