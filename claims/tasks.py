from celery import shared_task
from django.conf import settings
from django.utils import timezone

from sources.captures import captures_prune

from . import selectors, similarity


@shared_task
def prune_captures() -> int:
    """Keep the stored captures under CAPTURES_MAX_BYTES (decided claims' sources kept)."""
    report = captures_prune(
        max_bytes=settings.CAPTURES_MAX_BYTES,
        keep_sources=selectors.decided_source_ids(),
        now=timezone.now(),
    )
    return report.pruned


@shared_task(soft_time_limit=120, time_limit=150)
def similarity_stats_refresh() -> int:
    """Run by beat: count the claims' term statistics again (claims.similarity) into the
    shared cache before the copy there runs out, so no look-alike request waits for them."""
    return similarity.term_stats(refresh=True).n
