"""Who may see and do what on the claim pages: login, roles, throttling.

Every claim view is listed here once, so a new view without a check fails a test.
"""

import uuid

import pytest
from django.conf import settings
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimEvent, Evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(claim):
    return services.evidence_add(
        claim=claim, url="https://example.com/e", stance="supports", actor=None
    )


def views(claim, evidence):
    """(method, url, data) for every claim view."""
    code, source = claim.code, evidence.source.code
    return [
        ("get", reverse("claims:list"), {}),
        ("get", reverse("claims:new"), {}),
        ("post", reverse("claims:new"), {"statement": "New"}),
        ("get", reverse("claims:review"), {}),
        ("get", reverse("claims:detail", args=[code]), {}),
        ("get", reverse("claims:edit", args=[code]), {}),
        ("post", reverse("claims:edit", args=[code]), {"statement": "E", "version": 1}),
        (
            "post",
            reverse("claims:verdict", args=[code]),
            {"status": "denied", "rationale": "r", "version": 1},
        ),
        ("get", reverse("claims:merge", args=[code]), {}),
        ("post", reverse("claims:comment", args=[code]), {"text": "hi"}),
        (
            "post",
            reverse("claims:evidence_add", args=[code]),
            {"url": "https://example.com/new", "stance": "denies"},
        ),
        ("post", reverse("claims:evidence_update", args=[code, source]), {"stance": "denies"}),
        ("post", reverse("claims:evidence_remove", args=[code, source]), {}),
        ("post", reverse("claims:evidence_review", args=[code, source]), {}),
    ]


def test_every_view_sends_an_anonymous_visitor_to_log_in(client, claim, evidence):
    for method, url, data in views(claim, evidence):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_every_view_refuses_an_outsider(client, outsider, claim, evidence):
    client.force_login(outsider)
    for method, url, data in views(claim, evidence):
        assert getattr(client, method)(url, data).status_code == 403, url
    claim.refresh_from_db()
    assert (claim.statement, claim.status, claim.version) == (claim.statement, "unverified", 1)
    assert Evidence.objects.get().stance == "supports"
    assert Claim.objects.count() == 1
    assert ClaimEvent.objects.filter(kind="comment").count() == 0


def test_every_claim_view_answers_404_for_an_unknown_claim(analyst_client, claim, evidence):
    for method, url, data in views(claim, evidence)[4:]:
        missing = url.replace(str(claim.code), str(uuid.uuid4()))
        assert getattr(analyst_client, method)(missing, data).status_code == 404, missing


def test_it_refuses_an_analyst_the_editor_actions_by_crafted_post(analyst_client, claim, evidence):
    for name, data in [
        ("claims:verdict", {"status": "confirmed", "rationale": "r", "version": claim.version}),
        ("claims:merge", {"target": str(uuid.uuid4())}),
    ]:
        assert analyst_client.post(reverse(name, args=[claim.code]), data).status_code == 403
    remove = reverse("claims:evidence_remove", args=[claim.code, evidence.source.code])
    assert analyst_client.post(remove).status_code == 403
    assert Evidence.objects.exists()
    claim.refresh_from_db()
    assert claim.status == "unverified"


def test_it_hides_the_editor_controls_from_an_analyst(analyst_client, claim, evidence):
    body = analyst_client.get(claim.get_absolute_url()).content.decode()
    assert "Save verdict" not in body
    assert "Merge as duplicate" not in body
    assert ">Remove</button>" not in body


def test_it_logs_in_and_out(client, analyst):
    login = client.get(reverse("login"))
    assert login.status_code == 200
    assert 'for="id_username"' in login.content.decode()
    # A reader who is not on the desk finds the published fact checks from here.
    assert f'href="{reverse("public:index")}"' in login.content.decode()
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    assert client.get(reverse("claims:list")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("claims:list")).status_code == 302


def test_it_locks_out_after_too_many_failed_logins(client, analyst):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code in (403, 429)
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct horse battery"}
    )
    assert response.status_code in (403, 429)
    assert "Too many failed log-ins" in response.content.decode()
    assert client.get(reverse("claims:list")).status_code == 302  # not logged in


def test_it_allows_the_right_password_before_the_limit(client, analyst):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct horse battery"}
    )
    assert response.status_code == 302


def test_a_visit_to_an_action_gets_the_sites_page_and_the_api_its_json(analyst_client, claim):
    url = reverse("claims:withdraw", args=[claim.code])
    page = analyst_client.get(url, headers={"Accept": "text/html,*/*"})
    assert page.status_code == 405 and page["Allow"] == "POST"
    assert "This address is an action, not a page" in page.content.decode()
    api = analyst_client.get(
        reverse("api:evidence_reviewed", args=[claim.code, uuid.uuid4()]),
        headers={"Accept": "text/html,*/*"},
    )
    assert api.status_code == 405 and api["Content-Type"] == "application/json"


def test_a_browser_without_a_token_is_sent_to_sign_in_for_the_bundle(client, claim):
    url = reverse("publishing:evidence_bundle", args=[claim.code])
    browser = client.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*"})
    assert browser.status_code == 302
    assert browser["Location"] == f"{reverse('login')}?next={url}"
    script = client.get(url)
    assert script.status_code == 401 and script["WWW-Authenticate"] == 'Token realm="Claimwatch"'
