"""Transient failures are retried as one batch, later, with backoff and jitter."""

import base64
import json
from datetime import timedelta

import pytest
import redis
from celery.exceptions import SoftTimeLimitExceeded

from claimwatch.celery import app
from monitoring import tasks
from monitoring.checks import retry_delay
from sources.models import Source


def test_it_backs_off_exponentially_with_jitter_up_to_a_ceiling(settings):
    settings.MONITOR_RETRY_MAX_DELAY = 300
    for attempt, ceiling in [(0, 10), (1, 20), (2, 40), (10, 300)]:
        delays = {retry_delay(attempt) for _ in range(20)}
        assert all(
            timedelta(seconds=ceiling / 2) <= d <= timedelta(seconds=ceiling) for d in delays
        )
        assert len(delays) > 1


@pytest.mark.django_db
def test_it_queues_one_delayed_retry_for_the_transient_failures(make_source, site, settings):
    settings.MONITOR_RETRIES = 2
    down = make_source("/down", body="busy", status=503)
    gone = make_source("/gone", body="x", status=404)
    app.control.purge()
    queue = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        result = tasks.check_sources.run([down.pk, gone.pk])
        assert result["retry"] == 1
        messages = [json.loads(m) for m in queue.lrange("celery", 0, -1)]
        assert len(messages) == 1
        headers = messages[0]["headers"]
        assert headers["task"] == "monitoring.tasks.check_sources" and headers["eta"]
        args, kwargs, _ = json.loads(base64.b64decode(messages[0]["body"]))
        assert args == [[down.pk]] and kwargs == {"attempt": 1}
        # Leased over the countdown: the dispatcher will not take it meanwhile.
        source = Source.objects.get(pk=down.pk)
        assert source.next_check_at > source.created_at + timedelta(minutes=15)
        assert Source.objects.get(pk=gone.pk).state == Source.State.GONE
    finally:
        app.control.purge()


@pytest.mark.django_db
def test_a_batch_out_of_time_is_checked_again_as_two_halves(monkeypatch, make_source, site):
    """The worker raises SoftTimeLimitExceeded in a batch that runs out of time; until the
    halves fit, each is split again, and every source is checked once in the end."""
    sources = [make_source(f"/page-{i}", body=f"Page {i}") for i in range(5)]
    ids = [source.pk for source in sources]
    real_check = tasks.checks.check_batch
    fits = 2  # sources a batch can check within its time, here

    def check_batch(source_ids, **kwargs):
        if len(source_ids) > fits:
            raise SoftTimeLimitExceeded
        return real_check(source_ids, **kwargs)

    queued = []
    monkeypatch.setattr(tasks.checks, "check_batch", check_batch)
    monkeypatch.setattr(tasks.check_sources, "delay", lambda *args: queued.append(args))
    assert tasks.check_sources.run(ids) == {"checked": 0, "retry": 0, "split": 5}
    checked = []
    while queued:
        batch, attempt = queued.pop(0)
        if tasks.check_sources.run(batch, attempt)["checked"]:
            checked.extend(batch)
    assert sorted(checked) == sorted(ids)
    assert all(s.last_checked_at for s in Source.objects.filter(pk__in=ids))
    with pytest.raises(SoftTimeLimitExceeded):  # one source over the time: nothing to split
        fits = 0
        tasks.check_sources.run(ids[:1])
