"""Token buckets: N requests a minute per key, with bursts up to N.

`RateLimiter` keeps the buckets in this process. `RedisRateLimiter` keeps them in Redis so that several
router processes share one limit per key; while Redis cannot be reached it falls back to its own
in-process buckets (and logs it) rather than refusing every resident.
Callers use `await limiter.take(key)`.
"""
from __future__ import annotations

import logging
import time
from collections import OrderedDict

from redis import asyncio as aioredis

from router.bus.redis_pubsub import REDIS_ERRORS

log = logging.getLogger(__name__)


class RateLimiter:
    def __init__(self, per_minute: int, max_keys: int = 100_000) -> None:
        self._capacity = float(per_minute)
        self._refill_per_second = per_minute / 60.0
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Take one token for `key` from this process's bucket; False when it is empty."""
        now = time.monotonic()
        tokens, last = self._buckets.pop(key, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - last) * self._refill_per_second)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)  # forget the least recently seen key
        return allowed

    async def take(self, key: str) -> bool:
        return self.allow(key)


# KEYS[1] bucket; ARGV capacity, refill per second. Redis's own clock, so all processes agree.
_TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or capacity
local at = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return allowed
"""


class RedisRateLimiter(RateLimiter):
    def __init__(self, client: aioredis.Redis, name: str, per_minute: int, *, prefix: str) -> None:
        super().__init__(per_minute)
        self._client = client
        self._key_prefix = f"{prefix}rate:{name}:"
        self._script = client.register_script(_TAKE_SCRIPT)
        self._redis_down = False

    async def take(self, key: str) -> bool:
        try:
            allowed = await self._script(keys=[self._key_prefix + key], args=[self._capacity, self._refill_per_second])
        except REDIS_ERRORS as error:
            if not self._redis_down:
                log.error("Redis unavailable (%s): rate limits are kept per process until it is back", error)
                self._redis_down = True
            return self.allow(key)
        if self._redis_down:
            log.warning("Redis is back: rate limits are shared again")
            self._redis_down = False
        return bool(allowed)
