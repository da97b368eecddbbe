"""Who gets what, over the whole URL conf: every URL pattern and every API operation, for
anonymous, a user in no group, an analyst and an editor, on objects in every state.

`MATRIX` is the table: (route name, method) -> the status for (anonymous, no group, analyst,
editor), on an open claim and a live source. The same request is then made on every other
state of the object (claims in each status, a merged claim; sources new, live, gone, moved,
unreachable, blocked): nothing may answer 500, and who is refused stays the same.

A URL pattern or an API method without a row fails `test_it_has_a_row_for_every_url_and_api
_operation`: a new view must say who may use it. Each request runs in a savepoint rolled back
afterwards, so a write by one role does not change what the next one sees. Run with
`MATRIX_RECORD=1` to print the statuses as they are (to review, never to paste blindly).
"""

import os
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from claims import services
from claims.models import Claim
from monitoring import services as monitoring_services
from sources.models import Source

pytestmark = pytest.mark.django_db
ROLES = ("anonymous", "nogroup", "analyst", "editor")
STATES = ("new", "live", "gone", "moved", "unreachable", "blocked")
LOGIN = "L"  # 302 to the login page
A = "A"  # 401 (the API asks for credentials)

# (route, method): statuses for (anonymous, nogroup, analyst, editor). An empty POST is sent,
# so a permitted write answers its validation error (400/422) or redirect (302), a refused
# one 403; anonymous users are sent to log in (L) or, on the API, 401 (A).
MATRIX: dict[tuple[str, str], tuple] = {
    # Origins (issue 14): analysts and editors split and join.
    ("claims:origin_split", "GET"): ("L", 403, 405, 405),
    ("claims:origin_split", "POST"): ("L", 403, 302, 302),
    ("claims:origin_join", "GET"): ("L", 403, 405, 405),
    ("claims:origin_join", "POST"): ("L", 403, 422, 422),
    ("api:origin_split", "POST"): ("A", 403, 200, 200),
    ("api:origin_join", "POST"): ("A", 403, 400, 400),
    # The desk (issue 15): analysts and editors assign; editors publish. The public side
    # answers anyone alike: an unpublished claim is 404 for all.
    ("desk:assign", "GET"): ("L", 403, 405, 405),
    ("desk:assign", "POST"): ("L", 403, 302, 302),
    ("desk:unassign", "GET"): ("L", 403, 405, 405),
    ("desk:unassign", "POST"): ("L", 403, 404, 404),
    ("publishing:publish", "GET"): ("L", 403, 403, 405),
    ("publishing:publish", "POST"): ("L", 403, 403, 302),
    ("publishing:unpublish", "GET"): ("L", 403, 403, 405),
    ("publishing:unpublish", "POST"): ("L", 403, 403, 302),
    ("public:index", "GET"): (200, 200, 200, 200),
    ("public:index", "POST"): (405, 405, 405, 405),
    ("public:feed", "GET"): (200, 200, 200, 200),
    ("public:feed", "POST"): (405, 405, 405, 405),
    ("public:claim", "GET"): (404, 404, 404, 404),
    ("public:claim", "POST"): (405, 405, 405, 405),
    ("public:embed", "GET"): (404, 404, 404, 404),
    ("public:embed", "POST"): (405, 405, 405, 405),
    # A published claim's captures: no such capture (and an unpublished claim) for anyone.
    ("public:capture", "GET"): (404, 404, 404, 404),
    ("public:capture", "POST"): (405, 405, 405, 405),
    ("public:capture_raw", "GET"): (404, 404, 404, 404),
    ("public:capture_raw", "POST"): (405, 405, 405, 405),
    ("publishing:evidence_bundle", "GET"): ("A", 403, 200, 200),
    ("publishing:evidence_bundle", "POST"): ("A", 403, 405, 405),
    ("claims:withdraw", "GET"): ("L", 405, 405, 405),
    ("claims:withdraw", "POST"): ("L", 403, 403, 422),
    ("sources:capture", "GET"): ("L", 403, 404, 404),
    ("sources:capture", "POST"): ("L", 403, 405, 405),
    ("sources:capture_raw", "GET"): ("L", 403, 404, 404),
    ("sources:capture_raw", "POST"): ("L", 403, 405, 405),
    ("api:root", "GET"): (200, 200, 200, 200),
    ("desk:alert_remove", "GET"): ("L", 405, 405, 405),
    ("desk:alert_remove", "POST"): ("L", 403, 404, 404),
    ("desk:alert_test", "GET"): ("L", 405, 405, 405),
    ("desk:alert_test", "POST"): ("L", 403, 404, 404),
    ("desk:alert_suggestions", "GET"): ("L", 405, 405, 405),
    ("desk:alert_suggestions", "POST"): ("L", 403, 404, 404),
    ("desk:alerts", "GET"): ("L", 403, 200, 200),
    ("desk:alerts", "POST"): ("L", 403, 422, 422),
    ("help", "GET"): ("L", 200, 200, 200),
    ("help", "POST"): ("L", 200, 200, 200),
    ("api:claim_detail", "GET"): ("A", 403, 200, 200),
    ("api:claim_detail", "PATCH"): ("A", 403, 400, 400),
    ("api:claim_list", "GET"): ("A", 403, 200, 200),
    ("api:claim_list", "POST"): ("A", 403, 400, 400),
    ("api:comments", "POST"): ("A", 403, 400, 400),
    ("api:docs", "GET"): (200, 200, 200, 200),
    ("api:evidence_detail", "DELETE"): ("A", 403, 403, 204),
    ("api:evidence_detail", "GET"): ("A", 403, 200, 200),
    ("api:evidence_detail", "PATCH"): ("A", 403, 200, 200),
    ("api:evidence_list", "GET"): ("A", 403, 200, 200),
    ("api:evidence_list", "POST"): ("A", 403, 400, 400),
    ("api:evidence_reviewed", "POST"): ("A", 403, 200, 200),
    ("api:outlet_detail", "GET"): ("A", 403, 200, 200),
    ("api:outlet_detail", "PATCH"): ("A", 403, 403, 200),
    ("api:outlet_list", "GET"): ("A", 403, 200, 200),
    ("api:outlet_list", "POST"): ("A", 403, 400, 400),
    ("api:schema", "GET"): (200, 200, 200, 200),
    ("api:source_detail", "GET"): ("A", 403, 200, 200),
    ("api:source_list", "GET"): ("A", 403, 200, 200),
    ("api:source_list", "POST"): ("A", 403, 400, 400),
    ("api:source_refresh", "POST"): ("A", 403, 202, 202),
    ("api:timeline", "GET"): ("A", 403, 200, 200),
    ("api:verdict", "POST"): ("A", 403, 403, 400),
    ("api_token", "GET"): ("L", 200, 200, 200),
    ("api_token", "POST"): ("L", 302, 302, 302),
    ("publishing:claim_feed_sources", "GET"): ("A", 403, 200, 200),
    ("publishing:claim_feed_sources", "POST"): ("A", 403, 200, 200),
    ("publishing:claim_feed_verdicts", "GET"): ("A", 403, 200, 200),
    ("publishing:claim_feed_verdicts", "POST"): ("A", 403, 200, 200),
    ("publishing:claimreview", "GET"): ("A", 403, 404, 404),
    ("publishing:claimreview", "POST"): ("A", 403, 405, 405),
    ("claims:comment", "GET"): ("L", 403, 405, 405),
    ("claims:comment", "POST"): ("L", 403, 422, 422),
    ("claims:detail", "GET"): ("L", 403, 200, 200),
    ("claims:detail", "POST"): ("L", 403, 405, 405),
    ("claims:edit", "GET"): ("L", 403, 200, 200),
    ("claims:edit", "POST"): ("L", 403, 422, 422),
    ("claims:evidence_add", "GET"): ("L", 403, 405, 405),
    ("claims:evidence_add", "POST"): ("L", 403, 422, 422),
    ("claims:evidence_remove", "GET"): ("L", 403, 403, 405),
    ("claims:evidence_remove", "POST"): ("L", 403, 403, 302),
    ("claims:evidence_review", "GET"): ("L", 403, 405, 405),
    ("claims:evidence_review", "POST"): ("L", 403, 302, 302),
    ("claims:evidence_update", "GET"): ("L", 403, 405, 405),
    ("claims:evidence_update", "POST"): ("L", 403, 302, 302),
    ("publishing:export_csv", "GET"): ("A", 403, 200, 200),
    ("publishing:export_csv", "POST"): ("A", 403, 405, 405),
    ("publishing:export_json", "GET"): ("A", 403, 200, 200),
    ("publishing:export_json", "POST"): ("A", 403, 405, 405),
    ("publishing:feed_sources", "GET"): ("A", 403, 200, 200),
    ("publishing:feed_sources", "POST"): ("A", 403, 200, 200),
    ("publishing:feed_verdicts", "GET"): ("A", 403, 200, 200),
    ("publishing:feed_verdicts", "POST"): ("A", 403, 200, 200),
    ("intake:import", "GET"): ("L", 403, 403, 200),
    ("intake:import", "POST"): ("L", 403, 403, 422),
    ("intake:import_review", "GET"): ("L", 403, 403, 404),
    ("intake:import_review", "POST"): ("L", 403, 403, 404),
    ("intake:import_job", "GET"): ("L", 403, 403, 404),
    ("intake:import_job", "POST"): ("L", 405, 405, 405),
    ("intake:import_job_cancel", "GET"): ("L", 405, 405, 405),
    ("intake:import_job_cancel", "POST"): ("L", 403, 403, 404),
    ("claims:list", "GET"): ("L", 403, 200, 200),
    ("claims:list", "POST"): ("L", 403, 405, 405),
    ("claims:merge", "GET"): ("L", 403, 403, 200),
    ("claims:merge", "POST"): ("L", 403, 403, 422),
    ("claims:new", "GET"): ("L", 403, 200, 200),
    ("claims:new", "POST"): ("L", 403, 422, 422),
    ("claims:review", "GET"): ("L", 403, 200, 200),
    ("claims:review", "POST"): ("L", 403, 405, 405),
    ("claims:verdict", "GET"): ("L", 403, 403, 405),
    ("claims:verdict", "POST"): ("L", 403, 403, 422),
    ("desk:watch", "GET"): ("L", 403, 405, 405),
    ("desk:watch", "POST"): ("L", 403, 302, 302),
    ("home", "DELETE"): ("L", 302, 302, 302),
    ("home", "GET"): ("L", 302, 302, 302),
    ("home", "PATCH"): ("L", 302, 302, 302),
    ("home", "POST"): ("L", 302, 302, 302),
    ("home", "PUT"): ("L", 302, 302, 302),
    ("login", "GET"): (200, 200, 200, 200),
    ("login", "POST"): (200, 200, 200, 200),
    ("login", "PUT"): (200, 200, 200, 200),
    ("logout", "GET"): ("L", 405, 405, 405),
    ("logout", "POST"): ("L", "L", "L", "L"),
    ("password_change", "GET"): ("L", 200, 200, 200),
    ("password_change", "POST"): ("L", 200, 200, 200),
    ("password_change", "PUT"): ("L", 200, 200, 200),
    ("password_change_done", "GET"): ("L", 200, 200, 200),
    ("password_reset", "GET"): (200, 200, 200, 200),
    ("password_reset", "POST"): (200, 200, 200, 200),
    ("password_reset", "PUT"): (200, 200, 200, 200),
    ("password_reset_complete", "GET"): (200, 200, 200, 200),
    ("password_reset_confirm", "GET"): (200, 200, 200, 200),
    ("password_reset_confirm", "POST"): (200, 200, 200, 200),
    ("password_reset_confirm", "PUT"): (200, 200, 200, 200),
    ("password_reset_done", "GET"): (200, 200, 200, 200),
    ("sources:detail", "GET"): ("L", 403, 200, 200),
    ("sources:detail", "POST"): ("L", 403, 405, 405),
    ("sources:list", "GET"): ("L", 403, 200, 200),
    ("sources:list", "POST"): ("L", 403, 405, 405),
    ("sources:outlet_detail", "GET"): ("L", 403, 200, 200),
    ("sources:outlet_detail", "POST"): ("L", 403, 403, 422),
    # An outlet's feeds (issue 21): editors add them.
    ("sources:outlet_feed_add", "GET"): ("L", 403, 405, 405),
    ("sources:outlet_feed_add", "POST"): ("L", 403, 403, 422),
    # Suggested sources (issue 21): analysts and editors link and dismiss them.
    ("discovery:suggestion_link", "GET"): ("L", 403, 405, 405),
    ("discovery:suggestion_link", "POST"): ("L", 403, 404, 404),
    ("discovery:suggestion_dismiss", "GET"): ("L", 403, 405, 405),
    ("discovery:suggestion_dismiss", "POST"): ("L", 403, 404, 404),
    ("sources:outlet_list", "GET"): ("L", 403, 200, 200),
    ("sources:outlet_list", "POST"): ("L", 403, 405, 405),
    ("sources:refresh", "GET"): ("L", 405, 405, 405),
    ("sources:refresh", "POST"): ("L", 403, 302, 302),
    ("sources:render", "GET"): ("L", 405, 405, 405),
    ("sources:render", "POST"): ("L", 403, 403, 302),
    ("sources:state", "GET"): ("L", 403, 286, 286),
    ("sources:state", "POST"): ("L", 403, 405, 405),
}


