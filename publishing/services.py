"""Publishing's writes: a decided claim's public page goes up or comes down.

Publishing runs the publish check first (publishing.selectors.publish_check): when it
finds something, nothing is published until the editor confirms, and the items confirmed
go on the timeline in the `published` event's payload (`confirmed`).

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

from . import cache, exports, selectors
from .selectors import PublishItem


class PublishUnconfirmed(Exception):
    """The publish check found items and the request did not confirm them (or confirmed
    another list than the one found now): nothing was published."""

    def __init__(self, items: list[PublishItem], *, changed: bool = False):
        self.items = items
        self.fingerprint = selectors.fingerprint(items)
        self.changed = changed
        if changed:
            message = "What the publish check found changed since you confirmed it: look again."
        else:
            count = len(items)
            message = (
                f"{count} source{'s' if count != 1 else ''} should be looked at before "
                "publishing: confirm to publish anyway."
            )
        super().__init__(message)


@transaction.atomic
def claim_publish(
    *,
    claim: Claim,
    actor: AbstractBaseUser | None,
    confirm: bool = False,
    confirmed: str = "",
) -> Claim:
    """Publish a decided claim: its page /p/<code>/ answers without a login.

    1. The claim's row is locked, so no verdict or source event slips in between the
       check and the publish.
    2. The publish check runs; with items found and no `confirm`, PublishUnconfirmed
       (nothing written). `confirmed`, when given, is the fingerprint of the items the
       editor saw: another list found now is asked again.
    3. The publish and its event, which names the items confirmed.

    Publishing twice changes nothing (and asks nothing). The conditional update makes two
    editors publishing at once write one event.
    """
    perms.require(actor, perms.PUBLISH)
    claim_must_be_live(claim, "published")
    if not claim.has_verdict:
        raise ValidationError(
            {"published": "Only a decided claim can be published: set its verdict first."}
        )
    current = Claim.objects.select_for_update().only("published_at", "verdict_at").get(pk=claim.pk)
    if current.published_at is not None:
        claim.refresh_from_db()
        return claim
    claim.verdict_at = current.verdict_at
    items = selectors.publish_check(claim)
    if items and not confirm:
        raise PublishUnconfirmed(items)
    if items and confirmed and confirmed != selectors.fingerprint(items):
        raise PublishUnconfirmed(items, changed=True)
    now = timezone.now()
    if not Claim.objects.filter(pk=claim.pk, published_at=None).update(published_at=now):
        claim.refresh_from_db()
        return claim
    claim.published_at = now
    payload = {"url": exports.public_path(claim)}
    if items:
        payload["confirmed"] = [item.as_payload() for item in items]
    event_append(claim, ClaimEvent.Kind.PUBLISHED, actor, payload, at=now)
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
