"""RedisPubSub against a throwaway redis-server that the test kills and starts again: publishing while Redis
is away logs an error and drops the frame, the subscriber loop reconnects by itself, subscribers are told to
resynchronise, and live delivery works again afterwards. Skipped when `redis-server` is not installed."""
from __future__ import annotations

import asyncio
import logging

import pytest

from router.bus.pubsub import SubscriberTooSlow
from router.bus.redis_pubsub import RedisPubSub
from router.bus.rate_limit import RedisRateLimiter
from tests.router.redis_fixtures import free_port

pytestmark = pytest.mark.asyncio


async def test_subscriber_reconnects_and_asks_for_resync_after_redis_restart(throwaway_redis, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="router.bus.redis_pubsub")
    publisher, listener = RedisPubSub(throwaway_redis.url), RedisPubSub(throwaway_redis.url)
    await publisher.start()
    await listener.start()
    try:
        async with listener.subscribe("conversation:x") as subscription:
            await publisher.publish("conversation:x", {"type": "message", "n": 1})
            assert await asyncio.wait_for(subscription.get(), 2) == {"type": "message", "n": 1}

            throwaway_redis.kill()
            assert not await publisher.answers()
            with caplog.at_level(logging.ERROR, logger="router.bus.redis_pubsub"):
                await publisher.publish("conversation:x", {"type": "message", "n": 2})  # dropped, not raised
            assert any("Redis unavailable" in r.getMessage() and "not published" in r.getMessage()
                       for r in caplog.records)

            await asyncio.sleep(0.5)  # the listener notices and keeps retrying with backoff
            throwaway_redis.start()
            # after the reconnect the subscriber is told that frames may be missing
            with pytest.raises(SubscriberTooSlow):
                await asyncio.wait_for(subscription.get(), 10)
            assert listener.reconnects == 1
            assert await listener.answers()
            # The publisher announces its own resync once its connection is back; wait for it, so the fresh
            # subscription below does not receive that (correct, but for this test late) announcement.
            for _ in range(100):
                if any("announced a resync" in r.getMessage() for r in caplog.records):
                    break
                await asyncio.sleep(0.05)
            else:
                pytest.fail("the publisher never announced its resync")

        # a fresh subscription gets live frames again
        async with listener.subscribe("conversation:x") as subscription:
            await publisher.publish("conversation:x", {"type": "message", "n": 3})
            assert await asyncio.wait_for(subscription.get(), 5) == {"type": "message", "n": 3}
    finally:
        await publisher.close()
        await listener.close()


async def test_lost_frames_make_every_process_resynchronise(throwaway_redis) -> None:
    """A process that could not publish announces a resync once it can again, even if the
    other processes never lost their own connection."""
    publisher, listener = RedisPubSub(throwaway_redis.url), RedisPubSub(throwaway_redis.url)
    await publisher.start()
    await listener.start()
    try:
        async with listener.subscribe("agents") as subscription:
            publisher._lost_frames = True  # as after a failed publish
            await publisher.publish("agents", {"type": "queue"})
            assert await asyncio.wait_for(subscription.get(), 2) == {"type": "queue"}
            with pytest.raises(SubscriberTooSlow):
                await asyncio.wait_for(subscription.get(), 2)
            assert listener.reconnects == 0
    finally:
        await publisher.close()
        await listener.close()


async def test_rate_limits_fall_back_to_the_process_while_redis_is_away(throwaway_redis) -> None:
    bus = RedisPubSub(throwaway_redis.url)
    await bus.start()
    try:
        limiter = RedisRateLimiter(bus.client, "address", 2, prefix=bus.prefix)
        assert [await limiter.take("1.2.3.4") for _ in range(3)] == [True, True, False]
        throwaway_redis.kill()
        # Redis is gone: this process's own buckets decide (a fresh bucket of 2)
        assert [await limiter.take("1.2.3.4") for _ in range(3)] == [True, True, False]
        throwaway_redis.start()
        assert await limiter.take("5.6.7.8")
    finally:
        await bus.close()


async def test_key_prefix_from_the_url() -> None:
    from router.bus.redis_pubsub import split_key_prefix

    assert split_key_prefix("redis://h:6379/0") == ("redis://h:6379/0", "hbg-chat:")
    assert split_key_prefix("redis://h:6379/0?key_prefix=staging:&ssl_cert_reqs=none") == (
        "redis://h:6379/0?ssl_cert_reqs=none", "staging:",
    )
    with pytest.raises(ValueError):
        split_key_prefix("redis://h/0?key_prefix=")


async def test_a_router_without_its_redis_does_not_start() -> None:
    bus = RedisPubSub(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(RuntimeError, match="REDIS_URL is set but Redis at 127.0.0.1:.* cannot be reached"):
        await bus.start()
    await bus.close()


async def test_the_resync_is_announced_even_without_another_frame(throwaway_redis) -> None:
    publisher, listener = RedisPubSub(throwaway_redis.url), RedisPubSub(throwaway_redis.url)
    await publisher.start()
    await listener.start()
    try:
        async with listener.subscribe("conversation:y") as subscription:
            publisher._lost_frames = True  # as after the last publish failed
            with pytest.raises(SubscriberTooSlow):
                await asyncio.wait_for(subscription.get(), 5)
            assert not publisher._lost_frames
    finally:
        await publisher.close()
        await listener.close()
