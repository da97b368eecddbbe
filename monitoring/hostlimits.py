"""Politeness per host, shared by every worker: at most K requests at once, a gap between them.

With Redis (REDIS_URL) the counters live there, so ten workers together still send a
host at most K requests at once; without it (the embedded default, one worker) they
live in the process. Slots are leases with a TTL, so a worker that dies holding some
frees them when the TTL runs out.

A batch asks for the slots of all its hosts in one round trip (`acquire_many`), and
gives each host's back when that host is done (`release`).
"""

import asyncio
import time
from collections import defaultdict

from django.conf import settings

# KEYS: busy counters. ARGV: limit, ttl_ms, then how many slots each key wants.
# Returns how many each got (0 when the host is at its limit).
_ACQUIRE = """
local limit = tonumber(ARGV[1])
local out = {}
for i, key in ipairs(KEYS) do
  local busy = tonumber(redis.call('GET', key) or '0')
  local take = math.min(limit - busy, tonumber(ARGV[i + 2]))
  if take > 0 then
    redis.call('INCRBY', key, take)
    redis.call('PEXPIRE', key, ARGV[2])
  else
    take = 0
  end
  out[i] = take
end
return out
"""
_RELEASE = """
local busy = tonumber(redis.call('GET', KEYS[1]) or '0')
local give = math.min(busy, tonumber(ARGV[1]))
if give > 0 then redis.call('DECRBY', KEYS[1], give) end
return give
"""
# KEYS: gap key. ARGV: gap_ms. Returns ms to wait, 0 when this request may go.
_GAP = """
local left = redis.call('PTTL', KEYS[1])
if left > 0 then return left end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 0
"""
WAIT = 0.05  # seconds between asks for a host at its limit


def _busy_key(host: str) -> str:
    return f"claimwatch:host:{host}:busy"


class HostLimiter:
    """Slots per host and the gap between requests. One instance per event loop."""

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

            # Hosts wait for one of a few connections rather than opening one each.
            pool = redis.asyncio.BlockingConnectionPool.from_url(url, max_connections=8, timeout=30)
            self._redis = redis.asyncio.Redis.from_pool(pool)
            self._acquire = self._redis.register_script(_ACQUIRE)
            self._release = self._redis.register_script(_RELEASE)
            self._gap = self._redis.register_script(_GAP)
        self._local_busy: dict[str, int] = defaultdict(int)
        self._local_next: dict[str, float] = defaultdict(float)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()

    async def acquire_many(self, wanted: dict[str, int]) -> dict[str, int]:
        """Take up to `wanted[host]` slots of each host at once; returns how many each got."""
        hosts = list(wanted)
        if not hosts:
            return {}
        if self._redis is not None:
            got = await self._acquire(
                keys=[_busy_key(h) for h in hosts],
                args=[self.per_host, self.ttl_ms, *(wanted[h] for h in hosts)],
            )
            return {h: int(n) for h, n in zip(hosts, got, strict=True)}
        result = {}
        for host in hosts:
            take = max(0, min(self.per_host - self._local_busy[host], wanted[host]))
            self._local_busy[host] += take
            result[host] = take
        return result

    async def acquire(self, host: str, wanted: int) -> int:
        """Wait until at least one of `host`'s slots is free; take up to `wanted`."""
        while not (got := (await self.acquire_many({host: wanted}))[host]):
            await asyncio.sleep(WAIT)
        return got

    async def release(self, host: str, count: int) -> None:
        if count <= 0:
            return
        if self._redis is not None:
            await self._release(keys=[_busy_key(host)], args=[count])
            return
        self._local_busy[host] = max(0, self._local_busy[host] - count)

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
