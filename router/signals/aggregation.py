"""Counting trygghetssignaler for a period: the raw numbers behind the page and the export.

Whole months are read from the monthly tallies (tallies.py); the partial months at the period's edges are
ranges on `day` grouped by one or two columns, each served by a covering index that starts with `day`
(models.py). bench/signals_aggregation.py measures it over a million signals. Place words given fewer times
than the threshold are dropped before the picture is built, and small counts are suppressed in
router/signals/suppression.py before anything is shown or exported.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement

from router.core.db import SessionMaker
from router.signals.models import Signal, SignalTally


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


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def split(period: Period) -> tuple[list[str], list[Period]]:
    """The whole months inside the period (counted from the tallies) and the partial edges (from the signals)."""
    first = _month_start(period.start) if period.start.day == 1 else _next_month(period.start)
    months, day = [], first
    while _next_month(day) - timedelta(days=1) <= period.end:
        months.append(f"{day.year:04d}-{day.month:02d}")
        day = _next_month(day)
    if not months:
        return [], [period]
    edges = []
    if period.start < first:
        edges.append(Period(period.start, first - timedelta(days=1)))
    if day <= period.end:
        edges.append(Period(day, period.end))
    return months, edges


async def count_signals(maker: SessionMaker, period: Period, threshold: int, top_places: int) -> Counts:
    """Whole months come from the monthly tallies (tallies.py), the partial months at the edges from the
    signals; all queries run at once, each on its own connection (PostgreSQL, and SQLite in WAL mode, let
    readers overlap)."""
    counts = Counts(period, period.previous())
    number = func.count().label("n")
    column: Any = Signal
    tally: Any = SignalTally
    months, edges = split(period)
    previous_months, previous_edges = split(counts.previous)

    def raw(edge: Period) -> list[Any]:
        return [
            _rows(maker, select(column.district, column.category, number).where(_within(edge))
                  .group_by(column.district, column.category)),
            _rows(maker, select(column.month, number).where(_within(edge)).group_by(column.month)),
            _rows(maker, select(column.time_of_day, number).where(_within(edge)).group_by(column.time_of_day)),
            _rows(maker, select(column.weekday, number).where(_within(edge)).group_by(column.weekday)),
            _rows(maker, select(column.district, column.place, number)
                  .where(_within(edge), column.place.is_not(None)).group_by(column.district, column.place)),
        ]

    queries = [
        _rows(maker, select(tally.month, tally.view, tally.a, tally.b, tally.n).where(tally.month.in_(months))),
        _rows(maker, select(tally.a, func.sum(tally.n)).where(tally.month.in_(previous_months), tally.view == "dc")
              .group_by(tally.a)),
        *[_rows(maker, select(column.district, number).where(_within(edge)).group_by(column.district))
          for edge in previous_edges],
    ]
    for edge in edges:
        queries += raw(edge)
    results = await asyncio.gather(*queries)
    whole, previous_whole, rest = results[0], results[1], results[2:]

    def add(target: dict[Any, int], key: Any, n: int) -> None:
        target[key] = target.get(key, 0) + int(n)

    places: dict[tuple[str, str], int] = {}
    for month, view, a, b, n in whole:
        if view == "dc":
            add(counts.by_district_category, (a, b), n)
            add(counts.by_month, month, n)
        elif view == "tod":
            add(counts.by_time_of_day, a or None, n)
        elif view == "wd":
            add(counts.by_weekday, a or None, n)
        elif view == "dp":
            add(places, (a, b), n)
    for district, n in previous_whole:
        add(counts.previous_by_district, district, n)
    for rows in rest[: len(previous_edges)]:
        for district, n in rows:
            add(counts.previous_by_district, district, n)
    edge_results = rest[len(previous_edges):]
    for i in range(0, len(edge_results), 5):
        matrix, by_month, times, weekdays, edge_places = edge_results[i : i + 5]
        for district, category, n in matrix:
            add(counts.by_district_category, (district, category), n)
        for month, n in by_month:
            add(counts.by_month, month, n)
        for time_of_day, n in times:
            add(counts.by_time_of_day, time_of_day, n)
        for weekday, n in weekdays:
            add(counts.by_weekday, weekday, n)
        for district, place, n in edge_places:
            add(places, (district, place), n)
    # Place words given fewer times than the threshold are dropped here, before anything is built from them.
    ranked = sorted(((d, p, n) for (d, p), n in places.items() if n >= threshold), key=lambda x: (x[0], -x[2], x[1]))
    for district, place, n in ranked:
        listed = counts.top_places.setdefault(district, [])
        if len(listed) < top_places:
            listed.append((place, n))
    counts.by_district_category = {key: n for key, n in counts.by_district_category.items() if n}
    return counts
