"""Issue 19, item 6: the API's evidence carries the snapshot its stance was judged on and
the source's current one (title, time, capture URL)."""

import pytest
from django.urls import reverse

from claims import services
from monitoring.checks import check_batch
from sources.models import Snapshot, Source

from ..sites import FLIPPED, LINKED, article

pytestmark = pytest.mark.django_db


def test_it_gives_the_judged_and_the_current_snapshot(analyst_api, claim, flipped):
    judged, current = Snapshot.objects.filter(source=flipped).order_by("created_at", "id")
    item = reverse("api:evidence_detail", args=[claim.code, flipped.code])
    ev = analyst_api.get(item).json()
    assert ev["title_when_linked"] == LINKED and ev["changed_since_judged"] is True
    assert ev["judged_snapshot"]["title"] == LINKED
    capture = reverse("sources:capture", args=[flipped.code, judged.capture_sha256])
    assert ev["judged_snapshot"]["capture"] == f"http://testserver{capture}"
    assert ev["current_snapshot"]["title"] == FLIPPED
    assert ev["current_snapshot"]["capture"].endswith(f"/{current.capture_sha256}/")
    (listed,) = analyst_api.get(reverse("api:evidence_list", args=[claim.code])).json()
    assert listed == ev
    detail = analyst_api.get(reverse("api:claim_detail", args=[claim.code])).json()
    assert detail["evidence"] == [ev]
    reviewed = analyst_api.post(
        reverse("api:evidence_reviewed", args=[claim.code, flipped.code])
    ).json()
    assert reviewed["judged_snapshot"]["title"] == FLIPPED
    assert reviewed["changed_since_judged"] is False


def test_it_gives_none_for_a_source_never_fetched(analyst_api, claim):
    response = analyst_api.post(
        reverse("api:evidence_list", args=[claim.code]),
        {"url": "https://dawn.com/never", "stance": "denies"},
        format="json",
    )
    assert response.status_code == 201
    ev = response.json()
    assert ev["judged_snapshot"] is None and ev["current_snapshot"] is None
    assert ev["changed_since_judged"] is False


def test_it_reads_the_claims_evidence_in_constant_queries(
    analyst_api, claim, analyst, flipped, site, django_assert_max_num_queries
):
    url = reverse("api:evidence_list", args=[claim.code])
    with django_assert_max_num_queries(99) as one:
        analyst_api.get(url)
    for n in range(3):
        more = site.set(f"/more/{n}", article(f"More {n}"))
        services.evidence_add(claim=claim, url=more, stance="neutral", actor=analyst)
        check_batch([Source.objects.get(url=more).pk])
    with django_assert_max_num_queries(len(one)):
        assert len(analyst_api.get(url).json()) == 4
