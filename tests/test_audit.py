"""The timeline is an audit trail: no event can be edited or deleted through the UI, the API
or the admin (issue 10). The web pages have no such route (tests/test_authorization_matrix.py
lists every route); here the API and the admin, as an editor and as a superuser."""

import pytest
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(claim, analyst):
    services.comment_add(claim=claim, text="A comment to keep.", actor=analyst)
    return ClaimEvent.objects.filter(claim=claim).latest("id")


def snapshot():
    return list(ClaimEvent.objects.order_by("id").values_list("id", "kind", "payload"))


def test_it_offers_no_write_on_the_timeline_api(event, editor):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(editor)
    before = snapshot()
    url = f"/api/claims/{event.claim.code}/timeline/"
    for method in ("post", "put", "patch", "delete"):
        assert getattr(api, method)(url, {"kind": "comment"}, format="json").status_code == 405
    assert snapshot() == before


def test_it_refuses_editing_or_deleting_an_event_in_the_admin(admin_client, event):
    before = snapshot()
    change = reverse("admin:claims_claimevent_change", args=[event.pk])
    assert admin_client.get(change).status_code == 200  # read-only view
    response = admin_client.post(change, {"kind": "comment", "payload": "{}"})
    assert response.status_code == 403
    delete = reverse("admin:claims_claimevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:claims_claimevent_changelist")
    admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    assert reverse("admin:claims_claimevent_add")
    assert admin_client.post(reverse("admin:claims_claimevent_add"), {}).status_code == 403
    assert snapshot() == before


def test_it_refuses_deleting_a_claim_and_its_timeline_in_the_admin(admin_client, event):
    before = snapshot()
    claim = event.claim
    delete = reverse("admin:claims_claim_delete", args=[claim.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    admin_client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "delete_selected", "_selected_action": [claim.pk], "post": "yes"},
    )
    assert Claim.objects.filter(pk=claim.pk).exists()
    assert snapshot() == before


def test_it_keeps_the_inline_timeline_read_only_when_a_claim_is_saved(admin_client, event):
    before = snapshot()
    claim = event.claim
    response = admin_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert response.status_code == 200
    assert b"events-0-DELETE" not in response.content  # no delete box on an event
    assert b'name="events-0-payload"' not in response.content  # and no field to edit
    assert snapshot() == before


def test_it_refuses_saving_an_event_twice(event):
    event.payload = {"text": "rewritten"}
    with pytest.raises(ValueError, match="append-only"):
        event.save()
