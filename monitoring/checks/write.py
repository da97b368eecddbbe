"""Step 4 of a check: write attempts, plain updates and transitions, in bulk and once."""

import logging
from datetime import datetime

from django.db import connection, transaction
from psycopg2.extras import execute_values

from claims.services import (
    evidence_judge_pending,
    origins_update_for_sources,
    source_events_record,
)
from sources import captures, changes
from sources import selectors as source_selectors
from sources.models import NOTES_MAX, TITLE_MAX, CheckAttempt, Snapshot, Source
from sources.services import feeds_record, source_fingerprints_store

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
    written = _write_transitions([d for d in decisions if d.transition], now=now)
    # The claims citing sources with new fingerprints are grouped into origins again,
    # all at once, in a transaction of its own: it locks those claims in one statement
    # after the events' transaction let go of theirs (claims.services).
    origins_update_for_sources(source_ids=[d.source.pk for d in written if d.fingerprint])
    # Evidence linked before its source's first fetch is judged on the first snapshot:
    # one UPDATE for the batch (claims.services).
    evidence_judge_pending(source_ids=[d.source.pk for d in written if d.snapshot is not None])


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


def _write_transitions(transitions: list[Decision], *, now: datetime) -> list[Decision]:
    """Write the changed states, snapshots and events of a batch together, once, in
    one transaction and a constant number of queries. A snapshot is stored with the
    capture of its exchange (sources.captures), whose hash the snapshot and the events
    keep; so is an unchanged page whose source still needs a capture. Returns the
    decisions written.

    1. One conditional UPDATE of every changed source (`_update_transitions`): a source
       whose content hash or state is no longer the one this check started from was
       written by another run of the check, and nothing of it is written here.
    2. The captures, snapshots, source events (claims.services) and fingerprints of the
       sources written, each in bulk.
    """
    if not transitions:
        return []
    for d in transitions:
        d.fields = dict(d.fields)
        if d.snapshot is not None:
            d.fields["content_hash"] = d.snapshot.content_hash
            if d.change_kind not in (changes.FIRST, changes.REREAD):
                d.fields["last_changed_at"] = now
            if d.snapshot.title:  # the current headline, shown wherever the source is
                d.fields["title"] = d.snapshot.title[:TITLE_MAX]
    with transaction.atomic():
        written = _update_transitions(transitions)
        written_ids = {id(d) for d in written}  # by identity: comparing dataclasses is O(n²)
        for d in transitions:
            if id(d) not in written_ids:
                log.info("Source %s was already updated by another check; skipping", d.source.pk)
        with_snapshot = [d for d in written if d.snapshot is not None]
        exchanges = [
            d
            for d in written
            if d.result is not None and (d.snapshot is not None or d.capture_unchanged)
        ]
        stored = captures.captures_store(
            exchanges=[(d.source, d.result, d.started_at) for d in exchanges]
        )
        capture_of = {id(d): capture for d, capture in zip(exchanges, stored, strict=True)}
        snapshots = Snapshot.objects.bulk_create(
            Snapshot(
                source=d.source,
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
                capture=capture_of.get(id(d)),
                capture_sha256=capture_of[id(d)].sha256 if capture_of.get(id(d)) else "",
            )
            for d in with_snapshot
        )
        snapshot_of = {id(d): snap for d, snap in zip(with_snapshot, snapshots, strict=True)}
        events = []
        for d in written:
            snapshot, capture = snapshot_of.get(id(d)), capture_of.get(id(d))
            for kind, payload in d.events:
                extra = {"http_status": d.http_status} if d.http_status else {}
                if snapshot is not None:
                    extra["snapshot"] = snapshot.pk
                    if d.previous_snapshot is not None:
                        extra["previous_snapshot"] = d.previous_snapshot.pk
                if capture is not None:
                    extra["capture"] = capture.sha256
                events.append((d.source, kind, {**extra, **payload}, now))
        source_events_record(events=events)
        # What the new snapshots say about where they come from (the claims citing them
        # are grouped into origins again once this is committed: `write`).
        source_fingerprints_store(
            fingerprints=[
                (d.source, d.fingerprint, snapshot_of.get(id(d)))
                for d in written
                if d.fingerprint is not None
            ]
        )
        links: dict[int, list[tuple[str, str]]] = {}
        for d in written:
            if d.feed_links and d.source.outlet_id:
                links.setdefault(d.source.outlet_id, []).extend(d.feed_links)
        for outlet_id, outlet_links in links.items():
            feeds_record(outlet_id=outlet_id, links=outlet_links)
    for d in written:
        for name, value in d.fields.items():
            setattr(d.source, name, value)
    return written


def _update_transitions(transitions: list[Decision]) -> list[Decision]:
    """The conditional update of step 1, in one UPDATE ... FROM (VALUES ...) RETURNING:
    each row is written only where the content hash and state are still the ones its
    check started from, and only the fields its decision sets (the others keep what the
    row holds). `check_requested_at` is cleared when the request came before the check.
    Returns the decisions whose row was written."""
    if connection.vendor != "postgresql":
        written = []
        for d in transitions:
            s = d.source
            same = Source.objects.filter(pk=s.pk, content_hash=s.content_hash, state=s.state)
            if same.update(**d.fields):
                Source.objects.filter(pk=s.pk, check_requested_at__lte=d.started_at).update(
                    check_requested_at=None
                )
                written.append(d)
        return written
    columns = sorted({name for d in transitions for name in d.fields})
    fields = [Source._meta.get_field(name) for name in columns]
    rows = []
    for d in sorted(transitions, key=lambda d: d.source.pk):  # rows locked in id order
        values = [
            field.get_db_prep_save(d.fields[field.name], connection)
            if field.name in d.fields
            else None
            for field in fields
        ]
        values = [str(v) if isinstance(v, str) else v for v in values]  # choices as text
        set_names = [name for name in columns if name in d.fields]
        rows.append(
            (d.source.pk, d.source.content_hash, d.source.state, d.started_at, set_names, *values)
        )
    table = Source._meta.db_table
    assignments = ",\n".join(
        f"{f.column} = CASE WHEN '{f.name}' = ANY(v.set_names)"
        f" THEN v.{f.column} ELSE s.{f.column} END"
        for f in fields
    )
    sql = f"""
        UPDATE {table} AS s SET
            {assignments},
            check_requested_at = CASE WHEN s.check_requested_at <= v.started_at
                THEN NULL ELSE s.check_requested_at END
        FROM (VALUES %s) AS v(id, old_content_hash, old_state, started_at, set_names,
            {", ".join(f.column for f in fields)})
        WHERE s.id = v.id AND s.content_hash = v.old_content_hash AND s.state = v.old_state
        RETURNING s.id
    """  # noqa: S608 (names are our model's; values go as parameters)
    casts = ", ".join(f"%s::{f.db_type(connection)}" for f in fields)
    template = f"(%s, %s, %s, %s::timestamptz, %s::text[], {casts})"
    with connection.cursor() as cursor:
        ids = {
            row[0]
            for row in execute_values(
                cursor.cursor, sql, rows, template=template, page_size=len(rows), fetch=True
            )
        }
    return [d for d in transitions if d.source.pk in ids]


def latest_snapshots(sources: list[Source]) -> dict[int, Snapshot]:
    """The newest snapshot of each source, in one query (sources.selectors)."""
    return source_selectors.latest_snapshots(s.pk for s in sources)
