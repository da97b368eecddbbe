"""What a person does with a suggestion: link it (the timeline says whether the suggested
stance was taken), dismiss it (never suggested again for that claim)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims import services as claim_services
from claims.models import ClaimEvent
from discovery import selectors, services
from discovery.models import Article, Suggestion
from sources.models import Outlet
from sources.services import outlet_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(db):
    return Article.objects.create(
        url="https://www.hindustantimes.com/india-news/no-meeting-101.html",
        title="No Singh-Asif meeting at Qingdao, India says",
    )


@pytest.fixture
def suggestion(meeting, article):
    (made,) = services.suggestions_make(articles=[article])
    return Suggestion.objects.get(claim=meeting, article=article)


def test_it_links_with_the_suggested_stance_and_says_it_was_taken(suggestion, analyst):
    evidence = services.suggestion_link(suggestion=suggestion, stance="denies", actor=analyst)
    assert evidence.stance == "denies" and evidence.source.url == suggestion.article.url
    assert evidence.source.title == suggestion.article.title
    suggestion.refresh_from_db()
    assert suggestion.state == "linked" and suggestion.evidence == evidence
    event = ClaimEvent.objects.get(kind="evidence_added")
    assert event.payload["suggested"]["stance"] == "denies"
    assert event.payload["suggested"]["taken"] is True
    with pytest.raises(ValidationError, match="already linked"):
        services.suggestion_link(suggestion=suggestion, stance="denies", actor=analyst)


def test_it_says_when_the_person_changed_the_stance(suggestion, analyst):
    services.suggestion_link(suggestion=suggestion, stance="neutral", actor=analyst)
    payload = ClaimEvent.objects.get(kind="evidence_added").payload
    assert payload["stance"] == "neutral"
    assert payload["suggested"]["stance"] == "denies" and payload["suggested"]["taken"] is False


def test_it_never_suggests_a_dismissed_article_again_for_that_claim(suggestion, analyst, meeting):
    services.suggestion_dismiss(suggestion=suggestion, actor=analyst)
    assert selectors.claim_suggestions(meeting) == []
    services.suggestions_make(articles=[suggestion.article])
    assert Suggestion.objects.get().state == "dismissed"
    assert selectors.claim_suggestions(meeting) == []


def test_it_lists_a_claims_open_suggestions_in_one_query(meeting, django_assert_num_queries):
    articles = [
        Article.objects.create(
            url=f"https://example.org/{i}", title=f"Asif and Singh to meet in Qingdao {i}"
        )
        for i in range(3)
    ]
    services.suggestions_make(articles=articles)
    with django_assert_num_queries(1):
        found = selectors.claim_suggestions(meeting)
        assert [s.article.outlet for s in found] == [None, None, None]
    assert len(found) == 3 and found[0].score >= found[-1].score


def test_it_refuses_an_outsider(suggestion, outsider):
    with pytest.raises(PermissionDenied):
        services.suggestion_link(suggestion=suggestion, stance="denies", actor=outsider)
    with pytest.raises(PermissionDenied):
        services.suggestion_dismiss(suggestion=suggestion, actor=outsider)
    assert Suggestion.objects.get().state == "open"


def test_it_suggests_nothing_for_a_decided_claim_after_the_open_days(
    meeting, article, editor, settings
):
    from claims.services import verdict_set

    verdict_set(
        claim=meeting,
        status="denied",
        rationale="Foreign Office.",
        expected_version=1,
        actor=editor,
    )
    assert len(services.suggestions_make(articles=[article])) == 1  # decided today: still open
    Suggestion.objects.all().delete()
    settings.DISCOVERY_OPEN_DAYS = 0
    assert services.suggestions_make(articles=[article]) == []


def test_it_gives_a_linked_source_the_articles_outlet_not_its_domains(meeting, analyst, settings):
    """The demo's feed serves Hindustan Times' report from 127.0.0.1: the source is the
    outlet's, as its feed says, not an outlet named after the host."""
    settings.FETCH_ALLOW_PRIVATE = True  # as the demo runs
    outlet = outlet_create(name="Hindustan Times", domain="hindustantimes.com", actor=None)
    article = Article.objects.create(
        url="http://127.0.0.1:8001/hindustantimes/singh-to-skip.html",
        title="Singh to skip bilateral with Asif at Qingdao, officials say",
        outlet=outlet,
    )
    services.suggestions_make(articles=[article])
    suggestion = Suggestion.objects.get(claim=meeting, article=article)
    evidence = services.suggestion_link(suggestion=suggestion, stance="denies", actor=analyst)
    assert evidence.source.outlet == outlet
    assert not Outlet.objects.filter(domain="127.0.0.1").exists()


def test_it_gives_a_source_its_domains_outlet_when_the_article_has_none(suggestion, analyst):
    assert suggestion.article.outlet is None
    evidence = services.suggestion_link(suggestion=suggestion, stance="denies", actor=analyst)
    assert evidence.source.outlet.domain == "hindustantimes.com"


def test_it_leaves_a_known_sources_outlet_as_it_is(meeting, analyst):
    other = claim_services.claim_create(statement="Another claim.", actor=analyst)
    url = "https://www.hindustantimes.com/india-news/singh-to-skip-101.html"
    known = claim_services.evidence_add(claim=other, url=url, stance="neutral", actor=analyst)
    outlet = outlet_create(name="HT syndication", domain="syndication.example", actor=None)
    article = Article.objects.create(
        url=url, title="Singh to skip bilateral with Asif at Qingdao", outlet=outlet
    )
    services.suggestions_make(articles=[article])
    suggestion = Suggestion.objects.get(claim=meeting, article=article)
    evidence = services.suggestion_link(suggestion=suggestion, stance="denies", actor=analyst)
    assert evidence.source == known.source
    assert evidence.source.outlet.domain == "hindustantimes.com"
