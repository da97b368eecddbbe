"""When a source is checked next: often while news is fresh, rarely once it has settled.

See docs/monitoring.md for the reasoning. Pure functions of the source's state and
the clock, so the tests pass the time in.
"""

import random
from datetime import datetime, timedelta

from django.conf import settings

from sources.models import Source

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

FRESH_FOR = 6 * HOUR  # a new source is checked every MONITOR_FRESH_MINUTES this long,
# and so is a source that just changed (it may well change again); nothing more often.
MAX_INTERVAL = DAY  # while unchanged for up to SETTLED_AFTER
SETTLED_AFTER = 30 * DAY  # unchanged this long: weekly
SETTLED_INTERVAL = 7 * DAY
CLOSED_AFTER = 30 * DAY  # every citing claim got its verdict this long ago: weekly
GONE_INTERVAL = DAY  # watch a vanished page for its return, daily then weekly
BLOCKED_INTERVAL = 7 * DAY
# While a check is queued or running its source is leased this far ahead, so the
# dispatcher leaves it alone; a lost message heals when the lease runs out.
LEASE = 15 * MINUTE
JITTER = 0.1  # +-10%, so sources added together do not stay in lock step


def next_check_delay(
    source: Source,
    *,
    now: datetime,
    changed: bool = False,
    failures: int = 0,
    claims_closed_at: datetime | None = None,
) -> timedelta:
    """How long to wait before checking `source` again, without jitter.

    1. Failures back off exponentially from 15 minutes, at most daily.
    2. Gone pages: daily for a month, then weekly; blocked: weekly.
    3. Fresh (under 6 hours old) or just changed: every 15 minutes (MONITOR_FRESH_MINUTES).
    4. Otherwise a quarter of the time since the last change, between 15 minutes
       and a day; unchanged for a month: weekly.
    5. Sources whose every citing claim was decided over a month ago: at least weekly,
       except while fresh or just changed: someone linked it, or it moved, for a reason.
    """
    fresh = timedelta(minutes=settings.MONITOR_FRESH_MINUTES)
    state = source.state
    watching_closely = False  # fresh or just changed, and answering
    if failures:
        delay = min(fresh * 2 ** (failures - 1), MAX_INTERVAL)
    elif state == Source.State.BLOCKED:
        delay = BLOCKED_INTERVAL
    elif state == Source.State.GONE:
        quiet = now - (source.last_changed_at or source.created_at)
        delay = GONE_INTERVAL if quiet < SETTLED_AFTER else SETTLED_INTERVAL
    elif changed or now - source.created_at < FRESH_FOR:
        delay = fresh
        watching_closely = True
    else:
        quiet = now - (source.last_changed_at or source.created_at)
        if quiet >= SETTLED_AFTER:
            delay = SETTLED_INTERVAL
        else:
            delay = min(max(quiet / 4, fresh), MAX_INTERVAL)
    if (
        not watching_closely
        and claims_closed_at is not None
        and now - claims_closed_at >= CLOSED_AFTER
    ):
        delay = max(delay, SETTLED_INTERVAL)
    return delay


def next_check_at(source: Source, *, now: datetime, rng: random.Random | None = None, **kw):
    """`now` plus the delay, with +-10% jitter."""
    delay = next_check_delay(source, now=now, **kw)
    spread = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return now + delay * spread
