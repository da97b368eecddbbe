"""The adaptive schedule: often while fresh, backing off while unchanged, sooner after a
change, slower once the claims are long decided."""

import random
from datetime import UTC, datetime, timedelta

from monitoring.schedule import next_check_at, next_check_delay
from sources.models import Source

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def source(age: timedelta, quiet: timedelta | None = None, state=Source.State.LIVE):
    return Source(
        state=state,
        created_at=NOW - age,
        last_changed_at=NOW - quiet if quiet is not None else None,
    )


def test_it_checks_a_fresh_source_every_15_minutes():
    assert next_check_delay(source(timedelta(hours=2)), now=NOW) == timedelta(minutes=15)


def test_it_backs_off_while_nothing_changes_up_to_daily_then_weekly():
    delays = [
        next_check_delay(source(age), now=NOW)
        for age in (timedelta(hours=8), timedelta(days=2), timedelta(days=10), timedelta(days=40))
    ]
    assert delays == [timedelta(hours=2), timedelta(hours=12), timedelta(days=1), timedelta(days=7)]


def test_it_comes_back_sooner_after_a_change():
    old = source(timedelta(days=20))
    assert next_check_delay(old, now=NOW, changed=True) == timedelta(minutes=15)
    recently = source(timedelta(days=20), quiet=timedelta(hours=2))
    assert next_check_delay(recently, now=NOW) == timedelta(minutes=30)


def test_it_slows_down_for_claims_decided_long_ago():
    fresh = source(timedelta(days=2))
    assert next_check_delay(fresh, now=NOW, claims_closed_at=NOW - timedelta(days=5)) == timedelta(
        hours=12
    )
    assert next_check_delay(fresh, now=NOW, claims_closed_at=NOW - timedelta(days=45)) == timedelta(
        days=7
    )


def test_it_watches_a_source_just_linked_to_a_long_decided_claim_closely():
    linked_now = source(timedelta(hours=1))
    long_ago = NOW - timedelta(days=500)
    assert next_check_delay(linked_now, now=NOW, claims_closed_at=long_ago) == timedelta(minutes=15)
    assert next_check_delay(
        source(timedelta(days=60)), now=NOW, changed=True, claims_closed_at=long_ago
    ) == timedelta(minutes=15)


def test_it_backs_off_failures_exponentially_and_watches_gone_pages_daily():
    s = source(timedelta(days=2))
    assert [next_check_delay(s, now=NOW, failures=n) for n in (1, 2, 3, 10)] == [
        timedelta(minutes=15),
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(days=1),
    ]
    gone = source(timedelta(days=2), quiet=timedelta(days=1), state=Source.State.GONE)
    assert next_check_delay(gone, now=NOW) == timedelta(days=1)
    blocked = source(timedelta(days=2), state=Source.State.BLOCKED)
    assert next_check_delay(blocked, now=NOW) == timedelta(days=7)


def test_it_spreads_checks_with_jitter():
    s = source(timedelta(days=2))
    times = {next_check_at(s, now=NOW, rng=random.Random(seed)) for seed in range(20)}
    assert len(times) > 1
    assert all(
        NOW + timedelta(hours=10, minutes=48) <= t <= NOW + timedelta(hours=13, minutes=12)
        for t in times
    )