def _walk(patterns, prefix="", ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            namespace = ns + (p.namespace + ":" if p.namespace else "")
            yield from _walk(p.url_patterns, prefix + str(p.pattern), namespace)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), ns + (p.name or ""), p


def routes():
    """Every URL pattern but the admin's (tested by `test_it_keeps_the_admin_to_staff`)."""
    return [
        (pattern, name, p)
        for pattern, name, p in _walk(get_resolver().url_patterns)
        if not pattern.startswith("admin/")
    ]


def api_methods(p: URLPattern) -> list[str]:
    view = getattr(p.callback, "view_class", None) or getattr(p.callback, "cls", None)
    if view is None:
        return ["GET", "POST"]
    return [
        m.upper()
        for m in ("get", "post", "put", "patch", "delete")
        if hasattr(view, m) and m != "options"
    ]


@pytest.fixture
def world(make_user, analyst, editor, monkeypatch, settings):
    """Objects in every state, and a client per role."""
    monkeypatch.setattr(monitoring_services.current_app, "send_task", lambda *a, **k: None)
    # Every public route in every state from one address: more than a reader's minute
    # (the limit has its own tests in tests/publishing).
    settings.PUBLIC_RATE_LIMIT = 100_000
    cache.clear()  # the password-reset throttle
    users = {"nogroup": make_user("nina"), "analyst": analyst, "editor": editor}
    claims = {}
    now = timezone.now()
    for status in Claim.Status.values:
        claim = services.claim_create(statement=f"A claim that is {status} here.", actor=analyst)
        if status != "unverified":
            claim = services.verdict_set(
                claim=claim, status=status, rationale="Because.", expected_version=1, actor=editor
            )
        claims[status] = claim
    sources = {}
    for state in STATES:
        ev = services.evidence_add(
            claim=claims["unverified"],
            url=f"https://news-{state}.com/a",
            stance="supports",
            actor=analyst,
        )
        Source.objects.filter(pk=ev.source_id).update(
            state=state,
            moved_to="https://news-moved.com/b" if state == "moved" else "",
            last_checked_at=None if state == "new" else now,
        )
        sources[state] = Source.objects.get(pk=ev.source_id)
        for status, claim in claims.items():
            if status != "unverified":
                services.evidence_add(
                    claim=claim, url=sources[state].url, stance="denies", actor=analyst
                )
    duplicate = services.claim_create(statement="A duplicate to merge away.", actor=analyst)
    services.evidence_add(
        claim=duplicate, url="https://news-live.com/a", stance="neutral", actor=analyst
    )
    services.claim_merge(duplicate=duplicate, target=claims["unverified"], actor=editor)
    claims["merged"] = Claim.objects.get(pk=duplicate.pk)
    clients = {"anonymous": Client()}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    return {"claims": claims, "sources": sources, "clients": clients, "users": users}


