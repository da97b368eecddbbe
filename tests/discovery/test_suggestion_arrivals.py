"""Issue 21, item 4: a claim's strip and its sources feed show suggestions arriving
(claims.hooks.arrivals, registered by discovery), and never as timeline events."""

import feedparser
import pytest
from django.urls import reverse

from claims import services as claim_services
from claims.models import ClaimEvent
from discovery import services
from discovery.models import Article, Suggestion
from sources.services import outlet_create

pytestmark = pytest.mark.django_db

TITLE = "Singh to skip bilateral with Asif at Qingdao, officials say"


@pytest.fixture
def suggestion(meeting):
    outlet = outlet_create(name="Hindustan Times", domain="hindustantimes.com", actor=None)
    article = Article.objects.create(
        url="https://www.hindustantimes.com/india-news/singh-to-skip-101.html",
        title=TITLE,
        summary="No bilateral is planned, officials said.",
        outlet=outlet,
    )
    services.suggestions_make(articles=[article])
    return Suggestion.objects.get(claim=meeting, article=article)


def feed(client, claim):
    response = client.get(reverse("publishing:claim_feed_sources", args=[claim.code]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def test_it_feeds_a_new_suggestion_with_a_stable_id(analyst_client, suggestion):
    claim = suggestion.claim
    (entry,) = feed(analyst_client, claim).entries
    assert entry.title == (
        f"Suggested source: {TITLE} (Hindustan Times), suggested stance "
        f"{suggestion.stance} {suggestion.stance_confidence:.2f}"
    )
    assert suggestion.stance == "denies"
    assert entry.id.startswith("urn:uuid:")
    assert suggestion.article.url in entry.summary
    assert entry.link.endswith(claim.get_absolute_url())
    # The same entry keeps its id, and a decision does not take it out of the feed.
    services.suggestion_dismiss(suggestion=suggestion, actor=claim.created_by)
    (again,) = feed(analyst_client, claim).entries
    assert again.id == entry.id
    # A suggestion is not a fact of the record: no timeline event says it arrived.
    assert list(ClaimEvent.objects.filter(claim=claim).values_list("kind", flat=True)) == [
        "created"
    ]


def test_it_merges_suggestions_with_source_changes_newest_first(analyst_client, suggestion):
    claim = suggestion.claim
    evidence = claim_services.evidence_add(
        claim=claim, url="https://dawn.com/a", stance="supports", title="Dawn", actor=None
    )
    claim_services.source_event_record(source=evidence.source, kind="source_retraction")
    titles = [entry.title for entry in feed(analyst_client, claim).entries]
    assert titles[0] == "Retraction notice on source: Dawn"
    assert titles[1].startswith("Suggested source: ")
    # The feed of all claims stays a feed of source changes.
    everything = feedparser.parse(analyst_client.get(reverse("publishing:feed_sources")).content)
    assert [entry.title for entry in everything.entries] == [titles[0]]


def test_it_keeps_other_claims_suggestions_out_of_a_claims_feed(analyst_client, suggestion):
    other = claim_services.claim_create(
        statement="Another claim.", actor=suggestion.claim.created_by
    )
    assert feed(analyst_client, other).entries == []


def test_it_escapes_the_articles_text_in_the_feed(analyst_client, meeting):
    article = Article.objects.create(
        url="https://example.org/x",
        title="Asif and Singh to meet in Qingdao <script>alert(1)</script>",
    )
    services.suggestions_make(articles=[article])
    response = analyst_client.get(reverse("publishing:claim_feed_sources", args=[meeting.code]))
    assert b"<script>" not in response.content
    (entry,) = feedparser.parse(response.content).entries
    assert "(example.org)" in entry.title  # no outlet: its domain


def test_it_refuses_the_feed_to_an_outsider(client, outsider, suggestion):
    client.force_login(outsider)
    url = reverse("publishing:claim_feed_sources", args=[suggestion.claim.code])
    assert client.get(url).status_code == 403


def test_it_draws_waiting_suggestions_on_the_strip(analyst_client, suggestion, analyst):
    claim = suggestion.claim
    body = analyst_client.get(claim.get_absolute_url()).content.decode()
    strip = body[body.index('<figure class="strip">') : body.index("</figure>")]
    assert 'class="dot suggested stance-denies"' in strip
    assert f"Suggested source: {TITLE} (Hindustan Times)" in strip
    assert "1 suggested, waiting." in strip
    assert "Suggested, waiting" in strip  # the legend
    services.suggestion_link(suggestion=suggestion, stance="denies", actor=analyst)
    body = analyst_client.get(claim.get_absolute_url()).content.decode()
    strip = body[body.index('<figure class="strip">') : body.index("</figure>")]
    # Linked, it is evidence: a dot, no longer a ring.
    assert "suggested" not in strip
    assert 'class="dot stance-denies"' in strip
