"""Step 4 of a check: write attempts, plain updates and transitions, in bulk and once."""

import logging
from datetime import datetime

from django.db import connection, transaction
from psycopg2.extras import execute_values

from claims.services import (
    evidence_judge_pending,
    origins_update_for_source,
    source_event_record,
)
from sources import captures, changes
from sources import selectors as source_selectors
from sources.models import NOTES_MAX, TITLE_MAX, CheckAttempt, Snapshot, Source
from sources.services import feeds_record, source_fingerprint_store

from .decide import Decision

log = logging.getLogger(__name__)


def write(decisions: list[Decision], *, now: datetime) -> None:
    CheckAttempt.objects.bulk_create(
        CheckAttempt(
            source_id=d.source.pk,
            started_at=d.started_at,
            duration_ms=d.duration_ms,
            outcome=d.outcome,
            http_status=d.http_status,
            error=d.error[:2000],
            notes="; ".join(d.notes)[:NOTES_MAX],
        )
        for d in decisions
    )
    plain = [d for d in decisions if not d.transition]
    _bulk_update(plain)
    for d in plain:
        if d.capture_unchanged:
            captures.capture_store(source=d.source, result=d.result, fetched_at=d.started_at)
    for d in decisions:
        if d.transition:
            _write_transition(d, now=now)
    # Evidence linked before its source's first fetch is judged on the first snapshot:
    # one UPDATE for the batch (claims.services).
    evidence_judge_pending(
        source_ids=[d.source.pk for d in decisions if d.transition and d.snapshot is not None]
    )


PLAIN_FIELDS = [
    "last_checked_at",
    "next_check_at",
    "http_status",
    "consecutive_failures",
    "etag",
    "last_modified",
    "body_hash",
    "last_error",
    "scripted",
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
            last_error = v.last_error,
            scripted = v.scripted,
            check_requested_at = CASE WHEN s.check_requested_at <= v.started_at
                THEN NULL ELSE s.check_requested_at END
        FROM (VALUES %s) AS v(id, last_checked_at, next_check_at, http_status,
            consecutive_failures, etag, last_modified, body_hash, last_error, scripted,
            started_at)
        WHERE s.id = v.id
    """  # noqa: S608 (the table name is ours; values go as parameters)
    template = (
        "(%s, %s::timestamptz, %s::timestamptz, %s::integer, %s::integer, %s, %s, %s, %s,"
        " %s::boolean, %s::timestamptz)"
    )
    with connection.cursor() as cursor:
        execute_values(cursor.cursor, sql, rows, template=template, page_size=1000)


def _write_transition(d: Decision, *, now: datetime) -> None:
    """Write a changed state, snapshot and events together, once. A snapshot is stored
    with the capture of its exchange (sources.captures), whose hash the snapshot and the
    events keep; so is an unchanged page whose source still needs a capture.

    The update is conditional on the content hash and state this check started from;
    if another run of the check got there first it matches no row and nothing is written.
    """
    s = d.source
    fields = dict(d.fields)
    if d.snapshot is not None:
        fields["content_hash"] = d.snapshot.content_hash
        if d.change_kind not in (changes.FIRST, changes.REREAD):
            fields["last_changed_at"] = now
        if d.snapshot.title:  # the current headline, shown wherever the source is
            fields["title"] = d.snapshot.title[:TITLE_MAX]
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
        snapshot = capture = None
        if d.result is not None and (d.snapshot is not None or d.capture_unchanged):
            capture = captures.capture_store(source=s, result=d.result, fetched_at=d.started_at)
        if d.snapshot is not None:
            snapshot = Snapshot.objects.create(
                source=s,
                created_at=now,
                title=d.snapshot.title[:500],
                text=d.snapshot.text,
                content_hash=d.snapshot.content_hash,
                http_status=d.http_status,
                change_kind=d.change_kind,
                language=d.snapshot.language[:16],
                read_from=d.snapshot.read_from,
                paywalled=d.snapshot.paywalled,
                replacements=d.snapshot.replacements,
                capture=capture,
                capture_sha256=capture.sha256 if capture else "",
            )
        for kind, payload in d.events:
            extra = {"http_status": d.http_status} if d.http_status else {}
            if snapshot is not None:
                extra["snapshot"] = snapshot.pk
                if d.previous_snapshot is not None:
                    extra["previous_snapshot"] = d.previous_snapshot.pk
            if capture is not None:
                extra["capture"] = capture.sha256
            source_event_record(source=s, kind=kind, payload={**extra, **payload}, at=now)
        if d.fingerprint is not None:
            # What the new snapshot says about where it comes from: the claims citing
            # the source are grouped into origins again (incrementally, claims.services).
            source_fingerprint_store(source=s, fingerprint=d.fingerprint, snapshot=snapshot)
            origins_update_for_source(source=s)
        if d.feed_links and s.outlet_id:
            feeds_record(outlet_id=s.outlet_id, links=d.feed_links)
    for name, value in fields.items():
        setattr(s, name, value)


def latest_snapshots(sources: list[Source]) -> dict[int, Snapshot]:
    """The newest snapshot of each source, in one query (sources.selectors)."""
    return source_selectors.latest_snapshots(s.pk for s in sources)
