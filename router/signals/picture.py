"""The picture the page and the export show, built from the counts with every number suppressed below the
threshold (router/signals/suppression.py): district × category, the change per district against the previous
period, the monthly trend, the time-of-day and weekday profiles and the most common place descriptions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from router.hours.swedish import MONTH_NAMES
from router.signals.aggregation import Counts, Period
from router.signals.capture import CATEGORIES, TIMES_OF_DAY, WEEKDAYS
from router.signals.districts import UNKNOWN
from router.signals.suppression import Cell, cell, change_text

NOT_SAID = "ej angivet"


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class Change:
    district: str
    current: Cell
    previous: Cell
    change: str


@dataclass(frozen=True)
class Picture:
    period: Period
    previous: Period
    threshold: int
    categories: tuple[str, ...]
    matrix: list[Row]  # one row per district, one cell per category
    changes: list[Change]
    months: list[tuple[str, Cell]]
    times_of_day: list[tuple[str, Cell]]
    weekdays: list[tuple[str, Cell]]
    places: list[tuple[str, list[tuple[str, Cell]]]]


def swedish_date(day: date) -> str:
    """4 december 2026."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{MONTH_NAMES[int(number) - 1]} {year}"


def _months(period: Period) -> list[str]:
    months, year, month = [], period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def build_picture(counts: Counts, threshold: int, district_order: tuple[str, ...]) -> Picture:
    seen = {district for district, _ in counts.by_district_category} | set(counts.previous_by_district)
    districts = [name for name in (*district_order, UNKNOWN) if name in seen]
    districts += sorted(seen - set(districts))
    matrix = [
        Row(district, [cell(counts.by_district_category.get((district, category), 0), threshold)
                       for category in CATEGORIES])
        for district in districts
    ]
    changes = []
    for district in districts:
        current = cell(sum(n for (name, _), n in counts.by_district_category.items() if name == district), threshold)
        previous = cell(counts.previous_by_district.get(district, 0), threshold)
        changes.append(Change(district, current, previous, change_text(current, previous)))
    return Picture(
        period=counts.period, previous=counts.previous, threshold=threshold, categories=CATEGORIES,
        matrix=matrix, changes=changes,
        months=[(month_label(month), cell(counts.by_month.get(month, 0), threshold)) for month in _months(counts.period)],
        times_of_day=[(name, cell(counts.by_time_of_day.get(name, 0), threshold)) for name in TIMES_OF_DAY]
        + [(NOT_SAID, cell(counts.by_time_of_day.get(None, 0), threshold))],
        weekdays=[(name, cell(counts.by_weekday.get(name, 0), threshold)) for name in WEEKDAYS]
        + [(NOT_SAID, cell(counts.by_weekday.get(None, 0), threshold))],
        places=[
            (district, [(place, cell(n, threshold)) for place, n in counts.top_places[district]])
            for district in districts if counts.top_places.get(district)
        ],
    )


def picture_json(picture: Picture) -> dict[str, Any]:
    """The export as JSON: every count is an object {count, shown, suppressed}; a suppressed count is null."""
    return {
        "period": {"from": picture.period.start.isoformat(), "to": picture.period.end.isoformat()},
        "previous_period": {"from": picture.previous.start.isoformat(), "to": picture.previous.end.isoformat()},
        "threshold": picture.threshold,
        "district_category": [
            {"district": row.label, "category": category, **value.as_json()}
            for row in picture.matrix for category, value in zip(picture.categories, row.cells)
        ],
        "change_per_district": [
            {"district": c.district, "current": c.current.as_json(), "previous": c.previous.as_json(),
             "change": c.change}
            for c in picture.changes
        ],
        "per_month": [{"month": label, **value.as_json()} for label, value in picture.months],
        "time_of_day": [{"time_of_day": label, **value.as_json()} for label, value in picture.times_of_day],
        "weekday": [{"weekday": label, **value.as_json()} for label, value in picture.weekdays],
        "top_places": [
            {"district": district, "place": place, **value.as_json()}
            for district, places in picture.places for place, value in places
        ],
    }


def picture_csv_rows(picture: Picture) -> list[list[str]]:
    """The export as CSV rows (vy; stadsdel; kategori/etikett; antal as shown, "< 5" below the threshold)."""
    rows = [["vy", "stadsdel", "etikett", "antal"]]
    for row in picture.matrix:
        rows += [["stadsdel_kategori", row.label, category, value.text]
                 for category, value in zip(picture.categories, row.cells)]
    for change in picture.changes:
        rows.append(["forandring_mot_foregaende_period", change.district, "denna period", change.current.text])
        rows.append(["forandring_mot_foregaende_period", change.district, "föregående period", change.previous.text])
        rows.append(["forandring_mot_foregaende_period", change.district, "förändring", change.change])
    rows += [["per_manad", "", label, value.text] for label, value in picture.months]
    rows += [["tid_pa_dygnet", "", label, value.text] for label, value in picture.times_of_day]
    rows += [["veckodag", "", label, value.text] for label, value in picture.weekdays]
    rows += [["platser", district, place, value.text] for district, places in picture.places for place, value in places]
    return rows
