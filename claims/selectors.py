"""Reads for claims: lists, search and detail, each in a constant number of queries."""

import itertools
import multiprocessing
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter

from django.contrib.postgres.search import SearchQuery
from django.db import connection, transaction
from django.db.models import (
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncQuarter
from django.http import Http404
from django.utils import timezone

from sources.captures import capture_verify
from sources.models import Capture, Snapshot, Source

from . import chain, similarity
from .models import (
    STATEMENT_MAX,
    Claim,
    ClaimEvent,
    ClaimStatus,
    Evidence,
    EvidenceStance,
    Origin,
)
from .records import Record

SEARCH_CONFIG = "english"
# The claim list's sorts: name -> (label, ordering). The web form and the API offer these.
SORTS = {
    "newest": ("Newest", ("-created_at", "-id")),
    "active": ("Recently active", ("-last_activity_at", "-id")),
    "sources": ("Most sources", ("-source_count", "-last_activity_at", "-id")),
    "independent": (
        "Most independent support",
        ("-supports_origins", "-supports_count", "-last_activity_at", "-id"),
    ),
}
SORT_CHOICES = [(name, label) for name, (label, _) in SORTS.items()]
# claims.similarity's score from which a claim is shown as a look-alike, and from which
# "Log a claim" asks before it saves (a near-certain duplicate). Calibrated on the
# Emergent claims (docs/discovery.md, "Ranking").
SIMILAR_AT = 0.25
DUPLICATE_AT = 0.7
# pg_trgm's similarity in Python: claims.similarity is its home now.
trigram_similarity = similarity.trigram_similarity
# Words of a query: letters and digits only, so a prefix tsquery built from them is safe.
_WORD = re.compile(r"\w+", re.UNICODE)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _prefix_query(q: str) -> SearchQuery | None:
    """`united nat` -> to_tsquery('united:* & nat:*'): matches while the user is typing."""
    words = _WORD.findall(q)[:12]
    if not words:
        return None
    return SearchQuery(" & ".join(f"{w}:*" for w in words), search_type="raw", config=SEARCH_CONFIG)


def _search(claims: QuerySet[Claim], q: str) -> QuerySet[Claim]:
    """Full-text search over statement, context and evidence quotes (icontains on SQLite).

    PostgreSQL matches the stored `search_vector` (written by claims.services) through
    its GIN index, so a search costs the same at 1,000 claims or 100,000.
    """
    if not _is_postgres():
        quoted = Evidence.objects.filter(quote__icontains=q).values("claim_id")
        return claims.filter(Q(statement__icontains=q) | Q(context__icontains=q) | Q(pk__in=quoted))
    query = _prefix_query(q)
    if query is None:
        return claims
    return claims.filter(search_vector=query)


def _outlet_filter(outlet: str) -> Q:
    """An outlet by its code, or by its domain (`?outlet=dawn.com`)."""
    try:
        lookup = {"source__outlet__code": uuid.UUID(outlet)}
    except ValueError:
        lookup = {"source__outlet__domain": outlet.strip().lower().removeprefix("www.")}
    return Q(pk__in=Evidence.objects.filter(**lookup).values("claim_id"))


def claim_list(
    *,
    q: str = "",
    status: str = "",
    tag: str = "",
    outlet: str = "",
    needs_review: bool = False,
    sort: str = "newest",
    within: QuerySet | None = None,
    origins: bool = True,
) -> QuerySet[Claim]:
    """Claims matching the list filters, shared by the web list, the API and exports.

    Merged duplicates and withdrawn claims are left out. Each claim carries its stored
    `supports_count`, `denies_count`, `neutral_count`, `source_count` and `review_count`
    (kept right by claims.services), and its tags are prefetched. Filters go through
    subqueries, never joins, so no DISTINCT is needed; every sort and filter has its index
    (Claim.Meta). `sort` is newest, active or sources. Nothing here counts the whole
    result: lists page with claimwatch.paging, which reads one row more than it shows.
    `within` (a subquery of claim ids, a scope of claims.hooks) keeps those claims only.
    Without `origins` the origin counts are not annotated unless the sort needs them: a
    caller showing one page asks for its rows' counts with `page_origin_counts` (one grouped
    query, issue 24).
    """
    claims = Claim.objects.filter(merged_into=None, withdrawn_at=None).defer("search_vector")
    q = (q or "").strip()
    if q:
        claims = _search(claims, q)
    if status:
        claims = claims.filter(status=status)
    if tag:
        claims = claims.filter(tags__name=tag.strip().lower())
    if outlet:
        claims = claims.filter(_outlet_filter(outlet))
    if needs_review:
        claims = claims.filter(review_count__gt=0)
    if within is not None:
        claims = claims.filter(pk__in=within)
    _, order = SORTS.get(sort, SORTS["newest"])
    if origins or any(name.endswith("_origins") for name in order):
        claims = with_origin_counts(claims)
    return claims.prefetch_related("tags").order_by(*order)


def claims_similar(statement: str, *, exclude: Claim | None = None, limit: int = 5) -> list[Claim]:
    """Existing claims that look like `statement`, most similar first, each with its
    `similarity` (0 to 1) and `shared_words`, to catch duplicates before they are logged.

    Ranked by claims.similarity (rare words such as names and places weigh more than
    common ones); only those scoring SIMILAR_AT or more. An over-long statement is
    refused by the form before any search is run for it.
    """
    statement = " ".join((statement or "").split())
    # A text no claim may have (too long, or with a NUL PostgreSQL refuses) is not searched:
    # the form refuses it, and the search must not cost seconds first.
    if len(statement) < 8 or len(statement) > STATEMENT_MAX or "\x00" in statement:
        return []
    claims = Claim.objects.filter(merged_into=None, withdrawn_at=None)
    if exclude is not None:
        claims = claims.exclude(pk=exclude.pk)
    matches = similarity.rank(statement, claims=claims, limit=limit, min_score=SIMILAR_AT)
    found = Claim.objects.in_bulk([m.claim_id for m in matches])
    result = []
    for match in matches:
        claim = found[match.claim_id]
        claim.similarity = round(match.score, 2)
        claim.shared_words = match.shared
        result.append(claim)
    return result


def claim_for_page(code: uuid.UUID) -> Claim | None:
    """The claim with its tags and author, or None. Merged claims are returned as they are.

    The ids of the duplicates merged into it come along (Claim.timeline_claim_ids), so
    that every read of its timeline finds the events by index without asking again."""
    return (
        Claim.objects.select_related("created_by", "verdict_by", "merged_into")
        .prefetch_related(
            "tags", Prefetch("merged_claims", Claim.objects.only("pk", "merged_into"))
        )
        .filter(code=code)
        .first()
    )


def claim_or_404(code: uuid.UUID, *, live: bool = False) -> Claim:
    """The claim for a page, view or API call, or 404. `live`: one that can still be
    changed (a merged duplicate cannot)."""
    claim = claim_for_page(code)
    if claim is None:
        raise Http404("No such claim.")
    if live and claim.merged_into_id:
        raise Http404("This claim was merged into another; change that one.")
    return claim


def with_snapshots(evidence: QuerySet[Evidence]) -> QuerySet[Evidence]:
    """Evidence with the snapshot its stance was given for (`judged_snapshot`, joined)
    and, in the same query, the source's current one: `current_snapshot_id`,
    `current_title`, `current_taken_at`, `current_capture_sha256` (None before the first
    check). Evidence.changed_since_judged and diff_query read them; every surface that
    shows a stance's headline loads its evidence through here."""
    latest = Snapshot.objects.filter(source=OuterRef("source_id")).order_by("-created_at", "-id")
    return evidence.select_related("judged_snapshot").annotate(
        current_snapshot_id=Subquery(latest.values("pk")[:1]),
        current_title=Subquery(latest.values("title")[:1]),
        current_taken_at=Subquery(latest.values("created_at")[:1]),
        current_capture_sha256=Subquery(latest.values("capture_sha256")[:1]),
    )


def claim_evidence(claim: Claim) -> list[Evidence]:
    """The claim's evidence with source, outlet, who linked it, the snapshot judged and
    the current one (with_snapshots), oldest first: one query."""
    return list(
        with_snapshots(claim.evidence.select_related("source__outlet", "added_by", "origin"))
        .defer("judged_snapshot__text")
        .order_by("added_at", "id")
    )


def timeline(claim: Claim, *, kind: str = "") -> QuerySet[ClaimEvent]:
    """The claim's events with who and which source, newest first: its own and those of
    the duplicates merged into it (Claim.timeline). `kind` is an event kind or the group
    "source" (every source_* kind)."""
    events = claim.timeline().select_related("actor", "source")
    if kind == "source":
        events = events.filter(kind__in=ClaimEvent.SOURCE_KINDS)
    elif kind:
        events = events.filter(kind=kind)
    return events.order_by("-created_at", "-id")


def claim_events(
    claim: Claim,
    *,
    kind: str = "",
    before: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> tuple[list[ClaimEvent], bool]:
    """One page of the timeline, newest first, and whether there is more.

    `kind` is an event kind or the group "source" (every source_* kind). `before` is
    the (created_at, id) of the last event shown: keyset paging stays fast and stable
    while new events arrive. Events of duplicates merged into the claim are included.
    """
    events = timeline(claim, kind=kind)
    if before is not None:
        at, pk = before
        events = events.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    page = list(events.order_by("-created_at", "-id")[: limit + 1])
    return page[:limit], len(page) > limit


def claim_strip_points(
    claim: Claim, evidence: list[Evidence] | None = None
) -> tuple[list[Evidence], list[ClaimEvent], list[ClaimEvent]]:
    """What the visual strip plots: evidence by time and stance, verdict changes, and
    changes of the cited sources (the kinds that ask for a review). `evidence`: all of
    the claim's, when the caller has it loaded already (claim_evidence)."""
    if evidence is None:
        evidence = claim.evidence.only("added_at", "stance", "source_id")
    evidence = sorted(evidence, key=lambda ev: ev.added_at)
    events = list(
        claim.timeline()
        .filter(kind__in=[ClaimEvent.Kind.VERDICT_SET, *ClaimEvent.REVIEW_KINDS])
        .only("kind", "created_at", "payload")
        .order_by("created_at", "id")
    )
    verdicts = [e for e in events if e.kind == ClaimEvent.Kind.VERDICT_SET]
    changes = [e for e in events if e.kind != ClaimEvent.Kind.VERDICT_SET]
    return evidence, verdicts, changes


def review_queue(*, within: QuerySet | None = None) -> tuple[list[Evidence], list[Claim]]:
    """Evidence whose source changed since it was linked, and claims past `resolves_at`
    without a verdict: two queries whatever the size. `within` (a subquery of claim
    ids, a scope of claims.hooks) keeps what is on those claims."""
    # What changed: the latest event that flagged the evidence, read in the same query.
    latest = ClaimEvent.objects.filter(
        claim=OuterRef("claim"), source=OuterRef("source"), kind__in=ClaimEvent.REVIEW_KINDS
    ).order_by("-created_at", "-id")
    changed = Evidence.objects.filter(
        needs_review=True, claim__merged_into=None, claim__withdrawn_at=None
    )
    overdue = Claim.objects.filter(
        status=Claim.Status.UNVERIFIED,
        resolves_at__isnull=False,
        resolves_at__lte=timezone.now(),
        merged_into=None,
        withdrawn_at=None,
    )
    if within is not None:
        changed = changed.filter(claim__in=within)
        overdue = overdue.filter(pk__in=within)
    evidence = list(
        with_snapshots(changed.select_related("claim", "source__outlet"))
        .defer("judged_snapshot__text")
        .annotate(
            change_kind=Subquery(latest.values("kind")[:1]),
            change_at=Subquery(latest.values("created_at")[:1]),
            change_payload=Subquery(latest.values("payload")[:1]),
        )
        .order_by("added_at", "id")[:200]
    )
    kinds = dict(ClaimEvent.Kind.choices)
    for ev in evidence:
        ev.change_label = kinds.get(ev.change_kind, "")
    return evidence, list(overdue.order_by("resolves_at", "id")[:200])


def source_citations(source) -> list[Evidence]:
    """The claims citing a source, with their stance and who linked it, newest link first
    (merged ones left out)."""
    return list(
        Evidence.objects.filter(source=source, claim__merged_into=None)
        .select_related("claim", "added_by")
        .order_by("-added_at", "-id")
    )


def outlet_citations(outlet, limit: int = 200) -> list[Evidence]:
    """What an outlet's sources said about claims: supports and denies, newest first."""
    return list(
        Evidence.objects.filter(
            source__outlet=outlet,
            stance__in=[Evidence.Stance.SUPPORTS, Evidence.Stance.DENIES],
            claim__merged_into=None,
        )
        .select_related("claim", "source")
        .order_by("-added_at", "-id")[:limit]
    )


def with_stance_counts(outlets: QuerySet) -> QuerySet:
    """Outlets annotated with how many links of their sources support and deny claims.

    Subqueries in the SELECT list: PostgreSQL counts for the rows of the page only,
    where Count() over a join would count for every outlet before the page is cut.
    """
    said = Evidence.objects.filter(source__outlet=OuterRef("pk")).order_by()

    def count(stance: str) -> Coalesce:
        rows = said.filter(stance=stance).values("source__outlet").annotate(n=Count("pk"))
        return Coalesce(Subquery(rows.values("n")), 0)

    return outlets.annotate(
        supports_count=count(Evidence.Stance.SUPPORTS),
        denies_count=count(Evidence.Stance.DENIES),
    )


@dataclass
class SourceChange:
    """One change of one source, and the evidence of every claim citing it that waits for a
    review: the review queue shows it once, however many claims cite the source."""

    source: Source
    kind: str
    label: str
    at: datetime | None
    payload: dict
    evidence: list[Evidence]

    @property
    def diff_query(self) -> str:
        """The source page's query showing this change's word diff, when it stored one."""
        old, new = self.payload.get("previous_snapshot"), self.payload.get("snapshot")
        return f"?old={old}&new={new}" if old and new else ""


def review_changes(evidence: list[Evidence]) -> list[SourceChange]:
    """The review queue's evidence grouped by source change, newest change first."""
    groups: dict[tuple, SourceChange] = {}
    for ev in evidence:
        key = (ev.source_id, ev.change_at)
        if key not in groups:
            groups[key] = SourceChange(
                ev.source,
                ev.change_kind or "",
                ev.change_label,
                ev.change_at,
                ev.change_payload if isinstance(ev.change_payload, dict) else {},
                [],
            )
        groups[key].evidence.append(ev)
    oldest = timezone.now() - timedelta(days=365 * 100)
    return sorted(groups.values(), key=lambda g: g.at or oldest, reverse=True)


def event_record(event: ClaimEvent, claim_code) -> dict:
    """An event's canonical content (claims.chain), as stored."""
    return chain.record(
        claim_code=claim_code,
        seq=event.seq,
        kind=event.kind,
        actor_id=event.actor_id,
        created_at=event.created_at,
        payload=event.payload,
        source_id=event.source_id,
        prev=event.prev_hash,
    )


# Events of one claim that timeline_verify reads at a time; a shorter timeline is one fetch.
VERIFY_PAGE_CHUNK = 500


def timeline_verify(claim: Claim) -> chain.Break | None:
    """Recompute the claim's hash chain from its stored events; the first break or None.

    Reads the events in `seq` order as plain rows, a chunk at a time (a server-side
    cursor) when the timeline is longer than one chunk, in one fetch otherwise: the claim
    page verifies on every view, and a cursor costs two more round trips.
    """
    rows = (
        ClaimEvent.objects.filter(claim_id=claim.pk)
        .order_by("seq")
        .values_list(
            "seq", "kind", "actor_id", "created_at", "payload", "source_id", "prev_hash", "hash"
        )
    )
    if claim.timeline_length > VERIFY_PAGE_CHUNK:
        rows = rows.iterator(chunk_size=VERIFY_PAGE_CHUNK)
    code = str(claim.code)
    records = (
        (
            chain.record(
                claim_code=code,
                seq=seq,
                kind=kind,
                actor_id=actor_id,
                created_at=created_at,
                payload=payload,
                source_id=source_id,
                prev=prev_hash,
            ),
            stored,
        )
        for seq, kind, actor_id, created_at, payload, source_id, prev_hash, stored in rows
    )
    return chain.verify(code, records, head=claim.timeline_head, length=claim.timeline_length)


# Rows the verifier's server-side cursor fetches at a time.
VERIFY_CHUNK = 5000
# Processes that share `timelines_verify` of every claim on PostgreSQL, each over a range
# of claims, all in one snapshot of the database: the machine's cores (docs/benchmarks.md).
VERIFY_PROCESSES = 2
# Every event of every claim in (claim, seq) order. PostgreSQL gives the code and the time
# in the form the chain hashes; SQLite stores them its own way (hex code, naive UTC time),
# which `_sqlite_row` turns into that form.
_TIMELINES = """
    SELECT c.id, {code}, c.timeline_head, c.timeline_length,
           e.seq, e.kind, e.actor_id, {created_at}, {payload}, e.source_id,
           e.prev_hash, e.hash
    FROM claims_claim c LEFT JOIN claims_claimevent e ON e.claim_id = c.id
    {where}
    ORDER BY c.id, e.seq
"""
_TIMELINE_COLUMNS = {
    "postgresql": {
        "code": "c.code::text",
        "created_at": """to_char(e.created_at AT TIME ZONE 'UTC',
                                 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')""",
        "payload": "e.payload::text",
    },
    "sqlite": {"code": "c.code", "created_at": "e.created_at", "payload": "e.payload"},
}
# The first claim id of each of %s parts of the claims in id order, the parts about even
# in events (each claim weighs what its timeline_length says, plus one).
_TIMELINE_PARTS = """
    SELECT min(id) FROM (
        SELECT id, (sum(timeline_length + 1) OVER (ORDER BY id) - 1) * %s
                   / sum(timeline_length + 1) OVER () AS part
        FROM claims_claim
    ) parts GROUP BY part ORDER BY part
"""
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9A-F]+)?")


