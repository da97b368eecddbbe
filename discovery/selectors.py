"""Reads for discovery, each in a constant number of queries."""

from django.db.models import Count, Exists, Max, OuterRef, QuerySet

from claims.models import Claim, Evidence
from claims.similarity import LIVE_CLAIMS

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
