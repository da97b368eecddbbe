"""Monitoring writes: taking due sources, asking for a check, pruning old attempts.

There is one way to ask for a check, `_lease_and_queue`:
1. Lease the sources: `next_check_at` moves LEASE ahead, so the dispatcher passes them by
   while their check is queued or running, and takes them again if the message is lost.
2. Queue one `check_sources` message after the transaction commits.
3. If the broker cannot take it (Redis away), give the lease back: the sources are due at
   once, and the dispatcher checks them when the broker is back. What was saved stays saved.
"""

import logging
from datetime import datetime, timedelta

from celery import current_app
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from claimwatch import perms
from sources.models import CheckAttempt, Source

from .schedule import LEASE

log = logging.getLogger(__name__)
# The task that checks a batch (monitoring.tasks), queued here by name: tasks call services.
CHECK_SOURCES = "monitoring.tasks.check_sources"


class CheckNotQueued(Exception):
    """The broker did not take the check; the source stays due for the dispatcher."""

    def __init__(self):
        super().__init__(
            "The check could not be queued: the task queue is not reachable. "
            "The source is due, so it will be checked as soon as the queue is back."
        )


def sources_claim_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Take up to `limit` due sources for checking and lease them (the dispatcher).

    Rows locked by another dispatcher are skipped (`skip_locked`), not waited for.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Source.objects.select_for_update(skip_locked=True)
            .filter(next_check_at__lte=now)
            .order_by("next_check_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Source.objects.filter(pk__in=ids).update(next_check_at=now + LEASE)
    return ids


def _send(ids: list[int]) -> bool:
    """Hand the check to the broker; on failure give the lease back (step 3)."""
    try:
        current_app.send_task(CHECK_SOURCES, args=(ids,))
    except Exception:  # any broker failure: the write that asked for it stands
        log.warning("Could not queue a check of sources %s; they stay due", ids, exc_info=True)
        Source.objects.filter(pk__in=ids).update(
            next_check_at=timezone.now(), check_requested_at=None
        )
        return False
    return True


def _lease_and_queue(leased: list[int]) -> list[bool]:
    """Queue a check of the `leased` sources after commit (steps 2 and 3).

    Returns a list that holds whether the broker took it once the transaction has
    committed: at once outside a transaction."""
    sent: list[bool] = []
    if leased:
        transaction.on_commit(lambda: sent.append(_send(leased)))
    return sent


def source_check_soon(*, source: Source, now: datetime | None = None) -> bool:
    """Check a source that was never checked within seconds, not at the next dispatch.

    Called after a source is linked by hand. The lease is conditional: a source that is
    already leased (by the dispatcher, or an earlier call) or was already checked is left
    alone, so it is never fetched twice for one link. True when a check was queued.
    """
    now = now or timezone.now()
    leased = Source.objects.filter(
        Q(next_check_at__isnull=True) | Q(next_check_at__lte=now),
        pk=source.pk,
        last_checked_at__isnull=True,
    ).update(next_check_at=now + LEASE)
    if not leased:
        return False
    source.next_check_at = now + LEASE
    return _lease_and_queue([source.pk]) != [False]


def evidence_linked(sender, evidence, **kwargs) -> None:
    """claims.signals.evidence_linked: a source linked by hand (the claim page, the API) is
    checked within seconds, if it was never checked."""
    source_check_soon(source=evidence.source)


def source_request_check(*, source: Source, actor: AbstractBaseUser | None) -> Source:
    """ "Refresh now": lease the source and queue a check.

    `check_requested_at` makes its badge poll until the check has finished. Raises
    CheckNotQueued when the broker is away (the source is then due for the dispatcher).
    """
    perms.require(actor, perms.REFRESH_SOURCE)
    now = timezone.now()
    with transaction.atomic():
        Source.objects.filter(pk=source.pk).update(
            check_requested_at=now, next_check_at=now + LEASE
        )
        sent = _lease_and_queue([source.pk])
    if sent == [False]:
        source.refresh_from_db()
        raise CheckNotQueued
    source.check_requested_at = now
    source.next_check_at = now + LEASE
    return source


def source_render_set(*, source: Source, render: bool, actor: AbstractBaseUser | None) -> Source:
    """Read this source through headless Chromium from its next check on, or stop (editors).

    A setting of the source, not something the outlet did: no timeline event. The next
    check fetches the page in full (no conditional request) and renders it."""
    perms.require(actor, perms.RENDER_SOURCE)
    Source.objects.filter(pk=source.pk).update(render=render)
    source.render = render
    return source


def attempts_prune(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete check attempts older than `older_than`; the snapshots stay."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _ = CheckAttempt.objects.filter(started_at__lt=cutoff).delete()
    return deleted