def _sqlite_row(row: tuple) -> tuple:
    code = str(uuid.UUID(row[1]))
    if row[4] is None:  # a claim without events
        return (row[0], code, *row[2:])
    at = row[7] if isinstance(row[7], datetime) else datetime.fromisoformat(row[7])
    at = chain.timestamp(at.replace(tzinfo=UTC))
    return (row[0], code, *row[2:7], at, *row[8:])


@dataclass
class _Named:
    """What the events of the claims read so far name: each capture at its first
    (claim id, code, seq), each cited source at its first (claim id, code)."""

    captures: dict[str, tuple[int, str, int]]
    sources: dict[int, tuple[int, str]]

    def merge(self, other: "_Named") -> None:
        for mine, theirs in ((self.captures, other.captures), (self.sources, other.sources)):
            for key, first in theirs.items():
                if key not in mine or first < mine[key]:
                    mine[key] = first


@dataclass
class _Read:
    """What one reader of a range of claims found: claims and events read, what they
    name, and the first chain break as (claim id, break)."""

    claims: int
    events: int
    named: _Named
    chain_break: tuple[int, chain.Break] | None


def timelines_verify(
    *,
    claim_id: int | None = None,
    progress=None,
    every: int = 10_000,
    processes: int = VERIFY_PROCESSES,
) -> tuple[int, chain.Break | None]:
    """Everything `verify_timeline` checks, for every claim (or one): how many claims
    were read and the first break, or None.

    1. Server-side cursors read every event of every claim in (claim, seq) order, in one
       snapshot of the database, VERIFY_CHUNK rows at a time. On PostgreSQL, for every
       claim and outside a transaction, the claims are split by id into `processes`
       ranges about even in events: this process reads the first, a forked helper each
       other one, on its own connection in the snapshot this transaction exports
       (pg_export_snapshot, SET TRANSACTION SNAPSHOT). Otherwise one cursor reads all.
    2. Each claim's chain is verified as its events go by (claims.chain.verify_stored),
       and the captures its events name are noted; `progress(claims, events)`, counted
       over every reader, about every `every` claims. A reader's first broken chain stops
       its read.
    3. The captures named by the claims read are checked in sets: rows in chunks, each
       file re-hashed once (a pruned one holds), then every snapshot whose capture hash
       changed, in one query.
    The first break is the first claim's (by id) with one; within a claim its chain
    comes before its captures, as for one claim at a time.
    """
    split = (
        processes > 1
        and claim_id is None
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )
    with transaction.atomic():
        helpers: list[_Helper] = []
        where, params = ("WHERE c.id = %s", [claim_id]) if claim_id is not None else ("", [])
        if split:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                cursor.execute(_TIMELINE_PARTS, [processes])
                starts = [row[0] for row in cursor.fetchall()]
            if len(starts) > 1:
                ranges = list(zip(starts, [*starts[1:], None], strict=True))
                conn_params = connection.get_connection_params()
                helpers = [_Helper(snapshot, conn_params, *r) for r in ranges[1:]]
                where, params = _range_where(*ranges[0])
        counter = _Progress(progress, every, helpers)
        try:
            with connection.chunked_cursor() as cursor:
                columns = _TIMELINE_COLUMNS[connection.vendor]
                cursor.execute(_TIMELINES.format(where=where, **columns), params)
                rows = itertools.chain.from_iterable(
                    iter(lambda: cursor.cursor.fetchmany(VERIFY_CHUNK), [])
                )
                if connection.vendor == "sqlite":
                    rows = map(_sqlite_row, rows)
                read = _timelines_read(rows, counter.own)
            reads = [read]
            if read.chain_break is None:
                reads += [helper.result(counter.tick) for helper in helpers]
                counter.tick()
        finally:
            for helper in helpers:
                helper.stop()
        named = reads[0].named
        for other in reads[1:]:
            named.merge(other.named)
        problems = _captures_verify(named)
    for read in reads:
        if read.chain_break is not None:
            problems.append(((read.chain_break[0], 0, 0), read.chain_break[1]))
    claims = sum(read.claims for read in reads)
    return claims, min(problems, key=itemgetter(0))[1] if problems else None


