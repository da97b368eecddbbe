"""What the public sees of a published claim, and nothing else.

The public page, the embeddable card, the index and the feed (publishing.public_views) are
rendered from the plain records built here, never from model instances, so a template
cannot reach a user, a note or a comment by mistake. `PUBLIC_FIELDS` is the allow-list
of the model fields those records copy; tests/claims/test_public_fields.py walks every
field of the models and fails on a field this list does not know, so a new private field
cannot leak by default.

What is private, by choice:
- every user (authors, editors, assignees): the public side says "the desk";
- the claim's context, tags, confidence, resolve date, import id and internal dates;
- evidence notes (always internal) and quotes marked internal (`Evidence.quote_internal`);
- comments and every timeline event except verdict changes, the correction history;
- monitoring state of sources (HTTP status, hashes, check times) and outlet grades (a
  public capture page shows only its own capture's `PUBLIC_FIELDS["sources.Capture"]`).

Each source shows with the headline its stance was given for (Evidence.judged_snapshot),
and, when it changed since, its headline now as "updated since" (docs/public.md).

A published claim's captures (`claim_captures`): the capture of each snapshot its sources
were judged on, and of each source's current snapshot; the public capture pages serve
these and no other (publishing.public_views).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet
from django.urls import reverse

from claims.models import Claim, ClaimEvent, Evidence
from claims.selectors import with_snapshots
from sources.models import Capture

from . import exports

# Model label -> fields a public page may show. Anything else is private.
PUBLIC_FIELDS: dict[str, frozenset[str]] = {
    "claims.Claim": frozenset(
        {
            "code",  # the page's address
            "statement",
            "status",  # the verdict
            "rationale",
            "verdict_at",
            "first_seen_at",  # origins: when the claim was first seen
            "published_at",
            "claimant",  # who made the claim: the ClaimReview's itemReviewed.author
        }
    ),
    "claims.Evidence": frozenset(
        {
            "source",
            "stance",
            "quote",  # unless quote_internal
            "quote_internal",  # decides whether the quote is shown; never shown itself
            "added_at",  # a source's date when its publication date is unknown
        }
    ),
    "sources.Source": frozenset({"url", "title", "outlet", "published_at"}),
    "sources.Outlet": frozenset({"name", "domain"}),
    # The captures a published claim relies on (`claim_captures`): their banner. Who made
    # them and how they are stored (size, revisit_of, payload hash) stays private.
    "sources.Capture": frozenset({"sha256", "url", "fetched_at", "http_status", "pruned_at"}),
    # Only verdict changes, with these payload keys: the correction history.
    "claims.ClaimEvent": frozenset({"kind", "created_at", "payload"}),
}
PUBLIC_EVENT_KINDS = frozenset({ClaimEvent.Kind.VERDICT_SET})
PUBLIC_PAYLOAD = {"before": ("status",), "after": ("status", "rationale")}
DESK = "the desk"
STATUS_LABELS = dict(Claim.Status.choices)


@dataclass(frozen=True)
class PublicSource:
    stance: str
    url: str
    # The headline the stance was given for (the judged snapshot's), not today's.
    headline: str
    outlet: str
    domain: str
    # When the source was published, else when the desk linked it.
    date: datetime
    quote: str
    # The source's headline now, when it changed since it was judged: "updated since".
    updated_headline: str = ""
    updated: bool = False
    # The public address of the capture of the judged snapshot ("archived copy"), and of
    # the current one when the source changed since; "" without one.
    capture_url: str = ""
    updated_capture_url: str = ""


@dataclass(frozen=True)
class PublicCapture:
    """A capture a published claim relies on, as its public page shows it."""

    claim_code: str
    sha256: str
    url: str
    fetched_at: datetime
    http_status: int
    pruned_at: datetime | None

    @property
    def claim_url(self) -> str:
        return reverse("public:claim", args=[self.claim_code])

    @property
    def raw_url(self) -> str:
        return reverse("public:capture_raw", args=[self.claim_code, self.sha256])


@dataclass(frozen=True)
class VerdictChange:
    at: datetime
    status: str
    status_label: str
    before_label: str
    rationale: str


# The stance that carries each verdict, for the order of the embed's sources.
VERDICT_SIDE = {"confirmed": "supports", "denied": "denies"}


@dataclass(frozen=True)
class PublicClaim:
    code: str
    statement: str
    status: str
    status_label: str
    rationale: str
    verdict_at: datetime | None
    published_at: datetime
    first_seen_at: datetime | None
    sources: list[PublicSource]
    first_appearance: PublicSource | None
    corrections: list[VerdictChange]
    claim_review: dict | None = None
    groups: list[tuple[str, str, list[PublicSource]]] = field(default_factory=list)

    @property
    def public_url(self) -> str:
        return reverse("public:claim", args=[self.code])

    @property
    def card_sources(self) -> list[PublicSource]:
        """The embed's sources: those on the verdict's side first (a denied claim leads
        with what denies it), then the rest, each in the order linked."""
        side = VERDICT_SIDE.get(self.status)
        return sorted(self.sources, key=lambda s: s.stance != side)


def published_claims(q: str = "") -> QuerySet[Claim]:
    """Published claims, newest publication first; `q` matches words of the statement
    or the rationale (never quotes or notes, which may be internal)."""
    claims = Claim.objects.filter(published_at__isnull=False, merged_into=None, withdrawn_at=None)
    for word in (q or "").split()[:12]:
        claims = claims.filter(Q(statement__icontains=word) | Q(rationale__icontains=word))
    return claims.only(*PUBLIC_FIELDS["claims.Claim"]).order_by("-published_at", "-id")


def published_claim(code) -> Claim | None:
    return published_claims().filter(code=code).first()


def moved_to(code) -> Claim | None:
    """A merged duplicate's published target, where its old public address leads."""
    claim = Claim.objects.filter(code=code).select_related("merged_into").first()
    target = claim.merged_into if claim else None
    if (
        target is None
        or target.published_at is None
        or target.merged_into_id
        or target.withdrawn_at
    ):
        return None
    return target


