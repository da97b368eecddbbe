"""Claims: logging, editing, merging and withdrawing them."""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from claimwatch import perms

from ..models import (
    CLAIMANT_MAX,
    CONTEXT_MAX,
    REASON_MAX,
    STATEMENT_MAX,
    TAG_MAX,
    TAGS_MAX,
    Claim,
    ClaimEvent,
    Evidence,
    Tag,
)
from .counts import claims_recount
from .origins import origins_regroup
from .text import text_clean
from .timeline import event_append, payload_value


class VersionConflict(Exception):
    """The claim changed since the caller read it; `current` is the claim as it is now."""

    def __init__(self, current: Claim):
        super().__init__("This claim was changed by someone else meanwhile.")
        self.current = current


def _clean_statement(statement: str) -> str:
    statement = " ".join((statement or "").split())
    if not statement:
        raise ValidationError({"statement": "Write the claim as one clear statement."})
    return text_clean("statement", statement, STATEMENT_MAX)


def _clean_claimant(claimant: str) -> str:
    return text_clean("claimant", " ".join((claimant or "").split()), CLAIMANT_MAX)


def _clean_tags(tags: Iterable[str] | str) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    names = []
    for tag in tags:
        name = " ".join(tag.split()).lower()
        if not name:
            continue
        if len(name) > TAG_MAX:
            raise ValidationError({"tags": f"Keep each tag under {TAG_MAX} characters."})
        if "\x00" in name:
            raise ValidationError({"tags": "A tag contains a NUL character; remove it."})
        if name not in names:
            names.append(name)
        if len(names) > TAGS_MAX:
            raise ValidationError({"tags": f"Use at most {TAGS_MAX} tags."})
    return names


def _set_tags(claim: Claim, names: list[str]) -> None:
    tags = []
    for name in names:
        tag, _ = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    claim.tags.set(tags)


def _check_dates(first_seen_at: datetime | None, resolves_at: datetime | None) -> None:
    if first_seen_at and first_seen_at > timezone.now():
        raise ValidationError({"first_seen_at": "First seen cannot be in the future."})
    if first_seen_at and resolves_at and resolves_at < first_seen_at:
        raise ValidationError({"resolves_at": "A claim cannot resolve before it was first seen."})


@transaction.atomic
def claim_create(
    *,
    statement: str,
    context: str = "",
    claimant: str = "",
    tags: Iterable[str] | str = (),
    first_seen_at: datetime | None = None,
    resolves_at: datetime | None = None,
    external_id: str = "",
    actor: AbstractBaseUser | None,
    created_at: datetime | None = None,
) -> Claim:
    """Log a claim. `created_at` is for imports and the demo, which retell the past."""
    perms.require(actor, perms.ADD_CLAIM)
    statement = _clean_statement(statement)
    claimant = _clean_claimant(claimant)
    tag_names = _clean_tags(tags)
    _check_dates(first_seen_at, resolves_at)
    created_at = created_at or timezone.now()
    claim = Claim.objects.create(
        created_at=created_at,
        updated_at=created_at,
        last_activity_at=created_at,
        statement=statement,
        context=text_clean("context", context, CONTEXT_MAX),
        claimant=claimant,
        first_seen_at=first_seen_at,
        resolves_at=resolves_at,
        external_id=(external_id or "").strip(),
        created_by=actor,
    )
    _set_tags(claim, tag_names)
    claims_recount([claim.pk], search=True)
    event_append(
        claim,
        ClaimEvent.Kind.CREATED,
        actor,
        {"statement": statement, "tags": tag_names, "claimant": claimant},
        at=created_at,
    )
    return claim


