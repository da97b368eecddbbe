"""The review queue: evidence whose source changed, and overdue claims without a verdict."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.models import Evidence
from tests.hostile import XSS, XSS_ESCAPED

pytestmark = pytest.mark.django_db
URL = reverse("claims:review")


def test_it_lists_changed_evidence_and_overdue_claims(
    analyst_client, analyst, make_claims, source_event
):
    changed, quiet = make_claims(2, evidence=1)
    source_event(Evidence.objects.get(claim=changed).source)
    past = timezone.now() - timedelta(days=1)
    overdue = services.claim_create(
        statement="Overdue", first_seen_at=past - timedelta(days=1), resolves_at=past, actor=analyst
    )
    services.claim_create(
        statement="Not yet", resolves_at=timezone.now() + timedelta(days=1), actor=analyst
    )
    response = analyst_client.get(URL)
    assert [ev.claim for ev in response.context["evidence"]] == [changed]
    assert response.context["overdue"] == [overdue]


def test_it_shows_what_changed(analyst_client, make_claims, source_event):
    (claim,) = make_claims(1, evidence=1)
    source_event(
        Evidence.objects.get(claim=claim).source,
        kind="source_headline_changed",
        before={"title": "Ministers to meet"},
        after={"title": "No meeting planned"},
    )
    body = analyst_client.get(URL).content.decode()
    assert "<strong>Source headline changed</strong>" in body
    assert '<td class="before">Ministers to meet</td><td class="after">No meeting planned</td>' in (
        body
    )


def test_it_marks_reviewed_in_place(analyst_client, make_claims, source_event, htmx):
    (claim,) = make_claims(1, evidence=1)
    evidence = Evidence.objects.get(claim=claim)
    source_event(evidence.source)
    response = analyst_client.post(
        reverse("claims:evidence_review", args=[claim.code, evidence.source.code]),
        {"from": "review"},
        headers=htmx(),
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<li class="review-item done"')
    assert "Reviewed ✓" in body
    assert not Evidence.objects.get(pk=evidence.pk).needs_review
    assert analyst_client.get(URL).context["evidence"] == []


def test_it_goes_back_to_the_queue_without_javascript(analyst_client, make_claims, source_event):
    (claim,) = make_claims(1, evidence=1)
    evidence = Evidence.objects.get(claim=claim)
    source_event(evidence.source)
    response = analyst_client.post(
        reverse("claims:evidence_review", args=[claim.code, evidence.source.code]),
        {"from": "review"},
    )
    assert response["Location"] == URL


def test_it_runs_a_constant_number_of_queries(
    analyst_client, make_claims, source_event, count_queries
):
    def flag(claims):
        for evidence in Evidence.objects.filter(claim__in=claims).select_related("source"):
            source_event(evidence.source)

    flag(make_claims(3, evidence=1))
    count_queries(analyst_client, URL)
    with_3 = count_queries(analyst_client, URL)
    flag(make_claims(27, evidence=1, prefix="More"))
    assert len(analyst_client.get(URL).context["evidence"]) == 30
    assert count_queries(analyst_client, URL) == with_3


def test_it_shows_statements_and_titles_as_text(analyst_client, analyst, source_event):
    claim = services.claim_create(statement=f"S {XSS}", actor=analyst)
    evidence = services.evidence_add(
        claim=claim,
        url="https://example.com/x",
        stance="supports",
        title=f"T {XSS}",
        actor=analyst,
    )
    source_event(evidence.source)
    body = analyst_client.get(URL).content.decode()
    assert XSS not in body
    assert body.count(XSS_ESCAPED) >= 2


def test_it_refuses_an_outsider(client, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 403
