"""Politeness per host, shared by every worker: at most K requests at once, a gap between them.

With Redis (REDIS_URL) the counters live there, so ten workers together still send a
host at most K requests at once; without it (the embedded default, one worker) they
live in the process. A slot is a lease with a TTL, so a worker that dies holding one
frees it when the TTL runs out.
"""

import asyncio
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from django.conf import settings

# KEYS: busy counter, gap key. ARGV: limit, gap_ms, ttl_ms.
# Returns 0 when a slot was taken, else how many ms to wait before asking again.
_ACQUIRE = """
local busy = tonumber(redis.call('GET', KEYS[1]) or '0')
if busy >= tonumber(ARGV[1]) then return 25 end
local gap = tonumber(ARGV[2])
if gap > 0 then
  local left = redis.call('PTTL', KEYS[2])
  if left > 0 then return left end
  redis.call('SET', KEYS[2], '1', 'PX', gap)
end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 0
"""
_RELEASE = """
local busy = tonumber(redis.call('GET', KEYS[1]) or '0')
if busy > 0 then redis.call('DECR', KEYS[1]) end
return 0
"""
# KEYS: gap key. ARGV: gap_ms. Returns ms to wait, 0 when this request may go.
_GAP = """
local left = redis.call('PTTL', KEYS[1])
if left > 0 then return left end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 0
"""


class HostLimiter:
    """Slots per host. `slot(host)` holds one of the host's K slots; `pace(host)` waits
    out the minimum gap before each request. One instance per event loop."""

    def __init__(
        self,
        *,
        per_host: int | None = None,
        gap_ms: int | None = None,
        redis_url: str | None = None,
    ):
        self.per_host = per_host if per_host is not None else settings.MONITOR_HOST_CONCURRENCY
        self.gap_ms = gap_ms if gap_ms is not None else settings.MONITOR_HOST_GAP_MS
        self.ttl_ms = (settings.FETCH_TOTAL_TIMEOUT + 30) * 1000
        url = settings.REDIS_URL if redis_url is None else redis_url
        self._redis = None
        if url:
            import redis.asyncio

            self._redis = redis.asyncio.Redis.from_url(url)
            self._acquire = self._redis.register_script(_ACQUIRE)
            self._release = self._redis.register_script(_RELEASE)
            self._gap = self._redis.register_script(_GAP)
        self._local_busy: dict[str, int] = defaultdict(int)
        self._local_next: dict[str, float] = defaultdict(float)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold one of `host`'s slots (the gap is taken by `pace`)."""
        if self._redis is not None:
            keys = [f"claimwatch:host:{host}:busy", f"claimwatch:host:{host}:gap"]
            while wait := await self._acquire(keys=keys, args=[self.per_host, 0, self.ttl_ms]):
                await asyncio.sleep(int(wait) / 1000)
            try:
                yield
            finally:
                await self._release(keys=keys[:1])
            return
        while self._local_busy[host] >= self.per_host:
            await asyncio.sleep(0.025)
        self._local_busy[host] += 1
        try:
            yield
        finally:
            self._local_busy[host] -= 1

    async def pace(self, host: str) -> None:
        """Wait until `host` may get its next request (MONITOR_HOST_GAP_MS since the last)."""
        if self.gap_ms <= 0:
            return
        if self._redis is not None:
            key = [f"claimwatch:host:{host}:gap"]
            while wait := await self._gap(keys=key, args=[self.gap_ms]):
                await asyncio.sleep(int(wait) / 1000)
            return
        while (wait := self._local_next[host] - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        self._local_next[host] = time.monotonic() + self.gap_ms / 1000
