"""The OpenAPI schema, the docs page, and Schemathesis run against the schema."""

import re

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claims import services

pytestmark = pytest.mark.django_db


def test_it_serves_the_schema_to_anyone_but_data_only_to_users():
    # The schema describes the API and holds no data; client generators fetch it.
    assert APIClient().get("/api/claims/").status_code == 401
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/claims/{code}/verdict/" in paths
    assert not any("{id}" in path or "{pk}" in path for path in paths)


def test_it_serves_the_docs_without_inline_script_or_a_cdn(analyst_client):
    response = analyst_client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attrs for attrs in scripts)
    assert "//cdn" not in html and "unpkg" not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    script = re.findall(r'<script src="([^"]+\?script=)"', html)[0]
    assert analyst_client.get(script.replace("&amp;", "&")).status_code == 200


@pytest.fixture
def wsgi_app():
    """The real WSGI app, kept from closing the test's connection (as Django's Client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema_objects():
    return {}


@pytest.fixture(params=["editor", "analyst", "outsider"])
def api_schema(request, claim, wsgi_app, api_schema_objects):
    """The schema, loaded from the app, with the token of an editor, analyst or outsider."""
    user = request.getfixturevalue(request.param)
    evidence = services.evidence_add(
        claim=claim, url="https://dawn.com/a", stance="supports", actor=None
    )
    api_schema_objects.update(
        claim=str(claim.code),
        source=str(evidence.source.code),
        outlet=str(evidence.source.outlet.code),
    )
    token, _ = Token.objects.get_or_create(user=user)
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, headers=headers)
    schema.config.headers = headers
    return schema


def _existing(case, objects):
    """Point path codes at objects that exist, so operations get past their 404."""
    path = case.operation.path
    if "{code}" in path:
        kind = "outlet" if "/outlets/" in path else "source" if "/sources/" in path else "claim"
        case.path_parameters["code"] = objects[kind]
    if "{source_code}" in path:
        case.path_parameters["source_code"] = objects["source"]
    return case


def test_it_keeps_to_its_schema(api_schema, api_schema_objects):
    """Every operation, with generated input: no 500s, no answer outside the schema."""
    headers = api_schema.config.headers
    failures = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy().map(lambda c: _existing(c, api_schema_objects)))
        @settings(
            max_examples=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(
                headers=headers,
                checks=[
                    not_a_server_error,
                    status_code_conformance,
                    content_type_conformance,
                    response_schema_conformance,
                ],
            )

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report
            failures[operation.label] = exc
    assert not failures, "\n\n".join(f"{label}: {exc}" for label, exc in failures.items())
