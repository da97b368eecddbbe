"""Issue 19, items 1 and 6: exports and ClaimReview give the headline a stance was judged
on, and the current one beside it, from real checks of the local web site."""

import csv
import io

import pytest
from django.urls import reverse

from claims import services
from claims.models import Claim
from monitoring.checks import check_batch
from publishing import exports
from sources.models import Snapshot, Source

from ..sites import FLIPPED, LINKED, article

pytestmark = pytest.mark.django_db


def test_it_exports_the_headline_as_linked_and_when_it_was_taken(claim, flipped):
    judged, current = Snapshot.objects.filter(source=flipped).order_by("created_at", "id")
    text = exports.claims_csv(Claim.objects.filter(pk=claim.pk), "http://testserver")
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["title"] == FLIPPED
    assert row["title_when_linked"] == LINKED
    assert row["judged_snapshot_at"] == judged.created_at.isoformat()
    (item,) = exports.claims_json(Claim.objects.filter(pk=claim.pk), "http://testserver")
    (ev,) = item["evidence"]
    assert ev["title_when_linked"] == LINKED and ev["changed_since_judged"] is True
    capture = reverse("sources:capture", args=[flipped.code, judged.capture_sha256])
    assert ev["judged_snapshot"] == {
        "title": LINKED,
        "taken_at": judged.created_at,
        "capture": f"http://testserver{capture}",
    }
    assert ev["current_snapshot"]["title"] == FLIPPED
    assert ev["current_snapshot"]["taken_at"] == current.created_at


def test_it_exports_a_source_never_fetched_with_its_typed_title(claim, analyst):
    services.evidence_add(
        claim=claim, url="https://example.org/x", title="Typed", stance="denies", actor=analyst
    )
    text = exports.claims_csv(Claim.objects.filter(pk=claim.pk))
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["title_when_linked"] == "Typed" and row["judged_snapshot_at"] == ""
    (item,) = exports.claims_json(Claim.objects.filter(pk=claim.pk))
    assert item["evidence"][0]["judged_snapshot"] is None
    assert item["evidence"][0]["current_snapshot"] is None


def test_it_gives_claimreview_the_headline_that_was_judged(claim, editor, flipped):
    services.verdict_set(
        claim=claim,
        status="denied",
        rationale="Ruled out.",
        expected_version=claim.version,
        actor=editor,
    )
    review = exports.claim_review(Claim.objects.get(pk=claim.pk))
    assert review["itemReviewed"]["firstAppearance"]["headline"] == LINKED
    assert review["itemReviewed"]["appearance"][0]["headline"] == LINKED


def test_it_exports_judged_snapshots_in_a_constant_number_of_queries(
    claim, analyst, flipped, site, django_assert_num_queries
):
    claims = Claim.objects.filter(pk=claim.pk)
    with django_assert_num_queries(4):
        exports.claims_csv(claims)
    for n in range(3):
        url = site.set(f"/more/{n}", article(f"More {n}"))
        services.evidence_add(claim=claim, url=url, stance="neutral", actor=analyst)
        check_batch([Source.objects.get(url=url).pk])
    with django_assert_num_queries(4):
        exports.claims_csv(claims)
