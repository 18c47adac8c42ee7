"""When the retention job runs: every day at `schedule.daily_at` local time, inside the router.

The loop sleeps in steps of at most `MAX_SLEEP_SECONDS` and looks at the app's clock again after each,
so a moved clock, a suspended machine or a daylight-saving change cannot make it miss a run by long.
With several router processes, the database decides which one runs (`claim_scheduled_run`)."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

from router.core.clock import Clock
from router.records.retention import SCHEDULED, Retention
from router.records.retention_config import RetentionConfig

log = logging.getLogger(__name__)

MAX_SLEEP_SECONDS = 300.0


def next_run(config: RetentionConfig, after: datetime) -> datetime:
    """The first scheduled moment strictly after `after` (aware UTC).

    A time that does not exist on a spring-forward night is run at the same wall-clock time read with
    the offset before the change (i.e. an hour later); a time that occurs twice in autumn runs once."""
    local = after.astimezone(config.timezone)
    day = local.date()
    while True:
        candidate = datetime.combine(day, config.daily_at, tzinfo=config.timezone).astimezone(timezone.utc)
        if candidate > after:
            return candidate
        day += timedelta(days=1)


async def run_on_schedule(retention: Retention, config: RetentionConfig, clock: Clock) -> None:
    """Run retention at every scheduled moment until cancelled."""
    due = next_run(config, clock.now())
    log.info("retention scheduled daily at %s %s; next run %s", config.daily_at, config.timezone.key, due.isoformat())
    while True:
        remaining = (due - clock.now()).total_seconds()
        if remaining > 0:
            await asyncio.sleep(min(remaining, MAX_SLEEP_SECONDS))
            continue
        try:
            if await retention.claim_scheduled_run(due):
                await retention.run(trigger=SCHEDULED)
            else:
                log.info("retention run for %s is done by another router process", due.isoformat())
        except Exception:
            log.exception("retention run for %s failed; the next try is at the next scheduled time", due.isoformat())
        due = next_run(config, max(clock.now(), due))
