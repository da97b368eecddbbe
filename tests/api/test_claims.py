import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim, ClaimEvent

pytestmark = pytest.mark.django_db
LIST = "/api/claims/"


def detail(claim) -> str:
    return reverse("api:claim_detail", args=[claim.code])


def test_it_refuses_anonymous_requests_with_json():
    response = APIClient().get(LIST)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_it_refuses_a_bad_token():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert client.get(LIST).status_code == 401


def test_it_refuses_outsiders_reads_and_writes(outsider_api, claim):
    assert outsider_api.get(LIST).status_code == 403
    assert outsider_api.get(detail(claim)).status_code == 403
    response = outsider_api.post(LIST, {"statement": "A new claim."}, format="json")
    assert response.status_code == 403
    assert Claim.objects.count() == 1


def test_it_lists_claims_with_counts(analyst_api, claim):
    services.evidence_add(claim=claim, url="https://dawn.com/a", stance="supports", actor=None)
    response = analyst_api.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert "count" not in body  # no COUNT(*) over the table on every request
    assert body["next"] is None
    row = body["results"][0]
    assert row["code"] == str(claim.code)
    assert row["supports_count"] == 1
    assert row["tags"] == ["defence", "sco"]
    assert row["url"].endswith(detail(claim))
    assert "id" not in row


def test_it_filters_like_the_web_list(analyst_api, analyst, claim):
    other = services.claim_create(statement="Bananas are blue.", tags=["fruit"], actor=analyst)
    services.verdict_set(
        claim=other, status="denied", rationale="No.", expected_version=1, actor=None
    )
    codes = lambda **params: [r["code"] for r in analyst_api.get(LIST, params).json()["results"]]  # noqa: E731
    assert codes(status="denied") == [str(other.code)]
    assert codes(tag="sco") == [str(claim.code)]
    assert codes(q="defence minis") == [str(claim.code)]
    assert analyst_api.get(LIST, {"status": "maybe"}).status_code == 400


def test_it_lists_in_a_constant_number_of_queries(analyst_api, analyst, django_assert_num_queries):
    def make(n):
        for i in range(n):
            c = services.claim_create(statement=f"Claim number {i}", tags=["t"], actor=analyst)
            services.evidence_add(claim=c, url=f"https://x.org/{i}", stance="denies", actor=None)

    make(3)
    # session-less token auth: token+user, user perms, group perms, page (no count), tags
    with django_assert_num_queries(5):
        assert len(analyst_api.get(LIST).json()["results"]) == 3
    make(27)
    with django_assert_num_queries(5):
        assert len(analyst_api.get(LIST).json()["results"]) == 30


def test_it_shows_a_claim_with_its_evidence(analyst_api, claim):
    services.evidence_add(
        claim=claim,
        url="https://dawn.com/a?utm_source=x",
        stance="denies",
        title="Dawn",
        actor=None,
    )
    body = analyst_api.get(detail(claim)).json()
    assert body["statement"] == claim.statement
    assert body["evidence"][0]["source"]["url"] == "https://dawn.com/a"
    assert body["evidence"][0]["source"]["outlet"]["domain"] == "dawn.com"
    assert body["evidence"][0]["stance"] == "denies"


def test_it_answers_404_for_an_unknown_code(analyst_api):
    response = analyst_api.get("/api/claims/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404


def test_it_creates_a_claim_through_the_service(analyst_api, analyst):
    response = analyst_api.post(
        LIST,
        {"statement": "  The  ministers met. ", "tags": ["SCO"], "claimant": " Turkish  media"},
        format="json",
    )
    assert response.status_code == 201
    claim = Claim.objects.get(code=response.json()["code"])
    assert claim.statement == "The ministers met."
    assert claim.claimant == "Turkish media"
    assert response.json()["claimant"] == "Turkish media"
    assert claim.created_by == analyst
    assert claim.events.get().kind == ClaimEvent.Kind.CREATED


def test_it_answers_a_message_per_field(analyst_api):
    response = analyst_api.post(LIST, {"statement": " ", "tags": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"statement", "tags"}
    response = analyst_api.post(
        LIST,
        {"statement": "Fine.", "first_seen_at": "2099-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert "future" in response.json()["first_seen_at"][0]


def test_it_edits_a_claim_with_its_version(analyst_api, claim):
    response = analyst_api.patch(
        detail(claim), {"version": 1, "context": "Dawn reported it too."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    claim.refresh_from_db()
    assert claim.context == "Dawn reported it too."
    assert claim.statement == "The two defence ministers will meet at the SCO summit."


def test_it_answers_409_to_a_stale_edit(analyst_api, claim):
    analyst_api.patch(detail(claim), {"version": 1, "context": "a"}, format="json")
    response = analyst_api.patch(detail(claim), {"version": 1, "context": "b"}, format="json")
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    claim.refresh_from_db()
    assert claim.context == "a"


def test_it_refuses_outsiders_edits(outsider_api, claim):
    response = outsider_api.patch(detail(claim), {"version": 1, "context": "x"}, format="json")
    assert response.status_code == 403


def test_it_comments_and_refuses_outsiders(analyst_api, outsider_api, claim):
    url = reverse("api:comments", args=[claim.code])
    assert analyst_api.post(url, {"text": "Checking."}, format="json").status_code == 201
    assert outsider_api.post(url, {"text": "Hi."}, format="json").status_code == 403
    assert claim.events.filter(kind="comment").count() == 1


def test_it_accepts_the_browser_session_too(analyst_client, claim):
    assert analyst_client.get(LIST).status_code == 200


def test_it_bounds_the_page_size_and_offset(analyst_api, claim):
    """No number overflows the database; one past the bounds is refused by name, not
    silently replaced (the schema states the bounds)."""
    refused = analyst_api.get(LIST, {"limit": 10**30, "offset": 10**30})
    assert refused.status_code == 400
    assert set(refused.json()) == {"limit"}
    assert set(analyst_api.get(LIST, {"offset": 10**30}).json()) == {"offset"}
    body = analyst_api.get(LIST, {"limit": 200, "offset": 10**12}).json()
    assert body["results"] == []
    assert body["next"] is None
    assert "limit=200" in (body["previous"] or "")


def test_it_answers_a_browser_with_json(analyst_client, claim):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for url in [LIST, detail(claim), "/api/sources/", "/api/outlets/"]:
        response = analyst_client.get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/json"
