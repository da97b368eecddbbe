"""The API's origins (claim detail and list, split and join) and outlet records."""

import pytest

from claims import services
from claims.models import ClaimEvent, Evidence
from sources import origins
from sources.services import source_fingerprint_store

pytestmark = pytest.mark.django_db
WIRE = (
    "Pakistan's Defence Minister Khawaja Asif and his Indian counterpart Rajnath Singh may "
    "hold their first face-to-face meeting on the sidelines of the SCO defence ministers' "
    "meeting in Qingdao this week, diplomatic sources said."
)


def checked(claim, url, stance, text):
    evidence = services.evidence_add(claim=claim, url=url, stance=stance, actor=None)
    source_fingerprint_store(source=evidence.source, fingerprint=origins.fingerprint(text=text))
    services.origins_update_for_source(source=evidence.source)
    return evidence


@pytest.fixture
def story(claim):
    aa = checked(claim, "https://www.aa.com.tr/1", "supports", WIRE)
    trt = checked(claim, "https://www.trtworld.com/1", "supports", WIRE + " TRT World said.")
    fo = checked(claim, "https://mofa.gov.pk/1", "denies", "No such meeting is scheduled.")
    return {"claim": claim, "aa": aa, "trt": trt, "fo": fo}


def test_it_gives_independent_origins_beside_the_source_counts(analyst_api, story):
    data = analyst_api.get(f"/api/claims/{story['claim'].code}/").json()
    assert data["source_counts"] == {"supports": 2, "denies": 1, "neutral": 0}
    assert data["independent_origins"] == {"supports": 1, "denies": 1, "neutral": 0}
    assert [len(o["sources"]) for o in data["origins"]] == [2, 1]
    trt = next(e for e in data["evidence"] if "trtworld" in e["source"]["url"])
    assert trt["origin"]["reason"].startswith("near-duplicate text of")
    listed = analyst_api.get("/api/claims/", {"sort": "independent"}).json()["results"][0]
    assert (listed["supports_count"], listed["supports_origins"], listed["denies_origins"]) == (
        2,
        1,
        1,
    )


def test_it_splits_and_joins_origins(analyst_api, story):
    claim, trt = story["claim"], story["trt"]
    base = f"/api/claims/{claim.code}/evidence/{trt.source.code}/origin"
    data = analyst_api.post(f"{base}/split/").json()
    assert data["independent_origins"]["supports"] == 2
    assert claim.events.filter(kind=ClaimEvent.Kind.ORIGIN_SPLIT).count() == 1
    response = analyst_api.post(
        f"{base}/join/", {"with_source": str(story["aa"].source.code)}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["independent_origins"]["supports"] == 1
    again = analyst_api.post(
        f"{base}/join/", {"with_source": str(story["aa"].source.code)}, format="json"
    )
    assert again.status_code == 400


def test_it_refuses_origin_changes_to_outsiders(outsider_api, story):
    claim, trt = story["claim"], story["trt"]
    url = f"/api/claims/{claim.code}/evidence/{trt.source.code}/origin/split/"
    assert outsider_api.post(url).status_code == 403
    assert Evidence.objects.get(pk=trt.pk).origin_pinned is False


def test_it_gives_an_outlet_its_record(analyst_api, editor, story):
    claim = story["claim"]
    services.verdict_set(
        claim=claim, status="denied", rationale="FO.", expected_version=1, actor=editor
    )
    outlet = story["aa"].source.outlet
    data = analyst_api.get(f"/api/outlets/{outlet.code}/").json()
    assert data["record"] == {
        "agreed": 0,
        "disagreed": 1,
        "neutral": 0,
        "decided": 1,
        "agreement": 0.0,
        "interval": [0.0, 0.7935],
    }
    assert [row["disagreed"] for row in data["record_by_quarter"]] == [1]
    assert data["reliability"] == "F"
