import pytest
from django.urls import reverse

from desk.models import Watch

pytestmark = pytest.mark.django_db


def test_it_watches_and_unwatches_from_the_claim_page(analyst_client, analyst, claim):
    page = analyst_client.get(claim.get_absolute_url()).content.decode()
    url = reverse("desk:watch", args=[claim.code])
    assert f'action="{url}"' in page
    response = analyst_client.post(url, {"watch": "1"})
    assert response.status_code == 302
    assert Watch.objects.filter(user=analyst, claim=claim).exists()
    assert "Watching" in analyst_client.get(claim.get_absolute_url()).content.decode()
    analyst_client.post(url, {"watch": "0"})
    assert not Watch.objects.exists()


def test_it_answers_htmx_with_the_button_alone(analyst_client, claim):
    url = reverse("desk:watch", args=[claim.code])
    response = analyst_client.post(url, {"watch": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith("<span")
    assert 'aria-pressed="true"' in html
    assert "<html" not in html


def test_it_refuses_outsiders(client, outsider, claim):
    client.force_login(outsider)
    response = client.post(reverse("desk:watch", args=[claim.code]), {"watch": "1"})
    assert response.status_code == 403
    assert not Watch.objects.exists()


def test_it_refuses_a_get(analyst_client, claim):
    assert analyst_client.get(reverse("desk:watch", args=[claim.code])).status_code == 405
