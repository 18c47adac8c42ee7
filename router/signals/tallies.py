"""Monthly tallies of the signals, kept in the same transaction as every write (record, take back, correct,
delete past retention), so a whole month of the page is a handful of rows (models.SignalTally). Only the
partial months at a period's edges are counted from the signals themselves (aggregation.py)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from router.signals.models import Signal, SignalTally

VIEWS = ("dc", "tod", "wd", "dp")


def keys_of(signal: Signal) -> list[tuple[str, str, str]]:
    keys = [("dc", signal.district, signal.category), ("tod", signal.time_of_day or "", ""),
            ("wd", signal.weekday or "", "")]
    if signal.place:
        keys.append(("dp", signal.district, signal.place))
    return keys


async def count(session: AsyncSession, signal: Signal, delta: int) -> None:
    """Add `delta` (1 or −1) to the tallies of the signal's month."""
    table: Any = SignalTally.__table__  # type: ignore[attr-defined]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    upsert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for view, a, b in keys_of(signal):
        statement = upsert(table).values(month=signal.month, view=view, a=a, b=b, n=delta)
        await session.exec(statement.on_conflict_do_update(  # type: ignore[call-overload]
            index_elements=["month", "view", "a", "b"], set_={"n": table.c.n + delta}
        ))


async def rebuild(session: AsyncSession, months: list[str] | None = None) -> None:
    """Count the tallies of `months` (all months when None) again from the signals, e.g. after a bulk load or
    deleting signals past retention."""
    table: Any = SignalTally.__table__  # type: ignore[attr-defined]
    column: Any = Signal
    clear = delete(table)
    if months is not None:
        clear = clear.where(table.c.month.in_(months))
    await session.exec(clear)  # type: ignore[call-overload]
    dimensions = {
        "dc": (column.district, column.category),
        "tod": (func.coalesce(column.time_of_day, ""), literal("")),
        "wd": (func.coalesce(column.weekday, ""), literal("")),
        "dp": (column.district, column.place),
    }
    for view, (a, b) in dimensions.items():
        query = select(column.month, literal(view), a, b, func.count())
        if months is not None:
            query = query.where(column.month.in_(months))
        if view == "dp":
            query = query.where(column.place.is_not(None))
        query = query.group_by(column.month, a, b)
        await session.exec(  # type: ignore[call-overload]
            insert(table).from_select(["month", "view", "a", "b", "n"], query)
        )