def _range_where(low: int, high: int | None) -> tuple[str, list]:
    if high is None:
        return "WHERE c.id >= %s", [low]
    return "WHERE c.id >= %s AND c.id < %s", [low, high]


_event_fields = itemgetter(slice(4, None))


def _timelines_read(rows, counted) -> _Read:
    """Verify the chains of rows of `_TIMELINES`; `counted(claims, events)` after each
    claim."""
    named = _Named(captures={}, sources={})
    claims = events = 0
    for claim_id, group in itertools.groupby(rows, key=itemgetter(0)):
        first = next(group)
        code, head, length = first[1], first[2], first[3]
        # the rest of the group, read once, as the chain is walked
        records = () if first[4] is None else itertools.chain([first], group)  # noqa: B031
        records = map(_event_fields, records)
        noted: list = []
        problem = chain.verify_stored(code, records, head=head, length=length, named=noted)
        for capture, seq, source_id in noted:
            named.captures.setdefault(capture, (claim_id, code, seq))
            if source_id is not None:
                named.sources.setdefault(source_id, (claim_id, code))
        claims += 1
        if problem is not None:
            return _Read(claims, events, named, (claim_id, problem))
        events += length  # as verified
        counted(claims, events)
    return _Read(claims, events, named, None)


class _Progress:
    """`progress(claims, events)` over this process's read and its helpers', each time
    the claims read pass another `every`."""

    def __init__(self, progress, every: int, helpers: list["_Helper"]):
        self.progress, self.every, self.helpers = progress, max(1, every), helpers
        self.mine = (0, 0)
        self.next = self.every

    def own(self, claims: int, events: int) -> None:
        self.mine = (claims, events)
        self.tick()

    def tick(self) -> None:
        if self.progress is None:
            return
        claims = self.mine[0] + sum(helper.shared[0] for helper in self.helpers)
        if claims >= self.next:
            events = self.mine[1] + sum(helper.shared[1] for helper in self.helpers)
            self.progress(claims, events)
            self.next = (claims // self.every + 1) * self.every


class _Helper:
    """A forked process that verifies the chains of the claims with ids in [low, high)
    in the exported snapshot, on a connection of its own (it never touches this
    process's), and sends back its `_Read`; its counts so far in `shared`."""

    def __init__(self, snapshot: str, conn_params: dict, low: int, high: int | None):
        if not _SNAPSHOT_ID.fullmatch(snapshot):
            raise ValueError(f"unexpected snapshot id {snapshot!r}")
        context = multiprocessing.get_context("fork")
        self.shared = context.Array("q", 2, lock=False)
        self.reader, writer = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_helper_main,
            args=(snapshot, conn_params, low, high, self.shared, writer),
            daemon=True,
        )
        self.process.start()
        writer.close()

    def result(self, waiting) -> _Read:
        """The helper's read; `waiting()` about twice a second until it is in."""
        while not self.reader.poll(0.5):
            waiting()
        outcome = self.reader.recv()  # EOFError if it died without a word
        if isinstance(outcome, str):
            raise RuntimeError(f"verify_timeline helper failed: {outcome}")
        return outcome

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.reader.close()


