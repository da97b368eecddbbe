"""The dispatcher: it leases due sources, skips rows another dispatcher holds, and a
lost message heals when the lease runs out."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from sources import services, tasks
from sources.models import CheckAttempt, Source
from sources.schedule import LEASE
from sources.services import source_get_or_create


def make(n: int) -> list[Source]:
    return [source_get_or_create(url=f"https://example.com/{i}", actor=None)[0] for i in range(n)]


@pytest.mark.django_db
def test_it_leases_due_sources_and_takes_them_again_when_the_lease_runs_out():
    sources = make(3)
    Source.objects.filter(pk=sources[2].pk).update(
        next_check_at=timezone.now() + timedelta(hours=1)
    )
    now = timezone.now()
    taken = services.sources_claim_due(now=now)
    assert sorted(taken) == sorted(s.pk for s in sources[:2])
    assert services.sources_claim_due(now=now) == []  # leased
    # The check's message was lost: once the lease is over the sources are due again.
    later = now + LEASE + timedelta(seconds=1)
    assert sorted(services.sources_claim_due(now=later)) == sorted(s.pk for s in sources[:2])


@pytest.mark.django_db
def test_it_takes_at_most_a_batch(settings):
    make(5)
    assert len(services.sources_claim_due(limit=2)) == 2
    assert len(services.sources_claim_due(limit=10)) == 3


@pytest.mark.django_db(transaction=True)
def test_it_skips_sources_locked_by_another_dispatcher(keep_groups):
    first, second = make(2)
    locked = threading.Event()
    release = threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                list(Source.objects.select_for_update().filter(pk=first.pk))
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(10)
        assert services.sources_claim_due() == [second.pk]
    finally:
        release.set()
        holder.join()
    assert services.sources_claim_due() == [first.pk]


@pytest.mark.django_db
def test_it_queues_one_task_per_batch(settings, monkeypatch):
    settings.MONITOR_BATCH_SIZE = 2
    make(5)
    queued = []
    monkeypatch.setattr(tasks.check_sources, "delay", lambda ids: queued.append(ids))
    assert tasks.dispatch_due_sources() == 5
    assert [len(ids) for ids in queued] == [2, 2, 1]


@pytest.mark.django_db
def test_it_prunes_old_check_attempts():
    source = make(1)[0]
    now = timezone.now()
    CheckAttempt.objects.create(
        source=source, outcome="unchanged", started_at=now - timedelta(days=40)
    )
    recent = CheckAttempt.objects.create(source=source, outcome="unchanged", started_at=now)
    assert tasks.prune_check_attempts() == 1
    assert list(CheckAttempt.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db
def test_it_queues_the_first_check_of_a_new_source_after_commit(
    claim, analyst, django_capture_on_commit_callbacks
):
    from claims import services as claim_services

    with django_capture_on_commit_callbacks() as callbacks:
        claim_services.evidence_add(
            claim=claim, url="https://example.com/new", stance="supports", actor=analyst
        )
    assert len(callbacks) == 1
    other = claim_services.claim_create(statement="Another claim entirely.", actor=analyst)
    with django_capture_on_commit_callbacks() as callbacks:
        claim_services.evidence_add(  # a known source is not checked again
            claim=other, url="https://example.com/new", stance="denies", actor=analyst
        )
        claim_services.evidence_add(  # an import asks for no check
            claim=other,
            url="https://example.com/imported",
            stance="denies",
            actor=analyst,
            queue_check=False,
        )
    assert callbacks == []
