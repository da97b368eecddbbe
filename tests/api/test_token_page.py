import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
URL = reverse("api_token")


def test_it_creates_shows_and_revokes_your_token(analyst_client, analyst):
    assert "You have no API token" in analyst_client.get(URL).content.decode()
    assert analyst_client.post(URL, {"action": "create"}).status_code == 302
    token = Token.objects.get(user=analyst)
    assert token.key in analyst_client.get(URL).content.decode()

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/claims/").status_code == 200

    analyst_client.post(URL, {"action": "revoke"})
    assert not Token.objects.exists()
    assert api.get("/api/claims/").status_code == 401


def test_it_replaces_a_token(analyst_client, analyst):
    analyst_client.post(URL, {"action": "create"})
    old = Token.objects.get(user=analyst).key
    analyst_client.post(URL, {"action": "create"})
    assert Token.objects.get(user=analyst).key != old


def test_it_touches_only_your_own_token(analyst_client, editor):
    theirs = Token.objects.create(user=editor)
    analyst_client.post(URL, {"action": "revoke"})
    assert Token.objects.filter(pk=theirs.pk).exists()
    assert theirs.key not in analyst_client.get(URL).content.decode()


def test_it_needs_a_signed_in_user(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_lets_an_admin_revoke_anyones_token(client, django_user_model, analyst):
    token = Token.objects.create(user=analyst)
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-12345-x")
    client.force_login(admin)
    changelist = reverse("admin:authtoken_tokenproxy_changelist")
    assert analyst.username in client.get(changelist).content.decode()
    delete = reverse("admin:authtoken_tokenproxy_delete", args=[analyst.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Token.objects.filter(key=token.key).exists()
