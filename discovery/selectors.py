"""Reads for discovery, each in a constant number of queries."""

from claims.models import Claim

from .models import Suggestion

SHOWN = 20


def claim_suggestions(claim: Claim, *, limit: int = SHOWN) -> list[Suggestion]:
    """The claim's open suggestions, best first, with their article's outlet and feed:
    one query (index suggestion_open_idx)."""
    return list(
        Suggestion.objects.filter(claim=claim, state=Suggestion.State.OPEN)
        .select_related("article__outlet")
        .order_by("-score", "-id")[:limit]
    )
