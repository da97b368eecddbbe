"""Per-host limits shared through Redis: no more than K at once across limiters (workers)."""

import asyncio
import time

import pytest

from monitoring.hostlimits import HostLimiter


@pytest.fixture
def host():
    return f"limits-test-{time.monotonic_ns()}.example"


def test_it_shares_a_hosts_slots_between_workers(settings, host):
    async def run():
        a = HostLimiter(per_host=3, gap_ms=0)
        b = HostLimiter(per_host=3, gap_ms=0)
        try:
            assert await a.acquire_many({host: 2, "other.example": 1}) == {
                host: 2,
                "other.example": 1,
            }
            assert await b.acquire_many({host: 5}) == {host: 1}
            assert await b.acquire_many({host: 1}) == {host: 0}
            await a.release(host, 2)
            assert await b.acquire(host, 5) == 2
            await b.release(host, 3)
            await a.release("other.example", 1)
        finally:
            await a.close()
            await b.close()

    asyncio.run(run())


def test_it_keeps_the_gap_between_requests_to_a_host(host):
    async def run():
        limiter = HostLimiter(per_host=4, gap_ms=200)
        try:
            t0 = time.monotonic()
            for _ in range(3):
                await limiter.pace(host)
            return time.monotonic() - t0
        finally:
            await limiter.close()

    assert asyncio.run(run()) >= 0.38


def test_it_limits_in_process_without_redis(host):
    async def run():
        limiter = HostLimiter(per_host=2, gap_ms=0, redis_url="")
        assert await limiter.acquire_many({host: 3}) == {host: 2}
        assert await limiter.acquire_many({host: 1}) == {host: 0}
        await limiter.release(host, 1)
        assert await limiter.acquire(host, 2) == 1

    asyncio.run(run())
