"""Checking sources: fetch a batch concurrently, decide what happened, write it in bulk.

The worker (monitoring.tasks.check_sources), the operator's command (check_source) and
"Refresh now" all come here. One batch:

1. Load the sources and, in the same query, whether the claims citing them are closed and
   whether a source still needs a capture (none since its evidence was last linked).
2. Fetch them in one event loop through the guard (`fetching`, over sources.fetch), with
   conditional headers (none for a source that needs a capture: a 304 has no body), at
   most K at once per host and a gap between requests (hostlimits).
3. Decide per source (`decide`, pure): outcome, new state, next check, and for a change the
   snapshot and timeline events. Text is extracted only when the body is new.
4. Write (`write`): one bulk insert of check attempts, one bulk update of the sources whose state
   did not change, and for the changes one conditional update of them all (a row is written
   only where its content hash and state are still as loaded; one that is not was written
   by another run of the same check, so a redelivered message writes no second snapshot or
   event), then their captures, snapshots, events and fingerprints in bulk, and the claims
   citing them regrouped into origins once: a constant number of queries per batch. A page
   that did not change is captured only when its source needs a capture, so every linked
   source is captured at least once and an unchanged page is not stored again at every check.
5. Return the transient failures (timeouts, connection errors, 5xx) for a retry at
   `retry_at`, one time for the batch: the task queues the retry for it, and the source
   page says "retrying at" it (monitoring.selectors.check_facts).
"""

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone

from claims.models import Claim
from sources.models import Capture, Source

from .. import schedule
from .decide import Decision, decide
from .fetching import elapsed_ms, fetch_many
from .write import latest_snapshots, write

LEASE = schedule.LEASE


def load_batch(source_ids: list[int]) -> list[Source]:
    """The sources with `claims_closed_at`: when the last citing claim got its verdict,
    or None while any citing claim is open (or none cites it); and `needs_capture`: the
    source has no capture, or none since its evidence was last linked."""
    open_claims = Count("evidence", filter=Q(evidence__claim__status=Claim.Status.UNVERIFIED))
    # Capture's FK index on source_id finds a source's few captures.
    last_capture = Capture.objects.filter(source=OuterRef("pk")).order_by("-fetched_at")
    sources = list(
        Source.objects.filter(pk__in=source_ids).annotate(
            cited=Count("evidence"),
            open_claims=open_claims,
            last_verdict_at=Max("evidence__claim__verdict_at"),
            last_linked_at=Max("evidence__added_at"),
            last_capture_at=Subquery(last_capture.values("fetched_at")[:1]),
        )
    )
    for source in sources:
        closed = source.cited and not source.open_claims
        source.claims_closed_at = source.last_verdict_at if closed else None
        source.needs_capture = source.last_capture_at is None or (
            source.last_linked_at is not None and source.last_capture_at < source.last_linked_at
        )
    return sources


# --- the whole check ---------------------------------------------------------------------


@dataclass
class BatchReport:
    decisions: list[Decision]
    retry_ids: list[int]
    fetch_ms: int
    total_ms: int
    retry_at: datetime | None = None  # when the retry batch of `retry_ids` is due


def check_batch(
    source_ids: list[int], *, attempt: int = 0, now: datetime | None = None
) -> BatchReport:
    """Check these sources now (steps 1-5 above). Safe to run twice for the same ids."""
    t0 = time.monotonic()
    sources = load_batch(source_ids)
    if not sources:
        return BatchReport([], [], 0, 0)
    fetched = asyncio.run(fetch_many(sources))
    fetch_ms = elapsed_ms(t0)
    now = now or timezone.now()
    by_id = {s.pk: s for s in sources}
    # Extraction and comparison need the last snapshot only where a new body came back.
    needs_previous = [
        by_id[f.source_id]
        for f in fetched
        if f.result is not None
        and 200 <= f.result.status < 300
        and (f.result.body_hash != by_id[f.source_id].body_hash or f.result.redirects)
    ]
    previous = latest_snapshots(needs_previous)
    decisions = [
        decide(
            by_id[f.source_id],
            f,
            now=now,
            attempt=attempt,
            previous=previous.get(f.source_id),
        )
        for f in fetched
    ]
    retry = [d for d in decisions if d.retry]
    retry_at = now + retry_delay(attempt) if retry else None
    for d in retry:
        # Leased past the retry's time so the dispatcher leaves it alone;
        # nothing else of the source changes until the check's last try.
        d.fields = {"next_check_at": retry_at + LEASE}
    write(decisions, now=now)
    return BatchReport(
        decisions, [d.source.pk for d in retry], fetch_ms, elapsed_ms(t0), retry_at=retry_at
    )


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff with full jitter: ~10s, ~20s, ... at most 5 minutes."""
    ceiling = min(10 * 2**attempt, settings.MONITOR_RETRY_MAX_DELAY)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))
