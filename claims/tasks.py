from celery import shared_task
from django.conf import settings
from django.utils import timezone

from sources.captures import captures_prune

from . import alerts, import_jobs, notifications, selectors, similarity


@shared_task
def notify_watchers() -> int:
    """Mail watchers the verdict and source changes since their last mail (one batch),
    write the same digests to their alert channels, and start sending those."""
    sent = notifications.notify_watchers()
    deliver_alerts()
    return sent


@shared_task
def deliver_alerts() -> int:
    """Take the due alert deliveries (first tries and retries) and queue one send each,
    so a slow or failing channel holds up no other."""
    ids = alerts.alerts_claim_due()
    for delivery_id in ids:
        send_alert.delay(delivery_id)
    return len(ids)


@shared_task
def send_alert(delivery_id: int) -> bool:
    """Send one alert; a failure is retried by deliver_alerts after its backoff."""
    return alerts.alert_send(delivery_id=delivery_id)


@shared_task
def prune_captures() -> int:
    """Keep the stored captures under CAPTURES_MAX_BYTES (decided claims' sources kept)."""
    report = captures_prune(
        max_bytes=settings.CAPTURES_MAX_BYTES,
        keep_sources=selectors.decided_source_ids(),
        now=timezone.now(),
    )
    return report.pruned


# Acknowledged on receipt, not after: a job may run IMPORT_PAGE_MAX_SECONDS, longer than
# the broker's visibility timeout, after which Redis would hand a running job to a second
# worker. A worker lost mid-job leaves it "running" until the page calls it stalled;
# nothing was written, its transaction died with the worker. The soft limit is a
# backstop for time spent between progress reports, which enforce the limit themselves.
@shared_task(
    acks_late=False,
    soft_time_limit=settings.IMPORT_PAGE_MAX_SECONDS + 30,
    time_limit=settings.IMPORT_PAGE_MAX_SECONDS + 60,
)
def run_import(job_id: str) -> str:
    """Run a spreadsheet preview or import started on the page (claims.import_jobs)."""
    return import_jobs.job_run(job_id)


@shared_task(soft_time_limit=120, time_limit=150)
def similarity_stats_refresh() -> int:
    """Run by beat: count the claims' term statistics again (claims.similarity) into the
    shared cache before the copy there runs out, so no look-alike request waits for them."""
    return similarity.term_stats(refresh=True).n
