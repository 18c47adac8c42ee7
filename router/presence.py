"""Which kommunvägledare are online. An agent sets it in the console; when all of an agent's console
WebSockets have been gone for `agent_offline_after_seconds` (handoff.yml), the agent goes offline."""
from __future__ import annotations

import asyncio
from collections import Counter

from sqlmodel import col, func, select

from router.core.clock import Clock
from router.core.db import SessionMaker
from router.models import Agent
from router.pubsub import AGENTS_CHANNEL, PubSub
from router.transcript import add_event


class Presence:
    def __init__(self, maker: SessionMaker, pubsub: PubSub, clock: Clock, offline_after_seconds: float) -> None:
        self._maker = maker
        self._pubsub = pubsub
        self._clock = clock
        self._offline_after = offline_after_seconds
        self._sockets: Counter[int] = Counter()
        self._timers: dict[int, asyncio.Task[None]] = {}

    async def start(self) -> None:
        """After a restart no console is connected yet: give every online agent the grace period."""
        async with self._maker() as session:
            online = await session.exec(select(Agent.id).where(Agent.online))
            for agent_id in online.all():
                self._schedule_offline(agent_id)

    async def stop(self) -> None:
        timers = list(self._timers.values())
        for timer in timers:
            timer.cancel()
        await asyncio.gather(*timers, return_exceptions=True)

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
        timer = self._timers.pop(agent_id, None)
        if timer is not None:
            timer.cancel()

    def socket_closed(self, agent_id: int) -> None:
        self._sockets[agent_id] -= 1
        if self._sockets[agent_id] <= 0:
            del self._sockets[agent_id]
            self._schedule_offline(agent_id)

    def _schedule_offline(self, agent_id: int) -> None:
        previous = self._timers.pop(agent_id, None)
        if previous is not None:
            previous.cancel()
        self._timers[agent_id] = asyncio.create_task(self._offline_later(agent_id), name=f"offline-{agent_id}")

    async def _offline_later(self, agent_id: int) -> None:
        await asyncio.sleep(self._offline_after)
        self._timers.pop(agent_id, None)
        if self._sockets[agent_id] == 0:
            await self.set_online(agent_id, False)
