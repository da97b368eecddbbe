"""Issue 21, item 4: where the desk sees suggestions. The claim page's "Suggested sources"
part (Link with the stance pre-selected and editable, Dismiss remembered), the review
queue's list of claims with suggestions, and who may do what."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from claims import services as claim_services
from claims.models import ClaimEvent, Evidence
from discovery import selectors, services
from discovery.models import Article, Suggestion
from sources.services import outlet_create

pytestmark = pytest.mark.django_db

TITLE = "No Singh-Asif meeting at Qingdao, India says"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "suggestions"}


@pytest.fixture
def suggestion(meeting):
    outlet = outlet_create(name="Hindustan Times", domain="hindustantimes.com", actor=None)
    article = Article.objects.create(
        url="https://www.hindustantimes.com/india-news/no-meeting-101.html",
        title=TITLE,
        summary="Officials said <b>no</b> bilateral is planned.",
        outlet=outlet,
    )
    services.suggestions_make(articles=[article])
    return Suggestion.objects.get(claim=meeting, article=article)


@pytest.fixture
def viewer(make_user):
    """Reads claims, their evidence and timelines; in neither role."""
    user = make_user("vera")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="claims",
            codename__in=["view_claim", "view_evidence", "view_claimevent"],
        )
    )
    return type(user).objects.get(pk=user.pk)


def link_url(s: Suggestion) -> str:
    return reverse("discovery:suggestion_link", args=[s.claim.code, s.code])


def dismiss_url(s: Suggestion) -> str:
    return reverse("discovery:suggestion_dismiss", args=[s.claim.code, s.code])


def test_it_shows_a_suggestion_with_its_outlet_score_stance_and_why(analyst_client, suggestion):
    page = analyst_client.get(suggestion.claim.get_absolute_url()).content.decode()
    part = page[page.index('id="suggestions"') :]
    assert 'Suggested sources <span class="muted">(1)</span>' in part
    assert TITLE in part and "Hindustan Times" in part
    assert f"score {suggestion.score:.2f}" in part
    assert suggestion.stance == "denies"
    assert '<span class="badge stance-denies">Denies</span>' in part
    assert f"confidence {suggestion.stance_confidence:.2f}" in part
    assert "<mark>qingdao</mark>" in part.lower()
    # The lead is text: escaped like anything fetched.
    assert "&lt;b&gt;no&lt;/b&gt;" in part and "<b>no</b>" not in part
    assert '<option value="denies" selected>' in part
    assert f'action="{link_url(suggestion)}"' in part
    assert f'action="{dismiss_url(suggestion)}"' in part


def test_it_links_with_the_suggested_stance_and_the_timeline_says_it_was_taken(
    analyst_client, suggestion
):
    response = analyst_client.post(link_url(suggestion), {"stance": "denies"}, **HTMX)
    assert response.status_code == 200
    assert set(json.loads(response["HX-Trigger"])) == {"claim-changed", "evidence-changed"}
    body = response.content.decode()
    assert "Linked “No Singh-Asif meeting" in body and "(0)" in body
    evidence = Evidence.objects.get(claim=suggestion.claim)
    assert evidence.stance == "denies" and evidence.source.url == suggestion.article.url
    suggestion.refresh_from_db()
    assert suggestion.state == "linked" and suggestion.evidence == evidence
    event = ClaimEvent.objects.get(claim=suggestion.claim, kind="evidence_added")
    assert event.payload["suggested"]["stance"] == "denies"
    assert event.payload["suggested"]["taken"] is True
    page = analyst_client.get(suggestion.claim.get_absolute_url()).content.decode()
    assert "Suggested source, its suggested stance taken" in page
    # Linked once: a second try is told so and changes nothing.
    again = analyst_client.post(link_url(suggestion), {"stance": "denies"}, **HTMX)
    assert again.status_code == 409 and "already linked" in again.content.decode()
    assert Evidence.objects.filter(claim=suggestion.claim).count() == 1


def test_it_records_that_the_person_changed_the_stance(analyst_client, suggestion):
    analyst_client.post(link_url(suggestion), {"stance": "neutral"}, **HTMX)
    event = ClaimEvent.objects.get(claim=suggestion.claim, kind="evidence_added")
    assert event.payload["stance"] == "neutral"
    assert event.payload["suggested"] == {
        "stance": "denies",
        "confidence": suggestion.stance_confidence,
        "score": round(suggestion.score, 3),
        "taken": False,
    }
    page = analyst_client.get(suggestion.claim.get_absolute_url()).content.decode()
    assert "Suggested source, stance changed from the suggested denies" in page


def test_it_links_and_dismisses_without_javascript(analyst_client, suggestion):
    response = analyst_client.post(link_url(suggestion), {"stance": "supports"})
    assert response.status_code == 302
    assert response["Location"] == suggestion.claim.get_absolute_url() + "#suggestions"
    page = analyst_client.get(response["Location"]).content.decode()
    assert "Linked “No Singh-Asif meeting" in page
    assert Evidence.objects.get(claim=suggestion.claim).stance == "supports"
    # A stance that is not one: said so, nothing linked twice.
    bad = analyst_client.post(link_url(suggestion), {"stance": "maybe"}, **HTMX)
    assert bad.status_code == 422 and "Choose a stance" in bad.content.decode()


def test_it_remembers_a_dismissal_after_a_rematch(analyst_client, suggestion):
    response = analyst_client.post(dismiss_url(suggestion), **HTMX)
    assert response.status_code == 200 and "HX-Trigger" not in response
    assert "not be suggested for this claim again" in response.content.decode()
    assert TITLE not in response.content.decode().split("</p>", 2)[-1]
    services.suggestions_make(articles=[suggestion.article])  # the article matched again
    assert Suggestion.objects.get(pk=suggestion.pk).state == "dismissed"
    page = analyst_client.get(suggestion.claim.get_absolute_url()).content.decode()
    assert TITLE not in page and "None waiting" in page
    assert not Evidence.objects.exists()
    assert not ClaimEvent.objects.filter(kind="evidence_added").exists()


def test_it_hides_and_never_makes_a_suggestion_of_an_article_the_claim_cites(
    analyst_client, analyst, suggestion
):
    claim_services.evidence_add(
        claim=suggestion.claim, url=suggestion.article.url, stance="denies", actor=analyst
    )
    assert selectors.claim_suggestions(suggestion.claim) == []
    Suggestion.objects.all().delete()
    assert services.suggestions_make(articles=[suggestion.article]) == []


def test_it_lets_a_viewer_read_but_not_link_or_dismiss(client, viewer, suggestion):
    client.force_login(viewer)
    page = client.get(suggestion.claim.get_absolute_url()).content.decode()
    assert TITLE in page and "Suggested stance" in page
    assert link_url(suggestion) not in page and dismiss_url(suggestion) not in page
    assert client.post(link_url(suggestion), {"stance": "denies"}).status_code == 403
    assert client.post(dismiss_url(suggestion)).status_code == 403
    assert Suggestion.objects.get(pk=suggestion.pk).state == "open"
    assert not Evidence.objects.exists()


def test_it_refuses_outsiders_and_other_claims_suggestions(
    outsider, analyst_client, suggestion, claim
):
    client = Client()
    assert client.post(link_url(suggestion), {"stance": "denies"}).status_code == 302  # log in
    client.force_login(outsider)
    assert client.post(link_url(suggestion), {"stance": "denies"}).status_code == 403
    assert client.post(dismiss_url(suggestion)).status_code == 403
    elsewhere = reverse("discovery:suggestion_link", args=[claim.code, suggestion.code])
    assert analyst_client.post(elsewhere, {"stance": "denies"}).status_code == 404
    elsewhere = reverse("discovery:suggestion_dismiss", args=[claim.code, suggestion.code])
    assert analyst_client.post(elsewhere).status_code == 404
    assert analyst_client.get(link_url(suggestion)).status_code == 405
    assert Suggestion.objects.get(pk=suggestion.pk).state == "open"


def test_it_lists_the_claims_with_suggestions_on_the_review_queue(
    analyst_client, analyst, suggestion, django_assert_num_queries
):
    page = analyst_client.get(reverse("claims:review")).content.decode()
    part = page[page.index('id="suggested"') :]
    assert 'Claims with suggested sources <span class="muted">(1)</span>' in part
    assert f'href="{suggestion.claim.get_absolute_url()}#suggestions"' in part
    assert "1 suggested source," in part
    with django_assert_num_queries(2):
        assert [c.pk for c in selectors.claims_with_suggestions()] == [suggestion.claim_id]
    # "My claims": only those assigned to the user.
    mine = analyst_client.get(reverse("claims:review") + "?mine=on").content.decode()
    assert 'Claims with suggested sources <span class="muted">(0)</span>' in mine
    services.suggestion_dismiss(suggestion=suggestion, actor=analyst)
    page = analyst_client.get(reverse("claims:review")).content.decode()
    assert "No suggested source is waiting." in page
