import pytest
from django.urls import reverse

from claims import services

pytestmark = pytest.mark.django_db


def test_it_pages_the_timeline_with_a_cursor(analyst_api, analyst, claim):
    for i in range(5):
        services.comment_add(claim=claim, text=f"note {i}", actor=analyst)
    url = reverse("api:timeline", args=[claim.code])
    first = analyst_api.get(url, {"limit": 4}).json()
    assert [e["payload"].get("text") for e in first["results"]] == [
        "note 4",
        "note 3",
        "note 2",
        "note 1",
    ]
    assert first["results"][0]["actor"] == analyst.username
    second = analyst_api.get(first["next"]).json()
    assert [e["kind"] for e in second["results"]] == ["comment", "created"]
    assert second["next"] is None


def test_it_filters_source_events(analyst_api, claim):
    evidence = services.evidence_add(
        claim=claim, url="https://dawn.com/a", stance="supports", actor=None
    )
    services.source_event_record(source=evidence.source, kind="source_gone")
    url = reverse("api:timeline", args=[claim.code])
    results = analyst_api.get(url, {"kind": "source"}).json()["results"]
    assert [e["kind"] for e in results] == ["source_gone"]
    assert results[0]["source"] == str(evidence.source.code)


def test_it_refuses_outsiders(outsider_api, claim):
    assert outsider_api.get(reverse("api:timeline", args=[claim.code])).status_code == 403
