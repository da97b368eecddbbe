"""Playwright (sync API) driving Debian's Chromium against pytest-django's live_server.

Each page records console errors, uncaught exceptions and CSP violations
(`securitypolicyviolation` events); `browser_user` gives a logged-in page and the
test ends by asserting that nothing was recorded on any page it visited.
"""

import os
import shutil
from dataclasses import dataclass, field

import pytest

from ..roles import ensure_roles

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"  # tests/conftest.py make_user
REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 120) : "";
  window.__cwReport(`${e.violatedDirective} blocked ${e.blockedURI} in ${e.sourceFile}: ${where}`);
});
"""


@dataclass
class Problems:
    console: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    # Console lines a test expects, e.g. the 409 of a deliberately stale form.
    expected: list[str] = field(default_factory=list)

    def allow_status(self, status: int) -> None:
        """A test's deliberate error answer: Chrome logs it and the response listener sees it."""
        self.expected += [f"status of {status} (", f"HTTP {status} "]

    def unexpected(self) -> list[str]:
        return [line for line in self.console if not any(e in line for e in self.expected)]


@pytest.fixture(autouse=True)
def roles(transactional_db):
    """Put back the Analysts and Editors groups: a transactional test ends by emptying
    every table, also those that migration claims/0002_groups filled."""
    ensure_roles()


# Module-scoped, not session-scoped: Playwright's sync API keeps an event loop running
# in this thread while it is open, and later tests that call asyncio.run() would fail.
@pytest.fixture(scope="module")
def chromium():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the
    # test itself (fixtures, assertions) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def plain_static_names(settings):
    """The live server serves static files through the finders, which know the plain
    names only, not the hashed names of the production manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def problems():
    found = Problems()
    yield found
    assert found.csp == [], f"CSP violations: {found.csp}"
    assert found.unexpected() == [], f"console errors: {found.unexpected()}"


@pytest.fixture
def browser_user(chromium, live_server, problems):
    """browser_user(user) -> a Playwright page logged in as `user` through the login form;
    browser_user(None) -> an anonymous reader's page on the public index."""
    contexts = []

    def open_as(user, *, width: int = 1280, height: int = 900, javascript: bool = True):
        context = chromium.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if javascript:
            page.expose_function("__cwReport", lambda line: problems.csp.append(line))
            page.add_init_script(REPORT_CSP)
        page.on(
            "console",
            lambda msg: (
                problems.console.append(f"{page.url}: {msg.text}") if msg.type == "error" else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                problems.console.append(f"HTTP {response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        page.on("pageerror", lambda exc: problems.console.append(f"{page.url}: {exc}"))
        if user is None:
            page.goto("/p/")
            return page
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/claims/")
        return page

    yield open_as
    for context in contexts:
        context.close()
