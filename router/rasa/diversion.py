"""Sending every router process's Rasa requests to a stand-in Rasa during a model swap, and back.

The process that runs the deploy publishes "divert" (or "restore") on the pub/sub (in-process, or Redis
shared by all router processes). Every router process, the deploying one included, applies it to its own
`RasaUpstream`, waits until its requests to the Rasa it left have finished, and answers "ack". The
deploying process goes on when every live process (Redis presence) has answered, or after the drain time.
A process that cannot reach the stand-in (another host: it listens on 127.0.0.1) stays on the main Rasa
and says so; its residents wait for the swap as before.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from router.core.options import RouterOptions
from router.bus.pubsub import PubSub, SubscriberTooSlow
from router.rasa.client import API_TIMEOUT, HEALTH_TIMEOUT
from router.rasa.upstream import RasaUpstream

log = logging.getLogger(__name__)

CHANNEL = "rasa-diversion"
CONFIRM_MARGIN_SECONDS = 5.0
RETRY_SECONDS = 1.0


def drain_seconds(options: RouterOptions) -> float:
    """How long a Rasa request may still be running after a switch: a resident's message waits at most
    the Rasa timeout, the other Rasa calls less (router/rasa/client.py)."""
    return options.rasa_timeout_seconds + API_TIMEOUT.total


class Diversion:
    def __init__(
        self, bus: PubSub, upstream: RasaUpstream, http: aiohttp.ClientSession, instance_id: str,
        live_instances: Callable[[], Awaitable[set[str]]], drain_seconds: float,
    ) -> None:
        self._bus = bus
        self.upstream = upstream
        self._http = http
        self.instance_id = instance_id
        self._live_instances = live_instances
        self._drain_seconds = drain_seconds

    # --- every router process ----------------------------------------------------------------------

    async def listen(self) -> None:
        """Apply diversions published by any router process, for as long as the router runs."""
        while True:
            try:
                async with self._bus.subscribe(CHANNEL) as events:
                    async for event in events:
                        if event.get("op") in ("divert", "restore"):
                            await self._apply(event)
            except SubscriberTooSlow:
                log.warning("diversion messages may have been lost (pub/sub reconnected); listening again")
            except Exception as error:  # noqa: BLE001 - a dead listener would leave this process diverted
                log.error("diversion listener failed (%r); listening again", error)
                await asyncio.sleep(RETRY_SECONDS)

    async def _apply(self, event: dict[str, Any]) -> None:
        left = self.upstream.url
        if event["op"] == "restore":
            self.upstream.restore()
        elif await self._reachable(event["url"]):
            self.upstream.divert(event["url"])
        else:
            log.warning("stand-in Rasa %s unreachable from here: residents here wait for the swap", event["url"])
        if self.upstream.url != left and not await self.upstream.drained(left, self._drain_seconds):
            log.warning("Rasa %s still had requests in flight after %.0f s", left, self._drain_seconds)
        await self._bus.publish(CHANNEL, {"op": "ack", "id": event["id"], "instance": self.instance_id,
                                          "url": self.upstream.url})

    async def _reachable(self, url: str) -> bool:
        """Whether the stand-in answers this process at all (it listens on the deploying host's 127.0.0.1)."""
        try:
            async with self._http.get(f"{url}/", timeout=HEALTH_TIMEOUT):
                return True
        except (aiohttp.ClientError, TimeoutError):
            return False

    # --- the deploying process ---------------------------------------------------------------------

    async def everywhere(self, op: str, url: str | None = None) -> set[str]:
        """Publish `op` ("divert" to `url`, or "restore") and wait for every live router process to have
        applied it; returns the processes that did not confirm in time."""
        expected = await self._live_instances() | {self.instance_id}
        message_id = uuid.uuid4().hex
        confirmed: set[str] = set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._drain_seconds + CONFIRM_MARGIN_SECONDS
        async with self._bus.subscribe(CHANNEL) as acks:
            await self._bus.publish(CHANNEL, {"op": op, "url": url, "id": message_id, "from": self.instance_id})
            while expected - confirmed and (remaining := deadline - loop.time()) > 0:
                try:
                    event = await asyncio.wait_for(acks.get(), remaining)
                except TimeoutError:
                    break
                if event.get("op") == "ack" and event.get("id") == message_id:
                    confirmed.add(event.get("instance"))
        missing = expected - confirmed
        if missing:
            log.warning("%s: %d router process(es) did not confirm: %s", op, len(missing), ", ".join(sorted(missing)))
        return missing

    async def restore_everywhere(self) -> None:
        """Back to the main Rasa; this process at least, even when the pub/sub fails."""
        try:
            await self.everywhere("restore")
        finally:
            if self.upstream.diverted:
                self.upstream.restore()
