"""Editing a claim, commenting on its timeline and merging a duplicate."""

import pytest
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimEvent, Evidence

pytestmark = pytest.mark.django_db


def test_it_edits_a_claim_and_keeps_before_and_after(analyst_client, claim):
    response = analyst_client.post(
        reverse("claims:edit", args=[claim.code]),
        {
            "statement": "The ministers will not meet.",
            "context": claim.context,
            "claimant": "<b>Turkish</b> media",
            "tags": "sco, defence",
            "version": claim.version,
        },
    )
    assert response.status_code == 302
    event = ClaimEvent.objects.get(kind="edited")
    assert event.payload["after"]["statement"] == "The ministers will not meet."
    assert event.payload["after"]["claimant"] == "<b>Turkish</b> media"
    page = analyst_client.get(claim.get_absolute_url()).content.decode()
    assert '<td class="after">The ministers will not meet.</td>' in page
    assert "Claimed by &lt;b&gt;Turkish&lt;/b&gt; media" in page


def test_it_answers_a_stale_edit_with_409_and_keeps_the_text(analyst_client, claim, editor):
    stale_version = claim.version
    services.claim_update(
        claim=claim, expected_version=claim.version, statement="Changed meanwhile", actor=editor
    )
    response = analyst_client.post(
        reverse("claims:edit", args=[claim.code]),
        {"statement": "My edit", "version": stale_version},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Changed meanwhile" in body
    assert "My edit</textarea>" in body


def test_it_adds_a_comment_to_the_timeline(analyst_client, claim, htmx):
    response = analyst_client.post(
        reverse("claims:comment", args=[claim.code]), {"text": "Checking"}, headers=htmx("timeline")
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section id="timeline"')
    assert "Checking" in response.content.decode()
    assert ClaimEvent.objects.filter(kind="comment", payload__text="Checking").exists()


def test_it_refuses_an_empty_comment(analyst_client, claim):
    response = analyst_client.post(reverse("claims:comment", args=[claim.code]), {"text": " "})
    assert response.status_code == 422
    assert "Write something to comment." in response.content.decode()


def test_it_merges_a_duplicate_and_the_old_code_redirects(editor_client, make_claims):
    keep, dup = make_claims(2, evidence=2)
    response = editor_client.post(
        reverse("claims:merge", args=[dup.code]), {"target": f"http://x/claims/{keep.code}/"}
    )
    assert response.status_code == 302
    assert response["Location"] == keep.get_absolute_url()
    assert Evidence.objects.filter(claim=keep).count() == 4
    assert editor_client.get(dup.get_absolute_url())["Location"] == keep.get_absolute_url()


def test_it_suggests_merge_targets(editor_client, make_claims):
    keep, dup = make_claims(2)
    body = editor_client.get(reverse("claims:merge", args=[dup.code])).content.decode()
    assert f'value="{keep.code}"' in body


def test_it_refuses_a_bad_merge_target(editor_client, claim):
    response = editor_client.post(
        reverse("claims:merge", args=[claim.code]), {"target": str(claim.code)}
    )
    assert response.status_code == 422
    assert "A claim cannot be merged into itself." in response.content.decode()
    response = editor_client.post(reverse("claims:merge", args=[claim.code]), {"target": "nope"})
    assert "Paste the link or the code of a claim." in response.content.decode()


def test_it_refuses_an_analyst_merging(analyst_client, make_claims):
    keep, dup = make_claims(2)
    url = reverse("claims:merge", args=[dup.code])
    assert analyst_client.get(url).status_code == 403
    assert analyst_client.post(url, {"target": str(keep.code)}).status_code == 403
    assert Claim.objects.get(pk=dup.pk).merged_into is None
