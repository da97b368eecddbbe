"""Issue 9, item 10: the local demo allows exactly its pages' address, and the seeded story
cites those pages, so an offline demo shows live sources and a real headline change."""

import threading
from http.server import ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from claims.models import ClaimEvent, Evidence
from monitoring.checks import check_batch
from sources import fetch
from sources.management.commands.demo_pages import Pages, make_handler
from sources.models import Source
from sources.services import source_get_or_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_pages(tmp_path, settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(Pages(tmp_path / "pages")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"127.0.0.1:{server.server_address[1]}"
    settings.FETCH_ALLOW_PRIVATE = False
    settings.FETCH_ALLOW_HOSTS = frozenset({address})
    settings.MONITOR_HOST_GAP_MS = 0
    yield address
    server.shutdown()
    server.server_close()


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
