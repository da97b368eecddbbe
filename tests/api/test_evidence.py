import pytest
from django.urls import reverse

from claims import services
from claims.models import Evidence
from sources.models import Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(claim):
    return services.evidence_add(
        claim=claim, url="https://dawn.com/a", stance="supports", actor=None
    )


def item(evidence) -> str:
    return reverse("api:evidence_detail", args=[evidence.claim.code, evidence.source.code])


def test_it_links_a_source_by_normalised_url(analyst_api, claim):
    url = reverse("api:evidence_list", args=[claim.code])
    response = analyst_api.post(
        url,
        {"url": "HTTPS://Dawn.com/a?utm_source=tw#top", "stance": "denies", "quote": "No."},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["source"]["url"] == "https://dawn.com/a"
    again = analyst_api.post(url, {"url": "https://dawn.com/a", "stance": "denies"}, format="json")
    assert again.status_code == 400
    assert "url" in again.json()
    assert analyst_api.get(url).json()[0]["quote"] == "No."


def test_it_refuses_a_url_that_cannot_be_a_source(analyst_api, claim):
    url = reverse("api:evidence_list", args=[claim.code])
    response = analyst_api.post(url, {"url": "ftp://x.org/", "stance": "denies"}, format="json")
    assert response.status_code == 400
    assert "url" in response.json()
    assert not Source.objects.exists()


def test_it_refuses_outsiders_links(outsider_api, claim):
    url = reverse("api:evidence_list", args=[claim.code])
    response = outsider_api.post(url, {"url": "https://x.org/", "stance": "denies"}, format="json")
    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_it_changes_the_stance(analyst_api, evidence):
    response = analyst_api.patch(item(evidence), {"stance": "neutral"}, format="json")
    assert response.status_code == 200
    evidence.refresh_from_db()
    assert evidence.stance == "neutral"
    assert evidence.claim.events.filter(kind="evidence_restanced").exists()


def test_it_refuses_outsiders_stance_changes(outsider_api, evidence):
    assert (
        outsider_api.patch(item(evidence), {"stance": "neutral"}, format="json").status_code == 403
    )


def test_it_lets_only_editors_remove_evidence(analyst_api, editor_api, outsider_api, evidence):
    assert analyst_api.delete(item(evidence)).status_code == 403
    assert outsider_api.delete(item(evidence)).status_code == 403
    assert Evidence.objects.exists()
    assert editor_api.delete(item(evidence) + "?reason=Duplicate").status_code == 204
    assert not Evidence.objects.exists()
    removed = evidence.claim.events.get(kind="evidence_removed")
    assert removed.payload["reason"] == "Duplicate"


def test_it_marks_evidence_reviewed(analyst_api, outsider_api, evidence):
    services.source_event_record(source=evidence.source, kind="source_changed")
    url = item(evidence) + "reviewed/"
    assert outsider_api.post(url).status_code == 403
    response = analyst_api.post(url)
    assert response.status_code == 200
    assert response.json()["needs_review"] is False
    evidence.refresh_from_db()
    assert not evidence.needs_review
    assert evidence.claim.events.filter(kind="evidence_reviewed").exists()
