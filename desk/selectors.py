"""The desk's reads: who works on what, and who watches it."""

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, QuerySet, Subquery

from claims.models import Claim
from claimwatch import perms

from .models import Assignment, Watch


def assignment_due(user) -> Subquery:
    """When `user`'s assignment to each claim of a list is due (a column of "My claims")."""
    mine = Assignment.objects.filter(claim=OuterRef("pk"), user=user)
    return Subquery(mine.values("due_at")[:1])


def assigned_claim_ids(user) -> QuerySet:
    """The ids of the claims `user` is assigned to, as a subquery ("My claims")."""
    return Assignment.objects.filter(user=user).values("claim_id")


MY_CLAIMS_SHOWN = 99


def my_claims_count(user) -> int:
    """How many live claims `user` is assigned to, for the nav link: read as at most
    MY_CLAIMS_SHOWN + 1 ids (the link says "99+"), so no page ever counts a whole table."""
    assigned = Assignment.objects.filter(
        user=user, claim__merged_into=None, claim__withdrawn_at=None
    )
    return len(assigned.values_list("pk", flat=True)[: MY_CLAIMS_SHOWN + 1])


def claim_assignments(claim: Claim) -> list[Assignment]:
    return list(claim.assignments.select_related("user").order_by("due_at", "assigned_at"))


def assignable_users():
    """Active analysts and editors (whoever may log claims), by name."""
    app_label, codename = perms.ASSIGNABLE.split(".")
    perm = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    User = get_user_model()
    return (
        User.objects.filter(Q(is_active=True) & (perm | Q(is_superuser=True)))
        .distinct()
        .order_by(User.USERNAME_FIELD)
    )


def watch_of(claim: Claim, user) -> Watch | None:
    """The user's watch of the claim, if they watch it."""
    if not user.is_authenticated:
        return None
    return Watch.objects.filter(claim=claim, user=user).first()
