"""Issue 10, "Found": one test (or a few) per item, each failing without its fix.

Item 3 (the import preview as a task, with caps) is proved in
tests/intake/test_import_jobs.py; items 5 and 6 also against real processes in
test_faults.py (slow).
"""

import csv
import io
import re
import threading

import pytest
from celery.exceptions import Retry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError

from claims import selectors, services
from claims.models import STATEMENT_MAX, Claim, ClaimEvent, Tag
from intake import jobs as import_jobs
from monitoring import services as monitoring_services
from monitoring import tasks
from sources import services as source_services
from sources.models import Outlet, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(claim, editor):
    return services.verdict_set(
        claim=claim,
        status="confirmed",
        rationale="Both ministries said so.",
        expected_version=claim.version,
        actor=editor,
    )


# --- 1. Roles ----------------------------------------------------------------------------


def test_it_refuses_an_analyst_an_outlet_created_with_a_grade(analyst_api, editor_api):
    body = {"name": "Dawn", "domain": "dawn.com", "reliability": "A"}
    assert analyst_api.post("/api/outlets/", body, format="json").status_code == 403
    assert not Outlet.objects.filter(domain="dawn.com").exists()
    # Without a grade (F, ungraded) an analyst may add it; an editor may grade it at once.
    assert (
        analyst_api.post(
            "/api/outlets/", {"name": "FO", "domain": "fo.gov.pk"}, format="json"
        ).status_code
        == 201
    )
    assert editor_api.post("/api/outlets/", body, format="json").status_code == 201
    assert Outlet.objects.get(domain="dawn.com").reliability == "A"


def test_it_refuses_an_analyst_rewording_a_decided_claim(decided, analyst_client, analyst_api):
    response = analyst_api.patch(
        f"/api/claims/{decided.code}/",
        {"statement": "Something else entirely was said.", "version": decided.version},
        format="json",
    )
    assert response.status_code == 403
    response = analyst_client.post(
        reverse("claims:edit", args=[decided.code]),
        {"statement": "Something else entirely was said.", "version": decided.version},
    )
    assert response.status_code == 403
    decided.refresh_from_db()
    assert decided.statement.startswith("The two defence ministers")
    # The context of a decided claim is still an analyst's to edit.
    response = analyst_api.patch(
        f"/api/claims/{decided.code}/",
        {"context": "More context.", "version": decided.version},
        format="json",
    )
    assert response.status_code == 200


def test_it_lets_an_editor_reword_a_decided_claim_and_says_so_on_the_timeline(decided, editor_api):
    response = editor_api.patch(
        f"/api/claims/{decided.code}/",
        {"statement": "The two ministers met at the SCO summit.", "version": decided.version},
        format="json",
    )
    assert response.status_code == 200
    event = ClaimEvent.objects.filter(claim=decided, kind=ClaimEvent.Kind.EDITED).get()
    assert event.payload["verdict_kept"] == "confirmed"
    assert event.payload["after"]["statement"] == "The two ministers met at the SCO summit."


# --- 2. Unbounded input ------------------------------------------------------------------


def test_it_refuses_too_many_tags_before_writing_any(analyst_api, analyst_client):
    tags = [f"t{i}" for i in range(5000)]
    response = analyst_api.post(
        "/api/claims/", {"statement": "A claim with many tags.", "tags": tags}, format="json"
    )
    assert response.status_code == 400
    response = analyst_client.post(
        reverse("claims:new"), {"statement": "A claim with many tags.", "tags": ",".join(tags)}
    )
    assert response.status_code == 422
    assert not Tag.objects.exists()
    assert not Claim.objects.exists()


