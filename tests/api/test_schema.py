"""The OpenAPI schema, the docs page, and Schemathesis run against the schema: in process
with objects that exist (every operation past its 404), and from outside, as `schemathesis
run` with all checks against the real web server on the demo data."""

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
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
ROOT = Path(__file__).resolve().parents[2]


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def live_api(transactional_db, keep_groups, tmp_path):
    """gunicorn with the project's gunicorn.conf.py (its request-line limit included) on this
    test's database, serving the demo data; yields (base URL, an editor's API token)."""
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    token = Token.objects.create(user=get_user_model().objects.get(username="editor"))
    db = connection.settings_dict
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": django_settings.REDIS_URL,
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "PORT": str(port),
    }
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "claimwatch.wsgi", "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to 30 s on a slow machine; one or two seconds as a rule
            if _answers(f"{base}/api/"):
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(0.1)  # returns at once if gunicorn gave up
            if server.poll() is not None:
                break
        assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
        yield base, token.key
    finally:
        server.terminate()
        server.wait(20)
        log.close()


def test_it_passes_the_spec_validator_and_every_schemathesis_check_from_outside(live_api, tmp_path):
    """openapi-spec-validator on the served schema, then `schemathesis run --checks all`
    against the running server, as an outside tool does:
    JSON answers for every path under /api/, refusals the schema promises (blank text,
    wrong JSON types, unknown or unreadable query parameters), URIs where it says `uri`,
    no 414 from gunicorn for a request the schema allows. tests/api/schemathesis.toml says
    which rules a schema cannot state."""
    base, key = live_api
    with urllib.request.urlopen(f"{base}/api/schema/?format=json") as response:
        spec = json.load(response)
    validate(spec)  # openapi-spec-validator: raises with the path of what is wrong
    assert spec["components"]["schemas"]["ClaimUpdate"]["required"] == ["version"]  # PATCH too
    assert spec["components"]["schemas"]["Verdict"]["properties"]["rationale"]["minLength"] == 1
    run = subprocess.run(
        [
            Path(sys.executable).with_name("schemathesis"),
            "--config-file",
            ROOT / "tests/api/schemathesis.toml",
            "--no-color",
            "run",
            f"{base}/api/schema/?format=json",
            "--url",
            base,
            "--checks",
            "all",
            "--max-examples",
            "5",
            "--workers",
            "2",
            "--seed",
            "20",
            "--header",
            f"Authorization: Token {key}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "23 selected / 23 total" in run.stdout