def kwargs_for(pattern: str, claim: Claim, source: Source) -> dict:
    kwargs = {}
    if "<uuid:code>" in pattern:
        if pattern.startswith(("sources/", "api/sources/")):
            kwargs["code"] = source.code
        elif pattern.startswith(("outlets/", "api/outlets/")):
            kwargs["code"] = source.outlet.code
        else:
            kwargs["code"] = claim.code
    if "<uuid:source_code>" in pattern:
        kwargs["source_code"] = source.code
    if "<str:token>" in pattern:
        kwargs["token"] = "0" * 32
    if "<uuid:job_id>" in pattern:
        kwargs["job_id"] = uuid.UUID(int=1)  # no such import job: 404 for whoever may ask
    if "<uuid:suggestion_code>" in pattern:
        kwargs["suggestion_code"] = uuid.UUID(int=1)  # no such suggestion: 404 for whoever may
    if "<str:sha256>" in pattern:
        kwargs["sha256"] = "0" * 64  # no such capture: 404 for whoever may ask
    if "<slug:name>" in pattern:
        kwargs["name"] = "web"
    if pattern.startswith("claims/alerts/<uuid:code>"):
        kwargs["code"] = uuid.UUID(int=1)  # no such channel: 404 for whoever may ask
    if "<uidb64>" in pattern:
        kwargs.update(uidb64="MQ", token="set-password")
    return kwargs