def bump_version(claim: Claim, expected_version: int, **changes) -> Claim:
    """Write `changes` only if the claim is still at `expected_version` (optimistic lock)."""
    now = timezone.now()
    updated = Claim.objects.filter(pk=claim.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now, **changes
    )
    if not updated:
        raise VersionConflict(Claim.objects.get(pk=claim.pk))
    claim.refresh_from_db()
    return claim


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    expected_version: int,
    actor: AbstractBaseUser | None,
    statement: str | None = None,
    context: str | None = None,
    claimant: str | None = None,
    tags: Iterable[str] | str | None = None,
    first_seen_at: datetime | None = None,
    resolves_at: datetime | None = None,
) -> Claim:
    """Edit a claim's statement, context, claimant, tags and dates; the event keeps before
    and after.

    Rewording a decided claim (any status but unverified) is an editor's act: its verdict and
    ClaimReview then speak of the new words, so an analyst is refused, and the `edited` event
    records that the verdict was kept (`verdict_kept`).
    """
    perms.require(actor, perms.CHANGE_CLAIM)
    before = {
        "statement": claim.statement,
        "context": claim.context,
        "claimant": claim.claimant,
        "tags": sorted(claim.tags.values_list("name", flat=True)),
        "first_seen_at": claim.first_seen_at,
        "resolves_at": claim.resolves_at,
    }
    after = {
        "statement": _clean_statement(statement) if statement is not None else claim.statement,
        "context": text_clean("context", context, CONTEXT_MAX)
        if context is not None
        else claim.context,
        "claimant": _clean_claimant(claimant) if claimant is not None else claim.claimant,
        "tags": sorted(_clean_tags(tags)) if tags is not None else before["tags"],
        "first_seen_at": first_seen_at,
        "resolves_at": resolves_at,
    }
    _check_dates(after["first_seen_at"], after["resolves_at"])
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        return claim
    decided = claim.status != Claim.Status.UNVERIFIED
    if decided and "statement" in changed:
        perms.require(actor, perms.REWORD_DECIDED)
    bump_version(
        claim,
        expected_version,
        statement=after["statement"],
        context=after["context"],
        claimant=after["claimant"],
        first_seen_at=after["first_seen_at"],
        resolves_at=after["resolves_at"],
    )
    if "tags" in changed:
        _set_tags(claim, after["tags"])
    if "statement" in changed or "context" in changed:
        claims_recount([claim.pk], search=True)
    event_append(
        claim,
        ClaimEvent.Kind.EDITED,
        actor,
        {
            "before": {name: payload_value(before[name]) for name in changed},
            "after": {name: payload_value(after[name]) for name in changed},
            **({"verdict_kept": claim.status} if decided and "statement" in changed else {}),
        },
    )
    return claim


@transaction.atomic
def claim_merge(*, duplicate: Claim, target: Claim, actor: AbstractBaseUser | None) -> Claim:
    """Merge a duplicate claim into `target` (editors).

    1. Move the duplicate's evidence to the target; where the target already cites the
       same source, the target's link stays and the duplicate's is dropped.
    2. Add the duplicate's tags to the target.
    3. Mark the duplicate merged, so its code redirects to the target; claims merged
       into the duplicate earlier now point at the target too.
    4. Write a `merged` event on both timelines.

    The duplicate's events stay where they are, links of the duplicate's own hash
    chain (the database refuses to move them); the target's timeline reads them
    through `merged_into` (Claim.timeline).
    """
    perms.require(actor, perms.MERGE_CLAIM)
    if duplicate.pk == target.pk:
        raise ValidationError({"target": "A claim cannot be merged into itself."})
    if target.merged_into_id is not None:
        raise ValidationError({"target": "That claim was itself merged; merge into its target."})
    if duplicate.merged_into_id is not None:
        raise ValidationError({"duplicate": "This claim was already merged."})
    cited = set(target.evidence.values_list("source_id", flat=True))
    duplicate.evidence.filter(source_id__in=cited).delete()
    moved_evidence = duplicate.evidence.update(claim=target)
    shown_events = duplicate.timeline().count()
    for tag in duplicate.tags.all():
        target.tags.add(tag)
    now = timezone.now()
    Claim.objects.filter(merged_into=duplicate).update(merged_into=target, updated_at=now)
    Claim.objects.filter(pk=duplicate.pk).update(merged_into=target, updated_at=now)
    claims_recount([target.pk, duplicate.pk], search=True)
    duplicate.refresh_from_db()
    payload = {
        "duplicate": str(duplicate.code),
        "duplicate_statement": duplicate.statement,
        "target": str(target.code),
        "evidence_moved": moved_evidence,
        "events_shown": shown_events,
    }
    event_append(target, ClaimEvent.Kind.MERGED, actor, payload)
    event_append(duplicate, ClaimEvent.Kind.MERGED, actor, payload)
    # The moved evidence leaves its origins behind (they belong to the duplicate).
    Evidence.objects.filter(claim=target).exclude(origin__claim=target).update(
        origin=None, origin_pinned=False
    )
    origins_regroup(claim=target)
    return target


@transaction.atomic
def claim_withdraw(*, claim: Claim, reason: str, actor: AbstractBaseUser | None) -> Claim:
    """Withdraw a claim (editors): logged by mistake, spam, out of scope.

    A claim is never deleted once it has a timeline (the database refuses to delete its
    events); a withdrawn claim leaves the lists and searches, and its page and record
    stay, with a `withdrawn` event that says why.
    """
    perms.require(actor, perms.WITHDRAW_CLAIM)
    reason = text_clean("reason", reason, REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "Say why the claim is withdrawn."})
    if claim.withdrawn_at is not None:
        raise ValidationError({"reason": "This claim was already withdrawn."})
    now = timezone.now()
    Claim.objects.filter(pk=claim.pk).update(withdrawn_at=now, updated_at=now)
    claim.withdrawn_at = now
    event_append(claim, ClaimEvent.Kind.WITHDRAWN, actor, {"reason": reason}, at=now)
    return claim


def claim_must_be_live(claim: Claim, field: str) -> None:
    if claim.merged_into_id is not None:
        raise ValidationError({field: "This claim was merged into another; work on that one."})
