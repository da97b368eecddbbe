from celery import shared_task
from django.conf import settings
from django.utils import timezone

from sources.captures import captures_prune

from . import selectors


@shared_task
def prune_captures() -> int:
    """Keep the stored captures under CAPTURES_MAX_BYTES (decided claims' sources kept)."""
    report = captures_prune(
        max_bytes=settings.CAPTURES_MAX_BYTES,
        keep_sources=selectors.decided_source_ids(),
        now=timezone.now(),
    )
    return report.pruned
