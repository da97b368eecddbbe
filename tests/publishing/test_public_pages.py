"""The public side: /p/<code>/, the index /p/, the feed /p/feed/, the card /p/<code>/embed/.

Anonymous readers (no login), only published claims, served from the cache and emptied
on every change, rate-limited, and safe in a browser (no script, CSP intact).
"""

import json
import re
import uuid

import pytest
from django.urls import reverse

from claims import services
from claims.models import ClaimEvent
from publishing import public_views
from publishing.services import claim_publish, claim_unpublish
from tests.hostile import XSS

pytestmark = pytest.mark.django_db


def page(client, claim):
    response = client.get(f"/p/{claim.code}/")
    return response, response.content.decode()


def test_it_shows_a_published_claim_to_anyone(client, published):
    response, html = page(client, published)
    assert response.status_code == 200
    assert published.statement in html
    assert "Denied" in html
    assert "The Foreign Office said no meeting was planned." in html
    assert "Defence chiefs may meet in Qingdao" in html  # the source's current headline
    assert "https://www.aa.com.tr/en/report" in html
    assert "They may meet." in html  # a quote not marked internal
    assert "by the desk" in html
    assert not re.search(r"\b(erin|alice)\b", html)  # the editor and the analyst


def test_it_answers_404_for_an_unpublished_or_unknown_claim(client, decided):
    assert client.get(f"/p/{decided.code}/").status_code == 404
    assert client.get(f"/p/{uuid.uuid4()}/").status_code == 404
    assert client.get(f"/p/{decided.code}/embed/").status_code == 404


def test_it_needs_no_login_even_with_the_site_behind_one(client, published):
    # The desk's page of the same claim still asks for a login.
    assert client.get(published.get_absolute_url()).status_code == 302
    assert client.get(f"/p/{published.code}/").status_code == 200
    assert client.get("/p/").status_code == 200
    assert client.get("/p/feed/").status_code == 200


def test_it_embeds_the_claimreview_pointing_at_the_public_page(client, published, settings):
    _, html = page(client, published)
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    review = json.loads(match.group(1))
    assert review["@type"] == "ClaimReview"
    assert review["url"] == f"{settings.SITE_URL}/p/{published.code}/"
    assert review["reviewRating"]["alternateName"] == "Denied"


def test_it_points_the_desk_claimreview_at_the_public_page_once_published(
    analyst_client, published
):
    url = reverse("publishing:claimreview", args=[published.code])
    assert analyst_client.get(url).json()["url"].endswith(f"/p/{published.code}/")


def test_it_lists_the_correction_history_with_dates(client, published, editor):
    published.refresh_from_db()
    services.verdict_set(
        claim=published,
        status="disputed",
        rationale="A second statement muddied it.",
        expected_version=published.version,
        actor=editor,
    )
    _, html = page(client, published)
    history = html.split('id="corrections"')[1]
    assert history.count('class="event"') == 2
    assert "changed from" in history
    assert "A second statement muddied it." in history
    assert "The Foreign Office said no meeting was planned." in history


def test_it_says_a_verdict_kept_with_new_reasons_is_no_change_of_verdict(
    client, analyst_client, published, editor
):
    published.refresh_from_db()
    services.verdict_set(
        claim=published,
        status=published.status,
        confidence="high",
        rationale="Both ministries said so on the record.",
        expected_version=published.version,
        actor=editor,
    )
    _, html = page(client, published)
    latest = html.split('id="corrections"')[1].split('class="event"')[-1]
    assert "reasons updated, still" in latest and "changed from" not in latest
    # The desk's timeline shows what changed, not the status sent again unchanged.
    timeline = analyst_client.get(published.get_absolute_url()).content.decode()
    event = timeline.split("kind-verdict_set")[1].split("</li>")[0]
    assert "Rationale" in event and ">Status<" not in event


