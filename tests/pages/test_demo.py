"""Issue 9, item 10: the local demo allows exactly its pages' address, and the seeded story
cites those pages, so an offline demo shows live sources and a real headline change.
Issue 21, item 6: the pages' feed brings a new report, suggested for the meeting claim."""

import html
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import zipfile
from datetime import timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from claims.management.commands.seed_demo import MEETING
from claims.models import Claim, ClaimEvent, Evidence
from discovery import polling
from discovery.models import Article, Suggestion
from monitoring.checks import check_batch
from publishing import bundle
from sources import captures, fetch
from sources.demo import FEED_OUTLET, FEED_PATH, NEW_ARTICLE, NEW_ARTICLE_SLUG
from sources.management.commands.demo_pages import Pages, make_handler
from sources.models import Capture, Feed, Source
from sources.services import source_get_or_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def serve_demo_pages(tmp_path, settings):
    """serve(new_article_after=seconds) -> the address of a demo page server (as bin/start
    runs it, with only that address allowed through the guard)."""
    servers = []

    def serve(new_article_after: float = 0.0) -> str:
        handler = make_handler(Pages(tmp_path / "pages"), new_article_after=new_article_after)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        address = f"127.0.0.1:{server.server_address[1]}"
        settings.FETCH_ALLOW_PRIVATE = False
        settings.FETCH_ALLOW_HOSTS = frozenset({address})
        settings.MONITOR_HOST_GAP_MS = 0
        return address

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def demo_pages(serve_demo_pages):
    return serve_demo_pages()


def test_it_allows_exactly_the_demo_pages_address(demo_pages):
    fetch.check_url(f"http://{demo_pages}/sco-meeting")
    for refused in ("http://127.0.0.1:8000/admin/", "http://localhost/", "http://127.0.0.2/"):
        with pytest.raises(fetch.FetchBlocked):
            fetch.check_url(refused)
    with pytest.raises(ValidationError):
        source_get_or_create(url="http://127.0.0.1:8000/admin/", actor=None)


def test_it_runs_the_seeded_story_on_the_demo_pages(demo_pages, keep_groups):
    call_command("seed_demo", pages_url=f"http://{demo_pages}", verbosity=0)
    sources = list(Source.objects.all())
    assert sources and all(s.url.startswith(f"http://{demo_pages}/") for s in sources)
    anadolu = Source.objects.get(url__contains="aa-defence-chiefs")
    assert anadolu.outlet.domain == "aa.com.tr"
    report = check_batch([s.pk for s in sources])
    assert {d.outcome for d in report.decisions} <= {"unchanged", "changed"}
    assert set(Source.objects.values_list("state", flat=True)) == {"live"}
    events = ClaimEvent.objects.filter(kind=ClaimEvent.Kind.SOURCE_HEADLINE_CHANGED)
    assert events.count() == anadolu.evidence.count() == 2  # both claims citing it hear it
    assert events[0].payload["after"]["title"].startswith("Pakistan says no meeting planned")
    assert Evidence.objects.filter(source=anadolu, needs_review=True).exists()


def test_it_bundles_a_capture_of_every_source_the_demo_claim_cites(
    demo_pages, keep_groups, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "captures": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "captures")},
        },
    }
    call_command("seed_demo", pages_url=f"http://{demo_pages}", verbosity=0)
    meeting = Claim.objects.get(statement=MEETING)
    cited = list(meeting.evidence.select_related("source", "judged_snapshot__capture"))
    assert len(cited) == 4
    # Before any check: each seeded snapshot keeps the page it was read from, marked so.
    for ev in cited:
        capture = ev.judged_snapshot.capture
        loaded = captures.capture_load(capture)
        assert html.escape(ev.judged_snapshot.title).encode() in loaded.body
        assert "seed_demo" in loaded.header("X-Claimwatch-Not-Fetched")
    check_batch(list(Source.objects.values_list("pk", flat=True)))
    path = tmp_path / "demo.wacz"
    with path.open("wb") as out:
        bundle.build(meeting, out)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("wacz")), "validate", "-f", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout
    with zipfile.ZipFile(path) as wacz:
        package = json.loads(wacz.read("datapackage.json"))
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()][1:]
    rows = package["cited_sources"]
    assert len(rows) == 4 and all(row["capture"] for row in rows)
    # The judged (seeded) capture stands for each source, with the headline as linked.
    assert {row["capture"] for row in rows} == {ev.judged_snapshot.capture.sha256 for ev in cited}
    assert {row["title"] for row in rows} == {ev.judged_snapshot.title for ev in cited}
    # Anadolu's rewritten page is in it too, under its new headline.
    anadolu = Capture.objects.filter(source__url__contains="aa-defence-chiefs").latest("fetched_at")
    titles = {page["id"]: page["title"] for page in pages}
    assert titles[anadolu.sha256].startswith("Pakistan says no meeting planned")


def feed_poll() -> None:
    """What beat does for the registered feed: lease it, poll it."""
    feed = Feed.objects.get()
    assert polling.feeds_claim_due(now=timezone.now() + timedelta(hours=1)) == [feed.pk]
    polling.poll_batch([feed.pk])


def test_it_suggests_the_new_demo_article_for_the_meeting_claim(
    serve_demo_pages, keep_groups, settings
):
    """Issue 21, item 6: the story's feed gets a new Indian report, which becomes a suggested
    source of the meeting claim with "denies" pre-selected."""
    settings.DISCOVERY_OPEN_DAYS = 3650  # bin/start: the demo's June 2025 verdicts stay open
    address = serve_demo_pages(new_article_after=0)
    call_command("seed_demo", pages_url=f"http://{address}", verbosity=0)
    feed = Feed.objects.get()
    assert feed.url == f"http://{address}{FEED_PATH}" and feed.outlet.domain == FEED_OUTLET
    feed_poll()
    article = Article.objects.get(title=NEW_ARTICLE["title"])
    assert article.outlet.name == "Hindustan Times" and article.url == (
        f"http://{address}/{NEW_ARTICLE_SLUG}"
    )
    meeting = Claim.objects.get(statement=MEETING)
    suggestion = Suggestion.objects.get(claim=meeting, article=article)
    assert suggestion.stance == "denies" and suggestion.stance_confidence > 0.5
    assert {"asif", "singh", "qingdao"} <= {w.lower() for w in suggestion.why}
    # Polled again: nothing new (a 304), nothing suggested twice.
    feed_poll()
    assert Article.objects.count() == 1 and Feed.objects.get().http_status == 304
    assert Suggestion.objects.filter(claim=meeting).count() == 1


def test_it_keeps_the_new_article_back_until_its_time(serve_demo_pages, keep_groups, settings):
    settings.DISCOVERY_OPEN_DAYS = 3650
    address = serve_demo_pages(new_article_after=3600)
    call_command("seed_demo", pages_url=f"http://{address}", verbosity=0)
    feed_poll()
    assert Feed.objects.get().http_status == 200 and not Article.objects.exists()
    with pytest.raises(urllib.error.HTTPError, match="404"):
        urllib.request.urlopen(f"http://{address}/{NEW_ARTICLE_SLUG}", timeout=5)  # noqa: S310
