"""The reliability settings the monitoring relies on (issue 4, item 5)."""

from django.conf import settings

from claimwatch.celery import app
from monitoring.tasks import check_sources


def test_it_acknowledges_late_and_requeues_when_a_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_it_redelivers_only_after_the_longest_hold():
    longest = settings.MONITOR_HARD_TIME_LIMIT + settings.MONITOR_RETRY_LONGEST
    assert app.conf.broker_transport_options["visibility_timeout"] > longest


def test_it_redoes_a_lost_batch_within_two_minutes():
    """Issue 10, item 6: the visibility timeout was 750 s and kombu scanned every 100 s."""
    options = app.conf.broker_transport_options
    interval = options["unacked_restore_interval"] * options["unacked_restore_throttle"]
    assert options["visibility_timeout"] + interval <= 120


def test_it_bounds_a_batch_in_time():
    assert check_sources.soft_time_limit < check_sources.time_limit
    assert check_sources.time_limit == settings.MONITOR_HARD_TIME_LIMIT


def test_it_runs_the_dispatcher_every_minute_and_prunes_daily():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["dispatch-due-sources"]["schedule"] == 60.0
    assert schedule["dispatch-due-sources"]["task"] == "monitoring.tasks.dispatch_due_sources"
    assert schedule["prune-check-attempts"]["task"] == "monitoring.tasks.prune_check_attempts"
