import pytest
from django.urls import reverse

from claims.models import ClaimEvent

pytestmark = pytest.mark.django_db


def url(claim) -> str:
    return reverse("api:verdict", args=[claim.code])


def test_it_lets_editors_set_a_verdict(editor_api, editor, claim):
    response = editor_api.post(
        url(claim),
        {"status": "denied", "rationale": "The ministry denied it.", "version": 1},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "denied"
    assert response.json()["verdict_by"] == editor.username
    event = claim.events.get(kind=ClaimEvent.Kind.VERDICT_SET)
    assert event.payload["after"]["status"] == "denied"


def test_it_refuses_analysts_and_outsiders(analyst_api, outsider_api, claim):
    body = {"status": "denied", "rationale": "No.", "version": 1}
    assert analyst_api.post(url(claim), body, format="json").status_code == 403
    assert outsider_api.post(url(claim), body, format="json").status_code == 403
    claim.refresh_from_db()
    assert claim.status == "unverified"


def test_it_answers_409_to_a_stale_version(editor_api, claim):
    body = {"status": "denied", "rationale": "No.", "version": 1}
    assert editor_api.post(url(claim), body, format="json").status_code == 200
    body = {"status": "confirmed", "rationale": "Yes.", "version": 1}
    response = editor_api.post(url(claim), body, format="json")
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    claim.refresh_from_db()
    assert claim.status == "denied"


def test_it_asks_for_a_rationale(editor_api, claim):
    response = editor_api.post(
        url(claim), {"status": "denied", "rationale": "", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert "rationale" in response.json()
