# LEAD NOTE TO THE WEB HELPER: read /work/main/AGENTS.md now (git, test DB, deadline 02:35 UTC rules). Then delete this line.
"""Reads for claims: lists, search and detail, each in a constant number of queries."""

from django.db.models import QuerySet

from .models import Claim


def claim_list(
    *,
    q: str = "",
    status: str = "",
    tag: str = "",
    outlet: str = "",
    needs_review: bool = False,
    sort: str = "newest",
) -> QuerySet[Claim]:
    """Claims matching the list filters, shared by the web list, the API and exports.

    A first version: the web issue makes search full-text and adds the counts.
    """
    claims = Claim.objects.filter(merged_into=None)
    if q:
        claims = claims.filter(statement__icontains=q)
    if status:
        claims = claims.filter(status=status)
    if tag:
        claims = claims.filter(tags__name=tag)
    if outlet:
        claims = claims.filter(evidence__source__outlet__code=outlet)
    if needs_review:
        claims = claims.filter(evidence__needs_review=True)
    order = {"newest": "-created_at", "active": "-last_activity_at"}.get(sort, "-created_at")
    return claims.distinct().order_by(order, "-id")
