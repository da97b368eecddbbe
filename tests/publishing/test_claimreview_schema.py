"""ClaimReview checked against the schema.org vocabulary and Google's ClaimReview
guidance: every property is one schema.org defines for the type it is used on, every
value is of a type in the property's range, and Google's required and recommended
properties are all there."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from claims import services
from publishing.exports import short_statement

pytestmark = pytest.mark.django_db

# An extract of the schema.org vocabulary (schemaorg-current-https, release 28): each
# type's parent, and each property used here with its domainIncludes and rangeIncludes.
PARENT = {
    "ClaimReview": "Review",
    "Review": "CreativeWork",
    "Claim": "CreativeWork",
    "CreativeWork": "Thing",
    "Rating": "Intangible",
    "Intangible": "Thing",
    "Organization": "Thing",
    "Person": "Thing",
}
PROPERTIES = {
    "claimReviewed": ({"ClaimReview"}, {"Text"}),
    "reviewRating": ({"Review"}, {"Rating"}),
    "itemReviewed": ({"AggregateRating", "Review"}, {"Thing"}),
    "author": ({"CreativeWork", "Rating"}, {"Organization", "Person"}),
    "datePublished": ({"CreativeWork"}, {"Date", "DateTime"}),
    "url": ({"Thing"}, {"URL"}),
    "name": ({"Thing"}, {"Text"}),
    "alternateName": ({"Thing"}, {"Text"}),
    "text": ({"CreativeWork"}, {"Text"}),
    "headline": ({"CreativeWork"}, {"Text"}),
    "appearance": ({"Claim"}, {"CreativeWork"}),
    "firstAppearance": ({"Claim"}, {"CreativeWork"}),
    "citation": ({"CreativeWork"}, {"CreativeWork", "Text"}),
    "archivedAt": ({"CreativeWork"}, {"URL", "WebPage"}),
    "ratingValue": ({"Rating"}, {"Number", "Text"}),
    "bestRating": ({"Rating"}, {"Number", "Text"}),
    "worstRating": ({"Rating"}, {"Number", "Text"}),
}
# Google Search Central, "Fact Check (ClaimReview) structured data".
REQUIRED = ["claimReviewed", "reviewRating", "reviewRating.alternateName", "url"]
RECOMMENDED = [
    "author",
    "author.name",
    "author.url",
    "datePublished",
    "itemReviewed",
    "itemReviewed.author",
    "itemReviewed.author.name",
    "itemReviewed.datePublished",
    "itemReviewed.firstAppearance",
    "itemReviewed.appearance",
    "reviewRating.ratingValue",
    "reviewRating.bestRating",
    "reviewRating.worstRating",
]
DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")


def is_a(type_: str, wanted: set[str]) -> bool:
    while type_:
        if type_ in wanted:
            return True
        type_ = PARENT.get(type_, "")
    return False


def check(node: dict, path: str = "") -> list[str]:
    problems = []
    type_ = node["@type"]
    for name, value in node.items():
        if name.startswith("@"):
            continue
        where = f"{path}{name}"
        if name not in PROPERTIES:
            problems.append(f"{where}: not a schema.org property used by ClaimReview")
            continue
        domain, range_ = PROPERTIES[name]
        if not is_a(type_, domain):
            problems.append(f"{where}: not a property of {type_}")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                if not any(is_a(item["@type"], {r}) for r in range_):
                    problems.append(f"{where}: {item['@type']} is not one of {range_}")
                problems += check(item, where + ".")
            elif range_ & {"Date", "DateTime"} and not DATE.match(item):
                problems.append(f"{where}: {item!r} is not an ISO date")
            elif range_ == {"URL"} and not str(item).startswith(("https://", "http://")):
                problems.append(f"{where}: {item!r} is not a URL")
            elif range_ == {"Text"} and not isinstance(item, str):
                problems.append(f"{where}: {item!r} is not text")
    return problems


def present(review: dict, dotted: str) -> bool:
    node = review
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return node not in ("", None, [])


@pytest.fixture
def judged(analyst, editor):
    claim = services.claim_create(
        statement=(
            "Pakistan's and India's defence ministers will meet on the sidelines of the SCO "
            "Defence Ministers' Meeting in Qingdao"
        ),
        claimant="Turkish media",
        first_seen_at=datetime(2025, 6, 24, tzinfo=UTC),
        actor=analyst,
    )
    services.evidence_add(
        claim=claim,
        url="https://www.aa.com.tr/en/sco",
        stance="supports",
        title="Defence chiefs may meet in Qingdao",
        actor=None,
        added_at=datetime(2025, 6, 24, 10, tzinfo=UTC),
    )
    services.verdict_set(
        claim=claim, status="denied", rationale="FO denied.", expected_version=1, actor=editor
    )
    return claim


def test_it_publishes_claimreview_that_fits_the_vocabulary_and_googles_guidance(
    analyst_client, judged, settings
):
    settings.SITE_NAME = "Dawn Fact Check"
    settings.SITE_URL = "https://factcheck.example.org"
    review = analyst_client.get(reverse("publishing:claimreview", args=[judged.code])).json()
    assert check(review) == []
    assert [name for name in REQUIRED if not present(review, name)] == []
    assert [name for name in RECOMMENDED if not present(review, name)] == []
    assert review["author"] == {
        "@type": "Organization",
        "name": "Dawn Fact Check",
        "url": "https://factcheck.example.org/",
    }
    assert review["itemReviewed"]["author"] == {"@type": "Organization", "name": "Turkish media"}
    assert len(review["claimReviewed"]) <= 75
    assert review["claimReviewed"].endswith("…")
    assert review["itemReviewed"]["text"] == judged.statement


def test_it_catches_what_the_vocabulary_does_not_allow():
    # The check itself can fail: a property on the wrong type, a value of the wrong type.
    bad = {"@type": "ClaimReview", "headline": 3, "appearance": {"@type": "CreativeWork"}}
    assert check(bad) == [
        "headline: 3 is not text",
        "appearance: not a property of ClaimReview",
    ]


def test_it_shortens_the_statement_at_a_word():
    assert short_statement("Short enough.") == "Short enough."
    cut = short_statement("word " * 30)
    assert len(cut) <= 75 and cut.endswith("word…")


def test_it_leaves_the_claimant_out_when_nobody_is_named(analyst_client, claim, editor):
    services.verdict_set(
        claim=claim, status="confirmed", rationale="Yes.", expected_version=1, actor=editor
    )
    review = analyst_client.get(reverse("publishing:claimreview", args=[claim.code])).json()
    assert "author" not in review["itemReviewed"]
