"""The data pages in a real browser: Swagger UI under the CSP, watching, and an import.

No page may log a console error or a CSP violation (the `problems` fixture checks).
"""

import pytest
from playwright.sync_api import expect

from claims.models import Claim
from desk.models import Watch

from ..intake import spreadsheet_corpus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CSV = (
    "claimId,claimHeadline,claimTruth,url,articleHeadline,articleHeadlineStance\n"
    "c1,The bridge will reopen on Monday,false,https://dawn.com/a,Bridge reopens,for\n"
    "c1,The bridge will reopen on Monday,false,https://dawn.com/a#more,Bridge reopens,for\n"
)


def test_the_api_docs_render_from_our_own_files(browser_user, editor):
    page = browser_user(editor)
    page.goto("/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() >= 15
    expect(page.get_by_text("/api/claims/{code}/verdict/").first).to_be_visible()


def test_an_analyst_watches_a_claim(browser_user, analyst, claim):
    page = browser_user(analyst)
    page.goto(claim.get_absolute_url())
    page.get_by_role("button", name="Watch").click()
    expect(page.get_by_role("button", name="Watching ✓")).to_be_visible()
    assert Watch.objects.filter(user=analyst, claim=claim).exists()
    page.get_by_role("button", name="Watching ✓").click()
    expect(page.get_by_role("button", name="Watch", exact=True)).to_be_visible()
    assert not Watch.objects.exists()


# The worker runs previews and imports; the page polls it (the first job waits for the
# worker to start).
WORKER_TIMEOUT = 30_000


def test_an_editor_previews_and_imports_a_spreadsheet(browser_user, editor, tmp_path, worker):
    upload = tmp_path / "tracker.csv"
    upload.write_text(CSV)
    page = browser_user(editor)
    page.goto("/claims/import/")
    page.get_by_label("Spreadsheet").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("heading", name="Import tracker.csv")).to_be_visible()
    page.get_by_role("button", name="Preview (dry run)").click()
    expect(page.get_by_text("would create 1 claims")).to_be_visible(timeout=WORKER_TIMEOUT)
    expect(page.get_by_text("line 3: the same article as line 2")).to_be_visible()
    assert not Claim.objects.exists()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/claims/", timeout=WORKER_TIMEOUT)
    expect(page.get_by_text("Imported tracker.csv: 2 rows: created 1 claims")).to_be_visible()
    claim = Claim.objects.get(external_id="c1")
    assert claim.status == "denied"
    assert claim.evidence.count() == 1


def test_an_editor_gives_the_date_format_and_sees_the_dates_as_read(
    browser_user, editor, tmp_path, worker
):
    upload = tmp_path / "export.csv"
    upload.write_bytes(spreadsheet_corpus.google_sheets_csv())
    page = browser_user(editor)
    page.goto("/claims/import/")
    page.get_by_label("Spreadsheet").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_text("Read as: CSV, UTF-8, comma separated (detected)")).to_be_visible()
    expect(page.locator("table.parsed").get_by_text("is not an ISO date").first).to_be_visible()
    page.get_by_role("textbox", name="Date format").fill("%m/%d/%y")
    page.get_by_role("button", name="Preview (dry run)").click()
    expect(page.locator("table.parsed time").first).to_have_text("2025-06-24T00:00:00+00:00")
    expect(page.get_by_text("would create 3 claims")).to_be_visible(timeout=WORKER_TIMEOUT)
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/claims/", timeout=WORKER_TIMEOUT)
    assert Claim.objects.get(claimant="Le Matin").first_seen_at.date().isoformat() == "2017-02-03"
