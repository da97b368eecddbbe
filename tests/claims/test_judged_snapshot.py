"""Issue 19, items 1-3: evidence remembers the snapshot its stance was given for, the claim
page and the review queue show that headline with the current one beside it, and the
timeline shows each event as it was written. Sources change through real checks of the
local web site."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from claims import selectors, services
from claims.models import ClaimEvent, Evidence
from monitoring.checks import check_batch
from sources.models import Snapshot, Source

from ..sites import article

pytestmark = pytest.mark.django_db

LINKED = "Ministers may meet at SCO"
FLIPPED = "Pakistan rules out meeting at SCO"


def check(source: Source) -> Source:
    check_batch([source.pk])
    return Source.objects.get(pk=source.pk)


def evidence_of(claim, source) -> Evidence:
    (ev,) = [ev for ev in selectors.claim_evidence(claim) if ev.source_id == source.pk]
    return ev


def event_of(claim, kind) -> ClaimEvent:
    return claim.events.filter(kind=kind).latest("seq")


@pytest.fixture
def flipped(claim, analyst, site):
    """A source linked as supporting after its first check, whose headline then flipped."""
    url = site.set("/sco", article(LINKED))
    source = check(Source.objects.create(url=url))
    services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    site.set("/sco", article(FLIPPED))
    return check(source)


def test_it_records_the_latest_snapshot_when_a_source_is_linked(claim, analyst, site):
    url = site.set("/sco", article(LINKED))
    source = check(Source.objects.create(url=url))
    snapshot = Snapshot.objects.get(source=source)
    evidence = services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    assert evidence.judged_snapshot == snapshot
    judged = event_of(claim, "evidence_added").payload
    assert judged["title"] == LINKED
    assert judged["judged_snapshot"]["id"] == snapshot.pk
    assert judged["judged_snapshot"]["content_hash"] == snapshot.content_hash
    assert judged["judged_snapshot"]["taken_at"] == snapshot.created_at.isoformat()
    assert judged["judged_snapshot"]["capture"] == snapshot.capture_sha256 != ""


def test_it_judges_a_source_linked_before_its_first_fetch_on_its_first_snapshot(
    claim, analyst, site
):
    url = site.set("/sco", article(LINKED))
    evidence = services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    assert evidence.judged_snapshot is None
    source = check(evidence.source)
    first = Snapshot.objects.get(source=source)
    site.set("/sco", article(FLIPPED))
    check(source)
    evidence.refresh_from_db()
    assert evidence.judged_snapshot == first  # the first, not the newest
    assert evidence_of(claim, source).changed_since_judged


def test_it_shows_the_headline_as_linked_and_the_current_one_beside_it(
    analyst_client, claim, flipped
):
    ev = evidence_of(claim, flipped)
    page = analyst_client.get(claim.get_absolute_url()).content.decode()
    card = page[page.index(f'id="ev-{flipped.code}"') :]
    card = card[: card.index("</li>")]
    assert f">{LINKED}</a>" in card
    assert f"now: “{FLIPPED}”" in card
    diff = f"?old={ev.judged_snapshot_id}&amp;new={ev.current_snapshot_id}"
    assert f"{flipped.get_absolute_url()}{diff}" in card
    queue = analyst_client.get(reverse("claims:review")).content.decode()
    assert f"Stance given for “{LINKED}”" in queue and f"now: “{FLIPPED}”" in queue


def test_it_records_the_current_snapshot_when_a_reviewer_confirms(
    analyst, analyst_client, claim, flipped
):
    current = Snapshot.objects.filter(source=flipped).latest("created_at")
    services.evidence_mark_reviewed(evidence=evidence_of(claim, flipped), actor=analyst)
    ev = evidence_of(claim, flipped)
    assert ev.judged_snapshot == current and not ev.changed_since_judged
    assert ev.title_when_linked == FLIPPED
    payload = event_of(claim, "evidence_reviewed").payload
    assert payload["title"] == FLIPPED and payload["judged_snapshot"]["id"] == current.pk
    page = analyst_client.get(claim.get_absolute_url()).content.decode()
    assert "now: “" not in page


def test_it_records_the_current_snapshot_when_a_reviewer_restances(analyst, claim, flipped):
    current = Snapshot.objects.filter(source=flipped).latest("created_at")
    services.evidence_update(evidence=evidence_of(claim, flipped), stance="denies", actor=analyst)
    ev = evidence_of(claim, flipped)
    assert ev.judged_snapshot == current and not ev.changed_since_judged
    payload = event_of(claim, "evidence_restanced").payload
    assert payload["title"] == FLIPPED
    assert payload["judged_snapshot"]["content_hash"] == current.content_hash


def test_it_reads_the_evidence_and_the_review_queue_in_constant_queries(
    analyst, claim, flipped, site, django_assert_num_queries
):
    with django_assert_num_queries(1):
        selectors.claim_evidence(claim)
    with django_assert_num_queries(2):
        selectors.review_queue()
    for n in range(3):
        url = site.set(f"/more/{n}", article(f"More {n}"))
        services.evidence_add(claim=claim, url=url, stance="neutral", actor=analyst)
        check(Source.objects.get(url=url))
        site.set(f"/more/{n}", article(f"Changed {n}"))
        check(Source.objects.get(url=url))
    with django_assert_num_queries(1):
        evidence = selectors.claim_evidence(claim)
    assert sum(ev.changed_since_judged for ev in evidence) == 4
    with django_assert_num_queries(2):
        assert len(selectors.review_queue()[0]) == 4


def _timeline(client, claim) -> list[str]:
    page = client.get(claim.get_absolute_url()).content.decode()
    events = page[page.index('<ol class="events">') :]
    return events.split('<li class="event')[1:]


def test_it_shows_past_events_as_they_were_when_the_title_changes(
    analyst, analyst_client, claim, site
):
    url = site.set("/sco", article(LINKED))
    source = check(Source.objects.create(url=url))
    services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    services.evidence_update(evidence=evidence_of(claim, source), quote="may meet", actor=analyst)
    before = _timeline(analyst_client, claim)
    assert any(f">{LINKED}</a>" in event for event in before)
    site.set("/sco", article(FLIPPED))
    assert check(source).title == FLIPPED
    after = _timeline(analyst_client, claim)
    assert after[-len(before) :] == before  # the old events, word for word
    assert FLIPPED in after[0]  # the new event: the headline change


def test_it_shows_an_event_written_without_a_title_by_its_url(analyst, analyst_client, claim):
    source = Source.objects.create(url="https://example.org/old-event", title="Today's title")
    services.event_append(
        claim, ClaimEvent.Kind.EVIDENCE_ADDED, analyst, {"url": source.url}, source=source
    )
    (event,) = [e for e in _timeline(analyst_client, claim) if "kind-evidence_added" in e]
    assert ">https://example.org/old-event</a>" in event
    assert "Today&#x27;s title" not in event and "Today's title" not in event


def test_it_gives_existing_evidence_the_snapshot_it_had_when_linked(claim, analyst, site):
    """Migration 0015's data step, run on evidence that has no judged snapshot."""
    url = site.set("/sco", article(LINKED))
    evidence = services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    source = check(evidence.source)
    site.set("/sco", article(FLIPPED))
    check(source)
    never = services.evidence_add(
        claim=claim, url=site.url("/never"), stance="denies", actor=analyst
    )
    first, latest = Snapshot.objects.filter(source=source).order_by("created_at", "id")
    Evidence.objects.update(judged_snapshot=None)
    migration = importlib.import_module("claims.migrations.0015_evidence_judged_snapshot")
    migration.judge_existing(apps, None)
    evidence.refresh_from_db()
    never.refresh_from_db()
    assert evidence.judged_snapshot == first  # linked before its first fetch: the first
    assert never.judged_snapshot is None
    Evidence.objects.filter(pk=evidence.pk).update(judged_snapshot=None, added_at=latest.created_at)
    migration.judge_existing(apps, None)
    evidence.refresh_from_db()
    assert evidence.judged_snapshot == latest  # the latest at the time of the link