def _helper_main(snapshot, conn_params, low, high, shared, writer) -> None:
    try:
        raw = connection.Database.connect(**conn_params)
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        where, params = _range_where(low, high)

        def counted(claims: int, events: int) -> None:
            shared[0], shared[1] = claims, events

        with raw.cursor(name="timelines_verify") as cursor:
            cursor.itersize = VERIFY_CHUNK
            sql = _TIMELINES.format(where=where, **_TIMELINE_COLUMNS["postgresql"])
            cursor.execute(sql, params)
            rows = itertools.chain.from_iterable(iter(lambda: cursor.fetchmany(VERIFY_CHUNK), []))
            writer.send(_timelines_read(rows, counted))
        raw.rollback()
        raw.close()
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises
        writer.send(f"{type(exc).__name__}: {exc}")
    finally:
        writer.close()


def _captures_verify(named: _Named) -> list[tuple[tuple[int, int, int], chain.Break]]:
    """Breaks among the named captures, each keyed by (claim's place, 1 for a capture's
    file or 2 for a snapshot, seq) so that the first one sorts first."""
    problems = []
    hashes = list(named.captures)
    for start in range(0, len(hashes), VERIFY_CHUNK):
        chunk = hashes[start : start + VERIFY_CHUNK]
        found = {c.sha256: c for c in Capture.objects.filter(sha256__in=chunk)}
        for sha256 in chunk:
            capture = found.get(sha256)
            reason = "is missing" if capture is None else capture_verify(capture)
            if reason:
                place, code, seq = named.captures[sha256]
                problems.append(
                    ((place, 1, seq), chain.Break(code, seq, f"capture {sha256}: {reason}"))
                )
    altered = (
        Snapshot.objects.filter(capture__isnull=False)
        .exclude(capture_sha256=F("capture__sha256"))
        .values_list("pk", "source_id")
    )
    for pk, source_id in altered:
        if source_id in named.sources:
            place, code = named.sources[source_id]
            reason = f"snapshot {pk} no longer names its capture's hash"
            problems.append(((place, 2, 0), chain.Break(code, None, reason)))
    return problems


