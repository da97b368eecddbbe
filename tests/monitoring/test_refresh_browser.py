"""In Chromium, against a real worker: "Refresh now" on the claim page queues a check, the
badge polls until the result is in, then stops; the change is on the timeline."""

import pytest

from claims import services as claim_services
from claims.models import ClaimEvent
from monitoring.services import source_check_soon
from sources.models import Snapshot, Source
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    browser_user,
    chromium,
    plain_static_names,
    problems,
)

from ..sites import article
from .test_worker import wait_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("keep_groups"),
]


def test_it_refreshes_a_source_from_the_claim_page(
    browser_user,  # noqa: F811 (the fixture imported above)
    worker,
    site,
    make_user,
):
    analyst = make_user("ana", "Analysts")
    claim = claim_services.claim_create(statement="The ministers will meet.", actor=analyst)
    url = site.set("/news/refresh", article("Ministers to meet"))
    # The first check is asked for by the link itself, and done by the worker.
    evidence = claim_services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    # Linking asked for the first check (claims.signals.evidence_linked): none is left to ask.
    assert not source_check_soon(source=evidence.source)
    wait_for(lambda: Snapshot.objects.filter(source=evidence.source).exists(), "the first check")
    wait_for(
        lambda: Source.objects.get(pk=evidence.source_id).check_pending is False,
        "the first check to finish",
    )

    page = browser_user(analyst)
    page.goto(claim.get_absolute_url())
    state = page.locator(f"#state-{evidence.source.code}")
    assert state.locator(".badge.state-live").is_visible()
    assert state.get_attribute("hx-trigger") is None  # nothing pending: no polling

    site.set("/news/refresh", article("No meeting planned, ministry says"))
    state.get_by_role("button", name="Refresh now").click()
    # The badge polls (every 2 s) until the worker has checked, then stops (HTTP 286).
    page.locator(f"#state-{evidence.source.code} .badge.state-changed").wait_for(timeout=60_000)
    state = page.locator(f"#state-{evidence.source.code}")
    assert state.locator(".checking").count() == 0
    assert state.get_attribute("hx-trigger") is None
    assert claim.events.filter(kind=ClaimEvent.Kind.SOURCE_HEADLINE_CHANGED).count() == 1

    page.reload()
    event = page.locator("#timeline li.event.kind-source_headline_changed")
    assert event.count() == 1
    assert "No meeting planned, ministry says" in event.inner_text()
    assert page.get_by_text("Needs review").first.is_visible()
