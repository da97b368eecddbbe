"""manage.py demo_pages: editable local pages whose edits the monitor picks up."""

import http.client
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import urlencode

import pytest

from claims import services as claim_services
from claims.models import ClaimEvent
from monitoring.checks import check_batch
from sources.management.commands.demo_pages import Pages, make_handler


@pytest.fixture
def demo_server(tmp_path, monitor_settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(Pages(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def post_edit(port: int, slug: str, title: str, text: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    body = urlencode({"title": title, "text": text})
    conn.request(
        "POST", f"/{slug}/edit", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.mark.django_db
def test_it_serves_a_page_whose_edit_reaches_the_claim_timeline(demo_server, claim, analyst):
    url = f"http://127.0.0.1:{demo_server}/sco-meeting"
    evidence = claim_services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    check_batch([evidence.source_id])
    check_batch([evidence.source_id])
    assert evidence.source.attempts.order_by("-started_at").first().outcome == "not_modified"
    assert (
        post_edit(demo_server, "sco-meeting", "No meeting planned, ministry says", "Nothing.")
        == 303
    )
    check_batch([evidence.source_id])
    assert claim.events.filter(kind=ClaimEvent.Kind.SOURCE_HEADLINE_CHANGED).exists()


def test_it_escapes_what_is_typed_into_a_demo_page(demo_server):
    post_edit(demo_server, "x", "<script>alert(1)</script>", "<b>bold</b>")
    conn = http.client.HTTPConnection("127.0.0.1", demo_server, timeout=5)
    conn.request("GET", "/x")
    page = conn.getresponse().read().decode()
    assert "<script>alert" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
