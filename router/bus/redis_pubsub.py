"""Pub/sub over Redis, for several router processes (`REDIS_URL`).

Every process keeps one subscriber connection. A channel is subscribed in Redis while at least one local
subscriber listens to it; frames that arrive are handed to the local `Subscription`s like `LocalPubSub` does.
`subscribe` returns only after Redis has confirmed the subscription, so nothing published afterwards is missed.

Everything said is stored in the database before it is published, so a frame is a notification, not the
record. When Redis goes away, `publish` logs an error and drops the frame (the request that stored the
message still succeeds), and the subscriber loop reconnects by itself with exponential backoff. Redis cannot
replay what was missed, so after the reconnect every local subscriber is told to resynchronise
(`SubscriberTooSlow`): the WebSocket is closed with "resync" (1013) and the client reconnects and asks for
what it missed. A process that dropped frames announces a resync to every process on the control channel
as soon as publishing works again (with its next frame, or within a second from the subscriber loop).
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis import asyncio as aioredis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from router.bus.pubsub import Subscription

log = logging.getLogger(__name__)

REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
KEY_PREFIX = "hbg-chat:"
CONTROL_CHANNEL = "control"  # always subscribed; carries RESYNC, and the connection exists before any socket does
RESYNC = "resync"
SUBSCRIBE_TIMEOUT_SECONDS = 5.0
BACKOFF_FIRST_SECONDS = 0.1
BACKOFF_MAX_SECONDS = 5.0


def split_key_prefix(url: str) -> tuple[str, str]:
    """`REDIS_URL` may carry `?key_prefix=staging:` so that deployments (or tests) sharing one Redis keep
    their channels and keys apart; returns (URL for redis-py, prefix). Default prefix: `hbg-chat:`."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefixes = [value for name, value in query if name == "key_prefix"]
    if len(prefixes) > 1 or (prefixes and not prefixes[0]):
        raise ValueError("REDIS_URL: give key_prefix once and not empty")
    rest = urlencode([(name, value) for name, value in query if name != "key_prefix"])
    return urlunsplit(parts._replace(query=rest)), prefixes[0] if prefixes else KEY_PREFIX


def redis_client(url: str) -> aioredis.Redis:
    """A client that fails fast instead of retrying silently, so callers see outages (and the subscriber
    notices that frames may have been missed)."""
    return aioredis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=10,
        retry=Retry(NoBackoff(), 0),
    )


