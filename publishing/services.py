"""Publishing's writes: a decided claim's public page goes up or comes down.

Each writes its claim's timeline event through the core (claims.services.event_append);
the cached public pages are emptied here and by the `timeline_written` signal (cache.py).
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims.models import REASON_MAX, Claim, ClaimEvent
from claims.services import claim_must_be_live, event_append, text_clean
from claimwatch import perms

from . import cache, exports


@transaction.atomic
def claim_publish(*, claim: Claim, actor: AbstractBaseUser | None) -> Claim:
    """Publish a decided claim: its page /p/<code>/ answers without a login.

    Publishing twice changes nothing. The conditional update makes two editors
    publishing at once write one event.
    """
    perms.require(actor, perms.PUBLISH)
    claim_must_be_live(claim, "published")
    if not claim.has_verdict:
        raise ValidationError(
            {"published": "Only a decided claim can be published: set its verdict first."}
        )
    now = timezone.now()
    if not Claim.objects.filter(pk=claim.pk, published_at=None).update(published_at=now):
        claim.refresh_from_db()
        return claim
    claim.published_at = now
    event_append(
        claim, ClaimEvent.Kind.PUBLISHED, actor, {"url": exports.public_path(claim)}, at=now
    )
    cache.claim_changed(claim, publishing=True)
    return claim


@transaction.atomic
def claim_unpublish(*, claim: Claim, actor: AbstractBaseUser | None, reason: str = "") -> Claim:
    """Take a claim's public page down: it is gone from the page, the index and the feed."""
    perms.require(actor, perms.PUBLISH)
    if not Claim.objects.filter(pk=claim.pk, published_at__isnull=False).update(published_at=None):
        claim.refresh_from_db()
        return claim
    claim.published_at = None
    payload = {"url": exports.public_path(claim)}
    if reason := text_clean("reason", reason, REASON_MAX):
        payload["reason"] = reason
    event_append(claim, ClaimEvent.Kind.UNPUBLISHED, actor, payload)
    cache.claim_changed(claim, publishing=True)
    return claim
