"""Setting a verdict: editors only, a rationale is required, a stale form gets 409."""

import pytest
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimEvent

pytestmark = pytest.mark.django_db


def url(claim) -> str:
    return reverse("claims:verdict", args=[claim.code])


def form(claim, **extra) -> dict:
    return {
        "status": "denied",
        "confidence": "high",
        "rationale": "The ministry denied it on record.",
        "version": claim.version,
        **extra,
    }


def test_it_sets_the_verdict_and_answers_htmx_with_the_verdict_section(editor_client, claim, htmx):
    response = editor_client.post(url(claim), form(claim), headers=htmx("verdict"))
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section id="verdict"')
    assert response["HX-Trigger"] == '{"claim-changed": {}}'
    claim.refresh_from_db()
    assert (claim.status, claim.confidence, claim.verdict_by.username) == (
        "denied",
        "high",
        "erin",
    )


def test_it_redirects_without_javascript(editor_client, claim):
    response = editor_client.post(url(claim), form(claim))
    assert response.status_code == 302
    assert response["Location"] == claim.get_absolute_url()


def test_it_refuses_an_analyst_with_a_crafted_post(analyst_client, claim):
    response = analyst_client.post(url(claim), form(claim))
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == "unverified"
    assert not ClaimEvent.objects.filter(kind="verdict_set").exists()


def test_it_refuses_an_analyst_even_with_a_broken_form(analyst_client, claim):
    assert analyst_client.post(url(claim), {"status": "??"}).status_code == 403


def test_it_requires_a_rationale_and_keeps_what_was_typed(editor_client, claim, htmx):
    response = editor_client.post(
        url(claim), form(claim, rationale="  ", status="disputed"), headers=htmx("verdict")
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Say why: a verdict needs a rationale." in body
    assert '<option value="disputed" selected>' in body
    claim.refresh_from_db()
    assert claim.status == "unverified"


def test_it_answers_a_stale_form_with_409_showing_the_current_verdict(
    editor_client, make_user, claim, htmx
):
    stale = form(claim, rationale="My careful reasoning", status="confirmed")
    other = make_user("olga", "Editors")
    services.verdict_set(
        claim=claim,
        status="denied",
        rationale="Olga's reason",
        expected_version=claim.version,
        actor=other,
    )
    response = editor_client.post(url(claim), stale, headers=htmx("verdict"))
    assert response.status_code == 409
    assert response["HX-Trigger"] == '{"claim-changed": {}}'  # the timeline shows it too
    body = response.content.decode()
    assert "Someone else changed the verdict" in body
    assert "Olga&#x27;s reason" in body  # the current verdict
    assert "My careful reasoning</textarea>" in body  # nothing lost of what was typed
    assert '<option value="confirmed" selected>' in body
    claim.refresh_from_db()
    assert claim.status == "denied"
    # The form now carries the current version: submitting again overrides on purpose.
    assert f'name="version" value="{claim.version}"' in body
    again = editor_client.post(url(claim), stale | {"version": claim.version})
    assert again.status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == "confirmed"


def test_it_answers_409_with_the_whole_page_without_javascript(editor_client, claim, make_user):
    stale = form(claim)
    services.verdict_set(
        claim=claim,
        status="confirmed",
        rationale="First",
        expected_version=claim.version,
        actor=make_user("olga", "Editors"),
    )
    response = editor_client.post(url(claim), stale)
    assert response.status_code == 409
    assert "<html" in response.content.decode()


def test_it_marks_the_rationale_as_required(editor_client, claim):
    """Issue 20 item 11: the form says up front that a verdict needs its reason."""
    page = editor_client.get(claim.get_absolute_url()).content.decode()
    label = page.split('for="id_rationale"')[1].split("</label>")[0]
    assert '<span class="req" aria-hidden="true">*</span>' in label


def test_it_fills_the_change_form_with_the_current_rationale(editor_client, claim, make_user):
    """Keeping a verdict (or nudging its confidence) should not mean retyping its reason."""
    services.verdict_set(
        claim=claim,
        status="denied",
        confidence="medium",
        rationale="The ministry said <no> meeting is planned.",
        expected_version=claim.version,
        actor=make_user("olga", "Editors"),
    )
    page = editor_client.get(claim.get_absolute_url()).content.decode()
    textarea = page.split('id="id_rationale"')[1].split("</textarea>")[0]
    assert textarea.endswith(">\nThe ministry said &lt;no&gt; meeting is planned.")
