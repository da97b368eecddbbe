"""Publishing and unpublishing: the services, the editor's buttons and the API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from claims.models import Claim, ClaimEvent
from publishing.services import claim_publish, claim_unpublish

pytestmark = pytest.mark.django_db


def test_it_publishes_a_decided_claim_with_an_event(decided, editor):
    claim = claim_publish(claim=decided, actor=editor)
    assert claim.published_at is not None
    event = claim.events.get(kind=ClaimEvent.Kind.PUBLISHED)
    assert event.actor == editor
    assert event.payload == {"url": f"/p/{claim.code}/"}


def test_it_publishes_once_however_often_asked(published, editor):
    claim_publish(claim=Claim.objects.get(pk=published.pk), actor=editor)
    assert published.events.filter(kind=ClaimEvent.Kind.PUBLISHED).count() == 1


def test_it_refuses_to_publish_an_undecided_claim(claim, editor):
    with pytest.raises(ValidationError) as error:
        claim_publish(claim=claim, actor=editor)
    assert "verdict first" in str(error.value)
    assert Claim.objects.get(pk=claim.pk).published_at is None
    assert not claim.events.filter(kind=ClaimEvent.Kind.PUBLISHED).exists()


def test_it_refuses_an_analyst(decided, analyst):
    with pytest.raises(PermissionDenied):
        claim_publish(claim=decided, actor=analyst)


def test_it_unpublishes_with_a_reason_on_the_timeline(published, editor):
    claim_unpublish(claim=published, actor=editor, reason="Legal asked us to.")
    assert Claim.objects.get(pk=published.pk).published_at is None
    event = published.events.get(kind=ClaimEvent.Kind.UNPUBLISHED)
    assert event.payload["reason"] == "Legal asked us to."
    # Unpublishing what is not published writes nothing.
    claim_unpublish(claim=published, actor=editor)
    assert published.events.filter(kind=ClaimEvent.Kind.UNPUBLISHED).count() == 1


def test_it_publishes_from_the_claim_page(editor_client, decided):
    page = editor_client.get(decided.get_absolute_url()).content.decode()
    assert f'action="/claims/{decided.code}/publish/"' in page
    response = editor_client.post(f"/claims/{decided.code}/publish/")
    assert response.status_code == 302
    page = editor_client.get(decided.get_absolute_url()).content.decode()
    assert f'href="/p/{decided.code}/"' in page
    assert "Public page" in page  # the timeline's event links it too
    response = editor_client.post(f"/claims/{decided.code}/unpublish/", {"reason": "Oops"})
    assert response.status_code == 302
    assert Claim.objects.get(pk=decided.pk).published_at is None


def test_it_says_why_an_undecided_claim_cannot_be_published(editor_client, claim):
    response = editor_client.post(f"/claims/{claim.code}/publish/", follow=True)
    assert "set its verdict first" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).published_at is None


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_it_refuses_analysts_and_outsiders(client, analyst, outsider, published, action):
    for user in (analyst, outsider):
        client.force_login(user)
        assert client.post(f"/claims/{published.code}/{action}/").status_code == 403
    assert Claim.objects.get(pk=published.pk).published_at is not None


def test_it_refuses_a_get(editor_client, decided):
    assert editor_client.get(f"/claims/{decided.code}/publish/").status_code == 405


def test_it_publishes_through_the_api(client, editor, decided):
    client.force_login(editor)
    url = reverse("api:claim_detail", args=[decided.code])
    response = client.patch(
        url, {"version": decided.version, "published": True}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["published"] is True
    assert body["public_url"].endswith(f"/p/{decided.code}/")
    response = client.patch(
        url, {"version": decided.version, "published": False}, content_type="application/json"
    )
    assert response.json()["published"] is False
    assert response.json()["public_url"] is None


def test_it_refuses_an_analyst_publishing_through_the_api(client, analyst, decided):
    client.force_login(analyst)
    response = client.patch(
        reverse("api:claim_detail", args=[decided.code]),
        {"version": decided.version, "published": True},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Claim.objects.get(pk=decided.pk).published_at is None