def decided_source_ids() -> QuerySet:
    """Sources cited by a claim with a verdict: their captures are kept whatever the
    retention limit (sources.captures.captures_prune)."""
    return (
        Evidence.objects.exclude(claim__status=Claim.Status.UNVERIFIED)
        .values_list("source_id", flat=True)
        .distinct()
    )


# --- origins and outlet records (claims.origins, claims.records) -------------------------


def origin_counts(evidence: list[Evidence]) -> dict[str, int]:
    """Independent origins per stance, from a claim's evidence as loaded: the distinct
    origins of each stance, and each source not grouped yet (never checked) as its own."""
    seen: dict[str, set] = {stance.value: set() for stance in Evidence.Stance}
    for ev in evidence:
        seen[ev.stance].add(ev.origin_id or f"ev{ev.pk}")
    return {stance: len(origins) for stance, origins in seen.items()}


def _independent_origins():
    """The distinct origins of some evidence, each source not grouped yet as its own."""
    return Count("origin", distinct=True) + Count("pk", filter=Q(origin=None))


def _origins_of(stance: str):
    per_claim = (
        Evidence.objects.filter(claim=OuterRef("pk"), stance=stance)
        .order_by()
        .values("claim")
        .annotate(n=_independent_origins())
        .values("n")[:1]
    )
    return Coalesce(Subquery(per_claim), 0)


