"""Writing trygghetssignaler: record, take back, correct, and delete those past their retention.

Dates are days in Stockholm (the city's calendar), taken from the router's clock.
"""
from __future__ import annotations

import secrets
from datetime import date, timedelta

from sqlalchemy import delete
from sqlmodel import select

from router.core.clock import Clock
from router.core.db import SessionMaker
from router.hours.swedish import STOCKHOLM
from router.signals import tallies
from router.signals.models import Signal, SignalCreate, SignalPublic


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


class SignalStore:
    def __init__(self, maker: SessionMaker, clock: Clock, retention_days: int) -> None:
        self._maker = maker
        self._clock = clock
        self._retention = timedelta(days=retention_days)

    def today(self) -> date:
        return self._clock.now().astimezone(STOCKHOLM).date()

    async def record(self, signal: SignalCreate, day: date | None = None) -> SignalPublic:
        day = day or self.today()
        row = Signal(
            public_id=secrets.token_hex(16), day=day, month=month_of(day), created_at=self._clock.now(),
            **signal.model_dump(),
        )
        async with self._maker() as session:
            session.add(row)
            await tallies.count(session, row, 1)
            await session.commit()
            return row.public()

    async def get(self, public_id: str) -> SignalPublic | None:
        async with self._maker() as session:
            row = (await session.exec(select(Signal).where(Signal.public_id == public_id))).first()
            return row.public() if row else None

    async def remove(self, public_id: str) -> bool:
        async with self._maker() as session:
            row = (await session.exec(select(Signal).where(Signal.public_id == public_id))).first()
            if row is None:
                return False
            await tallies.count(session, row, -1)
            await session.delete(row)
            await session.commit()
            return True

    async def correct(self, public_id: str, district: str, category: str) -> SignalPublic | None:
        """A kommunvägledare's correction of district and category; None when the signal is gone."""
        async with self._maker() as session:
            row = (await session.exec(select(Signal).where(Signal.public_id == public_id))).first()
            if row is None:
                return None
            await tallies.count(session, row, -1)
            row.district, row.category = district, category
            session.add(row)
            await tallies.count(session, row, 1)
            await session.commit()
            return row.public()

    async def purge(self) -> int:
        """Delete signals whose date is more than the retention period ago; the number deleted."""
        cutoff = self.today() - self._retention
        async with self._maker() as session:
            months = list((await session.exec(
                select(Signal.month).where(Signal.day < cutoff).distinct()  # type: ignore[arg-type]
            )).all())
            result = await session.exec(delete(Signal).where(Signal.day < cutoff))  # type: ignore[call-overload,arg-type]
            await tallies.rebuild(session, months)
            await session.commit()
            return int(result.rowcount or 0)
