"""API clients that authenticate with each user's token, as scripts do."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def _token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def analyst_api(analyst):
    return _token_client(analyst)


@pytest.fixture
def editor_api(editor):
    return _token_client(editor)


@pytest.fixture
def outsider_api(outsider):
    return _token_client(outsider)
