"""Reads for discovery, each in a constant number of queries."""

from django.db.models import Count, Exists, Max, OuterRef, QuerySet

from claims.hooks import Arrival
from claims.models import Claim, Evidence
from claims.similarity import LIVE_CLAIMS
from sources.urlnorm import domain_of

from .models import Suggestion

SHOWN = 20
QUEUE_SHOWN = 50

# An open suggestion whose article the claim already cites (linked by hand meanwhile) is
# not shown: linking it again could only be refused.
_CITED = Evidence.objects.filter(claim=OuterRef("claim"), source__url=OuterRef("article__url"))


def _open() -> QuerySet[Suggestion]:
    return Suggestion.objects.filter(state=Suggestion.State.OPEN).exclude(Exists(_CITED))


def claim_suggestions(claim: Claim, *, limit: int = SHOWN) -> list[Suggestion]:
    """The claim's open suggestions, best first, with their article's outlet and feed:
    one query (index suggestion_open_idx)."""
    return list(
        _open()
        .filter(claim=claim)
        .select_related("article__outlet")
        .order_by("-score", "-id")[:limit]
    )


def claims_with_suggestions(*, within: QuerySet | None = None, limit: int = QUEUE_SHOWN):
    """The review queue's list: live claims with open suggestions, the newest arrival first,
    each with `suggested` (how many) and `suggested_last` (when the newest came): two
    queries, whatever the number of claims. `within` narrows them to a scope's claim ids
    (claims.hooks.Scope)."""
    claims = Claim.objects.filter(LIVE_CLAIMS)
    if within is not None:
        claims = claims.filter(pk__in=within)
    suggestions = _open().filter(claim__in=claims)
    rows = (
        suggestions.values("claim")
        .annotate(suggested=Count("id"), suggested_last=Max("created_at"))
        .order_by("-suggested_last")[:limit]
    )
    by_id = {row["claim"]: row for row in rows}
    found = Claim.objects.in_bulk(list(by_id)) if by_id else {}
    result = []
    for claim_id, row in by_id.items():
        claim = found[claim_id]
        claim.suggested, claim.suggested_last = row["suggested"], row["suggested_last"]
        result.append(claim)
    return result


def suggestion_arrival(suggestion: Suggestion) -> Arrival:
    """How a suggestion is told outside its part of the claim page: on the claim's strip,
    in its sources feed (claims.hooks) and in the watchers' alerts (claims.signals)."""
    article = suggestion.article
    outlet = article.outlet.name if article.outlet else domain_of(article.url)
    stance = suggestion.get_stance_display().lower()
    why = f" Shared words: {', '.join(suggestion.why)}." if suggestion.why else ""
    return Arrival(
        key=f"suggestion/{suggestion.code}",
        at=suggestion.created_at,
        title=(
            f"Suggested source: {article.title or article.url} ({outlet}), "
            f"suggested stance {stance} {suggestion.stance_confidence:.2f}"
        ),
        summary=f"{article.url} Match score {suggestion.score:.2f}.{why}",
        stance=suggestion.stance,
        waiting=suggestion.state == Suggestion.State.OPEN,
    )


def claim_arrivals(claim: Claim, limit: int, waiting: bool) -> list[Arrival]:
    """The claim's latest suggestions as arrivals (claims.hooks), newest first: one query.
    Waiting ones are those the claim page lists (open, not cited meanwhile)."""
    suggestions = _open() if waiting else Suggestion.objects.all()
    return [
        suggestion_arrival(s)
        for s in suggestions.filter(claim=claim)
        .select_related("article__outlet")
        .order_by("-created_at", "-id")[:limit]
    ]
