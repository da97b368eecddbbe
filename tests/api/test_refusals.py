"""What the API refuses, and how: JSON for every path under /api/, 400 naming the query
parameter it cannot take or read, the JSON types its schema states, a domain that is a
host name (409 when taken), and source URLs given back as URIs."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/nope/"),
        ("post", "/api/claims/not-a-uuid/verdict/"),
        ("delete", "/api/claims/null,null/evidence/x/"),
    ],
)
def test_it_answers_json_for_paths_it_does_not_have(analyst_api, method, path):
    for client in (analyst_api, APIClient()):
        response = getattr(client, method)(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"].startswith(f"No API endpoint at {path}.")


def test_it_names_the_query_parameter_it_cannot_take_or_read(analyst_api, claim):
    unknown = analyst_api.get(f"/api/claims/{claim.code}/timeline/?kinds=source")
    assert unknown.status_code == 400
    assert "This endpoint takes: cursor, kind, limit." in unknown.json()["kinds"][0]
    for query, name in [
        ("limit=null", "limit"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("offset=-1", "offset"),
        ("sort=", "sort"),
        ("needs_review=maybe", "needs_review"),
    ]:
        response = analyst_api.get(f"/api/claims/?{query}")
        assert response.status_code == 400, query
        assert list(response.json()) == [name]
    assert analyst_api.get(f"/api/claims/{claim.code}/timeline/?limit=x").status_code == 400
    assert analyst_api.get("/api/claims/?limit=2&sort=active&status=").status_code == 200


def test_it_takes_json_types_as_the_schema_states_them(analyst_api, claim):
    response = analyst_api.post(f"/api/claims/{claim.code}/comments/", {"text": 0}, format="json")
    assert response.status_code == 400
    response = analyst_api.patch(
        f"/api/claims/{claim.code}/", {"version": "1", "statement": "Two"}, format="json"
    )
    assert list(response.json()) == ["version"]


def test_it_takes_a_host_name_as_an_outlet_domain(analyst_api):
    for bad in ["https://dawn.com/news", "dawn com", "", "-dawn.com", "dawn_com.pk"]:
        response = analyst_api.post("/api/outlets/", {"domain": bad}, format="json")
        assert response.status_code == 400, bad
        assert list(response.json()) == ["domain"]
    created = analyst_api.post("/api/outlets/", {"domain": "WWW.Dawn.com."}, format="json")
    assert created.status_code == 201
    assert created.json()["domain"] == "dawn.com"
    taken = analyst_api.post("/api/outlets/", {"domain": "dawn.com"}, format="json")
    assert taken.status_code == 409
    assert "already exists" in taken.json()["detail"]


def test_it_gives_source_urls_back_as_uris(analyst_api):
    url = "https://www.bbc.com/urdu/articles/پاکستان?q=وزیر"
    response = analyst_api.post("/api/sources/", {"url": url}, format="json")
    assert response.status_code == 201
    given = response.json()["url"]
    assert given.isascii()
    assert given.startswith("https://www.bbc.com/urdu/articles/%D9%BE%D8%A7%DA%A9")
    listed = analyst_api.get("/api/sources/").json()["results"]
    assert [s["url"] for s in listed] == [given]


def test_it_takes_only_a_json_boolean_as_the_publish_confirmation(editor_api, claim):
    url = f"/api/claims/{claim.code}/"
    response = editor_api.patch(url, {"version": claim.version, "confirm": "yes"}, format="json")
    assert response.status_code == 400 and "confirm" in response.json()
