"""Values read when Prometheus scrapes: the shared queue and presence, this process's WebSockets, whether
Rasa answers and with which model, and whether the contact center is open.

Queue length and agents online live in the database, so every router process reports the same shared
value (alert on `max`, not `sum`, across routers); the WebSocket counts are this process's own. Each value
is read fresh per scrape and kept for the collector, which prometheus_client calls synchronously. A source
that cannot be read leaves its series out of that scrape (and is logged); the rest are still answered,
since a broken database is exactly when the metrics are wanted.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from router.handoff.sockets import CONVERSATION_SOCKETS_KEY
from router.core.keys import CLOCK_KEY
from router.handoff.config import HandoffConfig
from router.hours.keys import HOURS_KEY
from router.handoff.keys import PRESENCE_KEY, QUEUE_KEY
from router.keys import DB_KEY, HTTP_KEY, SETTINGS_KEY
from router.rasa.keys import RASA_KEY
from router.rasa.client import RasaUnavailable, served_model

log = logging.getLogger(__name__)


@dataclass
class Readings:
    queue_length: int | None = None
    agents_online: int | None = None
    rasa_up: bool = False
    model: str | None = None
    websockets: dict[str, int] = field(default_factory=dict)
    open_now: bool = False


class ScrapeValues(Collector):
    """The collector for the values read at scrape time (`await read(app)` first, then collect)."""

    def __init__(self, config: HandoffConfig) -> None:
        self._config = config
        self._readings = Readings()

    async def read(self, app: web.Application) -> None:
        readings = Readings()
        try:
            async with app[DB_KEY]() as session:
                readings.queue_length = len(await app[QUEUE_KEY].waiting(session))
            readings.agents_online = await app[PRESENCE_KEY].online_count()
        except Exception as error:  # noqa: BLE001 - the database's trouble is in its own metric and logs
            log.warning("metrics: queue and presence not read: %s: %s", type(error).__name__, error)
        try:
            settings = app[SETTINGS_KEY]
            readings.model = await served_model(app[HTTP_KEY], app[RASA_KEY].upstream.url, settings.rasa_token)
            readings.rasa_up = True
        except RasaUnavailable:
            readings.rasa_up = False
        readings.websockets = {
            "resident": app[CONVERSATION_SOCKETS_KEY].open_count(),
            "agent": app[PRESENCE_KEY].local_sockets(),
        }
        readings.open_now = app[HOURS_KEY].is_open(app[CLOCK_KEY].now())
        self._readings = readings

    def collect(self) -> Iterator[Metric]:
        readings = self._readings
        if readings.queue_length is not None:
            yield GaugeMetricFamily("chat_queue_length", "Chats waiting for a kommunvägledare now (shared).",
                                    value=readings.queue_length)
        if readings.agents_online is not None:
            yield GaugeMetricFamily("chat_agents_online", "Kommunvägledare online now (shared).",
                                    value=readings.agents_online)
        sockets = GaugeMetricFamily("chat_websockets_open", "WebSockets open on this router.", labels=["kind"])
        for kind, count in readings.websockets.items():
            sockets.add_metric([kind], count)
        yield sockets
        yield GaugeMetricFamily("chat_rasa_up", "1 when Rasa answers its status request.", value=int(readings.rasa_up))
        if readings.model is not None:
            yield InfoMetricFamily("chat_model", "The model Rasa serves.", value={"model": readings.model})
        yield GaugeMetricFamily("chat_open", "1 while the contact center is open (settings/hours.yml).",
                                value=int(readings.open_now))
        yield GaugeMetricFamily(
            "chat_queue_wait_setting_seconds",
            "The expected handling time per place in the queue (default_handling_minutes in handoff.yml).",
            value=self._config.default_handling_minutes * 60,
        )
