"""The claim page's origins, splitting and joining them, and the CSV export's columns."""

import csv
import io

import pytest

from claims import selectors, services
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


def test_it_counts_sources_and_independent_origins_on_the_claim_page(analyst_client, story):
    body = analyst_client.get(story["claim"].get_absolute_url()).content.decode()
    assert "Supports: 2 sources from 1 independent origin</span>" in body
    assert "Denies: 1 source from 1 independent origin</span>" in body
    assert "Neutral: 0 sources</span>" in body
    assert "near-duplicate text of" in body


def test_it_splits_and_joins_from_the_page(analyst_client, story):
    claim, trt, aa = story["claim"], story["trt"], story["aa"]
    split = f"/claims/{claim.code}/evidence/{trt.source.code}/origin/split/"
    assert analyst_client.post(split).status_code == 302
    trt.refresh_from_db()
    aa.refresh_from_db()
    assert trt.origin_id != aa.origin_id and trt.origin_pinned
    event = claim.events.get(kind=ClaimEvent.Kind.ORIGIN_SPLIT)
    body = analyst_client.get(claim.get_absolute_url()).content.decode()
    assert "Supports: 2 sources from 2 independent origins</span>" in body
    assert event.get_kind_display() in body
    join = f"/claims/{claim.code}/evidence/{trt.source.code}/origin/join/"
    response = analyst_client.post(join, {"with": str(aa.source.code)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Supports: 2 sources from 1 independent origin</span>" in response.content.decode()
    assert claim.events.filter(kind=ClaimEvent.Kind.ORIGIN_JOINED).exists()


def test_it_refuses_a_split_to_an_outsider(client, outsider, story):
    client.force_login(outsider)
    claim, trt = story["claim"], story["trt"]
    response = client.post(f"/claims/{claim.code}/evidence/{trt.source.code}/origin/split/")
    assert response.status_code == 403
    assert not Evidence.objects.get(pk=trt.pk).origin_pinned


def test_it_exports_origins_and_outlet_records_as_csv(analyst_client, story):
    response = analyst_client.get("/claims/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["supports_origins"] for row in rows} == {"1"}
    assert {row["denies_origins"] for row in rows} == {"1"}
    trt = next(row for row in rows if "trtworld" in row["url"])
    assert trt["origin_reason"].startswith("near-duplicate text of")
    assert trt["outlet_agreed"] == "0" and trt["outlet_disagreed"] == "0"


def test_it_shows_the_lists_origin_counts_as_the_selector_counts_them(analyst_client, story):
    """The list asks its page's origin counts in one grouped query (issue 24): the same
    figures as the subqueries the API and exports annotate."""
    claim = story["claim"]
    services.evidence_add(
        claim=claim, url="https://www.dawn.com/news/n1", stance="neutral", actor=None
    )
    (annotated,) = selectors.claim_list()
    body = analyst_client.get("/claims/").content.decode()
    assert (annotated.supports_origins, annotated.denies_origins) == (1, 1)
    assert ">1:1 origins</span>" in body
    page = analyst_client.get("/claims/").context["page"].object_list
    counts = ("supports_origins", "denies_origins", "neutral_origins")
    assert [getattr(page[0], c) for c in counts] == [getattr(annotated, c) for c in counts]
    assert annotated.neutral_origins == 1
