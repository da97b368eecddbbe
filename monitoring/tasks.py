"""Monitoring tasks: thin wrappers that take ids and call monitoring.checks / .services.

Reliability (settings: CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST,
prefetch 1, visibility timeout): a message is acknowledged only after its batch is
written, and a worker killed mid-batch puts the message back. Running a batch twice
writes no second snapshot or event (see monitoring.checks).
"""

import gc
import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init
from django.conf import settings
from django.db import InterfaceError, OperationalError

from sources import pages
from sources.captures import CaptureStoreFailed

from . import checks, services

log = logging.getLogger(__name__)


@worker_init.connect
def share_before_fork(**kwargs) -> None:
    """In the worker's parent, before its pool forks: load the language model, and move
    every object made so far (modules, the model) out of the garbage collector's reach
    (gc.freeze), so that the pool processes keep sharing those pages with the parent
    rather than each copying them when the collector or a first changed page touches them.
    The parent runs no task; each pool process then holds only what its batches make
    (bench/checks.py reports its USS beside its RSS)."""
    pages.language_model_load()
    gc.freeze()


@shared_task(
    name=services.CHECK_SOURCES,
    soft_time_limit=settings.MONITOR_SOFT_TIME_LIMIT,
    time_limit=settings.MONITOR_HARD_TIME_LIMIT,
    # The database away (restarted, failed over): the batch's sources stay leased for 15
    # minutes, so try the batch again every 20 s at most, for about 10 minutes; it is
    # checked within 20 s of the database's return. (The countdown stays within
    # MONITOR_RETRY_LONGEST, which the visibility timeout allows for.)
    # A capture that cannot be written (a full disk) rolls its check back and is tried
    # again the same way.
    autoretry_for=(OperationalError, InterfaceError, CaptureStoreFailed),
    retry_backoff=5,
    retry_backoff_max=min(20, max(settings.MONITOR_RETRY_LONGEST, 5)),
    retry_jitter=False,
    max_retries=30,
)
def check_sources(source_ids: list[int], attempt: int = 0) -> dict:
    """Check a batch of sources; queue one retry batch for the transient failures."""
    try:
        report = checks.check_batch(source_ids, attempt=attempt)
    except SoftTimeLimitExceeded:
        # More than one batch can do in its time (first captures of many new sources on
        # a busy machine, after the fetching deadline): check it again now as two
        # halves, rather than leave its sources leased for LEASE. What was written
        # already is not written twice (the conditional updates of monitoring.checks).
        log.warning("A batch of %d sources ran out of time; split in two", len(source_ids))
        if len(source_ids) < 2:
            raise
        half = len(source_ids) // 2
        check_sources.delay(source_ids[:half], attempt)
        check_sources.delay(source_ids[half:], attempt)
        return {"checked": 0, "retry": 0, "split": len(source_ids)}
    if report.retry_ids:
        # At the time the batch leased them for (and the source page shows).
        check_sources.apply_async(
            (report.retry_ids,), {"attempt": attempt + 1}, eta=report.retry_at
        )
    outcomes: dict[str, int] = {}
    for d in report.decisions:
        outcome = str(d.outcome)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    log.info(
        "Checked %d sources in %d ms (fetching %d ms): %s; %d to retry",
        len(report.decisions),
        report.total_ms,
        report.fetch_ms,
        outcomes,
        len(report.retry_ids),
    )
    return {"checked": len(report.decisions), "retry": len(report.retry_ids), **outcomes}


@shared_task(soft_time_limit=50, time_limit=60)
def dispatch_due_sources() -> int:
    """Run by beat every minute: lease due sources in batches and queue one check per batch."""
    queued = 0
    for _ in range(settings.MONITOR_DISPATCH_MAX_BATCHES):
        ids = services.sources_claim_due(limit=settings.MONITOR_BATCH_SIZE)
        if not ids:
            break
        check_sources.delay(ids)
        queued += len(ids)
        if len(ids) < settings.MONITOR_BATCH_SIZE:
            break
    if queued:
        log.info("Queued %d due sources", queued)
    return queued


@shared_task
def prune_check_attempts() -> int:
    """Run by beat daily: drop check attempts older than MONITOR_ATTEMPTS_KEEP_DAYS."""
    return services.attempts_prune(older_than=timedelta(days=settings.MONITOR_ATTEMPTS_KEEP_DAYS))
