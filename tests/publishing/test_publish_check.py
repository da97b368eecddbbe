"""Issue 19, item 4: the publish check. A claim whose cited sources changed, went away or
need review is not published until an editor confirms what the check found; the
confirmation is on the timeline; the public page, ClaimReview and the card show each
source with the headline it was judged on, and "updated since" where it changed.

Sources are real pages of the local web site (tests/sites.py), checked by the monitor."""

import json
import re

import pytest
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimEvent, Evidence
from monitoring.checks import check_batch
from publishing import exports, selectors
from publishing.services import PublishUnconfirmed, claim_publish

from ..sites import article

pytestmark = pytest.mark.django_db

LINKED = "Ministers may meet at SCO"
FLIPPED = "Pakistan rules out meeting at SCO"


def decide(claim, editor) -> Claim:
    claim.refresh_from_db()
    return services.verdict_set(
        claim=claim,
        status="denied",
        rationale="The Foreign Office ruled it out.",
        expected_version=claim.version,
        actor=editor,
    )


@pytest.fixture
def linked(claim, analyst, site):
    """A supporting source, linked and checked once: judged on its first snapshot."""
    url = site.set("/sco", article(LINKED))
    evidence = services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    check_batch([evidence.source_id])
    return Evidence.objects.get(pk=evidence.pk)


@pytest.fixture
def flipped(claim, editor, linked, site):
    """The supporting source's headline flipped after the link; then the verdict."""
    site.set("/sco", article(FLIPPED, "Pakistan said no meeting with India was planned."))
    check_batch([linked.source_id])
    return decide(claim, editor)


def test_it_finds_nothing_to_stop_a_claim_whose_sources_are_as_judged(
    claim, editor, linked, django_assert_num_queries
):
    claim = decide(claim, editor)
    with django_assert_num_queries(1):
        assert selectors.publish_check(claim) == []
    claim = claim_publish(claim=claim, actor=editor)
    event = claim.events.get(kind=ClaimEvent.Kind.PUBLISHED)
    assert "confirmed" not in event.payload


def test_it_lists_a_flipped_source_with_the_headline_judged_and_now(flipped):
    (item,) = selectors.publish_check(flipped)
    assert item.url.endswith("/sco") and item.stance == "supports"
    assert item.problems == (selectors.NEEDS_REVIEW, selectors.CHANGED)
    assert "Changed since it was judged as supporting" in item.wrong
    assert (item.headline_judged, item.headline_now) == (LINKED, FLIPPED)


def test_it_lets_a_neutral_source_change_once_reviewed(claim, editor, analyst, site):
    url = site.set("/wire", article("Defence ministers gather in Qingdao"))
    evidence = services.evidence_add(claim=claim, url=url, stance="neutral", actor=analyst)
    check_batch([evidence.source_id])
    claim = decide(claim, editor)
    site.set("/wire", article("Defence ministers gather in Qingdao for talks"))
    check_batch([evidence.source_id])
    (item,) = selectors.publish_check(claim)
    assert item.problems == (selectors.NEEDS_REVIEW, selectors.AFTER_VERDICT)
    # Looked at again and the verdict set after: a neutral source may have changed.
    Evidence.objects.filter(pk=evidence.pk).update(needs_review=False)
    claim = decide(claim, editor)
    assert selectors.publish_check(claim) == []


def test_it_lists_a_source_changed_after_the_verdict_until_it_is_decided_again(
    claim, editor, linked, site
):
    claim = decide(claim, editor)
    site.set("/sco", article(FLIPPED))
    check_batch([linked.source_id])
    services.evidence_mark_reviewed(evidence=Evidence.objects.get(pk=linked.pk), actor=editor)
    (item,) = selectors.publish_check(claim)
    assert item.problems == (selectors.AFTER_VERDICT,)
    assert "after the verdict" in item.wrong
    claim.refresh_from_db()
    claim = services.verdict_set(
        claim=claim,
        status="disputed",
        rationale="Reported, then ruled out.",
        expected_version=claim.version,
        actor=editor,
    )
    assert selectors.publish_check(claim) == []


@pytest.mark.parametrize(
    ("status", "problem"), [(404, selectors.GONE), (500, selectors.UNREACHABLE)]
)
def test_it_lists_a_source_gone_or_unreachable(
    claim, editor, linked, site, settings, status, problem
):
    settings.MONITOR_UNREACHABLE_AFTER = 1
    claim = decide(claim, editor)
    site.set("/sco", "down", status=status)
    check_batch([linked.source_id])
    (item,) = selectors.publish_check(claim)
    assert problem in item.problems  # a page gone also asks for a review
    assert item.headline_judged == LINKED


