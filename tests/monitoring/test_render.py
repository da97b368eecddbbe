"""Sources read through headless Chromium (Source.render, sources/render.py): a local site
whose article is written by its scripts, a receiver on another local port that a page's
scripts try to reach and that must hear nothing, and a page that never finishes loading.

The guard allows the site's own address only (FETCH_ALLOW_HOSTS, FETCH_ALLOW_PRIVATE off),
so the receiver stands for every private address the guard refuses. A check launches one
browser for its whole batch, so each test checks its pages in one batch (a browser killed at
a limit is launched again for the next page).
"""

import json
import socket
import threading

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from monitoring import services
from monitoring.checks import check_batch
from sources.models import CheckAttempt, Source
from sources.services import source_get_or_create

from ..sites import LOREM, Site

pytestmark = [pytest.mark.django_db, pytest.mark.browser]
SECRET = "TOP-SECRET-FROM-THE-INTRANET"
SHELL = (
    "<!doctype html><html><head><title>{title}</title></head><body>"
    "<div id='root'></div><noscript>You need to enable JavaScript to run this app.</noscript>"
    "<script src='/app-{name}.js'></script></body></html>"
)
# Writes the article from the site's JSON API, as single-page apps do.
APP = """
fetch('/api/story').then(r => r.json()).then(story => {
  document.getElementById('root').innerHTML =
    '<article><h1>' + story.title + '</h1><p>' + story.text + '</p></article>';
});
"""


class Receiver:
    """A private service on another port: records every connection, answers SECRET."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            body = SECRET.encode()
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nAccess-Control-Allow-Origin: *"
                b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
            )
            conn.close()

    def stop(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def release():
    """Set at the end: a request the test keeps hanging is let go."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def own_site(settings):
    """The pages on 127.0.0.1 (threaded: a hanging request must not stop the others), the
    only address the guard lets through."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    settings.FETCH_ALLOW_PRIVATE = False
    settings.FETCH_ALLOW_HOSTS = frozenset({f"127.0.0.1:{server.port}"})
    settings.MONITOR_HOST_GAP_MS = 0
    settings.MONITOR_RETRIES = 0
    settings.FETCH_TOTAL_TIMEOUT = 5
    settings.FETCH_READ_TIMEOUT = 5
    # Room for a busy machine: the time limit has a test of its own (4 s).
    settings.RENDER_TIMEOUT = 30
    yield Site(server)
    server.clear()
    server.stop()


def rendered_source(site: Site, name: str, editor, *, script: str) -> Source:
    site.set(f"/app-{name}.js", script, **{"Content-Type": "text/javascript"})
    url = site.set(f"/news/{name}", SHELL.format(title="Ministers to meet", name=name))
    source, _ = source_get_or_create(url=url, actor=None)
    return services.source_render_set(source=source, render=True, actor=editor)


def test_it_stores_the_text_scripts_write_and_lets_no_request_past_the_guard(
    own_site, receiver, editor
):
    secret = f"http://127.0.0.1:{receiver.port}/secret"
    own_site.set("/api/story", json.dumps({"title": "Ministers to meet", "text": LOREM}))
    own_site.redirect("/go", secret, status=302)  # a redirect hop is a request too
    story = rendered_source(own_site, "story", editor, script=APP)
    nosy = rendered_source(
        own_site,
        "nosy",
        editor,
        script=APP
        + f"""
        const tell = (t) => document.body.insertAdjacentHTML('beforeend', '<p>' + t + '</p>');
        fetch('{secret}').then(r => r.text()).then(tell, () => {{}});
        fetch('/go').then(r => r.text()).then(tell, () => {{}});
        try {{ new WebSocket('ws://127.0.0.1:{receiver.port}/ws'); }} catch (e) {{}}
        document.body.insertAdjacentHTML('beforeend',
          '<iframe src="{secret}"></iframe><img src="{secret}.png">' +
          '<link rel="preconnect" href="http://127.0.0.1:{receiver.port}">');
        """,
    )

    report = check_batch([story.pk, nosy.pk])

    assert {d.source.pk: d.error for d in report.decisions} == {story.pk: "", nosy.pk: ""}
    for source in (story, nosy):
        snapshot = source.snapshots.get()
        assert "Qingdao" in snapshot.text and snapshot.read_from == "browser"
        assert "rendered in a browser" in source.attempts.get().notes
        assert SECRET not in snapshot.text
    assert receiver.connections == 0


def test_it_fails_a_page_past_each_limit_with_its_reason_and_never_hangs(
    own_site, receiver, editor, release, settings
):
    """Never finishes loading, eats memory, writes more HTML than the cap: each is a failed
    check saying which, within the time limit, and none is an outage."""
    settings.RENDER_MAX_MB = 900  # an idle Chromium takes about 400 MB
    settings.FETCH_MAX_BYTES = 100_000

    def hang(request):
        release.wait(30)  # let go at the end of the test
        return Response("too late", content_type="text/javascript")

    own_site.set("/slow.js", hang)
    stuck = rendered_source(
        own_site, "stuck", editor, script="document.write('<script src=/slow.js></scr'+'ipt>');"
    )
    greedy = rendered_source(
        own_site, "greedy", editor, script="const a = []; for (;;) a.push(new Array(1e6).fill(1));"
    )
    wordy = rendered_source(
        own_site, "wordy", editor, script="document.body.append('word '.repeat(50000));"
    )

    # The time limit alone first; then the other two with time to spare, so that a busy
    # machine cannot turn their limits into timeouts.
    settings.RENDER_TIMEOUT = 4
    report = check_batch([stuck.pk])
    # Let go of when the hanging script answers (30 s): the limit, not the server, ended it.
    assert report.total_ms < 25_000
    settings.RENDER_TIMEOUT = 60
    report = check_batch([greedy.pk, wordy.pk])

    errors = {s.pk: s.attempts.get().error for s in (stuck, greedy, wordy)}
    assert errors == {
        stuck.pk: "The browser did not finish rendering this page within 4s.",
        greedy.pk: "The browser used more than 900 MB of memory rendering this page.",
        wordy.pk: "The rendered page is larger than 0.1 MB (0.3 MB).",
    }
    assert all(d.outcome == CheckAttempt.Outcome.ERROR for d in report.decisions)
    for source in (stuck, greedy, wordy):
        source.refresh_from_db()
        assert source.state != Source.State.UNREACHABLE and not source.snapshots.exists()
