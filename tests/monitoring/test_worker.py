"""End to end with a real Celery worker on Redis: claim -> evidence -> worker check ->
event on the claim's timeline; and a worker process killed mid-check loses nothing and
duplicates nothing."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from werkzeug.wrappers import Response

from claims import services as claim_services
from claims.models import ClaimEvent, Evidence
from monitoring.services import source_check_soon, source_request_check
from sources.models import CheckAttempt, Snapshot, Source

from ..sites import LOREM, article

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("keep_groups"),
]
DEADLINE = 60


def wait_for(condition, what: str, deadline: float = DEADLINE):
    """Poll `condition` until it is true or the deadline passes (no sleeping for time)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"Timed out waiting for {what}")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_it_checks_a_linked_source_and_writes_its_change_to_the_claim_timeline(worker, site):
    claim = claim_services.claim_create(statement="The ministers will meet.", actor=None)
    url = site.set("/news/e2e", article("Ministers to meet"))
    evidence = claim_services.evidence_add(claim=claim, url=url, stance="supports", actor=None)
    source = evidence.source
    # As the web page and the API do after a link: the worker stores a first snapshot.
    assert source_check_soon(source=source)
    wait_for(lambda: Snapshot.objects.filter(source=source).exists(), "the first snapshot")
    assert Source.objects.get(pk=source.pk).state == Source.State.LIVE

    site.set("/news/e2e", article("No meeting planned, ministry says"))
    source_request_check(source=Source.objects.get(pk=source.pk), actor=None)
    event = wait_for(
        lambda: claim.events.filter(kind=ClaimEvent.Kind.SOURCE_HEADLINE_CHANGED).first(),
        "the headline event on the claim timeline",
    )
    assert event.payload["after"]["title"] == "No meeting planned, ministry says"
    assert Evidence.objects.get(pk=evidence.pk).needs_review is True
    wait_for(
        lambda: Source.objects.get(pk=source.pk).check_requested_at is None,
        "the refresh to finish",
    )


def test_it_loses_and_duplicates_nothing_when_the_worker_process_is_killed(worker, site):
    claim = claim_services.claim_create(statement="The ministers will meet.", actor=None)
    url = site.set("/news/kill", article("Ministers to meet"))
    evidence = claim_services.evidence_add(claim=claim, url=url, stance="supports", actor=None)
    source = evidence.source
    assert source_check_soon(source=source)
    wait_for(lambda: Snapshot.objects.filter(source=source).exists(), "the first snapshot")

    # The edited page answers only when released, so the check is caught mid-fetch.
    arrived = threading.Event()
    release = threading.Event()
    edited = article("Ministers to meet", LOREM.replace("no bilateral", "a bilateral"))

    def slow(request):
        arrived.set()
        release.wait(30)
        return Response(edited, content_type="text/html")

    site.set("/news/kill", slow)
    source_request_check(source=Source.objects.get(pk=source.pk), actor=None)
    assert arrived.wait(DEADLINE), "the worker never fetched the page"
    pool = children(worker.pid)
    assert len(pool) == 1
    os.kill(pool[0], signal.SIGKILL)  # the process running the check dies mid-fetch
    wait_for(lambda: children(worker.pid) and children(worker.pid) != pool, "a new pool process")
    release.set()
    site.set("/news/kill", edited)

    # The message went back to the queue and the check ran again to the end.
    event = wait_for(
        lambda: claim.events.filter(kind=ClaimEvent.Kind.SOURCE_CHANGED).first(),
        "the change event after the redelivery",
    )
    wait_for(
        lambda: Source.objects.get(pk=source.pk).check_requested_at is None,
        "the check to finish",
    )
    # Run the same check once more, as a duplicate delivery would.
    source_request_check(source=Source.objects.get(pk=source.pk), actor=None)
    wait_for(
        lambda: CheckAttempt.objects.filter(source=source).count() >= 3,
        "the repeated check",
    )
    wait_for(
        lambda: Source.objects.get(pk=source.pk).check_requested_at is None,
        "the repeated check to finish",
    )
    assert Snapshot.objects.filter(source=source).count() == 2
    assert claim.events.filter(kind=ClaimEvent.Kind.SOURCE_CHANGED).count() == 1
    assert "expect a bilateral meeting" in event.payload["after"]["text"]
    log = worker.log_path.read_text()
    assert "WorkerLostError" in log or "SIGKILL" in log or "signal 9" in log
