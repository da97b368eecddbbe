"""Django's cache for what must keep working while it is away (Redis stopped): the public
pages (publishing), the password-reset counter (claimwatch.throttle) and the claim page's
timeline rows (claims.event_rows).

1. Every call here catches what an unreachable cache raises (Redis' errors; OSError for
   the file cache) and logs it once a minute at most, instead of answering 500.
2. A read misses (`get` -> None), a write is dropped, and a counter says None (not
   counted): the caller decides what "not counted" means (the public pages serve
   uncounted; a reset mail is refused with the reason).
3. The connection to Redis has short deadlines (settings.CACHES' OPTIONS), so a Redis host
   that does not answer costs a request about a second, not a worker.
4. On Redis a counter is one round trip (`count`), not three: every public page view
   counts its reader (issue 24: 50 readers of a cached page).
"""

import logging
import time
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
CACHE_ERRORS = (RedisError, OSError)
_LOG_EVERY_SECONDS = 60
_last_logged = 0.0


def _away(exc: BaseException) -> None:
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= _LOG_EVERY_SECONDS:
        _last_logged = now
        log.warning("The cache is not answering (%s); serving without it.", exc)


def get(key: str) -> Any | None:
    try:
        return cache.get(key)
    except CACHE_ERRORS as exc:
        _away(exc)
        return None


def set(key: str, value: Any, timeout: int | None) -> None:  # noqa: A001 (cache's own name)
    try:
        cache.set(key, value, timeout)
    except CACHE_ERRORS as exc:
        _away(exc)


def add(key: str, value: Any, timeout: int | None) -> None:
    try:
        cache.add(key, value, timeout)
    except CACHE_ERRORS as exc:
        _away(exc)


def delete_many(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except CACHE_ERRORS as exc:
        _away(exc)


def count(key: str, timeout: int) -> int | None:
    """Add one to the counter under `key` (made with `timeout`); its new value, or None when
    the cache is away."""
    try:
        backend = caches["default"]
        if isinstance(backend, RedisCache):
            # Django's add + incr are SET NX, EXISTS and INCR: three round trips. The same
            # commands but EXISTS, in one MULTI/EXEC: made with its expiry if missing, then
            # counted (an integer, which Django's cache reads back as one).
            name = backend.make_and_validate_key(key)
            pipeline = backend._cache.get_client(name, write=True).pipeline()
            pipeline.set(name, 0, ex=timeout, nx=True)
            pipeline.incr(name)
            return pipeline.execute()[1]
        cache.add(key, 0, timeout)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout)
            return 1
    except CACHE_ERRORS as exc:
        _away(exc)
        return None


def get_many(keys: list[str]) -> dict[str, Any]:
    try:
        return cache.get_many(keys)
    except CACHE_ERRORS as exc:
        _away(exc)
        return {}


def set_many(values: dict[str, Any], timeout: int | None) -> None:
    try:
        cache.set_many(values, timeout)
    except CACHE_ERRORS as exc:
        _away(exc)
