"""A capture is shown as the page looked, and none of its scripts runs."""

import hashlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sources import captures, fetch
from sources.models import Snapshot, Source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a hostile or merely busy page would do if its scripts ran in our origin.
HOSTILE = b"""<!doctype html><html><head><title>Ministers meet</title>
<script>document.title = "HACKED";</script></head>
<body><p id="original">Ministers will meet in Qingdao.</p>
<script>
  document.getElementById("original").textContent = "HACKED";
  try { parent.document.body.innerHTML = "PWNED"; } catch (e) {}
  try { top.location = "https://example.com/"; } catch (e) {}
  fetch("/claims/").then(() => { document.body.append("FETCHED"); });
</script>
<img src="https://example.com/tracker.gif" alt="">
</body></html>"""


@pytest.fixture
def captured(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "captures": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "captures")},
        },
    }
    url = "https://news.example.org/news/1"
    source = Source.objects.create(url=url, title="Ministers meet")
    # As the guarded fetch returns it (Playwright's event loop rules out asyncio.run here).
    result = fetch.FetchResult(
        url=url,
        status=200,
        content_type="text/html",
        text=HOSTILE.decode(),
        body_hash=hashlib.sha256(HOSTILE).hexdigest(),
        body=HOSTILE,
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Server", "test")],
        request_headers=[("User-Agent", "Claimwatch"), ("Accept", "text/html")],
        reason="OK",
    )
    capture = captures.capture_store(source=source, result=result, fetched_at=timezone.now())
    Snapshot.objects.create(
        source=source,
        title="Ministers meet",
        text="Ministers will meet in Qingdao.",
        content_hash="x",
        http_status=200,
        change_kind=Snapshot.ChangeKind.FIRST,
        capture=capture,
        capture_sha256=capture.sha256,
    )
    return source, capture


def test_the_capture_runs_no_script(browser_user, analyst, captured, problems):
    source, capture = captured
    # Chromium reports what the sandbox and the CSP stopped; that is the point here.
    problems.expected += ["Blocked script execution", "Refused to load", "tracker.gif"]
    page = browser_user(analyst)
    page.goto(source.get_absolute_url())
    frame = page.frame_locator("figure.capture iframe")
    expect(frame.locator("#original")).to_have_text("Ministers will meet in Qingdao.")
    expect(page.locator("h1")).to_be_visible()
    assert "PWNED" not in page.content()
    assert page.url.endswith(source.get_absolute_url())

    # Opened from the source page: a banner says what it is and leads back.
    page.get_by_role("link", name="open the capture").click()
    expect(page.locator(".capture-banner")).to_contain_text(f"Archived copy of {source.url}")
    inner = page.frame_locator("figure.capture iframe")
    expect(inner.locator("#original")).to_have_text("Ministers will meet in Qingdao.")
    page.get_by_role("link", name="Back to the source").click()
    expect(page.locator("h1")).to_have_text("Ministers meet")

    # The body opened on its own is still sandboxed by its CSP.
    page.goto(f"/sources/{source.code}/captures/{capture.sha256}/raw/")
    expect(page.locator("#original")).to_have_text("Ministers will meet in Qingdao.")
    assert page.title() == "Ministers meet"
    assert "FETCHED" not in page.locator("body").inner_text()
    problems.csp.clear()  # the blocked inline scripts and image, reported by the page itself
