"""The trygghetssignal table and its shapes (XBase / XCreate / XPublic / X).

A signal is a statistic, not a case record: it keeps no conversation id, no message text and no person,
only the district, the category, the time of day and weekday the resident named, the date, and a masked
place description ("parken", "gångtunneln"). `public_id` lets the resident who just gave it take it back
("Nej, räkna inte med det") and lets a kommunvägledare correct it; it is random and says nothing.

The indexes are built for the aggregation (router/signals/aggregation.py): every query of the page is a
range on `day` that groups by one or two columns, so each has a covering index starting with `day`.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from router.models import UTCDateTime

CHAT_SOURCE, AGENT_SOURCE = "chat", "agent"


def _time(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class SignalBase(SQLModel):
    district: str = Field(max_length=40)
    category: str = Field(max_length=20)
    time_of_day: Optional[str] = Field(default=None, max_length=10)
    weekday: Optional[str] = Field(default=None, max_length=10)
    place: Optional[str] = Field(default=None, max_length=80)


class SignalCreate(SignalBase):
    """What the capture (or a kommunvägledare) decided; the store adds the date and id."""

    source: str = Field(default=CHAT_SOURCE, max_length=8)


class SignalPublic(SignalBase):
    id: str
    day: date
    source: str


class Signal(SignalBase, table=True):
    __tablename__ = "signals"
    __table_args__ = (
        sa.Index("ix_signals_day_district_category", "day", "district", "category"),
        sa.Index("ix_signals_day_month", "day", "month"),
        sa.Index("ix_signals_day_time_of_day", "day", "time_of_day"),
        sa.Index("ix_signals_day_weekday", "day", "weekday"),
        sa.Index("ix_signals_day_district_place", "day", "district", "place"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=32, unique=True)
    day: date
    # "2026-12": the month of `day`, stored so the monthly trend groups the same way on SQLite and PostgreSQL.
    month: str = Field(max_length=7)
    source: str = Field(default=CHAT_SOURCE, max_length=8)
    created_at: datetime = _time()

    def public(self) -> SignalPublic:
        return SignalPublic(
            id=self.public_id, day=self.day, source=self.source, district=self.district, category=self.category,
            time_of_day=self.time_of_day, weekday=self.weekday, place=self.place,
        )


class SignalTally(SQLModel, table=True):
    """Counts per month, kept with every write of a signal (router/signals/tallies.py), so the page adds up a
    few hundred rows per whole month instead of reading every signal: `view` "dc" district × category, "tod"
    time of day, "wd" weekday, "dp" district × place; an empty string stands for "not said"."""

    __tablename__ = "signal_tallies"

    month: str = Field(primary_key=True, max_length=7)
    view: str = Field(primary_key=True, max_length=4)
    a: str = Field(primary_key=True, max_length=80)
    b: str = Field(primary_key=True, max_length=80)
    n: int
