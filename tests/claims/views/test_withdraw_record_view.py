"""The claim page: withdrawing a claim, and the record's verification."""

import pytest
from django.db import connection
from django.urls import reverse

from claims.models import Claim

pytestmark = pytest.mark.django_db


def test_it_withdraws_a_claim_for_an_editor(editor_client, claim):
    url = reverse("claims:withdraw", args=[claim.code])
    response = editor_client.post(url, {"reason": "Logged twice by mistake."})
    assert response.status_code == 302
    page = editor_client.get(reverse("claims:detail", args=[claim.code])).content.decode()
    assert "Withdrawn" in page
    assert "Logged twice by mistake." in page
    assert claim.statement not in editor_client.get(reverse("claims:list")).content.decode()


def test_it_refuses_withdrawing_to_analysts_and_without_a_reason(client, analyst, editor, claim):
    url = reverse("claims:withdraw", args=[claim.code])
    client.force_login(analyst)
    assert client.post(url, {"reason": "No."}).status_code == 403
    client.force_login(editor)
    assert client.post(url, {"reason": " "}).status_code == 422
    assert Claim.objects.get(pk=claim.pk).withdrawn_at is None


def test_it_shows_the_record_verified_with_its_chain_head(analyst_client, claim):
    claim.refresh_from_db()
    page = analyst_client.get(reverse("claims:detail", args=[claim.code])).content.decode()
    assert "Record verified" in page
    assert claim.timeline_head in page


def test_it_shows_a_broken_record(analyst_client, claim):
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE claims_claimevent SET payload = '{}' WHERE claim_id = %s", [claim.pk]
        )
        cursor.execute("SET session_replication_role = DEFAULT")
    page = analyst_client.get(reverse("claims:detail", args=[claim.code])).content.decode()
    assert "Record broken" in page
    assert "at event 1: its content does not match its hash" in page


def test_it_links_the_record_to_its_guide(analyst_client, claim):
    page = analyst_client.get(reverse("claims:detail", args=[claim.code])).content.decode()
    assert 'href="/help/evidence/"' in page
    guide = analyst_client.get("/help/evidence/")
    assert guide.status_code == 200
    assert "verify_bundle" in guide.content.decode()
