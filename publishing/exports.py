"""Claims going out: CSV and JSON exports of a filtered list, and schema.org ClaimReview.

Exports read the same selector as the list (`claim_list`), with the evidence prefetched,
so an export of any size takes a constant number of queries. The CSV has one row per
(claim, source), like the import, so an exported file can be imported elsewhere.
"""

import csv
import io
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse

from claims.models import Claim, Evidence
from claims.records import Record
from claims.selectors import origin_counts, outlet_records, with_snapshots
from claimwatch.formulas import defuse

CSV_COLUMNS = [
    "code",
    "statement",
    "claimant",
    "status",
    "confidence",
    "rationale",
    "tags",
    "first_seen_at",
    "created_at",
    "verdict_at",
    "page",
    "stance",
    "url",
    # The source's current headline, the one its stance was given for and when that
    # version was taken (docs/evidence.md, "What a stance was given for").
    "title",
    "title_when_linked",
    "judged_snapshot_at",
    # The article's own date (Source.published_at), apart from when it was linked (added_at).
    "article_date",
    "outlet",
    "reliability",
    "added_at",
    "needs_review",
    # Origins (docs/origins.md): per claim, then per source.
    "supports_origins",
    "denies_origins",
    "neutral_origins",
    "origin",
    "origin_reason",
    # The outlet's record against decided claims (claims.records).
    "outlet_agreed",
    "outlet_disagreed",
    "outlet_neutral",
]
# Google's advice for claimReviewed: a short summary, under 75 characters.
CLAIM_REVIEWED_MAX = 75
# Where a verdict sits on ClaimReview's 1 (false) .. 5 (true) scale; `alternateName`
# carries the verdict in words, which is what readers and search engines show.
RATING = {
    Claim.Status.DENIED: 1,
    Claim.Status.DISPUTED: 3,
    Claim.Status.UNRESOLVED: 3,
    Claim.Status.CONFIRMED: 5,
}


