"""The import pages at a laptop's width (issue 20 item 8): a long URL wraps inside its
cell, a wide file's table scrolls within its frame instead of running off the page, and a
row whose date fails still shows its other cells. Asserted with the elements' geometry."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# No hyphen, no space: nothing where a browser would break the line of itself.
LONG_URL = "https://www.examplenews.com/" + "x" * 160 + "?id=1"
HEADERS = ["claim", "url", "title", "stance", "date", "verdict"] + [
    f"notes column {n}" for n in range(1, 11)
]
# Where the screenshot goes, to be looked at (CI keeps var/test/).
SCREENSHOTS = Path(os.environ.get("CLAIMWATCH_VAR_DIR", "var/test")) / "screenshots"


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.evaluate(
        """(e) => { const r = e.getBoundingClientRect();
                    return {left: r.left, right: r.right, width: r.width,
                            scrollWidth: e.scrollWidth, clientWidth: e.clientWidth}; }"""
    )


def test_long_urls_wrap_and_wide_tables_scroll_on_the_import_page(browser_user, editor, tmp_path):
    lines = [",".join(HEADERS)]
    for n in range(3):
        lines.append(
            ",".join(
                [f"The minister said thing {n}", LONG_URL + str(n), "Headline", "for", "2/25/17"]
                + ["false"]
                + [f"a note of some length number {m}" for m in range(10)]
            )
        )
    upload = tmp_path / "wide.csv"
    upload.write_text("\n".join(lines) + "\n")
    page = browser_user(editor, width=1280)
    page.goto("/claims/import/")
    page.get_by_label("Spreadsheet").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("heading", name="Import wide.csv")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "import-review.png", full_page=True)

    main = _box(page, "main")
    viewport = page.viewport_size["width"]
    # The page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport

    # The file's own table is wider than the page: its frame scrolls, within the page.
    frame = _box(page, ".table-wrap:has(table.sample)")
    assert frame["right"] <= main["right"] + 0.5
    assert frame["scrollWidth"] > frame["clientWidth"], "the wide table does not scroll"
    last_header = page.locator("table.sample th").last
    page.locator(".table-wrap:has(table.sample)").evaluate(
        "(e) => { e.scrollLeft = e.scrollWidth; }"
    )
    header = last_header.evaluate("(e) => e.getBoundingClientRect().right")
    assert header <= frame["right"] + 0.5, "scrolled to the end, the last column shows"

    # Every cell holds its text: a URL wraps inside its cell in both tables.
    for selector in ("table.sample td", "table.parsed td"):
        overflowing = page.locator(selector).evaluate_all(
            "(cells) => cells.filter((c) => c.scrollWidth > c.clientWidth + 1)"
            ".map((c) => c.textContent.slice(0, 40))"
        )
        assert overflowing == [], f"{selector} cells overflow: {overflowing}"
    parsed = _box(page, ".table-wrap:has(table.parsed)")
    assert parsed["scrollWidth"] <= parsed["clientWidth"], "the parsed rows fit the page"

    # The date fails (no format given), and the row's other cells still show.
    first = page.locator("table.parsed tbody tr").first
    expect(first.locator("td").nth(1)).to_have_text("The minister said thing 0")
    expect(first.locator("td").nth(3)).to_contain_text("https://www.examplenews.com/xxx")
    expect(first.locator("td").nth(4)).to_have_text("supports")
    expect(first.locator("td").last).to_contain_text("is not an ISO date")
