"""The desk: who works on which claim, by when; "My claims"; assignees are alerted."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.models import ClaimEvent
from desk.models import Assignment, Watch
from desk.notifications import notify_watchers
from desk.services import claim_assign, claim_unassign

pytestmark = pytest.mark.django_db
DUE = datetime(2025, 6, 27, 18, 0, tzinfo=UTC)


def test_it_assigns_with_the_resolve_date_as_the_default_due_time(analyst, editor):
    claim = services.claim_create(statement="They will meet.", resolves_at=DUE, actor=analyst)
    assignment = claim_assign(claim=claim, user=analyst, actor=editor)
    assert assignment.due_at == DUE
    assert assignment.assigned_by == editor
    event = claim.events.get(kind=ClaimEvent.Kind.ASSIGNED)
    assert event.actor == editor
    assert event.payload == {"user": "alice", "due_at": DUE.isoformat()}


def test_it_changes_the_due_time_of_an_assignee(claim, analyst, editor):
    claim_assign(claim=claim, user=analyst, actor=editor)
    later = timezone.now() + timedelta(days=2)
    claim_assign(claim=claim, user=analyst, due_at=later, actor=editor)
    assert Assignment.objects.get().due_at == later
    events = claim.events.filter(kind=ClaimEvent.Kind.ASSIGNED).order_by("id")
    assert [e.payload.get("after") for e in events] == [None, {"due_at": later.isoformat()}]
    # The same again changes nothing.
    claim_assign(claim=claim, user=analyst, due_at=later, actor=editor)
    assert claim.events.filter(kind=ClaimEvent.Kind.ASSIGNED).count() == 2


def test_it_assigns_several_people_and_unassigns_one(claim, analyst, editor):
    claim_assign(claim=claim, user=analyst, actor=analyst)
    claim_assign(claim=claim, user=editor, actor=analyst)
    claim_unassign(claim=claim, user=analyst, actor=editor)
    assert list(Assignment.objects.values_list("user__username", flat=True)) == ["erin"]
    assert claim.events.get(kind=ClaimEvent.Kind.UNASSIGNED).payload == {"user": "alice"}
    claim_unassign(claim=claim, user=analyst, actor=editor)  # not assigned: no event
    assert claim.events.filter(kind=ClaimEvent.Kind.UNASSIGNED).count() == 1


def test_it_assigns_analysts_and_editors_only(claim, editor, outsider):
    with pytest.raises(ValidationError):
        claim_assign(claim=claim, user=outsider, actor=editor)
    with pytest.raises(PermissionDenied):
        claim_assign(claim=claim, user=editor, actor=outsider)
    assert not Assignment.objects.exists()


def test_it_makes_the_assignee_a_watcher_who_is_mailed(claim, make_user, editor):
    walt = make_user("walt", "Analysts", email="walt@example.org")
    claim_assign(claim=claim, user=walt, actor=editor)
    assert Watch.objects.filter(user=walt, claim=claim).exists()
    services.verdict_set(
        claim=claim, status="denied", rationale="FO denied it.", expected_version=1, actor=editor
    )
    assert notify_watchers(now=timezone.now() + timedelta(minutes=1)) == 1
    body = mail.outbox[0].body
    assert "Assigned: walt" in body
    assert "Verdict set: Denied" in body


def test_it_lists_my_claims_with_a_count_in_the_header(analyst_client, analyst, editor):
    mine = services.claim_create(statement="Mine to check.", actor=editor)
    services.claim_create(statement="Someone else's.", actor=editor)
    claim_assign(claim=mine, user=analyst, actor=editor)
    html = analyst_client.get(reverse("claims:list")).content.decode()
    assert 'aria-label="1 assigned to you">1</span>' in html
    html = analyst_client.get(reverse("claims:list") + "?mine=on").content.decode()
    assert "Mine to check." in html
    assert "Someone else&#x27;s." not in html and "Someone else's." not in html
    assert 'id="id_mine" value="on" checked' in html


def test_it_shows_when_each_of_my_claims_is_due(analyst_client, analyst, editor):
    """Issue 20 item 11: "My claims" rows say when each is due."""
    due = datetime(2026, 12, 9, 17, 30, tzinfo=UTC)
    soon = services.claim_create(statement="Due soon.", actor=editor)
    open_ended = services.claim_create(statement="No date.", actor=editor)
    claim_assign(claim=soon, user=analyst, due_at=due, actor=editor)
    claim_assign(claim=open_ended, user=analyst, actor=editor)
    html = analyst_client.get(reverse("claims:list") + "?mine=on").content.decode()
    row = html.split("Due soon.")[1].split("</li>")[0]
    assert f'Due <time datetime="{due.isoformat()}">9 Dec 2026, 17:30</time>' in row
    assert "Due no date set" in html.split("No date.")[1].split("</li>")[0]
    everyone = analyst_client.get(reverse("claims:list")).content.decode()
    assert "scope-time" not in everyone


def test_it_filters_the_review_queue_to_my_claims(analyst_client, analyst, editor):
    past = timezone.now() - timedelta(days=1)
    mine, other = (
        services.claim_create(
            statement=text, first_seen_at=past - timedelta(days=1), resolves_at=past, actor=editor
        )
        for text in ("Overdue and mine", "Overdue, not mine")
    )
    claim_assign(claim=mine, user=analyst, actor=editor)
    html = analyst_client.get(reverse("claims:review")).content.decode()
    assert "Overdue and mine" in html and "Overdue, not mine" in html
    html = analyst_client.get(reverse("claims:review") + "?mine=on").content.decode()
    assert "Overdue and mine" in html and "Overdue, not mine" not in html


def test_it_assigns_from_the_claim_page(analyst_client, analyst, editor, claim):
    page = analyst_client.get(claim.get_absolute_url()).content.decode()
    assert f'action="/claims/{claim.code}/assign/"' in page
    response = analyst_client.post(
        f"/claims/{claim.code}/assign/", {"user": "erin", "due_at": "2026-01-02T10:00"}
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert assignment.user == editor
    assert assignment.due_at == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
    page = analyst_client.get(claim.get_absolute_url()).content.decode()
    assert "erin, due" in page
    assert 'class="event kind-assigned' in page  # on the timeline
    analyst_client.post(f"/claims/{claim.code}/unassign/", {"user": "erin"})
    assert not Assignment.objects.exists()


def test_it_refuses_outsiders(client, outsider, analyst, claim):
    client.force_login(outsider)
    response = client.post(f"/claims/{claim.code}/assign/", {"user": "alice"})
    assert response.status_code == 403
    assert client.post(f"/claims/{claim.code}/unassign/", {"user": "alice"}).status_code == 403
    assert not Assignment.objects.exists()


def test_it_says_who_can_be_assigned(analyst_client, claim, outsider):
    response = analyst_client.post(f"/claims/{claim.code}/assign/", {"user": "oscar"}, follow=True)
    assert "Choose an analyst or an editor" in response.content.decode()
    assert not Assignment.objects.exists()
