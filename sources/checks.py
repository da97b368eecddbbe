"""Checking sources: fetch a batch concurrently, decide what happened, write it in bulk.

The worker (sources.tasks.check_sources), the operator's command (check_source) and
"Refresh now" all come here. One batch:

1. Load the sources and, in the same query, whether the claims citing them are closed.
2. Fetch them in one event loop through the guard (sources.fetch), with conditional
   headers, at most K at once per host and a gap between requests (sources.hostlimits).
3. Decide per source (`decide`): outcome, new state, next check, and for a change the
   snapshot and timeline events. Text is extracted only when the body is new.
4. Write: one bulk insert of check attempts, one bulk update of the sources whose state
   did not change, and for each change a conditional update (`filter(pk, content_hash,
   state).update(...)`): zero rows means another run of the same check already wrote it,
   so a redelivered message writes no second snapshot or event.
5. Return the transient failures (timeouts, connection errors, 5xx) for a retry.
"""

import asyncio
import logging
import random
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from claims.models import Claim, ClaimEvent

from . import changes, fetch, schedule
from .hostlimits import HostLimiter
from .models import CheckAttempt, Snapshot, Source

log = logging.getLogger(__name__)

Kind = ClaimEvent.Kind
Outcome = CheckAttempt.Outcome
State = Source.State

EVENT_FOR_CHANGE = {
    changes.EDITED: Kind.SOURCE_CHANGED,
    changes.HEADLINE: Kind.SOURCE_HEADLINE_CHANGED,
    changes.CORRECTION: Kind.SOURCE_CORRECTION,
    changes.RETRACTION: Kind.SOURCE_RETRACTION,
}
PERMANENT_REDIRECTS = (301, 308)
TRANSIENT_FAILURES = ("timeout", "connection")
# A redirect to a page sharing less than this much wording is a different article.
SAME_ARTICLE = 0.5
LEASE = schedule.LEASE


@dataclass
class Fetched:
    source_id: int
    started_at: datetime
    duration_ms: int
    result: fetch.FetchResult | None = None
    error: Exception | None = None


@dataclass
class Decision:
    """What one check of one source comes to."""

    source: Source
    outcome: str
    http_status: int | None
    duration_ms: int
    started_at: datetime
    error: str = ""
    change_kind: str = ""
    retry: bool = False
    fields: dict = field(default_factory=dict)  # plain updates
    snapshot: changes.Extracted | None = None  # new content to store
    events: list[tuple[str, dict]] = field(default_factory=list)
    previous_snapshot: Snapshot | None = None

    @property
    def transition(self) -> bool:
        return bool(self.snapshot or self.events or "state" in self.fields)

    @property
    def failed(self) -> bool:
        return self.outcome in (Outcome.BLOCKED, Outcome.ERROR, Outcome.TIMEOUT)


# --- 1. load ---------------------------------------------------------------------------


def load_batch(source_ids: list[int]) -> list[Source]:
    """The sources with `claims_closed_at`: when the last citing claim got its verdict,
    or None while any citing claim is open (or none cites it)."""
    open_claims = Count("evidence", filter=Q(evidence__claim__status=Claim.Status.UNVERIFIED))
    sources = list(
        Source.objects.filter(pk__in=source_ids).annotate(
            cited=Count("evidence"),
            open_claims=open_claims,
            last_verdict_at=Max("evidence__claim__verdict_at"),
        )
    )
    for source in sources:
        closed = source.cited and not source.open_claims
        source.claims_closed_at = source.last_verdict_at if closed else None
    return sources


