"""Issue 9 in Chromium: what a fact-checker sees without reloading the page.

- Refresh now after a source changed its headline: the evidence card shows the new
  headline with what it was and "Needs review", and the timeline the change (items 2, 4).
- Refresh now on a failing source: the badge says that it failed and why (item 3).
- A 5,000-character statement: refused with a message, every character kept (item 5).
- A near-certain duplicate: ranked first while typing, asked about before saving (item 8).
- Every page in every state and role, with no console error or CSP violation, written as
  screenshots to CLAIMWATCH_SCREENSHOTS when it is set (docs/screenshots come from it).
"""

import threading

import pytest
from playwright.sync_api import expect

from claims import services
from claims.models import Claim, ClaimEvent
from monitoring.checks import check_batch
from monitoring.services import source_check_soon
from sources.models import Source

from ..monitoring.test_worker import wait_for
from ..sites import article
from .test_claim_flows import shots_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(*sources) -> None:
    """Run the real check; in a thread, as Playwright's loop runs in this one."""
    thread = threading.Thread(target=check_batch, args=([s.pk for s in sources],))
    thread.start()
    thread.join()


def test_refresh_now_updates_every_part_the_change_touches(
    browser_user, worker, site, make_user, tmp_path
):
    analyst = make_user("ana", "Analysts")
    claim = services.claim_create(statement="The ministers will meet in Qingdao.", actor=analyst)
    url = site.set("/news/story", article("Ministers to meet"))
    evidence = services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    # Linking asked for the first check (claims.signals.evidence_linked): none is left to ask.
    assert not source_check_soon(source=evidence.source)
    wait_for(lambda: not Source.objects.get(pk=evidence.source_id).check_pending, "first check")

    page = browser_user(analyst)
    page.goto(claim.get_absolute_url())
    card = page.locator(f"#ev-{evidence.source.code}")
    expect(card.locator(".source-title a").first).to_have_text("Ministers to meet")

    site.set("/news/story", article("No meeting planned, ministry says"))
    card.get_by_role("button", name="Refresh now").click()
    card = page.locator(f"#ev-{evidence.source.code}")
    expect(card.locator(".badge.review")).to_have_text("Needs review", timeout=60_000)
    expect(card.locator(".source-title a").first).to_have_text("Ministers to meet")
    expect(card.locator(".now")).to_contain_text("now: “No meeting planned, ministry says”")
    expect(page.locator("#timeline .event.kind-source_headline_changed")).to_have_count(1)
    page.screenshot(path=shots_dir(tmp_path) / "claim-page-source-changed.png", full_page=True)


def test_a_failed_refresh_says_why(browser_user, worker, site, make_user, tmp_path):
    analyst = make_user("ana", "Analysts")
    claim = services.claim_create(statement="The ministers will meet in Qingdao.", actor=analyst)
    url = site.set("/news/broken", "down for maintenance", status=503)
    evidence = services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    # The first check, which the link asked for, failed already.
    wait_for(
        lambda: Source.objects.get(pk=evidence.source_id).consecutive_failures == 1,
        "the first check",
    )

    page = browser_user(analyst)
    page.goto(claim.get_absolute_url())
    state = page.locator(f"#state-{evidence.source.code}")
    expect(state.locator(".problem")).to_have_text("Last check failed: HTTP 503")
    state.get_by_role("button", name="Refresh now").click()
    state = page.locator(f"#state-{evidence.source.code}")
    expect(state.locator(".problem")).to_have_text(
        "Failed 2 checks in a row: HTTP 503", timeout=60_000
    )
    page.screenshot(path=shots_dir(tmp_path) / "claim-page-source-failing.png", full_page=True)


def test_an_over_long_statement_is_refused_and_kept(browser_user, analyst, problems):
    problems.allow_status(422)
    statement = ("The two defence ministers will meet at the SCO summit in Qingdao. " * 80)[:5000]
    page = browser_user(analyst)
    page.goto("/claims/new/")
    page.get_by_label("Statement").fill(statement)
    page.get_by_role("button", name="Log the claim").click()
    expect(page.locator("#id_statement_error, .field.invalid .errors").first).to_contain_text(
        "under 1000 characters (it has 5000)"
    )
    assert len(page.get_by_label("Statement").input_value()) == 5000
    assert not Claim.objects.exists()


