import pytest
from django.urls import reverse

from sources.models import Outlet, Snapshot, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(analyst_api):
    response = analyst_api.post(
        "/api/sources/", {"url": "https://www.dawn.com/news/1", "title": "Dawn"}, format="json"
    )
    assert response.status_code == 201
    return Source.objects.get(code=response.json()["code"])


def test_it_creates_a_source_once(analyst_api, source):
    assert source.outlet.domain == "dawn.com"
    again = analyst_api.post(
        "/api/sources/", {"url": "https://WWW.dawn.com/news/1#x"}, format="json"
    )
    assert again.status_code == 200
    assert again.json()["code"] == str(source.code)
    assert Source.objects.count() == 1


def test_it_shows_state_and_snapshots(analyst_api, source):
    Snapshot.objects.create(
        source=source, title="Dawn", text="Body", content_hash="h", change_kind="first"
    )
    body = analyst_api.get(reverse("api:source_detail", args=[source.code])).json()
    assert body["state"] == "new"
    assert body["snapshots"][0]["title"] == "Dawn"
    assert "text" not in body["snapshots"][0]  # the full text is the source page's
    assert analyst_api.get("/api/sources/").json()["results"][0]["code"] == str(source.code)


def test_it_accepts_a_refresh_request(analyst_api, outsider_api, source):
    url = reverse("api:source_refresh", args=[source.code])
    assert outsider_api.post(url).status_code == 403
    source.refresh_from_db()
    assert source.check_requested_at is None
    assert analyst_api.post(url).status_code == 202
    source.refresh_from_db()
    assert source.check_requested_at is not None


def test_it_refuses_outsiders(outsider_api, source):
    assert outsider_api.get("/api/sources/").status_code == 403
    response = outsider_api.post("/api/sources/", {"url": "https://x.org/"}, format="json")
    assert response.status_code == 403
    assert outsider_api.get("/api/outlets/").status_code == 403


def test_it_lists_outlets(analyst_api, source):
    outlet = Outlet.objects.get()
    assert analyst_api.get("/api/outlets/").json()["results"][0]["domain"] == "dawn.com"
    body = analyst_api.get(reverse("api:outlet_detail", args=[outlet.code])).json()
    assert body["reliability"] == "F"


def test_it_adds_outlets_and_lets_editors_grade_them(analyst_api, editor_api, outsider_api):
    body = {"domain": "www.Mofa.gov.pk", "name": "Foreign Office", "kind": "official"}
    assert outsider_api.post("/api/outlets/", body, format="json").status_code == 403
    response = analyst_api.post("/api/outlets/", body, format="json")
    assert response.status_code == 201
    assert response.json()["domain"] == "mofa.gov.pk"
    again = analyst_api.post("/api/outlets/", body, format="json")
    assert again.status_code == 409  # taken: a conflict, not a malformed request
    assert "domain" in again.json()
    url = reverse("api:outlet_detail", args=[response.json()["code"]])
    assert analyst_api.patch(url, {"reliability": "A"}, format="json").status_code == 403
    assert editor_api.patch(url, {"reliability": "A"}, format="json").json()["reliability"] == "A"
    assert Outlet.objects.get().reliability == "A"


def test_it_lists_sources_in_a_constant_number_of_queries(analyst_api, django_assert_num_queries):
    from sources.services import source_get_or_create

    def make(start, n):
        for i in range(start, start + n):
            source_get_or_create(url=f"https://site{i}.org/a", actor=None)

    # token+user, user perms, group perms, page (no count)
    make(0, 3)
    with django_assert_num_queries(4):
        assert len(analyst_api.get("/api/sources/").json()["results"]) == 3
    make(3, 27)
    with django_assert_num_queries(4):
        assert len(analyst_api.get("/api/sources/").json()["results"]) == 30
