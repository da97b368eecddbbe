"""The verdict: an editor's judgement of a claim, with its reason."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claimwatch import perms

from ..models import RATIONALE_MAX, Claim, ClaimEvent
from .claims import bump_version
from .text import text_clean
from .timeline import event_append

RATIONALE_MISSING = "Say why: a verdict needs a rationale."


@transaction.atomic
def verdict_set(
    *,
    claim: Claim,
    status: str,
    rationale: str,
    confidence: str = "",
    expected_version: int,
    actor: AbstractBaseUser | None,
    at: datetime | None = None,
) -> Claim:
    """Set the claim's status with a reason; raise VersionConflict on a stale version.

    `at` is for imports and the demo, which retell the past.
    """
    perms.require(actor, perms.SET_VERDICT)
    rationale = text_clean("rationale", rationale, RATIONALE_MAX)
    errors = {}
    if status not in Claim.Status.values:
        errors["status"] = f"Choose one of: {', '.join(Claim.Status.values)}."
    if not rationale:
        errors["rationale"] = RATIONALE_MISSING
    if confidence not in Claim.Confidence.values:
        errors["confidence"] = "Choose low, medium or high."
    if errors:
        raise ValidationError(errors)
    before = {
        "status": claim.status,
        "rationale": claim.rationale,
        "confidence": claim.confidence,
    }
    now = at or timezone.now()
    bump_version(
        claim,
        expected_version,
        status=status,
        rationale=rationale,
        confidence=confidence,
        verdict_at=now,
        verdict_by=actor,
    )
    after = {"status": status, "rationale": rationale, "confidence": confidence}
    event_append(
        claim,
        ClaimEvent.Kind.VERDICT_SET,
        actor,
        {"before": before, "after": after},
        at=now,
    )
    return claim