def test_a_near_duplicate_is_asked_about_before_it_is_saved(browser_user, analyst, problems):
    problems.allow_status(409)
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
    page = browser_user(analyst)
    page.goto("/claims/new/")
    page.get_by_label("Statement").fill(
        "Khawaja Asif and Rajnath Singh will meet at the SCO Defence Ministers' Meeting in Qingdao"
    )
    first = page.locator("#similar li a").first
    expect(first).to_have_text(twin.statement)
    page.get_by_role("button", name="Log the claim").click()
    expect(page.locator(".alert.duplicate")).to_contain_text("This looks like a claim already")
    assert Claim.objects.count() == 2
    page.get_by_role("button", name="Save mine anyway").click()
    expect(page.locator(".message")).to_contain_text("Claim logged.")
    assert Claim.objects.count() == 3


def test_every_page_in_every_state_and_role(
    browser_user, site, make_user, settings, tmp_path, problems
):
    """No page breaks or logs an error for an analyst, an editor or a user in no group, with
    sources in every state and claims in every status; each page is photographed."""
    settings.MONITOR_UNREACHABLE_AFTER = 1
    analyst, editor = make_user("ana", "Analysts"), make_user("eddie", "Editors")
    outsider = make_user("olga")
    claims = {}
    for status in Claim.Status.values:
        claim = services.claim_create(statement=f"A claim that is {status} now.", actor=analyst)
        if status != "unverified":
            claim = services.verdict_set(
                claim=claim, status=status, rationale="Because.", expected_version=1, actor=editor
            )
        claims[status] = claim
    site.set("/live", article("Ministers to meet"))
    site.set("/gone", article("Soon gone"))
    site.set("/broken", "oops", status=503)
    links = {"new": "/never", "live": "/live", "gone": "/gone", "unreachable": "/broken"}
    sources = {}
    for i, (state, path) in enumerate(links.items()):
        stance = ["supports", "denies", "neutral", "supports"][i]
        ev = services.evidence_add(
            claim=claims["unverified"], url=site.url(path), stance=stance, actor=analyst
        )
        sources[state] = ev.source
    check(sources["live"], sources["gone"])
    site.set("/gone", "", status=404)
    check(sources["gone"], sources["unreachable"])
    services.evidence_add(
        claim=claims["confirmed"], url=site.url("/live"), stance="supports", actor=analyst
    )
    services.source_event_record(source=sources["live"], kind=ClaimEvent.Kind.SOURCE_CHANGED)
    outlet = Source.objects.get(pk=sources["live"].pk).outlet

    pages = {
        "claims-list": "/claims/",
        "log-a-claim": "/claims/new/",
        "review-queue": "/claims/review/",
        "sources": "/sources/",
        "outlets": "/outlets/",
        "outlet": outlet.get_absolute_url(),
        "api-token": "/claims/token/",
        "alerts": "/claims/alerts/",
        "guide-import": "/help/import/",
        **{f"claim-{s}": c.get_absolute_url() for s, c in claims.items()},
        **{f"source-{s}": src.get_absolute_url() for s, src in sources.items()},
    }
    for role, user in (("analyst", analyst), ("editor", editor)):
        page = browser_user(user)
        for name, url in pages.items():
            response = page.goto(url)
            assert response.status == 200, (role, name)
            expect(page.locator("main h1").first).to_be_visible()
            page.screenshot(path=shots_dir(tmp_path) / f"{role}-{name}.png", full_page=True)
    problems.allow_status(403)  # the outsider's deliberate refusals
    page = browser_user(outsider)
    response = page.goto(claims["confirmed"].get_absolute_url())
    assert response.status == 403
    expect(page.locator("main h1")).to_have_text("You cannot do this")
    page.screenshot(path=shots_dir(tmp_path) / "outsider-403.png", full_page=True)
