"""Issue 19's journey in a real browser: an analyst links a page as supporting, the outlet
rewrites its headline to say the opposite, the editor decides and publishes. The publish
panel lists the flipped source and asks; once confirmed, the public page shows the source
under Supports with the headline it was linked with and "updated since: <new headline>".

The outlet is the local web site (tests/sites.py); `check_source` reads it as the worker does.
"""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import expect

from claims.models import Claim, ClaimEvent

from ..sites import article
from .test_claim_flows import link_source, shots_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINKED = "Asif and Singh may meet at SCO in Qingdao"
FLIPPED = "Pakistan rules out Asif-Singh meeting at SCO"


def check_source(url: str) -> str:
    """`manage.py check_source URL`, in a thread: Playwright's loop runs in this one."""
    out, errors = io.StringIO(), []

    def run():
        try:
            call_command("check_source", url, stdout=out)
        except Exception as error:  # noqa: BLE001 (re-raised in the test's thread)
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return out.getvalue()


def test_a_flipped_source_is_confirmed_before_publishing_and_shown_as_judged(
    browser_user, claim, analyst, editor, site, problems, tmp_path
):
    url = site.set("/sco-meeting", article(LINKED))

    desk = browser_user(analyst)
    desk.goto(claim.get_absolute_url())
    link_source(desk, url, "Supports", "They may meet.")
    expect(desk.locator(".stance-group.stance-supports .evidence")).to_have_count(1)
    check_source(url)  # the first check: the version the stance was given for

    site.set("/sco-meeting", article(FLIPPED, "Pakistan said no meeting with India was planned."))
    check_source(url)

    page = browser_user(editor)
    page.goto(claim.get_absolute_url())
    page.get_by_text("Set the verdict").click()
    page.get_by_role("combobox", name="Verdict").select_option("denied")
    page.get_by_label("Rationale").fill("Pakistan's Foreign Office ruled the meeting out.")
    page.get_by_role("button", name="Save verdict").click()
    expect(page.locator("#verdict .badge.status-denied")).to_be_visible()

    panel = page.locator("#publishing")
    panel.get_by_role("button", name="Publish", exact=True).click()
    expect(panel.locator(".publish-check")).to_contain_text("Not published yet.")
    item = panel.locator(".check-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Changed since it was judged as supporting")
    expect(item).to_contain_text(f"Headline as judged: “{LINKED}”; now: “{FLIPPED}”")
    assert Claim.objects.get(pk=claim.pk).published_at is None
    page.screenshot(path=shots_dir(tmp_path) / "publish-check.png", full_page=True)

    panel.get_by_role("button", name="Publish anyway").click()
    expect(page.locator("#publishing .badge.published")).to_be_visible()
    event = page.locator("#timeline .event.kind-published")
    expect(event).to_contain_text("Published anyway: 1 item of the publish check confirmed")
    expect(event).to_contain_text(f"“{LINKED}” (then: “{FLIPPED}”)")
    assert claim.events.filter(kind=ClaimEvent.Kind.PUBLISHED).count() == 1

    reader = browser_user(None)
    reader.goto(f"/p/{claim.code}/")
    supports = reader.locator(".stance-group.stance-supports .evidence")
    expect(supports).to_have_count(1)
    expect(supports.locator(".source-title")).to_have_text(LINKED)
    expect(supports.locator(".updated-since")).to_have_text(f"updated since: {FLIPPED}")
    expect(reader.locator(".stance-group.stance-denies .evidence")).to_have_count(0)
    reader.screenshot(path=shots_dir(tmp_path) / "public-updated-since.png", full_page=True)
