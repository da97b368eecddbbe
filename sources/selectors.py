"""Reads of sources, snapshots, check attempts and outlets, each in a constant number of
queries. What claims say about them (evidence, stance counts) is claims.selectors'."""

import uuid
from collections import defaultdict

from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from . import origins
from .changes import DiffPart, word_diff
from .models import CheckAttempt, Feed, Outlet, Snapshot, Source, SourceBand

ATTEMPTS_SHOWN = 50
SNAPSHOTS_SHOWN = 100


def _count(rows: QuerySet, group: str) -> Coalesce:
    """How many `rows` (already filtered by an OuterRef) there are, as a subquery.

    Unlike Count() over a join, a subquery in the SELECT list is run only for the rows
    of the page (LIMIT 25), not for the whole table before the page is cut.
    """
    counted = rows.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def _cited() -> Coalesce:
    """How many claims cite each source: a subquery on the evidence table, reached through
    the reverse relation (sources import nothing from claims)."""
    evidence = Source._meta.get_field("evidence").related_model.objects
    return _count(evidence.filter(source=OuterRef("pk")), "source")


def source_list(*, q: str = "", state: str = "", outlet: str = "") -> QuerySet[Source]:
    """Sources with their outlet and how many claims cite them, newest first."""
    sources = Source.objects.select_related("outlet").annotate(cited=_cited())
    q = (q or "").strip()
    if q:
        sources = sources.filter(Q(title__icontains=q) | Q(url__icontains=q))
    if state:
        sources = sources.filter(state=state)
    if outlet:
        try:
            sources = sources.filter(outlet__code=uuid.UUID(outlet))
        except ValueError:
            sources = sources.none()
    return sources.order_by("-created_at", "-id")


def source_for_page(code: uuid.UUID) -> Source | None:
    return Source.objects.select_related("outlet", "added_by").filter(code=code).first()


def source_snapshots(source: Source) -> list[Snapshot]:
    """Newest first, without their text (the diff loads the two it shows)."""
    return list(
        source.snapshots.select_related("capture")
        .defer("text")
        .order_by("-created_at", "-id")[:SNAPSHOTS_SHOWN]
    )


def latest_snapshots(source_ids, *, text: bool = True) -> dict[int, Snapshot]:
    """The newest snapshot of each source (by id), in one query (DISTINCT ON on
    PostgreSQL); without their text when `text` is False."""
    ids = list(source_ids)
    if not ids:
        return {}
    snapshots = Snapshot.objects.filter(source_id__in=ids)
    if not text:
        snapshots = snapshots.defer("text")
    if connection.vendor == "postgresql":
        rows = snapshots.order_by("source_id", "-created_at", "-id").distinct("source_id")
        return {snap.source_id: snap for snap in rows}
    latest = {}
    for snap in snapshots.order_by("-created_at", "-id"):
        latest.setdefault(snap.source_id, snap)
    return latest


def source_attempts(source: Source) -> list[CheckAttempt]:
    return list(source.attempts.order_by("-started_at", "-id")[:ATTEMPTS_SHOWN])


def snapshot_diff(
    source: Source, *, old: int | None = None, new: int | None = None
) -> tuple[Snapshot | None, Snapshot | None, list[DiffPart]]:
    """The word-level diff between two snapshots of `source` (ids), by default the two
    newest. Unknown ids fall back to the defaults; one query."""
    wanted = [pk for pk in (old, new) if pk is not None]
    snaps = {
        s.pk: s
        for s in source.snapshots.select_related("capture").filter(
            Q(pk__in=wanted)
            | Q(pk__in=source.snapshots.order_by("-created_at", "-id").values("pk")[:2])
        )
    }
    newest = sorted(snaps.values(), key=lambda s: (s.created_at, s.pk), reverse=True)
    after = snaps.get(new) or (newest[0] if newest else None)
    before = snaps.get(old) or next((s for s in newest if s is not after), None)
    if before is None or after is None:
        return before, after, []
    if (before.created_at, before.pk) > (after.created_at, after.pk):
        before, after = after, before
    text_before = f"{before.title}\n\n{before.body}"
    text_after = f"{after.title}\n\n{after.body}"
    return before, after, word_diff(text_before, text_after)


def outlet_list(*, kind: str = "", reliability: str = "", q: str = "") -> QuerySet[Outlet]:
    """Outlets with how many sources each has, by name (counted for the page's rows)."""
    outlets = Outlet.objects.annotate(
        source_count=_count(Source.objects.filter(outlet=OuterRef("pk")), "outlet")
    )
    if kind:
        outlets = outlets.filter(kind=kind)
    if reliability:
        outlets = outlets.filter(reliability=reliability)
    q = (q or "").strip()
    if q:
        outlets = outlets.filter(Q(name__icontains=q) | Q(domain__icontains=q))
    return outlets.order_by("name", "id")


def outlet_for_page(code: uuid.UUID) -> Outlet | None:
    return Outlet.objects.filter(code=code).first()


def outlet_feeds(outlet: Outlet) -> list[Feed]:
    """The outlet's feeds, found or added, with their polling state: one query."""
    return list(outlet.feeds.order_by("url"))


def outlet_sources(outlet: Outlet, limit: int = 100) -> list[Source]:
    return list(outlet.sources.annotate(cited=_cited()).order_by("-created_at", "-id")[:limit])


def near_duplicates(fingerprints: dict[int, bytes]) -> dict[tuple[int, int], float]:
    """Pairs of these sources (ids -> their signatures) whose texts are near-duplicates,
    with their estimated similarity: (a, b) with a < b."""
    return near_duplicates_within([fingerprints])[0]


def near_duplicates_within(
    groups: list[dict[int, bytes]],
) -> list[dict[tuple[int, int], float]]:
    """For each group of sources (ids -> their signatures; a claim's sources), the pairs
    of the group whose texts are near-duplicates, with their estimated similarity:
    (a, b) with a < b. Sources are compared within their group only.

    1. Load the LSH band hashes of every group's sources (one indexed query; BANDS rows
       per source).
    2. Sources of one group sharing a (band, hash) bucket are candidates.
    3. A candidate pair is kept when its signatures agree on NEAR_DUPLICATE or more.
    """
    ids = {pk for group in groups if len(group) > 1 for pk, sig in group.items() if sig}
    bands: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if len(ids) > 1:
        for source_id, band, value in SourceBand.objects.filter(source_id__in=ids).values_list(
            "source_id", "band", "hash"
        ):
            bands[source_id].append((band, value))
    found = []
    for group in groups:
        buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
        for source_id, sig in group.items():
            if sig:
                for key in bands.get(source_id, ()):
                    buckets[key].append(source_id)
        candidates = {
            (a, b)
            for members in buckets.values()
            if len(members) > 1
            for i, a in enumerate(sorted(members))
            for b in sorted(members)[i + 1 :]
        }
        pairs = {}
        for a, b in candidates:
            score = origins.similarity(group[a], group[b])
            if score >= origins.NEAR_DUPLICATE:
                pairs[(a, b)] = score
        found.append(pairs)
    return found
