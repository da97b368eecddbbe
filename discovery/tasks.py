"""Discovery tasks: thin wrappers that take ids and call discovery.polling."""

import logging
from dataclasses import asdict

from celery import shared_task
from django.conf import settings

from . import polling

log = logging.getLogger(__name__)


@shared_task(
    soft_time_limit=settings.MONITOR_SOFT_TIME_LIMIT, time_limit=settings.MONITOR_HARD_TIME_LIMIT
)
def poll_feeds(feed_ids: list[int]) -> dict:
    """Poll a batch of feeds: new articles, and suggestions for the claims they speak of."""
    report = asdict(polling.poll_batch(feed_ids))
    log.info("Polled feeds: %s", report)
    return report


@shared_task(soft_time_limit=50, time_limit=60)
def dispatch_due_feeds() -> int:
    """Run by beat every minute: lease due feeds in batches and queue one poll per batch."""
    queued = 0
    for _ in range(settings.MONITOR_DISPATCH_MAX_BATCHES):
        ids = polling.feeds_claim_due(limit=settings.DISCOVERY_BATCH_SIZE)
        if not ids:
            break
        poll_feeds.delay(ids)
        queued += len(ids)
        if len(ids) < settings.DISCOVERY_BATCH_SIZE:
            break
    return queued
