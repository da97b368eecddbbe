import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from claims import services

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response) -> list[tuple[str, str]]:
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    return [
        (entry.find(f"{ATOM}title").text, (entry.find(f"{ATOM}summary").text or ""))
        for entry in root.findall(f"{ATOM}entry")
    ]


@pytest.fixture
def history(claim, analyst, editor):
    evidence = services.evidence_add(
        claim=claim,
        url="https://dawn.com/a",
        stance="supports",
        title="Dawn",
        actor=None,
    )
    services.verdict_set(
        claim=claim,
        status="denied",
        rationale="FO <b>denied</b>.",
        expected_version=1,
        actor=editor,
    )
    services.source_event_record(source=evidence.source, kind="source_retraction")
    other = services.claim_create(statement="Another claim.", actor=analyst)
    services.verdict_set(
        claim=other, status="confirmed", rationale="Seen.", expected_version=1, actor=editor
    )
    return claim, other


def test_it_feeds_verdict_changes_for_all_claims(analyst_client, history):
    claim, other = history
    items = entries(analyst_client.get(reverse("publishing:feed_verdicts")))
    assert [title for title, _ in items] == [
        "Confirmed: Another claim.",
        f"Denied: {claim.statement}",
    ]
    # The rationale is text: escaped in the HTML summary.
    assert items[1][1] == "FO &lt;b&gt;denied&lt;/b&gt;."


def test_it_feeds_one_claims_changes(analyst_client, history):
    claim, other = history
    verdicts = entries(
        analyst_client.get(reverse("publishing:claim_feed_verdicts", args=[claim.code]))
    )
    assert [title for title, _ in verdicts] == [f"Denied: {claim.statement}"]
    sources = entries(
        analyst_client.get(reverse("publishing:claim_feed_sources", args=[claim.code]))
    )
    assert [title for title, _ in sources] == ["Retraction notice on source: Dawn"]
    assert (
        entries(analyst_client.get(reverse("publishing:claim_feed_sources", args=[other.code])))
        == []
    )


def test_it_feeds_source_changes_for_all_claims(analyst_client, history):
    items = entries(analyst_client.get(reverse("publishing:feed_sources")))
    assert len(items) == 1
    assert "Cited by" in items[0][1]


def test_it_lets_feed_readers_in_with_a_token(client, analyst, history):
    url = reverse("publishing:feed_verdicts")
    assert client.get(url).status_code == 401
    token = Token.objects.create(user=analyst)
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert len(entries(response)) == 2


def test_it_refuses_outsiders(client, outsider, history):
    claim, _ = history
    client.force_login(outsider)
    assert client.get(reverse("publishing:feed_verdicts")).status_code == 403
    assert (
        client.get(reverse("publishing:claim_feed_sources", args=[claim.code])).status_code == 403
    )


def test_it_answers_404_for_an_unknown_claim(analyst_client):
    url = reverse("publishing:claim_feed_verdicts", args=["00000000-0000-0000-0000-000000000000"])
    assert analyst_client.get(url).status_code == 404


def test_it_builds_a_feed_in_a_constant_number_of_queries(
    analyst_client, analyst, editor, django_assert_num_queries
):
    def make(n):
        for i in range(n):
            c = services.claim_create(statement=f"Claim {i}", actor=analyst)
            services.verdict_set(
                claim=c, status="denied", rationale="No.", expected_version=1, actor=editor
            )

    url = reverse("publishing:feed_verdicts")
    make(3)
    with django_assert_num_queries(5):
        assert len(entries(analyst_client.get(url))) == 3
    make(27)
    with django_assert_num_queries(5):
        assert len(entries(analyst_client.get(url))) == 30


def test_it_gives_every_entry_and_feed_an_iri_of_its_own(analyst_client, claim):
    """Issue 20 item 12: two source events written by one batch at one instant get two ids;
    ids are IRIs (RFC 4287 4.2.6); the verdicts and sources feeds are two feeds. Read by
    feedparser, as feed readers do."""
    a = services.evidence_add(claim=claim, url="https://dawn.com/a", stance="supports", actor=None)
    b = services.evidence_add(claim=claim, url="https://geo.tv/b", stance="denies", actor=None)
    at = timezone.now()
    for evidence in (a, b):
        services.source_event_record(source=evidence.source, kind="source_changed", at=at)
    sources = feedparser.parse(analyst_client.get(reverse("publishing:feed_sources")).content)
    verdicts = feedparser.parse(analyst_client.get(reverse("publishing:feed_verdicts")).content)
    assert not sources.bozo and not verdicts.bozo
    ids = [entry.id for entry in sources.entries]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert all(i.startswith("urn:uuid:") for i in ids)
    assert sources.feed.id != verdicts.feed.id
    assert sources.feed.id.startswith("urn:uuid:")
    again = feedparser.parse(analyst_client.get(reverse("publishing:feed_sources")).content)
    assert [entry.id for entry in again.entries] == ids  # stable: readers see no new entry