def test_it_keeps_internal_quotes_notes_and_comments_off_the_page(client, published, editor):
    services.evidence_add(
        claim=published,
        url="https://example.org/off-record",
        stance="denies",
        quote="Off the record: no meeting.",
        quote_internal=True,
        note="Call the ministry back on Monday.",
        actor=editor,
    )
    services.comment_add(claim=published, text="Our stringer doubts it.", actor=editor)
    _, html = page(client, published)
    assert "https://example.org/off-record" in html  # the source itself is public
    assert "Off the record" not in html
    assert "Call the ministry" not in html
    assert "stringer" not in html


def test_it_renders_no_script_no_token_and_keeps_the_csp(client, published):
    response, html = page(client, published)
    assert "<script" not in html.replace('<script type="application/ld+json">', "")
    assert "csrfmiddlewaretoken" not in html and "X-CSRFToken" not in html
    assert "nonce" not in html
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert "Set-Cookie" not in response.headers


def test_it_lets_partners_frame_the_card_only(client, published):
    response = client.get(f"/p/{published.code}/embed/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script" not in html
    assert "Denied" in html and published.statement[:40] in html
    assert f'href="http://127.0.0.1:8000/p/{published.code}/"' in html
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_it_searches_the_index(client, published, make_user):
    response = client.get("/p/")
    assert published.statement in response.content.decode()
    assert published.statement in client.get("/p/?q=defence+SUMMIT").content.decode()
    html = client.get("/p/?q=qingdao-nothing").content.decode()
    assert published.statement not in html
    assert "No published claim matches" in html


def test_it_finds_nothing_through_internal_text(client, published, editor):
    services.evidence_add(
        claim=published,
        url="https://example.org/off-record",
        stance="denies",
        quote="zanzibar",
        quote_internal=True,
        note="zanzibar",
        actor=editor,
    )
    assert published.statement not in client.get("/p/?q=zanzibar").content.decode()


def test_it_feeds_publications(client, published):
    response = client.get("/p/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    xml = response.content.decode()
    assert f"/p/{published.code}/" in xml
    assert "Denied: " in xml
    assert not re.search(r"\berin\b", xml)


def test_it_takes_an_unpublished_claim_off_the_page_index_and_feed(client, published, editor):
    # Read everything once, so each is in the cache.
    for url in (f"/p/{published.code}/", "/p/", "/p/feed/", f"/p/{published.code}/embed/"):
        assert published.statement[:40] in client.get(url).content.decode()
    claim_unpublish(claim=published, actor=editor)
    assert client.get(f"/p/{published.code}/").status_code == 404
    assert client.get(f"/p/{published.code}/embed/").status_code == 404
    assert published.statement not in client.get("/p/").content.decode()
    assert str(published.code) not in client.get("/p/feed/").content.decode()


def test_it_serves_a_published_page_from_the_cache(client, published, django_assert_num_queries):
    page(client, published)
    with django_assert_num_queries(0):
        response, html = page(client, published)
    assert response.status_code == 200 and published.statement in html
    client.get("/p/")
    with django_assert_num_queries(0):
        client.get("/p/")


def test_it_shows_a_changed_verdict_at_once(client, published, editor):
    page(client, published)
    published.refresh_from_db()
    services.verdict_set(
        claim=published,
        status="confirmed",
        rationale="They met after all.",
        expected_version=published.version,
        actor=editor,
    )
    _, html = page(client, published)
    assert "They met after all." in html
    assert "Confirmed" in client.get(f"/p/{published.code}/embed/").content.decode()


def test_it_shows_new_evidence_and_a_headline_change_at_once(client, published, editor):
    page(client, published)
    evidence = services.evidence_add(
        claim=published,
        url="https://mofa.gov.pk/statement",
        stance="denies",
        title="Response to speculation",
        actor=editor,
    )
    assert "Response to speculation" in page(client, published)[1]
    # The monitor rewrites the headline and records the change (a source event).
    source = evidence.source
    type(source).objects.filter(pk=source.pk).update(title="No meeting planned, says FO")
    services.source_event_record(
        source=source,
        kind=ClaimEvent.Kind.SOURCE_HEADLINE_CHANGED,
        payload={"before": {"title": "Response to speculation"}, "after": {"title": "x"}},
    )
    assert "No meeting planned, says FO" in page(client, published)[1]


def test_it_limits_requests_per_address_with_a_429_page(client, published, settings, monkeypatch):
    settings.PUBLIC_RATE_LIMIT = 3
    monkeypatch.setattr(public_views, "_now", lambda: 1_800_000_000.0)
    for _ in range(3):
        assert client.get(f"/p/{published.code}/").status_code == 200
    response = client.get("/p/")
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert 'class="site"' in response.content.decode()  # in the site's layout
    assert 0 < int(response["Retry-After"]) <= 60
    # Another address has its own count; the next minute starts afresh.
    assert client.get("/p/", REMOTE_ADDR="192.0.2.7").status_code == 200
    monkeypatch.setattr(public_views, "_now", lambda: 1_800_000_060.0)
    assert client.get("/p/").status_code == 200


def test_it_leads_a_merged_duplicate_to_its_published_target(client, published, decided, editor):
    dup = services.claim_create(statement="Asif and Singh to meet in Qingdao.", actor=editor)
    services.claim_merge(duplicate=dup, target=published, actor=editor)
    response = client.get(f"/p/{dup.code}/")
    assert response.status_code == 302
    assert response["Location"] == f"/p/{published.code}/"


def test_it_refuses_to_write(client, published):
    assert client.post(f"/p/{published.code}/").status_code == 405


def test_it_marks_a_quote_internal_from_the_claim_page(client, editor, published):
    source = published.evidence.get().source
    client.force_login(editor)
    url = reverse("claims:evidence_update", args=[published.code, source.code])
    form = {"quote_form": "1", "quote": "They may meet.", "quote_internal": "on", "note": ""}
    assert client.post(url, form).status_code == 302
    assert published.evidence.get().quote_internal
    assert "Internal quote" in client.get(published.get_absolute_url()).content.decode()
    client.logout()
    assert "They may meet." not in page(client, published)[1]
    # Unticked, it is public again.
    client.force_login(editor)
    client.post(url, {"quote_form": "1", "quote": "They may meet."})
    client.logout()
    assert "They may meet." in page(client, published)[1]


def test_the_embed_leads_with_the_sources_on_the_verdicts_side(client, published, editor):
    services.evidence_add(
        claim=published,
        url="https://mofa.gov.pk/press/no-meeting",
        stance="denies",
        title="No meeting planned, the Foreign Office says",
        actor=editor,
    )
    html = client.get(f"/p/{published.code}/embed/").content.decode()
    # Denied: what denies it comes first, though the supporting report was linked first.
    assert html.index("stance-denies") < html.index("stance-supports")
    # The way to the sources and reasons is above the list, never cut off by the frame.
    assert html.index("Sources and reasons on Claimwatch") < html.index('class="sources"')


def test_it_keeps_typed_markup_inside_the_claimreview_data(client, claim, editor):
    # jsonld's mark_safe holds only JSON whose <, > and & are escaped: typed text can
    # neither close the <script> element nor add one.
    hostile = f"Ministers meet {XSS} </script><script>alert(2)</script>"
    claim = services.claim_update(
        claim=claim, statement=hostile, expected_version=claim.version, actor=editor
    )
    claim = services.verdict_set(
        claim=claim,
        status="denied",
        rationale=hostile,
        expected_version=claim.version,
        actor=editor,
    )
    claim_publish(claim=claim, actor=editor)
    _, html = page(client, claim)
    data = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in data and ">" not in data
    review = json.loads(data)
    assert review["claimReviewed"].startswith(f"Ministers meet {XSS}"[:60])  # kept as text
    assert "<script>alert(2)</script>" not in html
