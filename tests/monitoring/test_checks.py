"""A check of real pages on a local server: changes, vanishing, moving, failing, blocking."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from werkzeug.wrappers import Response

from claims import services
from claims.models import ClaimEvent
from monitoring.checks import check_batch
from sources import fetch
from sources.models import Capture, CheckAttempt, Snapshot, Source

from ..sites import LOREM, article

pytestmark = pytest.mark.django_db
Kind = ClaimEvent.Kind


def check(source: Source) -> Source:
    check_batch([source.pk])
    return Source.objects.get(pk=source.pk)


def kinds(source: Source) -> list[str]:
    return list(
        ClaimEvent.objects.filter(source=source, kind__startswith="source_")
        .order_by("id")
        .values_list("kind", flat=True)
    )


def test_it_stores_a_first_snapshot_and_writes_no_event(cited_source):
    source = check(cited_source)
    assert source.state == Source.State.LIVE
    assert source.http_status == 200
    assert source.title == "Ministers to meet"
    assert source.last_checked_at is not None and source.next_check_at > source.last_checked_at
    snapshot = source.snapshots.get()
    assert snapshot.change_kind == "first" and "Qingdao" in snapshot.text
    assert kinds(source) == []
    assert source.attempts.get().outcome == CheckAttempt.Outcome.FIRST


def test_it_costs_a_304_when_nothing_changed(cited_source, site):
    check(cited_source)
    source = check(cited_source)
    outcomes = list(source.attempts.order_by("started_at").values_list("outcome", flat=True))
    assert outcomes == ["first", "not_modified"]
    assert source.http_status == 304
    assert source.snapshots.count() == 1 and kinds(source) == []


def test_it_ignores_a_new_date_and_advert(cited_source, site):
    check(cited_source)
    site.set("/news/cited", article("Ministers to meet", stamp="29 November 2026 17:02"))
    source = check(cited_source)
    assert source.attempts.order_by("-started_at").first().outcome == "unchanged"
    assert source.snapshots.count() == 1 and kinds(source) == []


def test_it_records_an_edit_on_the_claim_timeline_and_flags_the_evidence(cited_source, site, claim):
    check(cited_source)
    edited = LOREM.replace("no bilateral meeting", "a short bilateral meeting")
    site.set("/news/cited", article("Ministers to meet", edited))
    source = check(cited_source)
    assert kinds(source) == [Kind.SOURCE_CHANGED]
    event = claim.events.get(kind=Kind.SOURCE_CHANGED)
    assert "a short" in event.payload["after"]["text"]
    assert "no" in event.payload["before"]["text"]
    assert "title" not in event.payload["after"]  # the headline stayed
    assert event.payload["snapshot"] == source.snapshots.first().pk
    assert claim.evidence.get().needs_review is True
    assert source.last_changed_at is not None


def test_it_tells_a_new_headline(cited_source, site):
    check(cited_source)
    site.set("/news/cited", article("No meeting planned, ministry says"))
    source = check(cited_source)
    assert kinds(source) == [Kind.SOURCE_HEADLINE_CHANGED]
    event = ClaimEvent.objects.get(source=source, kind=Kind.SOURCE_HEADLINE_CHANGED)
    assert event.payload["before"]["title"] == "Ministers to meet"
    assert event.payload["after"]["title"] == "No meeting planned, ministry says"
    # The text starts with the headline; the Headline row tells it, a Text row would repeat it.
    assert event.payload["before"].keys() == event.payload["after"].keys() == {"title"}


def test_it_tells_an_edit_in_whole_sentences(cited_source, site, claim):
    """Words cut out of their sentences read as gibberish on the timeline."""
    check(cited_source)
    site.set("/news/cited", article("Ministers to meet", LOREM.replace("Tuesday", "Monday")))
    event = ClaimEvent.objects.get(source=check(cited_source), kind=Kind.SOURCE_CHANGED)
    assert event.payload["before"]["text"] == (
        "Pakistan's defence minister will attend the meeting of defence ministers in Qingdao, "
        "officials said on Tuesday."
    )
    assert event.payload["after"]["text"].endswith("officials said on Monday.")


@pytest.mark.parametrize(
    ("notice", "kind"),
    [
        ("Correction: an earlier version misstated the day of the forum.", "source_correction"),
        ("Editor's note: this story has been updated with comment.", "source_correction"),
        ("This article has been updated to include the ministry's reply.", "source_correction"),
        ("This article has been retracted because its sourcing was wrong.", "source_retraction"),
    ],
)
def test_it_recognises_correction_and_retraction_notices(cited_source, site, notice, kind):
    check(cited_source)
    site.set("/news/cited", article("Ministers to meet", LOREM, notice))
    source = check(cited_source)
    assert kinds(source) == [kind]
    event = ClaimEvent.objects.get(source=source, kind=kind)
    assert notice.split(":")[0].split(" ")[0] in event.payload["notice"]


@pytest.mark.parametrize("status", [404, 410])
def test_it_marks_a_vanished_page_gone_once_and_back_when_it_returns(cited_source, site, status):
    check(cited_source)
    site.set("/news/cited", "gone", status=status)
    source = check(cited_source)
    source = check(source)
    assert source.state == Source.State.GONE and source.http_status == status
    assert kinds(source) == [Kind.SOURCE_GONE]
    site.set("/news/cited", article("Ministers to meet"))
    source = check(source)
    assert source.state == Source.State.LIVE
    assert kinds(source) == [Kind.SOURCE_GONE, Kind.SOURCE_BACK]


def test_it_marks_a_permanent_redirect_moved(cited_source, site):
    check(cited_source)
    new_url = site.set("/2026/news/cited", article("Ministers to meet"))
    site.redirect("/news/cited", new_url, 301)
    source = check(cited_source)
    assert source.state == Source.State.MOVED and source.moved_to == new_url
    assert kinds(source) == [Kind.SOURCE_MOVED]
    source = check(source)
    assert kinds(source) == [Kind.SOURCE_MOVED]


def test_it_calls_a_redirect_to_another_article_a_retraction(cited_source, site):
    check(cited_source)
    other = site.set(
        "/world",
        article("World news", "Markets rallied in Asia as investors cheered the data. " * 5),
    )
    site.redirect("/news/cited", other, 302)
    source = check(cited_source)
    assert kinds(source) == [Kind.SOURCE_RETRACTION]
    event = ClaimEvent.objects.get(source=source, kind=Kind.SOURCE_RETRACTION)
    assert event.payload["reason"] == "redirects to a different article"


def test_it_retries_5xx_and_declares_unreachable_after_repeated_failures(
    cited_source, site, settings
):
    settings.MONITOR_RETRIES = 1
    settings.MONITOR_UNREACHABLE_AFTER = 2
    check(cited_source)
    site.set("/news/cited", "down", status=503)
    report = check_batch([cited_source.pk])
    assert report.retry_ids == [cited_source.pk]  # first try: retried, not yet a failure
    source = Source.objects.get(pk=cited_source.pk)
    assert source.consecutive_failures == 0
    report = check_batch([source.pk], attempt=1)
    assert report.retry_ids == []
    assert Source.objects.get(pk=source.pk).consecutive_failures == 1
    check_batch([source.pk], attempt=1)
    source = Source.objects.get(pk=source.pk)
    assert source.state == Source.State.UNREACHABLE and kinds(source) == [Kind.SOURCE_UNREACHABLE]
    assert source.attempts.filter(outcome="error", http_status=503).count() == 3


def test_it_does_not_retry_a_4xx(cited_source, site, settings):
    settings.MONITOR_RETRIES = 2
    check(cited_source)
    site.set("/news/cited", "forbidden", status=403)
    report = check_batch([cited_source.pk])
    assert report.retry_ids == []
    assert Source.objects.get(pk=cited_source.pk).consecutive_failures == 1


def test_it_times_out_a_page_that_drips_slowly(cited_source, site, settings):
    settings.FETCH_TOTAL_TIMEOUT = 1
    settings.MONITOR_RETRIES = 1

    def drip(request):
        def chunks():
            for _ in range(30):
                yield b"<p>slow</p>"
                time.sleep(0.1)  # the server drips; the client's deadline is what is tested

        return Response(chunks(), content_type="text/html")

    site.set("/news/cited", drip)
    report = check_batch([cited_source.pk])
    assert report.retry_ids == [cited_source.pk]
    attempt = CheckAttempt.objects.get(source=cited_source)
    assert attempt.outcome == "timeout" and attempt.duration_ms < 2500


def test_it_records_a_blocked_source_and_never_retries_it(cited_source, settings):
    settings.FETCH_ALLOW_PRIVATE = False
    settings.MONITOR_RETRIES = 2
    report = check_batch([cited_source.pk])
    assert report.retry_ids == []
    source = Source.objects.get(pk=cited_source.pk)
    assert source.state == Source.State.BLOCKED
    assert kinds(source) == [Kind.SOURCE_BLOCKED]
    assert source.attempts.get().outcome == "blocked"
    check_batch([source.pk])
    assert kinds(source) == [Kind.SOURCE_BLOCKED]


def test_it_writes_no_second_snapshot_or_event_when_a_check_runs_again(cited_source, site):
    check(cited_source)
    site.set("/news/cited", article("No meeting planned, ministry says"))
    stale = Source.objects.get(pk=cited_source.pk)
    check(cited_source)
    check(cited_source)  # a redelivered message
    assert Snapshot.objects.filter(source=stale).count() == 2
    assert kinds(stale) == [Kind.SOURCE_HEADLINE_CHANGED]


def test_it_lets_only_one_of_two_concurrent_checks_write_a_change(cited_source, site):
    from monitoring.checks.decide import decide
    from monitoring.checks.fetching import Fetched
    from monitoring.checks.write import write

    check(cited_source)
    site.set("/news/cited", article("No meeting planned, ministry says"))
    # Two workers loaded the same state and fetched the same change.
    from django.utils import timezone

    from sources import fetch

    result = fetch.fetch(site.url("/news/cited"))
    loaded = [Source.objects.get(pk=cited_source.pk) for _ in range(2)]
    prev = Snapshot.objects.get(source=cited_source)
    for source in loaded:
        now = timezone.now()
        write(
            [decide(source, Fetched(source.pk, now, 5, result=result), now=now, previous=prev)],
            now=now,
        )
    assert Snapshot.objects.filter(source=cited_source).count() == 2
    assert kinds(cited_source) == [Kind.SOURCE_HEADLINE_CHANGED]
    assert CheckAttempt.objects.filter(source=cited_source).count() == 3


def test_it_checks_a_batch_of_many_sources_in_few_queries(
    make_source, django_assert_max_num_queries
):
    sources = [make_source(f"/n/{i}") for i in range(30)]
    check_batch([s.pk for s in sources])  # first snapshots
    with django_assert_max_num_queries(4):
        check_batch([s.pk for s in sources])  # all 304
    assert CheckAttempt.objects.filter(outcome="not_modified").count() == 30


def test_it_writes_a_batch_of_changes_in_a_number_of_queries_independent_of_its_size(site, analyst):
    """Snapshots, captures, fingerprints, origins and source events are written for the
    whole batch at once: 20 changed sources cost what 5 do (issue 24.2)."""

    def changed_batch(n: int) -> int:
        urls = [site.set(f"/b{n}/{i}", article(f"Ministers {n} {i}")) for i in range(n)]
        sources = []
        for i in range(0, n, 2):  # each claim cites two of the sources
            claim = services.claim_create(statement=f"Claim {n} {i}", actor=analyst)
            for url in urls[i : i + 2]:
                ev = services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
                sources.append(ev.source)
        ids = [s.pk for s in sources]
        check_batch(ids)  # first snapshots
        for i in range(n):
            site.set(f"/b{n}/{i}", article(f"No meeting {n} {i}, ministry says"))
        with CaptureQueriesContext(connection) as queries:
            check_batch(ids)
        events = ClaimEvent.objects.filter(source_id__in=ids, kind=Kind.SOURCE_HEADLINE_CHANGED)
        assert events.count() == n
        assert Snapshot.objects.filter(source_id__in=ids).count() == 2 * n
        return len(queries)

    small, large = changed_batch(5), changed_batch(20)
    assert large - small <= 2, (small, large)
    assert large <= 40


def test_it_writes_a_batch_once_when_two_runs_of_it_write_the_same_changes(site, analyst):
    from django.utils import timezone

    from monitoring.checks import load_batch
    from monitoring.checks.decide import decide
    from monitoring.checks.fetching import Fetched
    from monitoring.checks.write import latest_snapshots, write

    claim = services.claim_create(statement="The ministers will meet.", actor=analyst)
    urls = [site.set(f"/twice/{i}", article(f"Ministers {i}")) for i in range(3)]
    ids = [
        services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst).source.pk
        for url in urls
    ]
    check_batch(ids)
    for i in range(3):
        site.set(f"/twice/{i}", article(f"No meeting {i}, ministry says"))
    results = {pk: fetch.fetch(url) for pk, url in zip(ids, urls, strict=True)}
    # Two runs of the same batch loaded the same state and fetched the same changes.
    runs = [load_batch(ids) for _ in range(2)]
    previous = latest_snapshots(runs[0])
    for sources in runs:
        now = timezone.now()
        decisions = [
            decide(s, Fetched(s.pk, now, 5, result=results[s.pk]), now=now, previous=previous[s.pk])
            for s in sources
        ]
        write(decisions, now=now)
    assert Snapshot.objects.filter(source_id__in=ids).count() == 6
    assert claim.events.filter(kind=Kind.SOURCE_HEADLINE_CHANGED).count() == 3
    assert Capture.objects.filter(source_id__in=ids).count() == 6
    assert CheckAttempt.objects.filter(source_id__in=ids).count() == 9


def test_it_shows_the_words_changed_on_the_claim_page(cited_source, site, claim, analyst_client):
    check(cited_source)
    site.set(
        "/news/cited",
        article("Ministers to meet", LOREM.replace("no bilateral", "a &lt;b&gt; bilateral")),
    )
    check(cited_source)
    html = analyst_client.get(claim.get_absolute_url()).content.decode()
    assert "Source edited" in html
    assert "a &lt;b&gt;" in html  # the words added, escaped


def test_it_checks_sources_of_claims_decided_long_ago_weekly(cited_source, claim):
    from datetime import timedelta

    from django.utils import timezone

    from claims.models import Claim

    Source.objects.filter(pk=cited_source.pk).update(created_at=timezone.now() - timedelta(days=10))
    Claim.objects.filter(pk=claim.pk).update(
        status=Claim.Status.CONFIRMED, verdict_at=timezone.now() - timedelta(days=45)
    )
    source = check(cited_source)
    assert source.next_check_at - source.last_checked_at > timedelta(days=6)
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.UNVERIFIED)
    source = check(source)
    assert source.next_check_at - source.last_checked_at < timedelta(days=1, hours=3)
