"""The public copy of a capture: /p/<code>/captures/<sha256>/ (a banner and the body in a
sandboxed frame) and .../raw/ (the body, inert), for anyone, for a published claim's
judged and current captures only: anything else is 404 for everyone."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.models import Evidence
from monitoring.checks import check_batch
from publishing import public_views
from publishing.services import claim_publish, claim_unpublish
from sources.models import Capture, Snapshot

from ..sites import article
from .test_claimreview_schema import check

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked(claim, analyst, editor, site, capture_dir):
    """A decided claim citing a source that was checked (its capture judged)."""
    url = site.set("/news/1", article("Ministers to meet", "They will meet in Qingdao."))
    evidence = services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    check_batch([evidence.source.pk])
    claim.refresh_from_db()
    return services.verdict_set(
        claim=claim,
        status="denied",
        rationale="No meeting was planned.",
        expected_version=claim.version,
        actor=editor,
    )


@pytest.fixture
def published(checked, editor):
    return claim_publish(claim=checked, actor=editor)


def judged_capture(claim) -> Capture:
    return Evidence.objects.get(claim=claim).judged_snapshot.capture


def urls(claim, sha256: str) -> tuple[str, str]:
    return (
        reverse("public:capture", args=[claim.code, sha256]),
        reverse("public:capture_raw", args=[claim.code, sha256]),
    )


def statuses(client, claim, sha256: str) -> tuple[int, int]:
    page, raw = urls(claim, sha256)
    return client.get(page).status_code, client.get(raw).status_code


def test_it_serves_the_judged_capture_of_a_published_claim_to_anyone(client, published):
    capture = judged_capture(published)
    page_url, raw_url = urls(published, capture.sha256)
    html = client.get(f"/p/{published.code}/").content.decode()
    assert f'<a href="{page_url}">Archived copy</a>' in html

    response = client.get(page_url)
    assert response.status_code == 200
    banner = response.content.decode()
    assert f'Archived copy of <a class="external" href="{capture.url}"' in banner
    assert "by Claimwatch" in banner and "scripts off" in banner
    assert f'<iframe sandbox src="{raw_url}"' in banner
    assert f'href="/p/{published.code}/"' in banner  # back to the claim
    assert capture.sha256 in banner

    raw = client.get(raw_url)
    assert raw.status_code == 200
    assert b"They will meet in Qingdao." in raw.content
    csp = raw["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp and "script-src" not in csp
    assert "frame-ancestors 'self'" in csp
    assert raw["X-Frame-Options"] == "SAMEORIGIN"
    assert raw["X-Content-Type-Options"] == "nosniff"
    # Unpublishing must take it down at once: nothing keeps it in a browser or a proxy.
    assert raw["Cache-Control"] == "public, max-age=0, must-revalidate"


def test_it_answers_404_for_an_unpublished_claim(client, checked):
    assert statuses(client, checked, judged_capture(checked).sha256) == (404, 404)


def test_it_answers_404_after_unpublishing(client, published, editor):
    sha256 = judged_capture(published).sha256
    assert statuses(client, published, sha256) == (200, 200)  # and cached
    published.refresh_from_db()
    claim_unpublish(claim=published, actor=editor)
    assert statuses(client, published, sha256) == (404, 404)


def test_it_answers_404_for_a_capture_of_a_source_the_claim_does_not_cite(
    client, published, analyst, site
):
    other = services.claim_create(statement="Another claim, never published.", actor=analyst)
    url = site.set("/news/2", article("Something else"))
    evidence = services.evidence_add(claim=other, url=url, stance="supports", actor=analyst)
    check_batch([evidence.source.pk])
    foreign = Capture.objects.get(source=evidence.source)
    assert statuses(client, published, foreign.sha256) == (404, 404)
    assert statuses(client, published, "0" * 64) == (404, 404)


def test_it_serves_the_current_capture_and_no_capture_in_between(client, published, site):
    source = Evidence.objects.get(claim=published).source
    site.set("/news/1", article("Ministers will not meet", "The meeting was called off."))
    check_batch([source.pk])
    between = Snapshot.objects.filter(source=source).latest("created_at").capture
    assert statuses(client, published, between.sha256) == (200, 200)  # the current one
    html = client.get(f"/p/{published.code}/").content.decode()
    assert f'<a href="{urls(published, between.sha256)[0]}">archived copy now</a>' in html

    site.set("/news/1", article("Ministers met after all", "They met."))
    check_batch([source.pk])
    # Neither judged nor current any more: not a copy the claim relies on.
    assert statuses(client, published, between.sha256) == (404, 404)
    assert statuses(client, published, judged_capture(published).sha256) == (200, 200)


def test_it_answers_410_with_the_hash_for_a_pruned_capture(client, published):
    capture = judged_capture(published)
    Capture.objects.filter(pk=capture.pk).update(pruned_at=timezone.now())
    page_url, raw_url = urls(published, capture.sha256)
    for url in (page_url, raw_url):
        response = client.get(url)
        assert response.status_code == 410
        assert capture.sha256 in response.content.decode()
    assert "<iframe" not in client.get(page_url).content.decode()


def test_it_gives_the_claimreview_the_archived_copy(client, published, settings):
    html = client.get(f"/p/{published.code}/").content.decode()
    review = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    )
    path = urls(published, judged_capture(published).sha256)[0]
    archived = f"{settings.SITE_URL}{path}"
    assert review["citation"][0]["archivedAt"] == archived
    assert review["itemReviewed"]["appearance"][0]["archivedAt"] == archived
    assert review["itemReviewed"]["firstAppearance"]["archivedAt"] == archived
    assert check(review) == []


def test_it_leaves_archivedat_out_while_the_claim_is_not_published(analyst_client, checked):
    review = analyst_client.get(reverse("publishing:claimreview", args=[checked.code])).json()
    assert "archivedAt" not in json.dumps(review)


def test_the_embed_links_the_archived_copy(client, published, settings):
    html = client.get(f"/p/{published.code}/embed/").content.decode()
    path = urls(published, judged_capture(published).sha256)[0]
    assert f'href="{settings.SITE_URL}{path}"' in html


def test_it_serves_the_banner_from_the_cache(client, published, django_assert_num_queries):
    page_url, raw_url = urls(published, judged_capture(published).sha256)
    client.get(page_url)
    with django_assert_num_queries(0):
        assert client.get(page_url).status_code == 200
    with django_assert_num_queries(1):  # the capture's row: pruned or not, where its body is
        assert client.get(raw_url).status_code == 200


def test_it_counts_capture_requests_against_the_public_limit(
    client, published, settings, monkeypatch
):
    settings.PUBLIC_RATE_LIMIT = 2
    monkeypatch.setattr(public_views, "_now", lambda: 1_800_000_000.0)  # one minute's window
    page_url, raw_url = urls(published, judged_capture(published).sha256)
    assert client.get(page_url).status_code == 200
    assert client.get(raw_url).status_code == 200
    assert client.get(raw_url).status_code == 429
