"""The dispatcher: it leases due sources, skips rows another dispatcher holds, and a
lost message heals when the lease runs out."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from claims import services as claim_services
from monitoring import services, tasks
from monitoring.schedule import LEASE
from sources.models import CheckAttempt, Source
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
def test_it_queues_the_first_check_of_a_linked_source_once_and_leases_it(
    analyst_client, claim, analyst, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(services.current_app, "send_task", lambda name, args: sent.append(args))
    url = reverse("claims:evidence_add", args=[claim.code])
    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.post(url, {"url": "https://example.com/new", "stance": "supports"})
    source = Source.objects.get(url="https://example.com/new")
    assert sent == [([source.pk],)]
    # Leased: the dispatcher does not take it too (it was checked twice before).
    assert services.sources_claim_due() == []
    other = claim_services.claim_create(statement="Another claim entirely.", actor=analyst)
    with django_capture_on_commit_callbacks(execute=True):  # a known source: no new check
        analyst_client.post(
            reverse("claims:evidence_add", args=[other.code]),
            {"url": "https://example.com/new", "stance": "denies"},
        )
    assert len(sent) == 1


@pytest.mark.django_db
def test_it_leaves_a_source_the_dispatcher_took_to_the_dispatcher(monkeypatch):
    sent = []
    monkeypatch.setattr(services.current_app, "send_task", lambda name, args: sent.append(args))
    (source,) = make(1)
    assert services.sources_claim_due() == [source.pk]
    assert services.source_check_soon(source=source) is False
    assert sent == []


@pytest.mark.django_db
def test_it_gives_the_lease_back_when_the_broker_is_away(
    analyst_client, claim, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_away(name, args):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(services.current_app, "send_task", broker_away)
    url = reverse("claims:evidence_add", args=[claim.code])
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(
            url, {"url": "https://example.com/new", "stance": "supports"}
        )
    assert response.status_code == 302  # the link is saved all the same
    source = Source.objects.get(url="https://example.com/new")
    assert claim.evidence.filter(source=source).exists()
    assert services.sources_claim_due() == [source.pk]  # due again, for the dispatcher
