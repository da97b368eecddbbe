"""Monitoring reads: what the source page says about its checks.

The page's facts ("Last tried", "Result", "Last successful check", "Next try") are read
from the same rows as its check history (CheckAttempt), so they cannot disagree with it:
a retry within a batch is an attempt like any other, and counts as one.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max

from sources.models import CheckAttempt, Source
from sources.selectors import ATTEMPTS_SHOWN

from .schedule import LEASE


@dataclass
class CheckFacts:
    latest: CheckAttempt | None  # the last attempt, whatever its result
    failed_in_a_row: int  # failed attempts since the last one that was not, retries included
    last_ok_at: datetime | None  # the last attempt that did not fail
    retry_at: datetime | None  # a retry batch is queued for this time
    never_fetched: bool  # no attempt ever got an answer

    @property
    def failed(self) -> bool:
        return self.latest is not None and self.latest.failed


def check_facts(source: Source, attempts: list[CheckAttempt]) -> CheckFacts:
    """The facts of `source`'s checks, from `attempts` (newest first, as the page shows
    them: sources.selectors.source_attempts). One more query only when every attempt
    shown failed and there may be older ones.

    1. The latest attempt is the last try, failed or not.
    2. Failed in a row: the failed attempts before the first one that did not fail.
    3. A retry is queued when the latest attempt failed after the source's last finished
       check (a retried try leaves `last_checked_at` alone: monitoring.checks.decide); the
       batch leased the source until LEASE past the retry's time (monitoring.checks).
       A "Refresh now" since then leased it anew: its check is the next try.
    """
    latest = attempts[0] if attempts else None
    ok = next((i for i, a in enumerate(attempts) if not a.failed), None)
    if ok is not None:
        failed_in_a_row, last_ok_at = ok, attempts[ok].started_at
    elif len(attempts) < ATTEMPTS_SHOWN:
        failed_in_a_row, last_ok_at = len(attempts), None
    else:
        last_ok_at = (
            source.attempts.exclude(outcome__in=CheckAttempt.FAILED)
            .aggregate(at=Max("started_at"))
            .get("at")
        )
        older = source.attempts.filter(outcome__in=CheckAttempt.FAILED)
        if last_ok_at is not None:
            older = older.filter(started_at__gt=last_ok_at)
        failed_in_a_row = older.count()
    if last_ok_at is None and not source.consecutive_failures and source.last_checked_at:
        last_ok_at = source.last_checked_at  # its attempts were pruned
    retry_at = None
    if (
        latest is not None
        and latest.failed
        and source.next_check_at is not None
        and source.check_requested_at is None
        and (source.last_checked_at is None or source.last_checked_at < latest.started_at)
    ):
        retry_at = source.next_check_at - LEASE
    return CheckFacts(
        latest=latest,
        failed_in_a_row=failed_in_a_row,
        last_ok_at=last_ok_at,
        retry_at=retry_at,
        never_fetched=last_ok_at is None and not source.content_hash,
    )
