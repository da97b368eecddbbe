import json
import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from claims import services
from sources.models import Source

pytestmark = pytest.mark.django_db


def url(claim) -> str:
    return reverse("publishing:claimreview", args=[claim.code])


@pytest.fixture
def judged(claim, editor):
    early = services.evidence_add(
        claim=claim,
        url="https://trt.net.tr/a",
        stance="supports",
        title="Ministers to meet",
        actor=None,
        added_at=datetime(2025, 6, 20, tzinfo=UTC),
    )
    Source.objects.filter(pk=early.source_id).update(published_at=datetime(2025, 6, 19, tzinfo=UTC))
    services.evidence_add(
        claim=claim,
        url="https://mofa.gov.pk/b",
        stance="denies",
        actor=None,
        added_at=datetime(2025, 6, 1, tzinfo=UTC),
    )
    services.verdict_set(
        claim=claim, status="denied", rationale="FO denied.", expected_version=1, actor=editor
    )
    claim.refresh_from_db()
    return claim


def test_it_publishes_a_claimreview_for_a_claim_with_a_verdict(analyst_client, judged):
    response = analyst_client.get(url(judged))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    review = response.json()
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == judged.statement
    assert review["url"] == f"http://testserver/claims/{judged.code}/"
    assert review["datePublished"] == judged.verdict_at.date().isoformat()
    assert review["author"]["@type"] == "Organization"
    assert review["reviewRating"]["alternateName"] == "Denied"
    assert review["reviewRating"]["ratingValue"] == 1
    # The earliest appearance is the earliest source carrying the claim, not the denial.
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["firstAppearance"]["url"] == "https://trt.net.tr/a"
    assert item["firstAppearance"]["datePublished"] == "2025-06-19"


def test_it_has_no_claimreview_without_a_verdict(analyst_client, claim):
    assert analyst_client.get(url(claim)).status_code == 404
    page = analyst_client.get(claim.get_absolute_url()).content.decode()
    assert "application/ld+json" not in page.split("</head>")[0]


def test_it_embeds_the_claimreview_in_the_page_head_safely(analyst_client, analyst, editor):
    claim = services.claim_create(
        statement="They said </script><script>alert(1)</script> & more", actor=analyst
    )
    services.verdict_set(
        claim=claim, status="confirmed", rationale="Yes.", expected_version=1, actor=editor
    )
    page = analyst_client.get(claim.get_absolute_url()).content.decode()
    head = page.split("</head>")[0]
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', head, re.S)
    assert len(blocks) == 1
    assert "<script>alert" not in blocks[0]
    assert json.loads(blocks[0])["claimReviewed"] == claim.statement


def test_it_refuses_outsiders(client, outsider, judged):
    assert client.get(url(judged)).status_code == 401
    client.force_login(outsider)
    assert client.get(url(judged)).status_code == 403
