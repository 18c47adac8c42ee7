"""Counting trygghetssignaler for a period: the raw numbers behind the page and the export.

Every query is one range on `day` grouped by one or two columns, each served by a covering index that starts
with `day` (models.py), so the database reads index entries only; bench/signals_aggregation.py measures it
over a million signals. Place descriptions given fewer times than the threshold are not even read
(HAVING), so a rare description never leaves the database. Small counts are suppressed afterwards, in
router/signals/suppression.py, before anything is shown or exported.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement

from router.core.db import SessionMaker
from router.signals.models import Signal


@dataclass(frozen=True)
class Period:
    start: date  # first day, inclusive
    end: date  # last day, inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length right before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


@dataclass
class Counts:
    period: Period
    previous: Period
    by_district_category: dict[tuple[str, str], int] = field(default_factory=dict)
    previous_by_district: dict[str, int] = field(default_factory=dict)
    by_month: dict[str, int] = field(default_factory=dict)
    by_time_of_day: dict[str | None, int] = field(default_factory=dict)
    by_weekday: dict[str | None, int] = field(default_factory=dict)
    top_places: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def _within(period: Period) -> ColumnElement[bool]:
    return Signal.day.between(period.start, period.end)  # type: ignore[attr-defined]


async def _rows(maker: SessionMaker, statement: Any) -> list[Any]:
    async with maker() as session:
        return list((await session.exec(statement)).all())


async def count_signals(maker: SessionMaker, period: Period, threshold: int, top_places: int) -> Counts:
    """The six queries run at once, each on its own connection: on PostgreSQL and on SQLite (WAL: readers do
    not block each other, and the driver's thread releases the GIL while SQLite works) they overlap."""
    counts = Counts(period, period.previous())
    number = func.count().label("n")
    column: Any = Signal
    by_district_category, previous, months, times, weekdays, places = await asyncio.gather(
        _rows(maker, select(column.district, column.category, number).where(_within(period))
              .group_by(column.district, column.category)),
        _rows(maker, select(column.district, number).where(_within(counts.previous)).group_by(column.district)),
        _rows(maker, select(column.month, number).where(_within(period)).group_by(column.month)),
        _rows(maker, select(column.time_of_day, number).where(_within(period)).group_by(column.time_of_day)),
        _rows(maker, select(column.weekday, number).where(_within(period)).group_by(column.weekday)),
        _rows(maker, select(column.district, column.place, number)
              .where(_within(period), column.place.is_not(None))
              .group_by(column.district, column.place)
              .having(func.count() >= threshold)
              .order_by(column.district, func.count().desc(), column.place)),
    )
    counts.by_district_category = {(district, category): n for district, category, n in by_district_category}
    counts.previous_by_district = {district: n for district, n in previous}
    counts.by_month = {month: n for month, n in months}
    counts.by_time_of_day = {time_of_day: n for time_of_day, n in times}
    counts.by_weekday = {weekday: n for weekday, n in weekdays}
    for district, place, n in places:
        listed = counts.top_places.setdefault(district, [])
        if len(listed) < top_places:
            listed.append((place, n))
    return counts
