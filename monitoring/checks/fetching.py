"""Step 2 of a check: fetch a batch concurrently through the guard, politely per host."""

import asyncio
import contextlib
import logging
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from sources import fetch, render
from sources.models import Source

from ..hostlimits import HostLimiter

log = logging.getLogger(__name__)


@dataclass
class Fetched:
    source_id: int
    started_at: datetime
    duration_ms: int
    result: fetch.FetchResult | None = None
    error: Exception | None = None
    # The page as headless Chromium rendered it (Source.render; sources.render).
    rendered: str | None = None


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


async def fetch_many(
    sources: list[Source], *, limiter: HostLimiter | None = None, deadline: float | None = None
) -> list[Fetched]:
    """Fetch every source concurrently, politely.

    1. Group the sources by host and ask for every host's slots in one round trip.
    2. Per host, one lane per slot goes through the host's sources one after another
       (pausing MONITOR_HOST_GAP_MS between requests), so no host ever has more than
       K requests open across all workers. A host at its limit waits for a slot.
    3. A host gives its slots back as soon as its sources are done.
    4. A source with `render` on whose page came back as HTML is then read again through
       headless Chromium (sources.render: one browser for the batch, launched only if a
       source needs it, every request of it through the guard); its HTML is `rendered`.
       A render past its limits is the check's error (RenderFailed, not retried).
    5. What is not fetched by `deadline` seconds (under the task's soft time limit) is
       a timeout, retried like one.
    """
    own_limiter = limiter is None
    limiter = limiter or HostLimiter()
    deadline = deadline if deadline is not None else settings.MONITOR_SOFT_TIME_LIMIT - 15
    by_host: dict[str, deque[Source]] = defaultdict(deque)
    for source in sources:
        by_host[_host(source.url)].append(source)
    per_host = max(1, limiter.per_host)
    results: dict[int | None, Fetched] = {}
    renderer = render.Renderer() if any(s.render for s in sources) else None

    async def one(session, source: Source) -> Fetched:
        started_at = timezone.now()
        t0 = time.monotonic()
        # A rendered page's shell may stay byte for byte the same while its text changes:
        # it is asked for in full every time; so is a page still to be captured (a 304
        # has no body to keep).
        conditional = (
            bool(source.content_hash)
            and not source.render
            and not getattr(source, "needs_capture", False)
        )
        try:
            result = await fetch.fetch_async(
                source.url,
                etag=source.etag if conditional else "",
                last_modified=source.last_modified if conditional else "",
                session=session,
            )
        except (fetch.FetchBlocked, fetch.FetchFailed) as exc:
            return Fetched(source.pk, started_at, elapsed_ms(t0), error=exc)
        except Exception as exc:  # a bug must cost one source, not the batch
            log.exception("Fetching %s failed unexpectedly", source.url)
            return Fetched(source.pk, started_at, elapsed_ms(t0), error=exc)
        if renderer is not None and source.render and _renderable(result):
            try:
                rendered = await renderer.render(result.url, result=result)
            except render.RenderFailed as exc:
                return Fetched(source.pk, started_at, elapsed_ms(t0), error=exc)
            except Exception as exc:  # a bug must cost one source, not the batch
                log.exception("Rendering %s failed unexpectedly", source.url)
                return Fetched(source.pk, started_at, elapsed_ms(t0), error=exc)
            return Fetched(source.pk, started_at, elapsed_ms(t0), result=result, rendered=rendered)
        return Fetched(source.pk, started_at, result.elapsed_ms or elapsed_ms(t0), result=result)

    async def lane(session, host: str, queue: deque[Source]) -> None:
        while queue:
            source = queue.popleft()
            await limiter.pace(host)
            results[id(source)] = await one(session, source)

    async def run_host(session, host: str, queue: deque[Source], slots: int) -> None:
        if not slots:
            slots = await limiter.acquire(host, min(per_host, len(queue)))
        try:
            await asyncio.gather(*(lane(session, host, queue) for _ in range(slots)))
        finally:
            await asyncio.shield(limiter.release(host, slots))

    try:
        granted = await limiter.acquire_many(
            {host: min(per_host, len(queue)) for host, queue in by_host.items()}
        )
        async with (
            fetch.make_session(
                limit=settings.MONITOR_CONCURRENCY, limit_per_host=per_host
            ) as session,
            renderer or contextlib.nullcontext(),
        ):
            try:
                async with asyncio.timeout(deadline):
                    await asyncio.gather(
                        *(
                            run_host(session, host, queue, granted[host])
                            for host, queue in by_host.items()
                        )
                    )
            except TimeoutError:
                log.warning("Batch deadline of %ss passed; the rest is retried", deadline)
    finally:
        if own_limiter:
            await limiter.close()
    now = timezone.now()
    late = fetch.FetchFailed("timeout", "Not reached before the batch deadline.")
    return [results.get(id(s)) or Fetched(s.pk, now, 0, error=late) for s in sources]


def _renderable(result: fetch.FetchResult) -> bool:
    """An HTML page that answered 2xx: what a browser can render into text."""
    return 200 <= result.status < 300 and result.content_type in (
        "text/html",
        "application/xhtml+xml",
    )


def elapsed_ms(t0: float) -> int:
    return int((time.monotonic() - t0) * 1000)
