"""Which kommunvägledare are online, and how many WebSockets each router process holds.

An agent sets online/offline in the console (stored in the database, so every process agrees). When all of
an agent's console WebSockets have been gone for `agent_offline_after_seconds` (handoff.yml), the agent
goes offline. With one process the console sockets are counted here (`LocalSockets`); with several
(`REDIS_URL`) every process writes its counts to Redis with a TTL heartbeat (`RedisSockets`), and an agent
only goes offline when no live process holds one of their consoles. A process that dies stops
heartbeating and its counts expire.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Protocol

from redis import asyncio as aioredis
from sqlmodel import col, func, select

from router.core.clock import Clock
from router.core.db import SessionMaker
from router.models import Agent
from router.bus.pubsub import AGENTS_CHANNEL, PubSub
from router.bus.redis_pubsub import REDIS_ERRORS
from router.transcript import add_event

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
INSTANCE_TTL_SECONDS = 15


class SocketCounts(Protocol):
    """Console sockets per agent across all router processes (the local counts are the Presence's)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def changed(self) -> None: ...

    async def agent_sockets(self, agent_id: int) -> int: ...

    instance_id: str

    async def live_instances(self) -> set[str]:
        """The router processes alive now (this one included)."""
        ...


class LocalSockets:
    """One router process: the local counts are all there is."""

    instance_id = "local"

    def __init__(self, agents: Counter[int]) -> None:
        self._agents = agents

    async def live_instances(self) -> set[str]:
        return {self.instance_id}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def changed(self) -> None:
        return None

    async def agent_sockets(self, agent_id: int) -> int:
        return self._agents[agent_id]


class RedisSockets:
    """Each process keeps a hash `presence:instance:<id>` {"sockets": all its WebSockets, "agent:<id>": n}
    that expires unless heartbeated, and its id in the sorted set `presence:instances` (score = last beat)."""

    def __init__(
        self,
        client: aioredis.Redis,
        prefix: str,
        agents: Counter[int],
        open_sockets: Callable[[], int],
        *,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        ttl_seconds: int = INSTANCE_TTL_SECONDS,
    ) -> None:
        self._client = client
        self._instances_key = f"{prefix}presence:instances"
        self._key_prefix = f"{prefix}presence:instance:"
        self.instance_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._agents = agents
        self._open_sockets = open_sockets
        self._heartbeat_seconds = heartbeat_seconds
        self._ttl = ttl_seconds
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def start(self) -> None:
        await self._beat()
        self._task = asyncio.create_task(self._heartbeat(), name="presence-heartbeat")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.delete(self._key_prefix + self.instance_id)
                pipe.zrem(self._instances_key, self.instance_id)
                await pipe.execute()
        except REDIS_ERRORS as error:
            log.warning("could not remove this process's presence from Redis (%s); it expires", error)

    def changed(self) -> None:
        """An agent's console opened or closed here: write the counts now instead of at the next beat."""
        self._wake.set()

    async def _heartbeat(self) -> None:
        failing = False
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self._heartbeat_seconds)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            try:
                await self._beat()
            except REDIS_ERRORS as error:
                if not failing:
                    log.error("Redis unavailable (%s): presence heartbeats are retried", error)
                failing = True
                continue
            if failing:
                log.warning("Redis is back: presence heartbeats resumed")
                failing = False

    async def _beat(self) -> None:
        key = self._key_prefix + self.instance_id
        counts = {"sockets": self._open_sockets(), **{f"agent:{a}": n for a, n in self._agents.items() if n > 0}}
        now = time.time()
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping=counts)
            pipe.expire(key, self._ttl)
            pipe.zadd(self._instances_key, {self.instance_id: now})
            pipe.zremrangebyscore(self._instances_key, "-inf", now - self._ttl)
            await pipe.execute()

    async def _live_instances(self) -> list[str]:
        return await self._client.zrangebyscore(self._instances_key, time.time() - self._ttl, "+inf")

    async def live_instances(self) -> set[str]:
        return set(await self._live_instances())

    async def agent_sockets(self, agent_id: int) -> int:
        instances = await self._live_instances()
        async with self._client.pipeline(transaction=False) as pipe:
            for instance in instances:
                pipe.hget(self._key_prefix + instance, f"agent:{agent_id}")
            counts = await pipe.execute()
        return sum(int(count) for count in counts if count)

    async def instances(self) -> dict[str, dict[str, int]]:
        """Live processes and their counts: {"<instance id>": {"sockets": 12, "agent:3": 1}}."""
        instances = await self._live_instances()
        async with self._client.pipeline(transaction=False) as pipe:
            for instance in instances:
                pipe.hgetall(self._key_prefix + instance)
            hashes = await pipe.execute()
        return {
            instance: {name: int(value) for name, value in counts.items()}
            for instance, counts in zip(instances, hashes)
            if counts
        }


