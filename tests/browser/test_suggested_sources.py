"""Issue 21: the demo's new report arrives as a suggested source of the meeting claim, with
its stance; Link makes it evidence and the timeline says the suggestion was taken.

The demo pages run as bin/start runs them (the new article at once instead of after a
minute); the feed is polled here as beat's task would (no Celery worker runs here), in a
thread of its own: Playwright's sync API keeps an event loop running in this one."""

import os
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import expect

from claims.management.commands.seed_demo import MEETING
from claims.models import Claim, ClaimEvent
from discovery import polling
from discovery.models import Suggestion
from sources.demo import NEW_ARTICLE
from sources.management.commands.demo_pages import Pages, make_handler
from sources.models import Feed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TITLE = NEW_ARTICLE["title"]


def poll(feed_ids: list[int]) -> polling.PollReport:
    done = {}

    def run():
        try:
            done["report"] = polling.poll_batch(feed_ids)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return done["report"]


@pytest.fixture
def demo_pages(tmp_path, settings):
    handler = make_handler(Pages(tmp_path / "pages"), new_article_after=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"127.0.0.1:{server.server_address[1]}"
    settings.FETCH_ALLOW_PRIVATE = False
    settings.FETCH_ALLOW_HOSTS = frozenset({address})
    settings.MONITOR_HOST_GAP_MS = 0
    settings.DISCOVERY_OPEN_DAYS = 3650  # bin/start: the June 2025 story is still matched
    yield address
    server.shutdown()
    server.server_close()


def test_the_new_demo_report_is_suggested_and_linked_with_its_stance(
    browser_user, analyst, demo_pages, tmp_path
):
    call_command("seed_demo", pages_url=f"http://{demo_pages}", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert poll([Feed.objects.get().pk]).suggestions >= 1
    meeting = Claim.objects.get(statement=MEETING)

    page = browser_user(analyst)
    page.goto("/claims/review/")
    queue = page.locator("#suggested")
    expect(queue).to_contain_text("1 suggested source")
    queue.get_by_role("link", name=MEETING).click()

    part = page.locator("#suggestions")
    item = part.locator(".suggestion", has_text=TITLE)
    expect(item).to_contain_text("Hindustan Times")
    expect(item.locator(".suggested-stance .badge")).to_have_text("Denies")
    expect(item.get_by_label("Stance")).to_have_value("denies")
    expect(item.locator(".why")).to_contain_text("Qingdao")
    shots = Path(os.environ.get("CLAIMWATCH_SCREENSHOTS") or tmp_path)
    part.screenshot(path=str(shots / "suggested-sources.png"))

    item.get_by_role("button", name="Link").click()
    expect(part).to_contain_text(f"Linked “{TITLE}” as evidence.")
    expect(part.locator(".suggestion")).to_have_count(0)
    # The evidence panel and the timeline reload themselves.
    denies = page.locator(".stance-group.stance-denies .evidence", has_text=TITLE)
    expect(denies).to_have_count(1)
    event = page.locator("#timeline .event.kind-evidence_added", has_text=TITLE)
    expect(event).to_contain_text("Suggested source, its suggested stance taken")
    event.screenshot(path=str(shots / "suggested-sources-taken.png"))

    suggestion = Suggestion.objects.get(claim=meeting, article__title=TITLE)
    assert suggestion.state == "linked" and suggestion.evidence.stance == "denies"
    payload = ClaimEvent.objects.filter(claim=meeting, kind="evidence_added").latest("id").payload
    assert payload["suggested"]["taken"] is True