def request(client: Client, method: str, url: str):
    session = client.cookies.get(settings.SESSION_COOKIE_NAME)
    with transaction.atomic():
        call = getattr(client, method.lower())
        if method in ("PATCH", "PUT"):
            response = call(url, data="{}", content_type="application/json")
        else:
            response = call(url)
        transaction.set_rollback(True)
    if session is not None:  # a log-out (rolled back) must not sign the next request out
        client.cookies[settings.SESSION_COOKIE_NAME] = session.value
    return response


def code(response) -> str | int:
    if response.status_code == 302 and "/accounts/login/" in response.get("Location", ""):
        return LOGIN
    if response.status_code == 401:
        return A
    return response.status_code


def test_it_has_a_row_for_every_url_and_api_operation():
    missing = [
        (name, method)
        for pattern, name, p in routes()
        for method in api_methods(p)
        if (name, method) not in MATRIX
    ]
    assert missing == [], "Say who may use these (add rows to MATRIX): " + repr(missing)
    known = {(name, m) for _, name, p in routes() for m in api_methods(p)}
    assert set(MATRIX) <= known, set(MATRIX) - known


def test_it_answers_each_role_as_the_matrix_says_in_every_state(world):
    record = os.environ.get("MATRIX_RECORD")
    claims, sources = world["claims"], world["sources"]
    wrong, recorded = [], {}
    for pattern, name, p in routes():
        for method in api_methods(p):
            expected = MATRIX.get((name, method))
            base = None
            combos = [("unverified", "live")]
            if "<uuid" in pattern and "alerts/" not in pattern:  # every status and state
                combos += [(c, "live") for c in claims if c != "unverified"]
                combos += [("unverified", s) for s in STATES if s != "live"]
            for status, state in combos:
                claim, source = claims[status], sources[state]
                if (
                    "<uuid:source_code>" in pattern
                    and not claim.evidence.filter(source=source).exists()
                ):
                    continue
                url = reverse(name, kwargs=kwargs_for(pattern, claim, source))
                got = tuple(code(request(world["clients"][role], method, url)) for role in ROLES)
                for role, c in zip(ROLES, got, strict=True):
                    if isinstance(c, int) and c >= 500:
                        wrong.append((name, method, status, state, role, c))
                if status == "unverified" and state == "live":
                    base = got
                    recorded[(name, method)] = got
                    if expected is not None and got != expected:
                        wrong.append((name, method, "expected", expected, "got", got))
                elif base is not None and status != "merged" and "<uuid" in pattern:
                    # Who is refused does not depend on the object's state.
                    refused = [c in (LOGIN, A, 403) for c in got]
                    if refused != [c in (LOGIN, A, 403) for c in base]:
                        wrong.append((name, method, status, state, base, got))
    if record:
        for key, got in sorted(recorded.items()):
            print(f"    {key!r}: {got!r},")
    assert wrong == []


def test_it_keeps_the_admin_to_staff(world):
    """Every admin page without arguments, and a claim's and a source's change pages: anyone
    who is not staff is sent to the admin's log-in, whatever their group."""
    claim, source = world["claims"]["unverified"], world["sources"]["live"]
    urls = [
        "/admin/" + pattern.removeprefix("admin/")
        for pattern, _, _ in _walk(get_resolver().url_patterns)
        if pattern.startswith("admin/") and "<" not in pattern and "(" not in pattern
    ]
    urls += [
        reverse("admin:claims_claim_change", args=[claim.pk]),
        reverse("admin:sources_source_change", args=[source.pk]),
        reverse("admin:claims_claimevent_changelist"),
    ]
    assert len(urls) > 10
    for role in ROLES:
        client = world["clients"][role]
        for url in urls:
            for method in ("GET", "POST"):
                response = request(client, method, url)
                if url.endswith(("/login/", "/logout/")):
                    assert response.status_code in (200, 302, 405), (role, url)
                    continue
                assert response.status_code == 302, (role, method, url, response.status_code)
                assert response["Location"].startswith(("/admin/login/", "/accounts/login/"))