def _source(evidence: Evidence, code: str) -> PublicSource:
    """Evidence of the claim `code`, loaded with claims.selectors.with_snapshots."""
    source = evidence.source
    outlet = source.outlet
    updated = evidence.changed_since_judged
    judged = evidence.judged_snapshot
    return PublicSource(
        capture_url=exports.public_capture_path(code, judged.capture_sha256) if judged else "",
        updated_capture_url=exports.public_capture_path(code, evidence.current_capture_sha256)
        if updated
        else "",
        stance=evidence.stance,
        url=source.url,
        headline=evidence.title_when_linked,
        updated=updated,
        updated_headline=(evidence.current_title or source.title) if updated else "",
        outlet=outlet.name if outlet else "",
        domain=outlet.domain if outlet else "",
        date=source.published_at or evidence.added_at,
        quote="" if evidence.quote_internal else evidence.quote,
    )


def claim_captures(claim: Claim) -> dict[str, PublicCapture]:
    """The captures the published `claim` relies on, by hash: the judged snapshot's of each
    cited source (Evidence.judged_snapshot.capture) and its current snapshot's. Two queries."""
    snapshots = set()
    for evidence in with_snapshots(claim.evidence.all()).defer("judged_snapshot__text"):
        snapshots |= {evidence.judged_snapshot_id, evidence.current_snapshot_id}
    captures = Capture.objects.filter(snapshots__in=snapshots - {None}).distinct()
    return {
        capture.sha256: PublicCapture(
            claim_code=str(claim.code),
            sha256=capture.sha256,
            url=capture.url,
            fetched_at=capture.fetched_at,
            http_status=capture.http_status,
            pruned_at=capture.pruned_at,
        )
        for capture in captures.only(*PUBLIC_FIELDS["sources.Capture"])
    }


def _change(event: ClaimEvent) -> VerdictChange:
    before = event.payload.get("before") or {}
    after = event.payload.get("after") or {}
    status = after.get("status", "")
    return VerdictChange(
        at=event.created_at,
        status=status,
        status_label=STATUS_LABELS.get(status, status),
        before_label=STATUS_LABELS.get(before.get("status", ""), ""),
        rationale=after.get("rationale", ""),
    )


def public_claim(claim: Claim, base_url: str) -> PublicClaim:
    """The public record of a published claim: four queries (with the ClaimReview)."""
    evidence = list(
        with_snapshots(claim.evidence.select_related("source__outlet"))
        .defer("judged_snapshot__text")
        .order_by("added_at", "id")
    )
    sources = [_source(ev, str(claim.code)) for ev in evidence]
    # Origins: the first source that carried the claim (not one denying it), by its date.
    carried = [s for s in sources if s.stance != Evidence.Stance.DENIES] or sources
    first = min(carried, key=lambda s: s.date, default=None)
    events = claim.events.filter(kind__in=PUBLIC_EVENT_KINDS).order_by("created_at", "id")
    corrections = [_change(event) for event in events.only("kind", "created_at", "payload")]
    review = exports.claim_review(claim, base_url)
    return PublicClaim(
        code=str(claim.code),
        statement=claim.statement,
        status=claim.status,
        status_label=claim.get_status_display(),
        rationale=claim.rationale,
        verdict_at=claim.verdict_at,
        published_at=claim.published_at,
        first_seen_at=claim.first_seen_at,
        sources=sources,
        first_appearance=first,
        corrections=corrections,
        claim_review=review,
        groups=[
            (stance.value, stance.label, [s for s in sources if s.stance == stance])
            for stance in Evidence.Stance
        ],
    )
