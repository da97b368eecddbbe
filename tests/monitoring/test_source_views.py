"""The sources pages: list, detail with snapshots, checks and diff, state polling, refresh."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims import services as claim_services
from sources.models import CheckAttempt, Snapshot, Source
from sources.services import source_get_or_create

pytestmark = pytest.mark.django_db
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def make_sources(n: int, claim, analyst) -> list[Source]:
    sources = []
    for i in range(n):
        ev = claim_services.evidence_add(
            claim=claim,
            url=f"https://news{i % 3}.example.com/article/{i}",
            stance="supports",
            actor=analyst,
        )
        sources.append(ev.source)
    return sources


def add_snapshots(source: Source, *texts: str) -> list[Snapshot]:
    snaps = []
    for i, text in enumerate(texts):
        snaps.append(
            Snapshot.objects.create(
                source=source,
                title="Ministers to meet",
                text=text,
                content_hash=str(i),
                created_at=timezone.now() + timezone.timedelta(seconds=i),
                change_kind="first" if i == 0 else "edited",
            )
        )
    return snaps


@pytest.mark.parametrize("n", [3, 30])
def test_it_lists_sources_in_constant_queries(
    analyst_client, claim, analyst, n, django_assert_num_queries
):
    make_sources(n, claim, analyst)
    # session, user, permissions (2), page (no count), the header's "My claims" count
    with django_assert_num_queries(5 + 1):
        response = analyst_client.get(reverse("sources:list"))
    assert response.status_code == 200
    assert response.content.count(b'class="badge state-new"') == n


def test_it_filters_sources_by_state_and_words(analyst_client, claim, analyst):
    a, b = make_sources(2, claim, analyst)
    Source.objects.filter(pk=b.pk).update(state=Source.State.GONE, title="Vanished report")
    response = analyst_client.get(reverse("sources:list"), {"state": "gone"})
    assert b"Vanished report" in response.content and a.url.encode() not in response.content
    response = analyst_client.get(
        reverse("sources:list"),
        {"q": "vanished"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    assert b"<html" not in response.content and b"Vanished report" in response.content


@pytest.mark.parametrize("n", [3, 30])
def test_it_shows_a_source_with_snapshots_checks_and_claims_in_constant_queries(
    analyst_client, claim, analyst, n, django_assert_num_queries
):
    source = make_sources(1, claim, analyst)[0]
    add_snapshots(source, *[f"version {i} of the text" for i in range(n)])
    CheckAttempt.objects.bulk_create(
        CheckAttempt(source=source, outcome="not_modified", http_status=304, duration_ms=3)
        for _ in range(n)
    )
    # session, user, permissions (2), source, diff, snapshots, attempts, evidence
    with django_assert_num_queries(9 + 1):  # + the header's "My claims" count
        response = analyst_client.get(source.get_absolute_url())
    assert response.status_code == 200
    assert response.content.count(b"Not modified (304)") == n
    assert claim.statement.encode() in response.content or b"defence ministers" in response.content


def test_it_shows_the_word_diff_between_any_two_snapshots(analyst_client, claim, analyst):
    source = make_sources(1, claim, analyst)[0]
    first, second, third = add_snapshots(
        source,
        "the ministers will meet on Thursday",
        "the ministers will not meet on Thursday",
        "the ministers met on Friday",
    )
    response = analyst_client.get(source.get_absolute_url())
    html = response.content.decode()
    assert "<ins>met </ins>" in html or "<ins>met" in html  # default: the two newest
    response = analyst_client.get(
        source.get_absolute_url(),
        {"old": first.pk, "new": second.pk},
        headers={"HX-Request": "true", "HX-Target": "diff"},
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "<ins>not </ins>" in html and "<del>" not in html


def test_it_escapes_fetched_titles_and_text(analyst_client, claim, analyst):
    source = make_sources(1, claim, analyst)[0]
    Source.objects.filter(pk=source.pk).update(title=XSS)
    add_snapshots(source, "harmless", f"now {XSS}")
    Snapshot.objects.filter(source=source).update(title=XSS)
    for url in (source.get_absolute_url(), reverse("sources:list"), claim.get_absolute_url()):
        html = analyst_client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html, url


def test_it_polls_the_state_until_the_check_is_done(analyst_client, claim, analyst):
    source = make_sources(1, claim, analyst)[0]
    url = reverse("sources:state", args=[source.code])
    response = analyst_client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b'hx-trigger="every 2s"' in response.content
    Source.objects.filter(pk=source.pk).update(
        last_checked_at=timezone.now(), state=Source.State.LIVE
    )
    response = analyst_client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 286
    assert b"hx-trigger" not in response.content and b"Live" in response.content


def test_it_queues_a_check_on_refresh_now(
    analyst_client, claim, analyst, django_capture_on_commit_callbacks
):
    source = make_sources(1, claim, analyst)[0]
    Source.objects.filter(pk=source.pk).update(last_checked_at=timezone.now())
    url = reverse("sources:refresh", args=[source.code])
    with django_capture_on_commit_callbacks() as callbacks:
        response = analyst_client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert len(callbacks) == 1  # check_sources.delay_on_commit
    assert b'hx-trigger="every 2s"' in response.content
    source.refresh_from_db()
    assert source.check_requested_at is not None and source.next_check_at > timezone.now()


def test_it_redirects_a_plain_refresh_back_but_never_off_site(analyst_client, claim, analyst):
    source = make_sources(1, claim, analyst)[0]
    url = reverse("sources:refresh", args=[source.code])
    response = analyst_client.post(url, {"next": claim.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == claim.get_absolute_url()
    response = analyst_client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == source.get_absolute_url()


def test_it_refuses_an_outsider(client, outsider, claim, analyst):
    source = make_sources(1, claim, analyst)[0]
    client.force_login(outsider)
    for name in ("sources:detail", "sources:state"):
        assert client.get(reverse(name, args=[source.code])).status_code == 403
    assert client.get(reverse("sources:list")).status_code == 403
    response = client.post(reverse("sources:refresh", args=[source.code]))
    assert response.status_code == 403
    assert Source.objects.get(pk=source.pk).check_requested_at is None


def test_it_sends_anonymous_visitors_to_log_in(client):
    source, _ = source_get_or_create(url="https://example.com/a", actor=None)
    response = client.post(reverse("sources:refresh", args=[source.code]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_answers_404_for_an_unknown_source(analyst_client):
    import uuid

    assert analyst_client.get(reverse("sources:detail", args=[uuid.uuid4()])).status_code == 404


def test_it_queues_checks_from_the_admin(
    client, claim, analyst, make_user, django_capture_on_commit_callbacks
):
    sources = make_sources(2, claim, analyst)
    admin_user = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("admin:sources_source_changelist"),
            {"action": "check_now", "_selected_action": [s.pk for s in sources]},
        )
    assert response.status_code == 302
    assert len(callbacks) == 2
    assert Source.objects.filter(check_requested_at__isnull=False).count() == 2


def test_it_stops_polling_a_check_that_no_worker_does(analyst_client, claim, analyst):
    source = make_sources(1, claim, analyst)[0]
    long_ago = timezone.now() - timezone.timedelta(hours=1)
    Source.objects.filter(pk=source.pk).update(created_at=long_ago)
    response = analyst_client.get(reverse("sources:state", args=[source.code]))
    assert response.status_code == 286 and b"hx-trigger" not in response.content


def test_it_offers_editors_the_browser_for_a_scripted_page_and_records_no_event(
    claim, analyst, editor, analyst_client
):
    """The toggle is a setting of the source (editors: perms.RENDER_SOURCE), not an event."""
    source = make_sources(1, claim, analyst)[0]
    Source.objects.filter(pk=source.pk).update(scripted=True)
    render_url = reverse("sources:render", args=[source.code])
    page = analyst_client.get(source.get_absolute_url()).content.decode()
    assert "This page builds its text with scripts." in page
    assert render_url not in page and "An editor can have it rendered" in page
    assert analyst_client.post(render_url, {"render": "on"}).status_code == 403
    editor_client = Client()
    editor_client.force_login(editor)
    page = editor_client.get(source.get_absolute_url()).content.decode()
    assert render_url in page and "Render with a browser" in page
    events = claim.events.count()

    response = editor_client.post(render_url, {"render": "on"}, follow=True)

    source.refresh_from_db()
    assert source.render and claim.events.count() == events
    assert "Stop rendering with a browser" in response.content.decode()
    editor_client.post(render_url, {})
    source.refresh_from_db()
    assert not source.render


def test_it_dates_a_source_by_its_first_link(analyst_client, claim, analyst, make_user):
    """The seeded story links its sources in June 2025, long before the rows were made:
    the page says when the source was first linked, and by whom, as the claim cards do."""
    june = timezone.datetime(2025, 6, 24, 15, 0, tzinfo=timezone.UTC)
    first = claim_services.evidence_add(
        claim=claim, url="https://aa.example.com/a", stance="supports", actor=analyst, added_at=june
    )
    other = claim_services.claim_create(
        statement="Another claim citing the same report.", actor=analyst
    )
    claim_services.evidence_add(
        claim=other, url=first.source.url, stance="denies", actor=make_user("bob", "Analysts")
    )
    page = analyst_client.get(first.source.get_absolute_url()).content.decode()
    assert "<dt>Added</dt>" not in page
    linked = page.split("<dt>First linked</dt>")[1].split("</dd>")[0]
    assert '<time datetime="2025-06-24T15:00:00+00:00">24 Jun 2025, 15:00</time> by alice' in linked


def test_it_dates_a_source_no_claim_cites_by_when_it_was_added(analyst_client, analyst):
    source, _ = source_get_or_create(url="https://aa.example.com/b", actor=analyst)
    page = analyst_client.get(source.get_absolute_url()).content.decode()
    assert "<dt>First linked</dt>" not in page
    assert "by alice" in page.split("<dt>Added</dt>")[1].split("</dd>")[0]


def test_it_shows_a_changed_headline_once_in_the_word_diff(analyst_client, claim, analyst):
    """Extracted text starts with the page's headline: the diff shows it once, as the headline."""
    source = make_sources(1, claim, analyst)[0]
    first, second = add_snapshots(source, "Ministers to meet\nThe two will meet.", "")
    Snapshot.objects.filter(pk=second.pk).update(
        title="Ministers will not meet", text="Ministers will not meet\nThe two will not meet."
    )
    html = analyst_client.get(source.get_absolute_url()).content.decode()
    diff = html.split('<div class="diff">')[1].split("</div>")[0]
    assert diff.count("Ministers") == 1
    assert "The two will <ins>not </ins>meet." in diff
    only, _ = source_get_or_create(url="https://other.example.com/one", actor=analyst)
    add_snapshots(only, "Ministers to meet\nThe two will meet.")
    html = analyst_client.get(only.get_absolute_url()).content.decode()
    assert html.split('<div class="diff">')[1].split("</div>")[0].count("Ministers") == 1


def test_it_marks_a_snapshot_without_status_or_language_with_a_dash(analyst_client, claim, analyst):
    source = make_sources(1, claim, analyst)[0]
    add_snapshots(source, "stored before checks kept a status")
    page = analyst_client.get(source.get_absolute_url()).content.decode()
    row = page.split("First capture</td>")[1].split("</tr>")[0]
    assert row.count("<td>—</td>") == 3  # language, HTTP, capture