def test_it_publishes_nothing_unconfirmed_and_records_what_was_confirmed(flipped, editor):
    with pytest.raises(PublishUnconfirmed) as refused:
        claim_publish(claim=flipped, actor=editor)
    assert [item.headline_now for item in refused.value.items] == [FLIPPED]
    assert Claim.objects.get(pk=flipped.pk).published_at is None
    assert not flipped.events.filter(kind=ClaimEvent.Kind.PUBLISHED).exists()
    # A confirmation of another list than the one found now is asked again.
    with pytest.raises(PublishUnconfirmed) as again:
        claim_publish(claim=flipped, actor=editor, confirm=True, confirmed="0" * 32)
    assert again.value.changed
    claim = claim_publish(
        claim=flipped, actor=editor, confirm=True, confirmed=refused.value.fingerprint
    )
    assert claim.published_at is not None
    event = claim.events.get(kind=ClaimEvent.Kind.PUBLISHED)
    assert event.actor == editor
    (confirmed,) = event.payload["confirmed"]
    assert confirmed["headline_judged"] == LINKED and confirmed["headline_now"] == FLIPPED
    assert confirmed["problems"] == ["needs_review", "changed_since_judged"]
    # Already published: asking again publishes nothing more and asks nothing.
    claim_publish(claim=Claim.objects.get(pk=claim.pk), actor=editor)
    assert claim.events.filter(kind=ClaimEvent.Kind.PUBLISHED).count() == 1


def test_it_asks_in_the_panel_then_publishes_on_confirm(editor_client, flipped):
    url = reverse("publishing:publish", args=[flipped.code])
    response = editor_client.post(url, headers={"HX-Request": "true", "HX-Target": "publishing"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="publishing"')
    assert "Not published yet." in html and "Publish anyway" in html
    assert LINKED in html and FLIPPED in html
    assert '<input type="hidden" name="confirm" value="1">' in html
    assert Claim.objects.get(pk=flipped.pk).published_at is None
    fingerprint = re.search(r'name="confirmed" value="(\w+)"', html).group(1)

    response = editor_client.post(
        url,
        {"confirm": "1", "confirmed": fingerprint},
        headers={"HX-Request": "true", "HX-Target": "publishing"},
    )
    assert response["HX-Redirect"] == flipped.get_absolute_url()
    assert Claim.objects.get(pk=flipped.pk).published_at is not None
    page = editor_client.get(flipped.get_absolute_url()).content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert "Published anyway: 1 item of the publish check confirmed by erin" in timeline
    assert f"“{LINKED}” (then: “{FLIPPED}”)" in timeline


def test_it_asks_on_a_page_of_its_own_without_javascript(editor_client, flipped):
    url = reverse("publishing:publish", args=[flipped.code])
    response = editor_client.post(url)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Publish this claim?" in html and FLIPPED in html and "Publish anyway" in html
    assert Claim.objects.get(pk=flipped.pk).published_at is None
    response = editor_client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    assert Claim.objects.get(pk=flipped.pk).published_at is not None


def test_it_answers_the_api_409_with_the_items_then_publishes_on_confirm(editor_client, flipped):
    url = reverse("api:claim_detail", args=[flipped.code])
    body = {"version": flipped.version, "published": True}
    response = editor_client.patch(url, body, content_type="application/json")
    assert response.status_code == 409
    (item,) = response.json()["publish_check"]
    assert item["headline_judged"] == LINKED and item["headline_now"] == FLIPPED
    assert item["problems"] == ["needs_review", "changed_since_judged"]
    assert Claim.objects.get(pk=flipped.pk).published_at is None
    response = editor_client.patch(url, {**body, "confirm": True}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["published"] is True
    event = flipped.events.get(kind=ClaimEvent.Kind.PUBLISHED)
    assert event.payload["confirmed"][0]["url"] == item["url"]


def test_it_documents_the_409_and_confirm_in_the_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    patch = schema["paths"]["/api/claims/{code}/"]["patch"]
    assert "409" in patch["responses"]
    body = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][body.rsplit("/", 1)[1]]["properties"]
    assert "confirm" in fields
    assert "publish_check" in schema["components"]["schemas"]["PublishCheck"]["properties"]


def test_it_shows_the_public_the_headline_as_judged_and_updated_since(client, flipped, editor):
    claim_publish(claim=flipped, actor=editor, confirm=True)
    html = client.get(f"/p/{flipped.code}/").content.decode()
    supports = html[html.index('stance-group stance-supports"') : html.index("stance-denies")]
    assert LINKED in supports
    assert re.search(rf"updated since: <span[^>]*>{FLIPPED}</span>", supports)
    review = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    )
    assert review["itemReviewed"]["firstAppearance"]["headline"] == LINKED
    assert [w["headline"] for w in review["citation"]] == [LINKED]
    assert FLIPPED not in json.dumps(review)
    card = client.get(f"/p/{flipped.code}/embed/").content.decode()
    assert LINKED in card and "updated since" in card and FLIPPED not in card


def test_it_gives_claimreview_every_source_as_judged(claim, editor, analyst, linked, site):
    url = site.set("/fo", article("No meeting planned, says Foreign Office"))
    denial = services.evidence_add(claim=claim, url=url, stance="denies", actor=analyst)
    check_batch([denial.source_id])
    site.set("/fo", article("Foreign Office: talks possible"))
    check_batch([denial.source_id])
    review = exports.claim_review(decide(claim, editor))
    assert [w["headline"] for w in review["itemReviewed"]["appearance"]] == [LINKED]
    assert sorted(w["headline"] for w in review["citation"]) == [
        LINKED,
        "No meeting planned, says Foreign Office",
    ]
