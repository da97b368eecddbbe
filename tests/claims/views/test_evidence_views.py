"""Linking a source inline, changing its stance, quote and note, removing and reviewing it."""

import pytest
from django.urls import reverse

from claims.models import ClaimEvent, Evidence
from sources.models import Outlet, Source

pytestmark = pytest.mark.django_db


def add_url(claim) -> str:
    return reverse("claims:evidence_add", args=[claim.code])


def ev_url(name, evidence) -> str:
    return reverse(f"claims:{name}", args=[evidence.claim.code, evidence.source.code])


@pytest.fixture
def evidence(claim, analyst):
    from claims import services

    return services.evidence_add(
        claim=claim,
        url="https://www.dawn.com/news/1",
        stance="supports",
        quote="First quote",
        actor=analyst,
    )


def test_it_links_a_source_and_answers_htmx_with_the_evidence_section(analyst_client, claim, htmx):
    response = analyst_client.post(
        add_url(claim),
        {"url": "https://www.dawn.com/news/1?utm_source=x", "stance": "denies", "quote": "No."},
        headers=htmx("evidence"),
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section id="evidence"')
    assert response["HX-Trigger"] == '{"claim-changed": {}}'
    evidence = Evidence.objects.select_related("source__outlet").get(claim=claim)
    assert (evidence.stance, evidence.quote) == ("denies", "No.")
    assert evidence.source.url == "https://www.dawn.com/news/1"
    assert evidence.source.outlet.domain == "dawn.com"
    assert ClaimEvent.objects.filter(claim=claim, kind="evidence_added").exists()


def test_it_links_without_javascript_and_redirects_to_the_claim(analyst_client, claim):
    response = analyst_client.post(
        add_url(claim), {"url": "https://example.com/a", "stance": "neutral"}
    )
    assert response.status_code == 302
    assert response["Location"] == claim.get_absolute_url()


def test_it_matches_the_outlet_by_domain_and_reuses_a_known_source(
    analyst_client, analyst, claim, make_claims
):
    outlet = Outlet.objects.create(name="Dawn", domain="dawn.com", reliability="B")
    (other,) = make_claims(1, evidence=0)
    for target in (claim, other):
        analyst_client.post(
            add_url(target), {"url": "https://www.dawn.com/news/1#top", "stance": "supports"}
        )
    assert Source.objects.count() == 1
    assert Source.objects.get().outlet == outlet
    assert Evidence.objects.count() == 2


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "Only http and https URLs can be sources."),
        ("ftp://example.com/file", "Only http and https URLs can be sources."),
        ("http://10.0.0.1/admin", "This URL cannot be monitored"),
        ("http://169.254.169.254/latest/meta-data", "This URL cannot be monitored"),
    ],
)
def test_it_refuses_a_url_that_cannot_be_a_source(
    analyst_client, claim, htmx, url, message, settings
):
    settings.FETCH_ALLOW_PRIVATE = False
    response = analyst_client.post(
        add_url(claim),
        {"url": url, "stance": "supports", "quote": "What I typed"},
        headers=htmx("evidence"),
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert "What I typed" in body  # kept
    assert 'id="id_url_error"' in body
    assert not Evidence.objects.exists()


def test_it_refuses_a_source_linked_twice(analyst_client, evidence):
    response = analyst_client.post(
        add_url(evidence.claim), {"url": "https://www.dawn.com/news/1?fbclid=1", "stance": "denies"}
    )
    assert response.status_code == 422
    assert "already linked" in response.content.decode()


def test_it_asks_for_a_stance(analyst_client, claim):
    response = analyst_client.post(add_url(claim), {"url": "https://example.com/a"})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_it_changes_a_stance_in_place(analyst_client, evidence, htmx):
    response = analyst_client.post(
        ev_url("evidence_update", evidence), {"stance": "denies"}, headers=htmx("evidence")
    )
    assert response.status_code == 200
    evidence.refresh_from_db()
    assert (evidence.stance, evidence.quote) == ("denies", "First quote")
    event = ClaimEvent.objects.get(kind="evidence_restanced")
    assert event.payload["before"] == {"stance": "supports"}


def test_it_edits_the_quote_and_note(analyst_client, evidence):
    response = analyst_client.post(
        ev_url("evidence_update", evidence), {"quote": "Second quote", "note": "Checked"}
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert (evidence.stance, evidence.quote, evidence.note) == (
        "supports",
        "Second quote",
        "Checked",
    )


def test_it_lets_an_editor_remove_evidence(editor_client, evidence, htmx):
    response = editor_client.post(
        ev_url("evidence_remove", evidence), {"reason": "Wrong story"}, headers=htmx()
    )
    assert response.status_code == 200
    assert not Evidence.objects.exists()
    assert ClaimEvent.objects.get(kind="evidence_removed").payload["reason"] == "Wrong story"


def test_it_refuses_an_analyst_removing_evidence(analyst_client, evidence):
    response = analyst_client.post(ev_url("evidence_remove", evidence))
    assert response.status_code == 403
    assert Evidence.objects.exists()


def test_it_marks_evidence_reviewed_on_the_claim_page(analyst_client, evidence):
    Evidence.objects.update(needs_review=True)
    response = analyst_client.post(ev_url("evidence_review", evidence))
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert not evidence.needs_review
    assert ClaimEvent.objects.filter(kind="evidence_reviewed").exists()


def test_it_answers_404_for_evidence_of_another_claim(analyst_client, evidence, make_claims):
    (other,) = make_claims(1, evidence=0)
    url = reverse("claims:evidence_update", args=[other.code, evidence.source.code])
    assert analyst_client.post(url, {"stance": "denies"}).status_code == 404


def test_it_refuses_to_change_a_merged_claim(analyst_client, editor, evidence, make_claims):
    from claims import services

    (target,) = make_claims(1, evidence=0)
    services.claim_merge(duplicate=evidence.claim, target=target, actor=editor)
    response = analyst_client.post(
        add_url(evidence.claim), {"url": "https://example.com/b", "stance": "supports"}
    )
    assert response.status_code == 404
