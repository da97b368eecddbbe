"""Logging a claim, with similar claims suggested before it is saved."""

import pytest
from django.urls import reverse

from claims.models import Claim
from tests.hostile import XSS, XSS_ESCAPED

pytestmark = pytest.mark.django_db
URL = reverse("claims:new")


def test_it_logs_a_claim_and_opens_it(analyst_client):
    response = analyst_client.post(
        URL,
        {
            "statement": "  The summit   is cancelled. ",
            "context": "Seen on a wire",
            "claimant": "Turkish media",
            "tags": "SCO, summit, sco",
            "first_seen_at": "2025-06-24T09:00",
            "resolves_at": "2025-06-27T18:00",
        },
    )
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == claim.get_absolute_url()
    assert claim.statement == "The summit is cancelled."
    assert claim.claimant == "Turkish media"
    assert sorted(t.name for t in claim.tags.all()) == ["sco", "summit"]
    assert claim.resolves_at.isoformat() == "2025-06-27T18:00:00+00:00"
    assert claim.created_by.username == "alice"


def test_it_shows_errors_next_to_the_fields_and_keeps_the_input(analyst_client):
    response = analyst_client.post(
        URL,
        {
            "statement": "A claim about the future",
            "context": "Kept context",
            "first_seen_at": "2025-06-24T09:00",
            "resolves_at": "2025-06-01T09:00",
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "A claim cannot resolve before it was first seen." in body
    assert 'id="id_resolves_at_error"' in body
    assert "Kept context</textarea>" in body
    assert not Claim.objects.exists()


def test_it_requires_a_statement(analyst_client):
    response = analyst_client.post(URL, {"statement": ""})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_it_suggests_similar_claims_as_you_type(analyst_client, claim, htmx):
    response = analyst_client.get(
        URL, {"statement": "defence ministers meet at SCO summit"}, headers=htmx("similar")
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<aside id="similar"')
    assert claim.get_absolute_url() in body
    unrelated = analyst_client.get(
        URL, {"statement": "Volcanic ash grounds flights"}, headers=htmx("similar")
    )
    assert claim.get_absolute_url() not in unrelated.content.decode()


def test_it_shows_similar_statements_as_text(analyst_client, analyst, htmx):
    from claims import services

    services.claim_create(statement=f"Ministers meet {XSS}", actor=analyst)
    body = analyst_client.get(
        URL, {"statement": f"Ministers meet {XSS}"}, headers=htmx("similar")
    ).content.decode()
    assert XSS not in body
    assert XSS_ESCAPED in body


def test_it_refuses_an_outsider(client, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"statement": "x"}).status_code == 403
    assert not Claim.objects.exists()


def test_it_suggests_by_shared_words_off_postgresql(analyst_client, claim, htmx, monkeypatch):
    from claims import similarity

    monkeypatch.setattr(similarity, "_is_postgres", lambda: False)
    body = analyst_client.get(
        URL, {"statement": "Defence ministers to meet in Qingdao"}, headers=htmx("similar")
    ).content.decode()
    assert claim.get_absolute_url() in body
    body = analyst_client.get(
        URL, {"statement": "Volcanic ash grounds flights"}, headers=htmx("similar")
    ).content.decode()
    assert claim.get_absolute_url() not in body


def test_it_suggests_look_alikes_for_a_long_statement_without_saving_it(
    analyst_client, claim, htmx
):
    """Issue 20 item 5: the look-alikes are posted (a GET of 5,000 characters is a 414)."""
    page = analyst_client.get(URL).content.decode()
    textarea = page.split('name="statement"')[0].rsplit("<textarea", 1)[1]
    textarea += page.split('name="statement"')[1].split(">")[0]
    assert "hx-post=" in textarea and "hx-get=" not in textarea
    long = "Defence ministers to meet in Qingdao at the SCO summit. " + "x " * 2400
    response = analyst_client.post(URL, {"statement": long}, headers=htmx("similar"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<aside id="similar"')
    assert Claim.objects.count() == 1  # only the fixture's: a look-up saves nothing