class RedisPubSub:
    def __init__(self, url: str, *, max_pending: int = 1000) -> None:
        url, self._prefix = split_key_prefix(url)
        self._max_pending = max_pending
        self._publisher = redis_client(url)
        self._subscriber = redis_client(url)
        self._pubsub: aioredis.client.PubSub | None = None
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)
        self._confirmations: dict[str, list[asyncio.Future[None]]] = defaultdict(list)
        self._command_lock = asyncio.Lock()
        self._connected = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._lost_frames = False
        self.reconnects = 0

    @property
    def client(self) -> aioredis.Redis:
        """The command connection pool (shared with presence and rate limits)."""
        return self._publisher

    @property
    def prefix(self) -> str:
        return self._prefix

    async def start(self) -> None:
        """Connect and run the subscriber loop. A router whose Redis cannot be reached does not start."""
        try:
            await self._publisher.ping()
            await self._open()
        except REDIS_ERRORS as error:
            where = self._publisher.connection_pool.connection_kwargs
            raise RuntimeError(
                f"REDIS_URL is set but Redis at {where.get('host')}:{where.get('port')} cannot be reached: {error}"
            ) from error
        self._reader = asyncio.create_task(self._read_forever(), name="redis-pubsub-reader")

    async def answers(self) -> bool:
        """For /healthz: Redis answers a PING (and the subscriber loop is connected)."""
        for _attempt in range(2):  # the second on a fresh connection, if the pooled one went stale
            try:
                return bool(await self._publisher.ping()) and self._connected.is_set()
            except REDIS_ERRORS:
                continue
        return False

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        await self._close_pubsub()
        await self._subscriber.aclose()
        await self._publisher.aclose()

    async def publish(self, channel: str, payload: dict[str, Any]) -> None:
        """Publish a frame. While Redis is away the frame is dropped with an error in the log: the database
        holds what was said, and every subscriber resynchronises from it once Redis is back."""
        try:
            await self._publish(self._prefix + channel, json.dumps(payload, ensure_ascii=False))
        except REDIS_ERRORS as error:
            log.error("Redis unavailable (%s): a %s frame for %s was not published; subscribers resynchronise "
                      "when Redis is back", error, payload.get("type"), channel)
            self._lost_frames = True
            return
        if self._lost_frames:
            await self._announce_resync()

    async def _publish(self, channel: str, data: str) -> None:
        """PUBLISH, once more on a fresh connection when the pooled ones went stale (Redis restarted)."""
        try:
            await self._publisher.publish(channel, data)
        except REDIS_ERRORS:
            await self._publisher.connection_pool.disconnect(inuse_connections=False)
            await self._publisher.publish(channel, data)

    async def _announce_resync(self) -> None:
        """This process dropped frames: every process asks its subscribers to resynchronise."""
        try:
            await self._publish(self._prefix + CONTROL_CHANNEL, RESYNC)
        except REDIS_ERRORS as error:
            log.error("Redis unavailable (%s): the resync announcement is retried with the next frame", error)
            return
        self._lost_frames = False
        log.warning("Redis is back: announced a resync for the frames this process could not publish")

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(self._max_pending)
        first = not self._subscribers[channel]
        self._subscribers[channel].add(subscription)
        try:
            if first:
                await self._redis_subscribe(channel)
            elif self._confirmations.get(channel):
                # another socket is subscribing this channel right now: wait for the same confirmation
                await asyncio.wait([asyncio.shield(self._confirmations[channel][0])], timeout=SUBSCRIBE_TIMEOUT_SECONDS)
            yield subscription
        finally:
            self._subscribers[channel].discard(subscription)
            if not self._subscribers[channel]:
                del self._subscribers[channel]
                await self._redis_unsubscribe(channel)

    async def _redis_subscribe(self, channel: str) -> None:
        """Subscribe and wait for Redis's confirmation. While Redis is away the channel is subscribed on
        reconnect, and the subscriber is asked to resynchronise then."""
        confirmed = asyncio.get_running_loop().create_future()
        self._confirmations[channel].append(confirmed)
        try:
            async with self._command_lock:
                if self._pubsub is None:
                    return
                await self._pubsub.subscribe(self._prefix + channel)
            await asyncio.wait_for(asyncio.shield(confirmed), SUBSCRIBE_TIMEOUT_SECONDS)
        except (*REDIS_ERRORS, asyncio.TimeoutError) as error:
            log.warning("Redis subscription to %s not confirmed (%s); it is renewed on reconnect", channel, error)
        finally:
            waiting = self._confirmations.get(channel, [])
            if confirmed in waiting:
                waiting.remove(confirmed)
            if not waiting:
                self._confirmations.pop(channel, None)

    async def _redis_unsubscribe(self, channel: str) -> None:
        try:
            async with self._command_lock:
                if self._pubsub is not None and channel not in self._subscribers:
                    await self._pubsub.unsubscribe(self._prefix + channel)
        except REDIS_ERRORS as error:
            log.warning("Redis unsubscribe from %s failed (%s); the reconnect drops it", channel, error)

    async def _open(self) -> None:
        pubsub = self._subscriber.pubsub()
        channels = [self._prefix + CONTROL_CHANNEL] + [self._prefix + name for name in self._subscribers]
        await pubsub.subscribe(*channels)
        self._pubsub = pubsub
        self._connected.set()

    async def _close_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        self._connected.clear()
        if pubsub is not None:
            try:
                await pubsub.aclose()
            except REDIS_ERRORS:
                pass

    async def _read_forever(self) -> None:
        while True:
            try:
                await self._read()
            except REDIS_ERRORS as error:
                log.error("Redis subscriber connection lost (%s); reconnecting", error)
            await self._close_pubsub()
            await self._reconnect()

    async def _read(self) -> None:
        while True:
            message = await self._pubsub.get_message(timeout=1.0)
            if message is not None:
                self._dispatch(message)
            if self._lost_frames:
                # also when no further frame is published by this process
                await self._announce_resync()

    async def _reconnect(self) -> None:
        delay = BACKOFF_FIRST_SECONDS
        while True:
            await asyncio.sleep(delay)
            try:
                async with self._command_lock:
                    await self._open()
            except REDIS_ERRORS as error:
                log.warning("Redis still unavailable (%s); next try in %.1f s", error, min(delay * 2, BACKOFF_MAX_SECONDS))
                await self._close_pubsub()
                delay = min(delay * 2, BACKOFF_MAX_SECONDS)
                continue
            self.reconnects += 1
            log.warning("Redis subscriber reconnected; %d channels resubscribed, subscribers resynchronise",
                        len(self._subscribers))
            self._resynchronise_all()
            for waiting in self._confirmations.values():
                for confirmed in waiting:
                    if not confirmed.done():
                        confirmed.set_result(None)
            return

    def _resynchronise_all(self) -> None:
        for subscriptions in self._subscribers.values():
            for subscription in subscriptions:
                subscription.resynchronise()

    def _dispatch(self, message: dict[str, Any]) -> None:
        channel = message["channel"][len(self._prefix):]
        if message["type"] == "subscribe":
            for confirmed in self._confirmations.get(channel, []):
                if not confirmed.done():
                    confirmed.set_result(None)
            return
        if message["type"] != "message":
            return
        if channel == CONTROL_CHANNEL:
            if message["data"] == RESYNC:
                log.warning("a router process lost frames while Redis was away: subscribers resynchronise")
                self._resynchronise_all()
            return
        try:
            payload = json.loads(message["data"])
        except json.JSONDecodeError:
            log.error("ignored a frame on %s that is not JSON", channel)
            return
        for subscription in list(self._subscribers.get(channel, ())):
            subscription.deliver(payload)
