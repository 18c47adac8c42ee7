"""The router's notion of now. Tests and demos can start the clock at a fixed moment."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone


class Clock:
    """Returns aware UTC datetimes. With `start`, time runs on from that moment."""

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("the clock's start time needs a UTC offset")
        self._start = start
        self._started_at = time.monotonic()

    def now(self) -> datetime:
        if self._start is None:
            return datetime.now(timezone.utc)
        elapsed = timedelta(seconds=time.monotonic() - self._started_at)
        return (self._start + elapsed).astimezone(timezone.utc)

    def set(self, moment: datetime) -> None:
        """Move the clock (tests only)."""
        if moment.tzinfo is None:
            raise ValueError("the clock needs a UTC offset")
        self._start = moment
        self._started_at = time.monotonic()
