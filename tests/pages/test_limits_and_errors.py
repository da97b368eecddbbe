"""Issue 9, items 5, 7, 8 and 11: nothing typed is cut short; error pages in the site's
layout that say what to do; near-certain duplicates are asked about; small things."""

import pytest
from django.urls import reverse

from claims import services
from claims.models import STATEMENT_MAX, Claim

pytestmark = pytest.mark.django_db
NEW = reverse("claims:new")


def test_it_refuses_an_over_long_statement_and_keeps_it(analyst_client):
    long = ("The two defence ministers will meet at the SCO summit in Qingdao. " * 80)[:5000]
    response = analyst_client.post(NEW, {"statement": long})
    assert response.status_code == 422
    body = response.content.decode()
    assert f"Keep this under {STATEMENT_MAX} characters (it has 5000)." in body
    assert long in body  # every character kept in the form
    assert 'maxlength="' not in body  # the browser cuts nothing either
    assert not Claim.objects.exists()


def test_it_refuses_an_over_long_statement_in_the_api_with_the_same_limit(analyst):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(analyst)
    response = api.post("/api/claims/", {"statement": "x" * (STATEMENT_MAX + 1)}, format="json")
    assert response.status_code == 400
    assert "statement" in response.json()
    ok = api.post("/api/claims/", {"statement": "y" * STATEMENT_MAX}, format="json")
    assert ok.status_code == 201


def test_it_shows_a_404_in_the_site_layout(analyst_client):
    response = analyst_client.get("/claims/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "No such claim." in body and 'aria-label="Main"' in body
    unknown = analyst_client.get("/no/such/page/")
    assert unknown.status_code == 404 and "Resolver404" not in unknown.content.decode()


def test_it_explains_an_editors_act_to_an_analyst(analyst_client, claim):
    response = analyst_client.post(
        reverse("claims:verdict", args=[claim.code]),
        {"status": "denied", "rationale": "r", "version": claim.version},
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "Only editors can set verdicts" in body and 'aria-label="Main"' in body
    page = analyst_client.get(claim.get_absolute_url()).content.decode()
    assert "Editors set the verdict." in page


def test_it_tells_a_user_in_no_group_what_to_ask_for(client, outsider):
    client.force_login(outsider)
    body = client.get(reverse("claims:list")).content.decode()
    assert "neither the Analysts nor the Editors group" in body


def test_it_ranks_the_real_duplicate_first_and_asks_before_saving_it(analyst_client, analyst):
    services.claim_create(
        statement="Pakistan's defence minister will attend the SCO meeting in Qingdao",
        actor=analyst,
    )
    twin = services.claim_create(
        statement=(
            "Pakistan's Defence Minister Khawaja Asif and India's Defence Minister Rajnath "
            "Singh will meet at the SCO Defence Ministers' Meeting in Qingdao."
        ),
        actor=analyst,
    )
    typed = (
        "Khawaja Asif and Rajnath Singh will meet at the SCO Defence Ministers' Meeting in Qingdao"
    )
    similar = analyst_client.get(NEW, {"statement": typed}).context["similar"]
    assert similar[0] == twin
    response = analyst_client.post(NEW, {"statement": typed})
    assert response.status_code == 409
    assert "This looks like a claim already logged" in response.content.decode()
    assert Claim.objects.count() == 2
    saved = analyst_client.post(NEW, {"statement": typed, "save_anyway": "1"})
    assert saved.status_code == 302 and Claim.objects.count() == 3


def test_it_confirms_a_logged_claim_and_warns_of_a_passed_resolve_date(analyst_client):
    response = analyst_client.post(
        NEW,
        {
            "statement": "The ministers met in Qingdao on 26 June.",
            "resolves_at": "2025-06-27T18:00",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Claim logged." in body
    assert "has already passed" in body


def test_it_answers_the_api_root_and_names_watches_in_the_admin(client, admin_user):
    root = client.get("/api/")
    assert root.status_code == 200 and "claims" in root.json()
    client.force_login(admin_user)
    assert "Watches" in client.get("/admin/").content.decode()


def test_it_explains_the_counts_on_the_list(analyst_client, claim):
    body = analyst_client.get(reverse("claims:list")).content.decode()
    assert "supporting" in body and "denying" in body and "neutral" in body


def test_it_links_the_import_guide_as_a_page(editor_client):
    body = editor_client.get(reverse("intake:import")).content.decode()
    assert 'href="/help/import/"' in body and "docs/import.md" not in body
    guide = editor_client.get("/help/import/")
    assert guide.status_code == 200 and "<table>" in guide.content.decode()
    assert editor_client.get("/help/settings/").status_code == 404


def test_it_names_the_act_it_refuses_not_every_act_of_the_permission(analyst_client, claim):
    publish = analyst_client.post(reverse("publishing:publish", args=[claim.code]))
    assert publish.status_code == 403
    assert "Only editors can publish claims." in publish.content.decode()
    imports = analyst_client.get(reverse("intake:import"))
    assert imports.status_code == 403
    body = imports.content.decode()
    assert "Only editors can import spreadsheets." in body
    assert "publish" not in body.split("Only editors can")[1].split(".")[0]


def test_it_says_up_front_that_rewording_a_decided_claim_is_an_editors_act(
    analyst_client, editor, claim
):
    services.verdict_set(
        claim=claim, status="denied", rationale="No.", expected_version=claim.version, actor=editor
    )
    claim.refresh_from_db()
    page = analyst_client.get(reverse("claims:edit", args=[claim.code])).content.decode()
    assert "Only editors can reword a claim that has a verdict." in page
    assert "readonly" in page.split('name="statement"')[1].split(">")[0]
    # The rest of the claim is the analyst's to edit.
    response = analyst_client.post(
        reverse("claims:edit", args=[claim.code]),
        {"statement": claim.statement, "context": "More context", "version": claim.version},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.context == "More context"


def test_it_keeps_a_refused_rewording_and_names_the_rule(analyst_client, editor, claim):
    # The analyst opened the form before the editor decided the claim.
    typed = "The ministers met in Qingdao on 26 June."
    services.verdict_set(
        claim=claim, status="denied", rationale="No.", expected_version=claim.version, actor=editor
    )
    claim.refresh_from_db()
    response = analyst_client.post(
        reverse("claims:edit", args=[claim.code]),
        {"statement": typed, "context": "typed too", "version": claim.version},
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "Only editors can reword a claim that has a verdict." in body
    assert typed in body and "typed too" in body
    assert 'aria-label="Main"' in body  # the form in the site's layout, not a bare 403 page
    claim.refresh_from_db()
    assert claim.statement != typed and claim.context != "typed too"