def test_it_does_not_search_similar_claims_for_an_over_long_statement(analyst_client):
    statement = "word " * (STATEMENT_MAX // 2)
    with CaptureQueriesContext(connection) as queries:
        response = analyst_client.post(reverse("claims:new"), {"statement": statement})
    assert response.status_code == 422
    assert not [q for q in queries if "similarity" in q["sql"].lower()]
    assert not Claim.objects.exists()


@pytest.mark.parametrize("field", ["context", "statement"])
def test_it_refuses_a_megabyte_of_text_with_a_4xx(analyst_client, analyst_api, field):
    data = {"statement": "A claim of reasonable length.", field: "x" * 1_000_000}
    assert analyst_client.post(reverse("claims:new"), data).status_code in (400, 413, 422)
    assert analyst_api.post("/api/claims/", data, format="json").status_code in (400, 413)
    assert not Claim.objects.exists()


def test_it_refuses_a_megabyte_quote_with_a_4xx(claim, analyst_api, analyst_client):
    data = {"url": "https://dawn.com/a", "stance": "supports", "quote": "q" * 1_000_000}
    assert analyst_api.post(
        f"/api/claims/{claim.code}/evidence/", data, format="json"
    ).status_code in (400, 413)
    assert analyst_client.post(
        reverse("claims:evidence_add", args=[claim.code]), data
    ).status_code in (400, 413, 422)
    assert not claim.evidence.exists()


def test_it_refuses_nul_characters_on_log_a_claim_with_a_422(analyst_client):
    response = analyst_client.post(
        reverse("claims:new"), {"statement": "Ministers\x00 will meet at the summit."}
    )
    assert response.status_code == 422
    assert not Claim.objects.exists()


def test_it_refuses_nul_characters_in_an_import_without_a_500(editor_client, run_import_jobs):
    data = (
        "claim,url,stance,tags\n"
        "Ministers will\x00 meet,https://dawn.com/a,supports,sco\n"
        "Another claim here,https://dawn.com/b\x00,supports,s\x00co\n"
    )
    response = editor_client.post(
        reverse("intake:import"), {"file": SimpleUploadedFile("t.csv", data.encode())}
    )
    assert response.status_code == 302
    url = response["Location"]
    assert editor_client.get(url).status_code == 200
    form = {"col_claim": "claim", "col_url": "url", "col_stance": "stance"}
    for action in ("preview", "import"):
        assert editor_client.post(url, {**form, "action": action}).status_code == 302
        assert run_import_jobs() == ["done"]
        page = editor_client.get(url).content.decode()
        assert "line 2: the row contains a NUL character" in page
        assert "line 3: the row contains a NUL character" in page
    assert not Claim.objects.exists()
    assert not Tag.objects.exists()


# --- 4. Redis away -----------------------------------------------------------------------


def _broker_away(*args, **kwargs):
    raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_it_saves_evidence_through_the_api_while_the_broker_is_away(
    claim, analyst_api, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(monitoring_services.current_app, "send_task", _broker_away)
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_api.post(
            f"/api/claims/{claim.code}/evidence/",
            {"url": "https://dawn.com/a", "stance": "supports"},
            format="json",
        )
    assert response.status_code == 201
    source = Source.objects.get(url="https://dawn.com/a")
    assert source.check_requested_at is None
    assert monitoring_services.sources_claim_due() == [source.pk]


@pytest.mark.django_db(transaction=True)  # on_commit runs as in production
def test_it_gives_refresh_nows_lease_back_while_the_broker_is_away(
    keep_groups, cited_source, editor_client, editor_api, monkeypatch
):
    monkeypatch.setattr(monitoring_services.current_app, "send_task", _broker_away)
    response = editor_api.post(f"/api/sources/{cited_source.code}/refresh/")
    assert response.status_code == 503
    assert response["Retry-After"]
    cited_source.refresh_from_db()
    assert cited_source.check_requested_at is None  # the badge does not stay "checking..."
    response = editor_client.post(reverse("sources:refresh", args=[cited_source.code]))
    assert response.status_code < 500
    cited_source.refresh_from_db()
    assert cited_source.check_requested_at is None


# --- 5. PostgreSQL away ------------------------------------------------------------------


def _db_away(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


def test_it_answers_503_in_the_sites_layout_when_the_database_is_away(analyst_client, monkeypatch):
    monkeypatch.setattr(selectors, "claim_list", _db_away)
    response = analyst_client.get(reverse("claims:list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert 'class="site"' in body and "back in a moment" in body


def test_it_answers_503_json_on_the_api_when_the_database_is_away(analyst_api, monkeypatch):
    monkeypatch.setattr(selectors, "claim_list", _db_away)
    response = analyst_api.get("/api/claims/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "database" in response.json()["detail"]


def test_it_answers_503_when_the_database_fails_before_the_view(client, analyst, monkeypatch):
    """The session is read by the middleware, before any view: Django's 500 handler."""
    client.force_login(analyst)
    client.raise_request_exception = False
    from django.contrib.sessions.backends import db

    monkeypatch.setattr(db.SessionStore, "load", _db_away)
    response = client.get(reverse("claims:list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_it_tries_a_batch_again_soon_when_the_database_was_away(monkeypatch):
    calls = []

    def flaky(ids, attempt=0):
        calls.append(ids)
        if len(calls) < 3:
            raise OperationalError("server closed the connection unexpectedly")
        return tasks.checks.BatchReport([], [], 0, 0)

    monkeypatch.setattr(tasks.checks, "check_batch", flaky)
    assert {OperationalError, tasks.InterfaceError} <= set(tasks.check_sources.autoretry_for)
    assert tasks.check_sources.retry_backoff_max <= 20
    result = tasks.check_sources.apply(args=([1, 2],))
    assert result.successful(), result.traceback
    assert calls == [[1, 2]] * 3
    assert Retry  # the eager run retries in place


# --- 7. Files ----------------------------------------------------------------------------


def test_it_says_clearly_when_the_upload_cannot_be_stored(editor_client, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(import_jobs, "IMPORT_DIR", blocker / "imports")  # like a read-only var/
    response = editor_client.post(
        reverse("intake:import"), {"file": SimpleUploadedFile("t.csv", b"claim\nA claim here\n")}
    )
    assert response.status_code == 507
    assert "could not keep this file" in response.content.decode()


def test_it_leaves_no_truncated_upload_when_the_disk_is_full(editor_client, tmp_path, monkeypatch):
    monkeypatch.setattr(import_jobs, "IMPORT_DIR", tmp_path)

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(import_jobs.os, "fsync", disk_full)
    response = editor_client.post(
        reverse("intake:import"), {"file": SimpleUploadedFile("t.csv", b"claim\nA claim here\n")}
    )
    assert response.status_code == 507
    assert list(tmp_path.iterdir()) == []


# --- 8. Small ----------------------------------------------------------------------------


def test_it_finds_the_outlet_another_request_created_meanwhile(monkeypatch):
    """Another request created the outlet after our lookup and before our insert."""
    Outlet.objects.create(name="new-outlet.com", domain="new-outlet.com")
    real_filter, calls = Outlet.objects.filter, []

    def filter_missing_it_once(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            return Outlet.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Outlet.objects, "filter", filter_missing_it_once)
    outlet = source_services.outlet_for_url("https://new-outlet.com/a")
    assert outlet.domain == "new-outlet.com"
    monkeypatch.undo()
    assert Outlet.objects.filter(domain="new-outlet.com").count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_links_eight_first_sources_of_a_new_domain_at_once(keep_groups):
    claim = services.claim_create(statement="Eight links at once on one domain.", actor=None)
    errors, barrier = [], threading.Barrier(8)

    def link(i):
        try:
            barrier.wait()
            services.evidence_add(
                claim=claim, url=f"https://race-outlet.com/{i}", stance="supports", actor=None
            )
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=link, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert claim.evidence.count() == 8
    assert Outlet.objects.filter(domain="race-outlet.com").count() == 1


def test_it_quotes_every_csv_cell_so_no_locale_reads_a_formula(analyst, analyst_client):
    services.claim_create(statement="x;=cmd|' /C calc'!A0", actor=analyst)
    services.claim_create(statement="y; -cmd|x and z,@SUM(1) but -3% stays", actor=analyst)
    text = analyst_client.get("/claims/export.csv").content.decode()
    assert "-3% stays" in text  # a number is not a formula
    formula = re.compile(r"\s*([=@]|[+-][^\d\s.,%])")
    for delimiter in (",", ";", "\t"):
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            for cell in row:
                assert not formula.match(cell), (delimiter, cell)
    for line in text.splitlines():  # every cell quoted
        assert line.startswith('"') and line.endswith('"')


def test_it_throttles_password_spraying_from_one_address(client, make_user, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 6
    for i in range(3):
        make_user(f"user{i}")
    login = reverse("login")
    for i in range(3):  # 2 tries each: never 5 on one username
        for _ in range(2):
            response = client.post(login, {"username": f"user{i}", "password": "Summer2026!"})
            assert response.status_code in (200, 403)
    response = client.post(login, {"username": "user0", "password": "correct horse battery"})
    assert response.status_code == 429


def test_it_throttles_password_reset_mails(client, make_user, settings, mailoutbox):
    from django.core.cache import cache

    cache.clear()
    settings.PASSWORD_RESET_LIMIT = 3
    make_user("mia", email="mia@example.org")
    url = reverse("password_reset")
    codes = [client.post(url, {"email": "mia@example.org"}).status_code for _ in range(6)]
    assert codes[:3] == [302, 302, 302]
    assert codes[3:] == [429, 429, 429]
    assert len(mailoutbox) == 3
