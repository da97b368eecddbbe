"""The admin works for every model, and its claim form writes through the services."""

import pytest
from django.urls import reverse

from claims.models import Claim, ClaimEvent

pytestmark = pytest.mark.django_db

MODELS = [
    "claims/claim",
    "claims/evidence",
    "claims/claimevent",
    "claims/tag",
    "desk/watch",
    "desk/alertchannel",
    "desk/alertdelivery",
    "sources/source",
    "sources/outlet",
    "sources/snapshot",
    "sources/checkattempt",
    "discovery/article",
    "discovery/suggestion",
]


@pytest.mark.parametrize("model", MODELS)
def test_it_lists_and_searches_every_model(admin_client, claim, model):
    response = admin_client.get(f"/admin/{model}/", {"q": "defence"})
    assert response.status_code == 200


def test_it_logs_a_claim_through_the_service(admin_client, admin_user):
    response = admin_client.post(
        reverse("admin:claims_claim_add"),
        {
            "statement": "Logged in the admin",
            "context": "",
            "evidence-TOTAL_FORMS": 0,
            "evidence-INITIAL_FORMS": 0,
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content
    claim = Claim.objects.get(statement="Logged in the admin")
    assert claim.events.get().kind == ClaimEvent.Kind.CREATED
    assert claim.created_by == admin_user


def test_it_shows_the_timeline_read_only(admin_client, claim):
    response = admin_client.get(
        reverse("admin:claims_claimevent_change", args=[claim.events.get().pk])
    )
    assert response.status_code == 200
    assert b'name="payload"' not in response.content


def test_it_keeps_admin_away_from_analysts(analyst_client):
    response = analyst_client.get("/admin/claims/claim/")
    assert response.status_code == 302  # to the admin login: analysts are not staff
