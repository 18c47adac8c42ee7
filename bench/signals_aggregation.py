"""Benchmark: the trygghetssignaler page's aggregation (router/signals/aggregation.py) over generated signals,
on SQLite and on PostgreSQL. The issue asks for < 1 s over 1 million signals; this reports the figures, it does
not assert them.

    .venv/bin/python bench/signals_aggregation.py                 # 1 000 000 signals, both databases
    .venv/bin/python bench/signals_aggregation.py --signals 100000 --only sqlite

The signals are spread over three years (the retention) ending on the bench's "today", with uneven districts
and categories as real data would be. Each database is migrated with the router's own migrations (so the
indexes are the shipped ones), filled in bulk, its monthly tallies built, analysed, and then `count_signals` + `build_picture` run for
the default period (the last 365 days) and for the whole three years, several times each.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from router.core.db import create_engine, create_session_maker, migrate  # noqa: E402
from router.signals.aggregation import Period, count_signals  # noqa: E402
from router.signals.capture import CATEGORIES, TIMES_OF_DAY, WEEKDAYS  # noqa: E402
from router.signals.config import PROJECT_ROOT  # noqa: E402
from router.signals.districts import UNKNOWN, load_districts  # noqa: E402
from router.signals.picture import build_picture  # noqa: E402
from router.signals.tallies import rebuild  # noqa: E402

TODAY = date(2026, 11, 30)
DAYS = 3 * 365
PLACES = ["parken", "gångtunneln", "stationen", "busshållplatsen", "torget", "trappuppgången", "skolan",
          "lekplatsen", "parkeringen", "centrum", "stranden", "gatan"]
POSTGRES_URL = os.environ.get("ROUTER_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
COLUMNS = ["district", "category", "time_of_day", "weekday", "place", "public_id", "day", "month", "source",
           "created_at"]


def generate(count: int, seed: int = 16) -> list[tuple]:
    rng = random.Random(seed)
    districts = [*load_districts(PROJECT_ROOT / "data" / "lookups" / "stadsdel.yml").names, UNKNOWN]
    district_weights = [1 / (i + 1) for i in range(len(districts))]  # a few districts give most signals
    category_weights = [8, 4, 3, 2, 3, 1, 2, 1][: len(CATEGORIES)]
    created = datetime(2026, 11, 30, tzinfo=timezone.utc)
    rows = []
    for _ in range(count):
        day = TODAY - timedelta(days=rng.randrange(DAYS))
        rows.append((
            rng.choices(districts, district_weights)[0],
            rng.choices(CATEGORIES, category_weights)[0],
            rng.choice([*TIMES_OF_DAY, None, None]),
            rng.choice([*WEEKDAYS, None, None, None]),
            rng.choice([*PLACES, None]),
            uuid.UUID(int=rng.getrandbits(128)).hex,
            day, f"{day.year:04d}-{day.month:02d}", "chat", created,
        ))
    return rows


async def measure(database_url: str, repeats: int) -> dict[str, list[float]]:
    engine = create_engine(database_url)
    maker = create_session_maker(engine)
    names = load_districts(PROJECT_ROOT / "data" / "lookups" / "stadsdel.yml").names
    periods = {
        "last 365 days": Period(TODAY - timedelta(days=364), TODAY),
        "whole 3 years": Period(TODAY - timedelta(days=DAYS - 1), TODAY),
    }
    results: dict[str, list[float]] = {}
    try:
        for label, period in periods.items():
            await count_signals(maker, period, 5, 5)  # warm the cache once, as a running router would be
            timings = []
            for _ in range(repeats):
                started = time.perf_counter()
                build_picture(await count_signals(maker, period, 5, 5), 5, names)
                timings.append(time.perf_counter() - started)
            results[label] = timings
    finally:
        await engine.dispose()
    return results


async def count_tallies(database_url: str) -> float:
    """Build the monthly tallies of the bulk-loaded signals, as the store keeps them on every write."""
    engine = create_engine(database_url)
    started = time.perf_counter()
    try:
        async with create_session_maker(engine)() as session:
            await rebuild(session)
            await session.commit()
    finally:
        await engine.dispose()
    return time.perf_counter() - started


async def sqlite_run(rows: list[tuple], repeats: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "signals.db"
        url = f"sqlite+aiosqlite:///{path}"
        engine = create_engine(url)
        await migrate(engine)
        await engine.dispose()
        started = time.perf_counter()
        with sqlite3.connect(path) as connection:
            connection.executemany(
                f"INSERT INTO signals ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                [(*row[:6], row[6].isoformat(), row[7], row[8], row[9].replace(tzinfo=None).isoformat(" "))
                 for row in rows],
            )
            connection.execute("ANALYZE")
        print(f"  sqlite: {len(rows):,} signals loaded in {time.perf_counter() - started:.1f} s, "
              f"tallies built in {await count_tallies(url):.1f} s")
        return await measure(url, repeats)


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url)
    if database:
        parsed = parsed.set(database=database)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


async def postgres_run(rows: list[tuple], repeats: int) -> dict[str, list[float]] | None:
    try:
        admin = await asyncpg.connect(_dsn(POSTGRES_URL), timeout=3)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as error:
        print(f"  postgresql: not reachable at {POSTGRES_URL} ({error}); skipped")
        return None
    name = f"bench_signals_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        engine = create_engine(url)
        await migrate(engine)
        await engine.dispose()
        started = time.perf_counter()
        connection = await asyncpg.connect(_dsn(POSTGRES_URL, name))
        try:
            await connection.copy_records_to_table("signals", records=rows, columns=COLUMNS)
            await connection.execute("VACUUM ANALYZE signals")
        finally:
            await connection.close()
        print(f"  postgresql: {len(rows):,} signals loaded in {time.perf_counter() - started:.1f} s, "
              f"tallies built in {await count_tallies(url):.1f} s")
        return await measure(url, repeats)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def report(database: str, results: dict[str, list[float]] | None) -> None:
    if results is None:
        return
    for label, timings in results.items():
        print(f"  {database:<10} {label:<14} median {statistics.median(timings) * 1000:7.1f} ms"
              f"   max {max(timings) * 1000:7.1f} ms   ({len(timings)} runs)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    print(f"generating {args.signals:,} signals over {DAYS} days …")
    rows = generate(args.signals)
    results = {}
    if args.only in (None, "sqlite"):
        results["sqlite"] = await sqlite_run(rows, args.repeats)
    if args.only in (None, "postgresql"):
        results["postgresql"] = await postgres_run(rows, args.repeats)
    print("aggregation for the page (all views: district × category, previous period, months, time of day, "
          "weekday, top places):")
    for database, result in results.items():
        report(database, result)


if __name__ == "__main__":
    asyncio.run(main())
