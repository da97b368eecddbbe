"""The desk's writes: who works on a claim and by when, and who watches it.

Each writes its claim's timeline event through the core (claims.services.event_append).
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from claims.models import Claim, ClaimEvent
from claims.services import claim_must_be_live, event_append, payload_value
from claimwatch import perms

from .models import Assignment, Watch


def watch_add(*, claim: Claim, actor: AbstractBaseUser) -> Watch:
    """Watch a claim: its verdict and source changes from now on are mailed to `actor`."""
    perms.require(actor, perms.WATCH)
    watch, _ = Watch.objects.get_or_create(user=actor, claim=claim)
    return watch


def watch_suggestions_set(*, claim: Claim, actor: AbstractBaseUser, on: bool) -> Watch:
    """Opt in to (or out of) a mail for each new suggested source of a watched claim;
    opting in watches the claim."""
    perms.require(actor, perms.WATCH)
    watch, _ = Watch.objects.get_or_create(user=actor, claim=claim)
    if watch.suggestions != on:
        watch.suggestions = on
        watch.save(update_fields=["suggestions"])
    return watch


def watch_remove(*, claim: Claim, actor: AbstractBaseUser) -> None:
    perms.require(actor, perms.UNWATCH)
    Watch.objects.filter(user=actor, claim=claim).delete()


@transaction.atomic
def claim_assign(
    *,
    claim: Claim,
    user: AbstractBaseUser,
    due_at: datetime | None = None,
    actor: AbstractBaseUser | None,
) -> Assignment:
    """Put an analyst or editor on a claim, due by `due_at` (default: `resolves_at`).

    Assigning someone again changes only the due time. The assignee watches the claim
    from now on, so the watch alerts (desk.notifications) reach them as any watcher.
    """
    perms.require(actor, perms.ASSIGN)
    claim_must_be_live(claim, "user")
    if not user.is_active or not user.has_perm(perms.ASSIGNABLE):
        raise ValidationError({"user": "Assign an analyst or an editor."})
    due_at = due_at or claim.resolves_at
    assignment = Assignment.objects.filter(claim=claim, user=user).first()
    payload = {"user": user.get_username(), "due_at": payload_value(due_at)}
    if assignment is not None:
        if assignment.due_at == due_at:
            return assignment
        payload["before"] = {"due_at": payload_value(assignment.due_at)}
        payload["after"] = {"due_at": payload_value(due_at)}
        assignment.due_at = due_at
        assignment.save(update_fields=["due_at"])
    else:
        assignment = Assignment.objects.create(
            claim=claim, user=user, due_at=due_at, assigned_by=actor
        )
    Watch.objects.get_or_create(user=user, claim=claim)
    event_append(claim, ClaimEvent.Kind.ASSIGNED, actor, payload)
    return assignment


@transaction.atomic
def claim_unassign(*, claim: Claim, user: AbstractBaseUser, actor: AbstractBaseUser | None) -> None:
    """Take someone off a claim. They keep watching it until they stop."""
    perms.require(actor, perms.ASSIGN)
    deleted, _ = Assignment.objects.filter(claim=claim, user=user).delete()
    if deleted:
        event_append(claim, ClaimEvent.Kind.UNASSIGNED, actor, {"user": user.get_username()})