def with_evidence(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    evidence = (
        with_snapshots(Evidence.objects.select_related("source__outlet", "origin"))
        .defer("judged_snapshot__text")
        .order_by("added_at", "id")
    )
    return claims.prefetch_related(Prefetch("evidence", queryset=evidence, to_attr="evidence_list"))


def _snapshot(source, title: str, taken_at: datetime, capture_sha256: str, base_url: str) -> dict:
    capture = ""
    if capture_sha256:
        path = reverse("sources:capture", args=[source.code, capture_sha256])
        capture = (base_url or settings.SITE_URL).rstrip("/") + path
    return {"title": title, "taken_at": taken_at, "capture": capture or None}


def evidence_snapshots(evidence: Evidence, base_url: str = "") -> dict:
    """The snapshot a stance was given for and the source's current one (evidence loaded
    with claims.selectors.with_snapshots), as the JSON export and the API give them:
    headline, when it was taken, the address of its capture (None without one); None
    for a source never fetched."""
    judged, source = evidence.judged_snapshot, evidence.source
    current = evidence.current_snapshot_id
    return {
        "judged_snapshot": None
        if judged is None
        else _snapshot(source, judged.title, judged.created_at, judged.capture_sha256, base_url),
        "current_snapshot": None
        if current is None
        else _snapshot(
            source,
            evidence.current_title,
            evidence.current_taken_at,
            evidence.current_capture_sha256,
            base_url,
        ),
        "changed_since_judged": evidence.changed_since_judged,
    }


def public_path(claim: Claim) -> str:
    """The path of a claim's public page (publishing.public_views)."""
    return reverse("public:claim", args=[claim.code])


def public_url(claim: Claim, base_url: str = "") -> str:
    """The absolute address of a claim's public page."""
    return (base_url or settings.SITE_URL).rstrip("/") + public_path(claim)


def public_capture_path(code, sha256: str) -> str:
    """The path of a published claim's capture page ("" without a capture): the public
    side serves only the captures the claim relies on (publishing.public.claim_captures)."""
    return reverse("public:capture", args=[code, sha256]) if sha256 else ""


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def claims_csv(claims: QuerySet[Claim], base_url: str = "") -> str:
    buffer = io.StringIO()
    # Every cell quoted: a spreadsheet that splits at ";" or a tab (other locales) must not
    # find a cell such as `x;=cmd|...` that starts with a formula once split.
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    claims = list(with_evidence(claims))
    records = outlet_records(ev.source.outlet_id for claim in claims for ev in claim.evidence_list)
    for claim in claims:
        origins = origin_counts(claim.evidence_list)
        head = [
            str(claim.code),
            claim.statement,
            claim.claimant,
            claim.status,
            claim.confidence,
            claim.rationale,
            ", ".join(tag.name for tag in claim.tags.all()),
            _iso(claim.first_seen_at),
            _iso(claim.created_at),
            _iso(claim.verdict_at),
            claim.site_url(base_url),
        ]
        rows = [
            [
                evidence.stance,
                evidence.source.url,
                evidence.source.title,
                evidence.title_when_linked,
                _iso(evidence.judged_snapshot.created_at if evidence.judged_snapshot else None),
                _iso(evidence.source.published_at),
                evidence.source.outlet.name if evidence.source.outlet else "",
                evidence.source.outlet.reliability if evidence.source.outlet else "",
                _iso(evidence.added_at),
                "yes" if evidence.needs_review else "no",
                origins["supports"],
                origins["denies"],
                origins["neutral"],
                evidence.origin.label if evidence.origin_id else "",
                evidence.origin_reason,
                *_record_cells(records.get(evidence.source.outlet_id)),
            ]
            for evidence in claim.evidence_list
        ] or [[""] * 10 + [0, 0, 0] + [""] * 5]
        for row in rows:
            writer.writerow([defuse(value) for value in head + row])
    return buffer.getvalue()


def _record_cells(record: Record | None) -> list:
    record = record or Record()
    return [record.agreed, record.disagreed, record.neutral]


def claims_json(claims: QuerySet[Claim], base_url: str = "") -> list[dict]:
    return [
        {
            "code": str(claim.code),
            "url": claim.site_url(base_url),
            "statement": claim.statement,
            "claimant": claim.claimant,
            "context": claim.context,
            "status": claim.status,
            "confidence": claim.confidence,
            "rationale": claim.rationale,
            "tags": [tag.name for tag in claim.tags.all()],
            "first_seen_at": claim.first_seen_at,
            "created_at": claim.created_at,
            "verdict_at": claim.verdict_at,
            "evidence": [
                {
                    "stance": evidence.stance,
                    "url": evidence.source.url,
                    "title": evidence.source.title,
                    "title_when_linked": evidence.title_when_linked,
                    **evidence_snapshots(evidence, base_url),
                    "source": str(evidence.source.code),
                    "outlet": evidence.source.outlet.domain if evidence.source.outlet else None,
                    "reliability": (
                        evidence.source.outlet.reliability if evidence.source.outlet else None
                    ),
                    "quote": evidence.quote,
                    "added_at": evidence.added_at,
                    "article_date": evidence.source.published_at,
                    "needs_review": evidence.needs_review,
                }
                for evidence in claim.evidence_list
            ],
        }
        for claim in with_evidence(claims)
    ]


def cited_in_order(claim: Claim) -> list[Evidence]:
    """The claim's evidence with source and judged snapshot, by publication date where
    known, else when it was linked: one query."""
    return list(
        claim.evidence.select_related("source", "judged_snapshot")
        .defer("judged_snapshot__text")
        .order_by(Coalesce("source__published_at", "added_at"), "id")
    )


def earliest_appearance(evidence: list[Evidence]) -> Evidence | None:
    """The first source that carried the claim (of `cited_in_order`): supporting or
    reporting it, not denying it. Any source otherwise."""
    carried = [ev for ev in evidence if ev.stance != Evidence.Stance.DENIES]
    return (carried or evidence or [None])[0]


def _work(evidence: Evidence, archive: str = "") -> dict:
    """A source as a schema.org CreativeWork, with the headline its stance was given for,
    not today's (the source may have changed to say the opposite since), and, with
    `archive` (the public site's address: a published claim), `archivedAt`: the public
    copy of the capture of the version judged."""
    work = {"@type": "CreativeWork", "url": evidence.source.url}
    if evidence.title_when_linked:
        work["headline"] = evidence.title_when_linked
    published = evidence.source.published_at or evidence.added_at
    work["datePublished"] = published.date().isoformat()
    judged = evidence.judged_snapshot
    if archive and judged is not None and judged.capture_sha256:
        work["archivedAt"] = archive + public_capture_path(
            evidence.claim.code, judged.capture_sha256
        )
    return work


def short_statement(statement: str, limit: int = CLAIM_REVIEWED_MAX) -> str:
    """The statement cut at a word to fit `limit` characters, with an ellipsis."""
    if len(statement) <= limit:
        return statement
    cut = statement[: limit - 1].rstrip()
    if " " in cut:
        cut = cut[: cut.rindex(" ")].rstrip(" ,;:-–")
    return cut + "…"


def claim_review(claim: Claim, base_url: str = "") -> dict | None:
    """The schema.org ClaimReview of a claim with a verdict, or None without one.

    Google's ClaimReview guidance decides the shape: `claimReviewed` is a summary under
    75 characters (the full statement is `itemReviewed.text`), the claim's claimant is
    `itemReviewed.author`, and the review's author is the publisher named by SITE_NAME
    at SITE_URL.
    Its `url` is the public page once the claim is published (readers and aggregators
    can open it), else the desk's claim page. `appearance` lists every source that
    carried the claim and `citation` every source cited, each with the headline its
    stance was given for and, once published, `archivedAt`: the public copy of its capture.
    """
    if not claim.has_verdict or claim.status not in RATING:
        return None
    item = {"@type": "Claim", "text": claim.statement}
    if claim.claimant:
        item["author"] = {"@type": "Organization", "name": claim.claimant}
    evidence = cited_in_order(claim)
    first = earliest_appearance(evidence)
    # Captures are public only while the claim is (an unpublished one's would be 404).
    archive = (base_url or settings.SITE_URL).rstrip("/") if claim.published_at else ""
    if claim.first_seen_at:
        item["datePublished"] = claim.first_seen_at.date().isoformat()
    if first is not None:
        appearance = _work(first, archive)
        item["firstAppearance"] = appearance
        # Every source that carried the claim, the first first; a denial is no appearance.
        item["appearance"] = [appearance] + [
            _work(ev, archive)
            for ev in evidence
            if ev is not first and ev.stance != Evidence.Stance.DENIES
        ]
        item.setdefault("datePublished", appearance["datePublished"])
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": public_url(claim, base_url) if claim.published_at else claim.site_url(base_url),
        "claimReviewed": short_statement(claim.statement),
        "datePublished": (claim.verdict_at or claim.updated_at).date().isoformat(),
        "author": {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "url": settings.SITE_URL + "/",
        },
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATING[claim.status],
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": claim.get_status_display(),
        },
        "itemReviewed": item,
    }
    if evidence:
        # Every source the desk cites, whatever its stance, as it was judged.
        review["citation"] = [_work(ev, archive) for ev in evidence]
    return review
