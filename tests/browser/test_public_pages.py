"""An editor publishes the demo's SCO claim; an anonymous reader sees its public page,
index entry, feed entry and embeddable card, without any comment, note or user name;
unpublishing takes it off all of them. No page may log a CSP violation."""

import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims import services
from claims.management.commands.seed_demo import MEETING
from claims.models import Claim

from .test_claim_flows import shots_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NAMES = re.compile(r"\b(analyst|editor|admin)\b")


def test_an_editor_publishes_the_sco_claim_and_a_reader_sees_it(
    browser_user, settings, problems, tmp_path, live_server
):
    from django.contrib.auth import get_user_model

    settings.DEMO_PASSWORD = "correct horse battery"
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    User = get_user_model()
    editor = User.objects.get(username="editor")
    claim = Claim.objects.get(statement=MEETING)
    # What the desk keeps to itself: a comment, a note and an internal quote.
    services.comment_add(claim=claim, text="Ring the ministry's spokesman again.", actor=editor)
    first, second = claim.evidence.order_by("added_at")[:2]
    services.evidence_update(
        evidence=first, note="Stringer says the AA piece is thin.", actor=editor
    )
    services.evidence_update(evidence=second, quote_internal=True, actor=editor)
    internal_quote = second.quote

    desk = browser_user(editor)
    desk.goto(claim.get_absolute_url())
    # Put the analyst on it (due by default when the claim resolves).
    desk.locator("details.assign summary").click()
    desk.get_by_label("Assign to").select_option("analyst")
    desk.get_by_role("button", name="Assign", exact=True).click()
    expect(desk.locator("#desk .assignee")).to_contain_text("analyst, due 27 Jun 2025")
    expect(desk.locator("header.site .count-pill")).to_have_text("0")  # the editor's own
    desk.locator("#publishing").get_by_role("button", name="Publish").click()
    # The demo's Anadolu report rewrote its headline after it was linked: the publish
    # check lists it and asks (issue 19 item 4).
    listed = desk.locator("#publishing .check-item").first
    expect(listed).to_contain_text("Pakistan and India defence chiefs may meet")
    expect(listed).to_contain_text("Needs review")
    assert Claim.objects.get(pk=claim.pk).published_at is None
    desk.locator("#publishing").get_by_role("button", name="Publish anyway").click()
    expect(desk.locator("#publishing .badge.published")).to_be_visible()
    expect(desk.locator("#timeline .event.kind-published")).to_have_count(1)

    reader = browser_user(None)
    expect(reader.locator("ol.claims .claim-row")).to_have_count(1)
    reader.get_by_role("link", name=MEETING).click()
    expect(reader.locator("h1.statement")).to_have_text(MEETING)
    expect(reader.locator("#verdict .badge")).to_have_text("Denied")
    expect(reader.locator("#evidence .evidence")).to_have_count(claim.evidence.count())
    expect(reader.locator("#corrections .event")).to_have_count(1)
    assert reader.url.endswith(f"/p/{claim.code}/")
    text = reader.locator("body").inner_text()
    assert "Ring the ministry" not in text
    assert "Stringer" not in text
    assert internal_quote not in text
    assert not NAMES.search(reader.content()), NAMES.search(reader.content())
    assert "by the desk" in text
    jsonld = reader.locator('script[type="application/ld+json"]').text_content()
    assert f'"url": "{settings.SITE_URL}/p/{claim.code}/"' in jsonld
    reader.screenshot(path=shots_dir(tmp_path) / "public-claim-page.png", full_page=True)

    # A partner's article frames the card.
    partner = browser_user(None)
    partner.set_content(
        f'<p>Our story</p><iframe src="{live_server.url}/p/{claim.code}/embed/"'
        ' width="420" height="180" title="Claimwatch verdict"></iframe>'
    )
    card = partner.frame_locator("iframe")
    expect(card.locator(".badge")).to_have_text("Denied")
    expect(card.locator(".statement")).to_contain_text("Khawaja Asif")
    partner.screenshot(path=shots_dir(tmp_path) / "public-embed.png")
    desk.screenshot(path=shots_dir(tmp_path) / "claim-page-desk.png", full_page=True)

    feed = reader.request.get("/p/feed/").text()
    assert f"/p/{claim.code}/" in feed and not NAMES.search(feed)

    # Unpublished: gone from the page, the index and the feed.
    desk.get_by_label("Why take it down?").fill("Checking a new statement.")
    desk.get_by_role("button", name="Unpublish").click()
    expect(desk.locator("#publishing .badge.published")).to_have_count(0)
    problems.allow_status(404)
    reader.reload()
    expect(reader.locator("h1")).to_have_text("Not found")
    reader.goto("/p/")
    expect(reader.locator("ol.claims .claim-row")).to_have_count(0)
    assert f"/p/{claim.code}/" not in reader.request.get("/p/feed/").text()
