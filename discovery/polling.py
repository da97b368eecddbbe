"""Polling outlets' feeds: lease due feeds, fetch them politely, keep new articles, suggest.

1. The dispatcher (`feeds_claim_due`, beat every minute) takes due feeds with
   select_for_update(skip_locked) and moves `next_poll_at` LEASE ahead: a lost message
   heals itself, the feed is due again when the lease runs out.
2. `poll_batch` fetches them through the guard (sources.fetch) in one event loop, with
   conditional headers (ETag / Last-Modified: an unchanged feed costs a 304) and the
   per-host limits shared with source checks (monitoring.hostlimits, via its fetching).
3. A 200 is parsed from its bytes (discovery.feeds); new items become articles, and each
   new article is matched against the open claims (discovery.services.suggestions_make).
4. The feed's next poll: DISCOVERY_POLL_MINUTES after success; after n failures in a row
   POLL x 2^n, at most a day. Feeds whose new state is the same (every 304 of the batch)
   are written by one UPDATE, the batch's writes in one transaction: an unchanged feed
   costs its request and a share of one statement (bench/feeds.py).
"""

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from monitoring.checks.fetching import fetch_many
from monitoring.schedule import LEASE
from sources.models import LAST_ERROR_MAX, Feed

from . import services
from .feeds import FeedError, parse_feed

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(days=1)


def feeds_claim_due(*, now: datetime | None = None, limit: int = 50) -> list[int]:
    """Step 1: take up to `limit` due feeds and lease them."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Feed.objects.select_for_update(skip_locked=True)
            .filter(next_poll_at__lte=now)
            .order_by("next_poll_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Feed.objects.filter(pk__in=ids).update(next_poll_at=now + LEASE)
    return ids


@dataclass
class _Target:
    """A feed as monitoring's fetching reads a source: pk, url and validators."""

    pk: int
    url: str
    etag: str
    last_modified: str
    content_hash: str = "polled"  # conditional headers whenever validators are known
    render: bool = False  # a feed is read as served, never in a browser


def next_poll(failures: int, *, now: datetime) -> datetime:
    """Step 4."""
    every = timedelta(minutes=settings.DISCOVERY_POLL_MINUTES)
    return now + min(every * 2**failures, MAX_BACKOFF) if failures else now + every


@dataclass
class PollReport:
    polled: int = 0
    not_modified: int = 0
    failed: int = 0
    articles: int = 0
    suggestions: int = 0


def poll_batch(feed_ids: list[int], *, now: datetime | None = None) -> PollReport:
    """Steps 2-4 for these feeds. Safe to run twice: articles and suggestions are kept once."""
    feeds = {f.pk: f for f in Feed.objects.filter(pk__in=feed_ids)}
    report = PollReport()
    if not feeds:
        return report
    targets = [_Target(f.pk, f.url, f.etag, f.last_modified) for f in feeds.values()]
    fetched = asyncio.run(fetch_many(targets))
    now = now or timezone.now()
    writes: dict[tuple, list[int]] = defaultdict(list)  # the same new state: one UPDATE
    for done in fetched:
        feed = feeds[done.source_id]
        report.polled += 1
        fields = {"last_polled_at": now}
        try:
            if done.error is not None:
                raise FeedError(getattr(done.error, "reason", "") or str(done.error))
            result = done.result
            fields["http_status"] = result.status
            if result.status == 304:
                report.not_modified += 1
            elif result.status != 200 or result.body is None:
                raise FeedError(f"HTTP {result.status}")
            else:
                items = parse_feed(result.body, url=result.url, content_type=result.content_type)
                fields["etag"] = (result.etag or "")[:500]
                fields["last_modified"] = (result.last_modified or "")[:100]
                articles = services.articles_record(feed=feed, items=items, now=now)
                report.articles += len(articles)
                report.suggestions += len(services.suggestions_make(articles=articles, now=now))
            fields.update(failures=0, last_error="", next_poll_at=next_poll(0, now=now))
        except FeedError as exc:
            report.failed += 1
            failures = feed.failures + 1
            fields.update(
                failures=failures,
                last_error=str(exc)[:LAST_ERROR_MAX],
                next_poll_at=next_poll(failures, now=now),
            )
        writes[tuple(sorted(fields.items()))].append(feed.pk)
    with transaction.atomic():
        for fields, ids in writes.items():
            Feed.objects.filter(pk__in=ids).update(**dict(fields))
    return report
