"""The day's work in a real browser: log a claim, link sources, set and race verdicts.

No page may log a console error or a CSP violation (the `problems` fixture checks).
Linking does not fetch: no Celery worker runs here, the first check just waits queued.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims import services
from claims.models import Claim, ClaimEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shots_dir(tmp_path) -> Path:
    """docs/screenshots when CLAIMWATCH_SCREENSHOTS names it, else a temporary folder."""
    return Path(os.environ.get("CLAIMWATCH_SCREENSHOTS") or tmp_path)


def link_source(page, url: str, stance: str, quote: str) -> None:
    form = page.locator("details.add-evidence")
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    form.get_by_label("Source URL").fill(url)
    form.get_by_label(stance, exact=True).check()
    form.get_by_label("Quote").fill(quote)
    form.get_by_role("button", name="Link source").click()


def test_an_analyst_logs_a_claim_and_an_editor_decides_it(
    browser_user, analyst, editor, problems, tmp_path
):
    # Chrome logs the deliberate 422 of the refused URL as a failed resource.
    problems.allow_status(422)
    page = browser_user(analyst)

    # Log a claim.
    page.get_by_role("link", name="Log a claim").first.click()
    page.get_by_label("Statement").fill("The SCO summit in Qingdao is postponed to July.")
    page.get_by_label("Context").fill("A post on a news channel's social account.")
    page.get_by_label("Tags").fill("sco, summit")
    page.get_by_role("button", name="Log the claim").click()
    expect(page.locator("h1.statement")).to_have_text(
        "The SCO summit in Qingdao is postponed to July."
    )
    claim = Claim.objects.get()

    # Link a supporting and a denying source, inline.
    link_source(page, "https://www.example.org/news/postponed", "Supports", "It is postponed.")
    expect(page.locator(".stance-group.stance-supports .evidence")).to_have_count(1)
    link_source(page, "https://mofa.example.net/press/no-change", "Denies", "Dates unchanged.")
    expect(page.locator(".stance-group.stance-denies .evidence")).to_have_count(1)
    expect(page.locator(".stance-group.stance-denies blockquote")).to_have_text("Dates unchanged.")
    # The timeline reloads itself after each change (HX-Trigger: claim-changed).
    expect(page.locator("#timeline .event.kind-evidence_added")).to_have_count(2)
    expect(page.locator("#timeline .strip .dot")).to_have_count(2)
    outlet = page.locator(".stance-group.stance-denies .outlet")
    expect(outlet).to_contain_text("mofa.example.net")

    # A private address is refused with a clear message, and what was typed stays.
    link_source(page, "http://169.254.169.254/latest", "Neutral", "Metadata")
    expect(page.locator("#id_url_error")).to_contain_text("cannot be monitored")
    expect(page.get_by_label("Source URL")).to_be_focused()  # static/js/claimwatch.js
    expect(page.get_by_label("Quote").last).to_have_value("Metadata")

    # The analyst has no verdict form, and a crafted POST is refused.
    expect(page.get_by_role("button", name="Save verdict")).to_have_count(0)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    crafted = page.request.post(
        f"/claims/{claim.code}/verdict/",
        form={"status": "confirmed", "rationale": "Trust me", "version": str(claim.version)},
        headers={"X-CSRFToken": token, "Referer": page.url},
    )
    assert crafted.status == 403
    assert Claim.objects.get().status == "unverified"

    # The editor sets the verdict.
    desk = browser_user(editor)
    desk.goto(claim.get_absolute_url())
    desk.get_by_text("Set the verdict").click()
    desk.get_by_role("combobox", name="Verdict").select_option("denied")
    desk.get_by_label("Confidence").select_option("high")
    desk.get_by_label("Rationale").fill("The ministry's statement settles it.")
    events_before = Claim.objects.get().timeline_length
    expect(desk.locator("#publishing")).to_contain_text("can be published once it has a verdict")
    expect(desk.locator("#exports")).not_to_contain_text("ClaimReview")
    desk.get_by_role("button", name="Save verdict").click()
    expect(desk.locator("#verdict .badge.status-denied")).to_be_visible()
    expect(desk.locator("#verdict .rationale")).to_have_text("The ministry's statement settles it.")
    # Every panel the verdict touches follows in place, without a reload (issue 20 item 3).
    expect(desk.locator("#publishing").get_by_role("button", name="Publish")).to_be_visible()
    expect(desk.locator("#publishing")).not_to_contain_text("once it has a verdict")
    expect(desk.locator("#exports")).to_contain_text("ClaimReview")
    expect(desk.locator("#record")).to_contain_text(f"{events_before + 1} events")

    # The timeline tells it all, newest first, with before and after of the verdict.
    expect(desk.locator("#timeline .event.kind-verdict_set")).to_have_count(1)
    kinds = desk.locator("#timeline .event").evaluate_all(
        "items => items.map(li => li.className.match(/kind-(\\S+)/)[1])"
    )
    assert kinds == ["verdict_set", "evidence_added", "evidence_added", "created"]
    verdict_row = desk.locator("#timeline .event.kind-verdict_set .changes tbody tr").first
    expect(verdict_row).to_contain_text("Unverified")
    expect(verdict_row).to_contain_text("Denied")
    expect(desk.locator("#timeline .strip .verdict-line.status-denied")).to_have_count(1)

    # The analyst's page shows it after a reload; the timeline filter narrows it.
    page.reload()
    expect(page.locator("#verdict .badge.status-denied")).to_be_visible()
    page.get_by_label("Show").select_option("verdict_set")
    expect(page.locator("#timeline .event")).to_have_count(1)
    assert "kind=verdict_set" not in page.url  # a fragment swap, the page stays
    page.screenshot(path=shots_dir(tmp_path) / "flow-claim-analyst.png", full_page=True)


def test_two_editors_race_and_the_second_gets_the_conflict(
    browser_user, analyst, editor, make_user, problems, tmp_path
):
    # Chrome logs the deliberate 409 of the stale form as a failed resource.
    problems.allow_status(409)
    claim = services.claim_create(statement="The ministers met in Qingdao.", actor=analyst)
    rival = make_user("olga", "Editors")
    first, second = browser_user(editor), browser_user(rival)
    for page in (first, second):
        page.goto(claim.get_absolute_url())
        page.get_by_text("Set the verdict").click()

    first.get_by_role("combobox", name="Verdict").select_option("confirmed")
    first.get_by_label("Rationale").fill("Both ministries published readouts.")
    first.get_by_role("button", name="Save verdict").click()
    expect(first.locator("#verdict .badge.status-confirmed")).to_be_visible()

    second.get_by_role("combobox", name="Verdict").select_option("denied")
    second.get_by_label("Rationale").fill("No readout mentions a meeting.")
    second.get_by_role("button", name="Save verdict").click()
    # 409: the current verdict is shown and nothing typed is lost.
    expect(second.locator("#verdict .conflict")).to_contain_text("Someone else changed")
    expect(second.locator("#verdict .current-verdict .badge")).to_have_text("Confirmed")
    expect(second.locator("#verdict .rationale")).to_have_text(
        "Both ministries published readouts."
    )
    expect(second.get_by_label("Rationale")).to_have_value("No readout mentions a meeting.")
    expect(second.get_by_role("combobox", name="Verdict")).to_have_value("denied")
    second.screenshot(path=shots_dir(tmp_path) / "verdict-conflict.png", full_page=True)
    assert Claim.objects.get().status == "confirmed"

    # Having seen it, the second editor can override on purpose.
    second.get_by_role("button", name="Save verdict").click()
    expect(second.locator("#verdict .badge.status-denied")).to_be_visible()
    expect(second.locator("#verdict .conflict")).to_have_count(0)
    assert Claim.objects.get().status == "denied"
    assert ClaimEvent.objects.filter(kind="verdict_set").count() == 2


def test_the_main_pages_render_cleanly(browser_user, settings, tmp_path):
    """Demo data through every main page, desktop and phone; screenshots for docs/."""
    from django.contrib.auth import get_user_model

    settings.DEMO_PASSWORD = "correct horse battery"
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    editor = get_user_model().objects.get(username="editor")
    out = shots_dir(tmp_path)
    page = browser_user(editor)
    page.screenshot(path=out / "claims-list.png", full_page=True)

    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.get_by_label("Search").fill("qingd")
    expect(page.locator("#results .claim-row")).to_have_count(3)
    assert "q=qingd" in page.url  # the filtered view is bookmarkable
    page.get_by_label("Sort").select_option("sources")
    expect(page.locator("#results .claim-row").first).to_contain_text("Rajnath Singh will meet")

    page.locator("#results a.statement").first.click()
    expect(page.locator("#evidence .evidence")).to_have_count(4)
    page.screenshot(path=out / "claim-page.png", full_page=True)

    page.get_by_role("link", name="Review", exact=True).click()
    expect(page.locator("h1")).to_have_text("Review queue")
    page.screenshot(path=out / "review-queue.png", full_page=True)
    page.get_by_role("button", name="Mark reviewed").first.click()
    expect(page.locator(".review-item.done")).to_have_count(1)

    page.get_by_role("link", name="Log a claim").click()
    page.get_by_label("Statement").fill("Asif and Singh will meet in Qingdao")
    expect(page.locator("#similar li").first).to_be_visible()
    page.screenshot(path=out / "log-a-claim.png", full_page=True)

    phone = browser_user(editor, width=390, height=844)
    phone.screenshot(path=out / "claims-list-phone.png", full_page=True)
    phone.locator("a.statement").first.click()
    expect(phone.locator("h1.statement")).to_be_visible()
    phone.screenshot(path=out / "claim-page-phone.png", full_page=True)


def test_the_pages_work_without_javascript(browser_user, analyst, problems):
    """Real hrefs and plain POSTs: the same work with JavaScript switched off."""
    problems.allow_status(422)
    claim = services.claim_create(statement="The talks moved to Beijing.", actor=analyst)
    for i in range(55):
        services.comment_add(claim=claim, text=f"Note {i}", actor=analyst)
    page = browser_user(analyst, javascript=False)

    page.get_by_label("Search").fill("beijing")
    page.get_by_role("button", name="Filter").click()
    assert "q=beijing" in page.url
    page.get_by_role("link", name="The talks moved to Beijing.").click()

    link_source(page, "https://www.example.org/beijing", "Supports", "Moved to Beijing.")
    expect(page.locator(".stance-group.stance-supports .evidence")).to_have_count(1)
    link_source(page, "ftp://example.org/file", "Denies", "Kept")
    expect(page.locator("#id_url_error")).to_contain_text("Only http and https")

    page.goto(claim.get_absolute_url())
    page.get_by_role("link", name="Load older events").click()
    expect(page.locator("#timeline .event")).to_have_count(7)  # 5 notes, linked, created
    page.get_by_label("Show").select_option("comment")
    page.get_by_role("button", name="Filter").click()
    assert "kind=comment" in page.url
    expect(page.locator("#timeline .event.kind-comment")).to_have_count(50)


def test_a_very_long_word_wraps_instead_of_widening_the_pages(browser_user, analyst, problems):
    word = "https://example.org/" + "x" * 400
    claim = services.claim_create(statement=f"Pasted: {word} is the source.", actor=analyst)
    page = browser_user(analyst)
    for url in (claim.get_absolute_url(), "/claims/"):
        page.goto(url)
        expect(page.locator("h1").first).to_be_visible()
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], (url, width)
