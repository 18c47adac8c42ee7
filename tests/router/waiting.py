"""Waiting for something the router does in the background, bounded, instead of sleeping a fixed time that a
loaded machine (CI runs three suites at once on two cores) can overrun."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

POLL_SECONDS = 0.02


async def eventually(condition: Callable[[], Awaitable[bool]], what: str, seconds: float = 10.0) -> None:
    """Return as soon as `condition()` is true; fail naming `what` if it is not within `seconds`."""
    try:
        async with asyncio.timeout(seconds):
            while not await condition():
                await asyncio.sleep(POLL_SECONDS)
    except TimeoutError:
        raise AssertionError(f"not within {seconds} s: {what}") from None