class Presence:
    def __init__(
        self,
        maker: SessionMaker,
        pubsub: PubSub,
        clock: Clock,
        offline_after_seconds: float,
        sockets: Callable[[Counter[int]], SocketCounts] = LocalSockets,
    ) -> None:
        self._maker = maker
        self._pubsub = pubsub
        self._clock = clock
        self._offline_after = offline_after_seconds
        self._sockets: Counter[int] = Counter()
        self.counts = sockets(self._sockets)
        self._timers: dict[int, asyncio.Task[None]] = {}

    async def start(self) -> None:
        """After a restart no console is connected here yet: give every online agent the grace period
        (with Redis, consoles held by other processes keep their agents online)."""
        await self.counts.start()
        async with self._maker() as session:
            online = await session.exec(select(Agent.id).where(Agent.online))
            for agent_id in online.all():
                self._schedule_offline(agent_id)

    async def stop(self) -> None:
        timers = list(self._timers.values())
        for timer in timers:
            timer.cancel()
        await asyncio.gather(*timers, return_exceptions=True)
        await self.counts.stop()

    async def set_online(self, agent_id: int, online: bool) -> None:
        now = self._clock.now()
        async with self._maker() as session:
            agent = await session.get(Agent, agent_id)
            if agent.online != online:
                agent.online = online
                add_event(session, "online" if online else "offline", now, agent_id=agent_id)
                await session.commit()
        if online and self._sockets[agent_id] == 0:
            self._schedule_offline(agent_id)
        await self.publish()

    async def online_count(self) -> int:
        async with self._maker() as session:
            return (await session.exec(select(func.count()).select_from(Agent).where(col(Agent.online), col(Agent.active)))).one()

    async def publish(self) -> None:
        await self._pubsub.publish(AGENTS_CHANNEL, {"type": "presence", "agents_online": await self.online_count()})

    def socket_opened(self, agent_id: int) -> None:
        self._sockets[agent_id] += 1
        self.counts.changed()
        timer = self._timers.pop(agent_id, None)
        if timer is not None:
            timer.cancel()

    def socket_closed(self, agent_id: int) -> None:
        self._sockets[agent_id] -= 1
        if self._sockets[agent_id] <= 0:
            del self._sockets[agent_id]
            self._schedule_offline(agent_id)
        self.counts.changed()

    def _schedule_offline(self, agent_id: int) -> None:
        previous = self._timers.pop(agent_id, None)
        if previous is not None:
            previous.cancel()
        self._timers[agent_id] = asyncio.create_task(self._offline_later(agent_id), name=f"offline-{agent_id}")

    async def _offline_later(self, agent_id: int) -> None:
        while True:
            await asyncio.sleep(self._offline_after)
            if self._sockets[agent_id] > 0:
                self._timers.pop(agent_id, None)
                return
            try:
                elsewhere = await self.counts.agent_sockets(agent_id)
            except REDIS_ERRORS as error:
                log.warning("Redis unavailable (%s): agent %s stays online until it can be checked", error, agent_id)
                continue
            self._timers.pop(agent_id, None)
            if elsewhere == 0:
                await self.set_online(agent_id, False)
            return