# --- 2. fetch --------------------------------------------------------------------------


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
    4. What is not fetched by `deadline` seconds (under the task's soft time limit) is
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

    async def one(session, source: Source) -> Fetched:
        started_at = timezone.now()
        t0 = time.monotonic()
        conditional = bool(source.content_hash)
        try:
            result = await fetch.fetch_async(
                source.url,
                etag=source.etag if conditional else "",
                last_modified=source.last_modified if conditional else "",
                session=session,
            )
        except (fetch.FetchBlocked, fetch.FetchFailed) as exc:
            return Fetched(source.pk, started_at, _ms(t0), error=exc)
        except Exception as exc:  # a bug must cost one source, not the batch
            log.exception("Fetching %s failed unexpectedly", source.url)
            return Fetched(source.pk, started_at, _ms(t0), error=exc)
        return Fetched(source.pk, started_at, result.elapsed_ms or _ms(t0), result=result)

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
        async with fetch.make_session(
            limit=settings.MONITOR_CONCURRENCY, limit_per_host=per_host
        ) as session:
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


def _ms(t0: float) -> int:
    return int((time.monotonic() - t0) * 1000)


# --- 3. decide -------------------------------------------------------------------------


def decide(
    source: Source,
    fetched: Fetched,
    *,
    now: datetime,
    attempt: int = 0,
    previous: Snapshot | None = None,
) -> Decision:
    """What a fetch means for `source`: outcome, state, events, next check.

    `previous` is the latest snapshot, needed only when the content changed (the
    caller loads it lazily through `previous` being None and `content_hash` set).
    """
    d = Decision(
        source=source,
        outcome=Outcome.UNCHANGED,
        http_status=None,
        duration_ms=fetched.duration_ms,
        started_at=fetched.started_at,
        previous_snapshot=previous,
    )
    closed = getattr(source, "claims_closed_at", None)
    failures = 0
    error = fetched.error
    result = fetched.result
    if isinstance(error, fetch.FetchBlocked):
        d.outcome, d.error = Outcome.BLOCKED, error.reason
        if source.state != State.BLOCKED:
            d.fields["state"] = State.BLOCKED
            d.events.append((Kind.SOURCE_BLOCKED, {"reason": error.reason}))
    elif error is not None:
        kind = getattr(error, "kind", "error")
        d.outcome = Outcome.TIMEOUT if kind == "timeout" else Outcome.ERROR
        d.error = str(error) or kind
        d.retry = kind in TRANSIENT_FAILURES
    elif result.status == 304:
        d.outcome, d.http_status = Outcome.NOT_MODIFIED, 304
        _back(source, d)
        _moved(source, result, d)  # the same content at a new address
    elif result.status in (404, 410):
        d.outcome, d.http_status = Outcome.GONE, result.status
        if source.state != State.GONE:
            d.fields["state"] = State.GONE
            d.events.append((Kind.SOURCE_GONE, {"http_status": result.status}))
    elif result.status >= 500:
        d.outcome, d.http_status = Outcome.ERROR, result.status
        d.error = f"HTTP {result.status}"
        d.retry = True
    elif result.status >= 400 or result.status < 200 or result.status >= 300:
        d.outcome, d.http_status = Outcome.ERROR, result.status
        d.error = f"HTTP {result.status}"
    else:
        d.http_status = result.status
        _content(source, result, d)

    if d.failed:
        if d.retry and attempt < settings.MONITOR_RETRIES:
            return d  # retried soon; the failure counts when the last try fails
        d.retry = False
        failures = source.consecutive_failures + 1
        d.fields["consecutive_failures"] = failures
        if (
            d.outcome != Outcome.BLOCKED
            and failures >= settings.MONITOR_UNREACHABLE_AFTER
            and source.state not in (State.UNREACHABLE, State.BLOCKED)
        ):
            d.fields["state"] = State.UNREACHABLE
            d.events.append(
                (Kind.SOURCE_UNREACHABLE, {"failures": failures, "error": d.error[:500]})
            )
        if d.outcome == Outcome.BLOCKED:
            failures = 0  # a blocked source waits a week, not a backoff
    else:
        d.fields["consecutive_failures"] = 0
    if d.http_status is not None:
        d.fields["http_status"] = d.http_status
    d.fields["last_checked_at"] = now
    scheduled = Source(
        state=d.fields.get("state", source.state),
        created_at=source.created_at,
        last_changed_at=now if d.change_kind else source.last_changed_at,
    )
    d.fields["next_check_at"] = schedule.next_check_at(
        scheduled,
        now=now,
        changed=bool(d.change_kind) and d.change_kind != changes.FIRST,
        failures=failures,
        claims_closed_at=closed,
    )
    return d


def _back(source: Source, d: Decision) -> None:
    if source.state in (State.GONE, State.UNREACHABLE, State.BLOCKED):
        d.fields["state"] = State.LIVE
        d.events.append(
            (
                Kind.SOURCE_BACK,
                {"before": {"state": source.state}, "after": {"state": State.LIVE}},
            )
        )
    elif source.state == State.NEW:
        d.fields["state"] = State.LIVE


def _permanent_redirect(source: Source, result: fetch.FetchResult) -> bool:
    return (
        bool(result.redirects)
        and result.url != source.url
        and all(status in PERMANENT_REDIRECTS for status, _ in result.redirects)
    )


def _moved(source: Source, result: fetch.FetchResult, d: Decision) -> bool:
    """A permanent redirect: the source moved (an event, unless it redirected from the
    start: a link that always redirected moved nothing)."""
    if not _permanent_redirect(source, result):
        return False
    if source.state != State.MOVED or source.moved_to != result.url:
        d.fields["state"] = State.MOVED
        d.fields["moved_to"] = result.url[:2048]
        if source.state != State.NEW:
            d.outcome = Outcome.MOVED
            status = result.redirects[0][0]
            d.events.append(
                (
                    Kind.SOURCE_MOVED,
                    {
                        "location": result.url,
                        "http_status": status,
                        "before": {"url": source.moved_to or source.url},
                        "after": {"url": result.url},
                    },
                )
            )
    return True


def _content(source: Source, result: fetch.FetchResult, d: Decision) -> None:
    """A 2xx answer: moved? redirected to another article? changed?"""
    d.fields["etag"] = (result.etag or "")[:500]
    d.fields["last_modified"] = (result.last_modified or "")[:100]
    d.fields["body_hash"] = result.body_hash
    redirected = bool(result.redirects) and result.url != source.url
    permanent = _permanent_redirect(source, result)
    if not redirected and result.body_hash == source.body_hash and source.content_hash:
        _back(source, d)
        if source.state == State.MOVED:  # answering at its own address again
            d.fields["state"], d.fields["moved_to"] = State.LIVE, ""
        return  # the very same bytes: nothing to extract
    new = changes.extract(result.text, url=result.url, content_type=result.content_type)
    if not result.text:
        # Not text we read (PDF, image...): the body hash is its content.
        new = changes.Extracted(source.title, f"[{result.content_type}] {result.body_hash}")
    previous = d.previous_snapshot
    before = changes.Extracted(previous.title, previous.text) if previous else None
    if redirected and before is not None and changes.similarity(before, new) < SAME_ARTICLE:
        d.outcome = Outcome.CHANGED
        d.change_kind = changes.RETRACTION
        d.snapshot = new
        d.events.append(
            (
                Kind.SOURCE_RETRACTION,
                {
                    "reason": "redirects to a different article",
                    "location": result.url,
                    "before": {"url": source.url, "title": before.title},
                    "after": {"url": result.url, "title": new.title},
                },
            )
        )
        if permanent:
            d.fields["moved_to"] = result.url[:2048]
            d.fields["state"] = State.MOVED
        elif source.state != State.LIVE:
            d.fields["state"] = State.LIVE
        return
    if not _moved(source, result, d):
        _back(source, d)
        if source.state == State.MOVED:
            d.fields["state"] = State.LIVE
            d.fields["moved_to"] = ""
    kind, notice = changes.classify(before, new)
    if before is None and source.content_hash == new.content_hash:
        kind = ""  # no snapshot kept, yet the hash is known: unchanged
    if not kind:
        return
    d.change_kind = kind
    d.snapshot = new
    if d.outcome != Outcome.MOVED:
        d.outcome = Outcome.CHANGED
    if kind == changes.FIRST:
        return
    payload = _before_after(before, new)
    if notice:
        payload["notice"] = notice
    d.events.append((EVENT_FOR_CHANGE[kind], payload))


def _before_after(before: changes.Extracted, after: changes.Extracted) -> dict:
    """A change as the timeline shows it: `before`/`after` with the headline when it
    changed and the words removed and added (the full diff is on the source page)."""
    was, now = {}, {}
    if changes.normalise(before.title) != changes.normalise(after.title):
        was["title"], now["title"] = before.title, after.title
    diff = changes.diff_summary(before.text, after.text)
    if diff["removed"] or diff["added"]:
        was["text"], now["text"] = diff["removed"], diff["added"]
    return {"before": was, "after": now}


# --- 4. write --------------------------------------------------------------------------


def write(decisions: list[Decision], *, now: datetime) -> None:
    CheckAttempt.objects.bulk_create(
        CheckAttempt(
            source_id=d.source.pk,
            started_at=d.started_at,
            duration_ms=d.duration_ms,
            outcome=d.outcome,
            http_status=d.http_status,
            error=d.error[:2000],
        )
        for d in decisions
    )
    plain = [d for d in decisions if not d.transition]
    _bulk_update(plain)
    for d in decisions:
        if d.transition:
            _write_transition(d, now=now)


PLAIN_FIELDS = [
    "last_checked_at",
    "next_check_at",
    "http_status",
    "consecutive_failures",
    "etag",
    "last_modified",
    "body_hash",
]


def _bulk_update(decisions: list[Decision]) -> None:
    """One UPDATE ... FROM (VALUES ...) for every source whose state did not change.

    `check_requested_at` is cleared only when the request came before this check started.
    """
    if not decisions:
        return
    rows = []
    for d in decisions:
        s = d.source
        values = {name: getattr(s, name) for name in PLAIN_FIELDS}
        values.update({k: v for k, v in d.fields.items() if k in values})
        rows.append((s.pk, *(values[name] for name in PLAIN_FIELDS), d.started_at))
    if connection.vendor != "postgresql":
        for d, row in zip(decisions, rows, strict=True):
            Source.objects.filter(pk=d.source.pk).update(
                **dict(zip(PLAIN_FIELDS, row[1:-1], strict=True))
            )
            Source.objects.filter(pk=d.source.pk, check_requested_at__lte=d.started_at).update(
                check_requested_at=None
            )
        return
    from psycopg2.extras import execute_values

    table = Source._meta.db_table
    sql = f"""
        UPDATE {table} AS s SET
            last_checked_at = v.last_checked_at,
            next_check_at = v.next_check_at,
            http_status = v.http_status,
            consecutive_failures = v.consecutive_failures,
            etag = v.etag,
            last_modified = v.last_modified,
            body_hash = v.body_hash,
            check_requested_at = CASE WHEN s.check_requested_at <= v.started_at
                THEN NULL ELSE s.check_requested_at END
        FROM (VALUES %s) AS v(id, last_checked_at, next_check_at, http_status,
            consecutive_failures, etag, last_modified, body_hash, started_at)
        WHERE s.id = v.id
    """  # noqa: S608 (the table name is ours; values go as parameters)
    template = (
        "(%s, %s::timestamptz, %s::timestamptz, %s::integer, %s::integer, %s, %s, %s,"
        " %s::timestamptz)"
    )
    with connection.cursor() as cursor:
        execute_values(cursor.cursor, sql, rows, template=template, page_size=1000)


def _write_transition(d: Decision, *, now: datetime) -> None:
    """Write a changed state, snapshot and events together, once.

    The update is conditional on the content hash and state this check started from;
    if another run of the check got there first it matches no row and nothing is written.
    """
    from claims.services import source_event_record

    s = d.source
    fields = dict(d.fields)
    if d.snapshot is not None:
        fields["content_hash"] = d.snapshot.content_hash
        if d.change_kind != changes.FIRST:
            fields["last_changed_at"] = now
        if d.snapshot.title and (not s.title or d.change_kind == changes.FIRST):
            fields["title"] = d.snapshot.title[:500]
    with transaction.atomic():
        updated = Source.objects.filter(pk=s.pk, content_hash=s.content_hash, state=s.state).update(
            **fields
        )
        if not updated:
            log.info("Source %s was already updated by another check; skipping", s.pk)
            return
        Source.objects.filter(pk=s.pk, check_requested_at__lte=d.started_at).update(
            check_requested_at=None
        )
        snapshot = None
        if d.snapshot is not None:
            snapshot = Snapshot.objects.create(
                source=s,
                created_at=now,
                title=d.snapshot.title[:500],
                text=d.snapshot.text,
                content_hash=d.snapshot.content_hash,
                http_status=d.http_status,
                change_kind=d.change_kind,
            )
        for kind, payload in d.events:
            extra = {"http_status": d.http_status} if d.http_status else {}
            if snapshot is not None:
                extra["snapshot"] = snapshot.pk
                if d.previous_snapshot is not None:
                    extra["previous_snapshot"] = d.previous_snapshot.pk
            source_event_record(source=s, kind=kind, payload={**extra, **payload}, at=now)
    for name, value in fields.items():
        setattr(s, name, value)


def _latest_snapshots(sources: list[Source]) -> dict[int, Snapshot]:
    """The newest snapshot of each source, in one query (DISTINCT ON on PostgreSQL)."""
    ids = [s.pk for s in sources]
    if not ids:
        return {}
    if connection.vendor == "postgresql":
        rows = (
            Snapshot.objects.filter(source_id__in=ids)
            .order_by("source_id", "-created_at", "-id")
            .distinct("source_id")
        )
        return {snap.source_id: snap for snap in rows}
    latest = {}
    for snap in Snapshot.objects.filter(source_id__in=ids).order_by("-created_at", "-id"):
        latest.setdefault(snap.source_id, snap)
    return latest


# --- the whole check ---------------------------------------------------------------------


@dataclass
class BatchReport:
    decisions: list[Decision]
    retry_ids: list[int]
    fetch_ms: int
    total_ms: int


def check_batch(
    source_ids: list[int], *, attempt: int = 0, now: datetime | None = None
) -> BatchReport:
    """Check these sources now (steps 1-5 above). Safe to run twice for the same ids."""
    t0 = time.monotonic()
    sources = load_batch(source_ids)
    if not sources:
        return BatchReport([], [], 0, 0)
    fetched = asyncio.run(fetch_many(sources))
    fetch_ms = _ms(t0)
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
    previous = _latest_snapshots(needs_previous)
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
    for d in retry:
        # Keep the lease over the retry's countdown so the dispatcher leaves it alone.
        d.fields = {"next_check_at": now + LEASE + retry_delay(attempt)}
    write(decisions, now=now)
    return BatchReport(decisions, [d.source.pk for d in retry], fetch_ms, _ms(t0))


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff with full jitter: ~10s, ~20s, ... at most 5 minutes."""
    ceiling = min(10 * 2**attempt, settings.MONITOR_RETRY_MAX_DELAY)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))
