"""Which Rasa process answers residents right now, and how many requests each one has in flight.

Normally that is the Rasa at `RASA_URL`. While a new model is put into service, Rasa's `PUT /model`
blocks its event loop for tens of seconds, so the deploy diverts the residents to a stand-in Rasa that
already serves the new model, waits until the main Rasa has no request in flight, swaps the model
there, and then sends the residents back (router/admin/swap.py).
"""
from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class RasaUpstream:
    def __init__(self, main_url: str) -> None:
        self.main_url = main_url.rstrip("/")
        self._diverted_to: str | None = None
        self._in_flight: Counter[str] = Counter()
        self._changed = asyncio.Condition()

    @property
    def url(self) -> str:
        """Where new requests go."""
        return self._diverted_to or self.main_url

    @property
    def diverted(self) -> bool:
        return self._diverted_to is not None

    def in_flight(self, url: str) -> int:
        return self._in_flight[url]

    @asynccontextmanager
    async def request(self) -> AsyncIterator[str]:
        """Pick the Rasa for one request and count it as in flight until the block ends."""
        url = self.url
        self._in_flight[url] += 1
        try:
            yield url
        finally:
            self._in_flight[url] -= 1
            async with self._changed:
                self._changed.notify_all()

    def divert(self, url: str) -> None:
        self._diverted_to = url.rstrip("/")

    def restore(self) -> None:
        self._diverted_to = None

    async def drained(self, url: str, timeout: float) -> bool:
        """Wait until `url` has no request in flight; False if some are still running after `timeout`."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: self._in_flight[url] == 0), timeout)
            except TimeoutError:
                return False
        return True