def page_origin_counts(claims: list[Claim]) -> None:
    """Set supports_origins, denies_origins and neutral_origins on each of `claims` (one
    page of a list made without them), as with_origin_counts would, in one query. Claims
    that have them already (a list sorted by them) are left as they are."""
    claims = [claim for claim in claims if not hasattr(claim, "supports_origins")]
    if not claims:
        return
    counts: dict = {}
    grouped = (
        Evidence.objects.filter(claim__in=[claim.pk for claim in claims])
        .order_by()
        .values("claim", "stance")
        .annotate(n=_independent_origins())
        .values_list("claim", "stance", "n")
    )
    for claim_id, stance, n in grouped:
        counts[claim_id, stance] = n
    stance = Evidence.Stance
    for claim in claims:
        claim.supports_origins = counts.get((claim.pk, stance.SUPPORTS), 0)
        claim.denies_origins = counts.get((claim.pk, stance.DENIES), 0)
        claim.neutral_origins = counts.get((claim.pk, stance.NEUTRAL), 0)


def with_origin_counts(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Annotate supports_origins, denies_origins and neutral_origins (see origin_counts)."""
    stance = Evidence.Stance
    return claims.annotate(
        supports_origins=_origins_of(stance.SUPPORTS),
        denies_origins=_origins_of(stance.DENIES),
        neutral_origins=_origins_of(stance.NEUTRAL),
    )


@dataclass
class OriginGroup:
    origin: Origin | None
    label: str
    evidence: list[Evidence]

    @property
    def stances(self) -> dict[str, int]:
        counts = {stance.value: 0 for stance in Evidence.Stance}
        for ev in self.evidence:
            counts[ev.stance] += 1
        return counts


def claim_origins(evidence: list[Evidence]) -> list[OriginGroup]:
    """A claim's evidence (as loaded with its origins) by origin, the largest first."""
    groups: dict = {}
    for ev in evidence:
        key = ev.origin_id or f"ev{ev.pk}"
        if key not in groups:
            label = ev.origin.label if ev.origin_id else ""
            groups[key] = OriginGroup(ev.origin, label or ev.source.title or ev.source.url, [])
        groups[key].evidence.append(ev)
    return sorted(groups.values(), key=lambda g: (-len(g.evidence), g.evidence[0].added_at))


# A decided claim, and the stance that agreed with its verdict.
DECIDED = {
    ClaimStatus.CONFIRMED: EvidenceStance.SUPPORTS,
    ClaimStatus.DENIED: EvidenceStance.DENIES,
}


def _record_counts() -> dict:
    """agreed, disagreed and neutral as filtered counts over Evidence rows."""
    stance, status = Evidence.Stance, Claim.Status
    agreed = Q(stance=stance.SUPPORTS, claim__status=status.CONFIRMED) | Q(
        stance=stance.DENIES, claim__status=status.DENIED
    )
    disagreed = Q(stance=stance.SUPPORTS, claim__status=status.DENIED) | Q(
        stance=stance.DENIES, claim__status=status.CONFIRMED
    )
    return {
        "agreed": Count("pk", filter=agreed),
        "disagreed": Count("pk", filter=disagreed),
        "neutral": Count("pk", filter=Q(stance=stance.NEUTRAL)),
    }


def _decided_evidence():
    return Evidence.objects.filter(
        claim__status__in=list(DECIDED), claim__merged_into=None, source__outlet__isnull=False
    ).order_by()


def outlet_records(outlet_ids) -> dict[int, Record]:
    """The record of each of these outlets (claims.records), in one query."""
    ids = {pk for pk in outlet_ids if pk is not None}
    if not ids:
        return {}
    rows = (
        _decided_evidence()
        .filter(source__outlet_id__in=ids)
        .values("source__outlet_id")
        .annotate(**_record_counts())
    )
    return {
        row["source__outlet_id"]: Record(row["agreed"], row["disagreed"], row["neutral"])
        for row in rows
    }


def outlet_record(outlet) -> Record:
    return outlet_records([outlet.pk]).get(outlet.pk, Record())


def outlet_record_by_quarter(outlet) -> list[tuple[str, Record]]:
    """The record over time, ("2014 Q4", record) by the quarter the stance was taken
    (the evidence's link time), oldest first."""
    rows = (
        _decided_evidence()
        .filter(source__outlet=outlet)
        .annotate(quarter=TruncQuarter("added_at"))
        .values("quarter")
        .annotate(**_record_counts())
        .order_by("quarter")
    )
    return [
        (
            f"{row['quarter']:%Y} Q{(row['quarter'].month - 1) // 3 + 1}",
            Record(row["agreed"], row["disagreed"], row["neutral"]),
        )
        for row in rows
    ]


def evidence_with_records(evidence: list[Evidence]) -> list[Evidence]:
    """Give each piece of evidence `outlet_record`, its outlet's record (one query)."""
    records = outlet_records(ev.source.outlet_id for ev in evidence)
    for ev in evidence:
        ev.outlet_record = records.get(ev.source.outlet_id, Record())
    return evidence
