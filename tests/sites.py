"""A small editable web site on a real local HTTP server, for the monitoring tests."""

import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from werkzeug.wrappers import Request, Response

from claims import services as claim_services
from claimwatch.celery import app
from monitoring.checks import check_batch
from sources.models import Source
from sources.services import source_get_or_create

from .roles import ensure_roles

ROOT = Path(__file__).resolve().parents[1]
LOREM = (
    "Pakistan's defence minister will attend the meeting of defence ministers in Qingdao, "
    "officials said on Tuesday. The two ministers are expected to attend the two-day forum, "
    "where security cooperation and counter-terrorism are on the agenda. Analysts expect "
    "no bilateral meeting on the sidelines, given the tensions of recent weeks."
)


def article(title: str, *paragraphs: str, stamp: str = "28 November 2026 09:14") -> str:
    """An article page with the trimmings extraction must ignore: nav, ads, a clock."""
    body = "".join(f"<p>{p}</p>" for p in (paragraphs or (LOREM,)))
    return (
        f"<!doctype html><html><head><title>{title} | Example News</title>"
        f'<meta property="og:title" content="{title}"></head><body>'
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<p class='clock'>Updated {stamp}</p>"
        f"<article><h1>{title}</h1>{body}</article>"
        "<aside class='ad'>Advertisement: buy now</aside>"
        "<footer>© Example News</footer></body></html>"
    )


class Site:
    """Pages by path: (status, body, headers). Answers If-None-Match with 304."""

    def __init__(self, server):
        self.server = server
        self.pages: dict[str, tuple[int, str, dict]] = {}
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        server.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    def url(self, path: str) -> str:
        return self.server.url_for(path)

    def set(self, path: str, body: str = "", status: int = 200, **headers) -> str:
        with self.lock:
            self.pages[path] = (status, body, headers)
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 301) -> str:
        return self.set(path, "", status, Location=to)

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.hits[request.path] = self.hits.get(request.path, 0) + 1
            page = self.pages.get(request.path)
        if page is None:
            return Response("not here", status=404)
        status, body, headers = page
        if callable(body):
            return body(request)
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
        if status == 200 and request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        response = Response(body, status=status, content_type="text/html; charset=utf-8")
        if status == 200:
            response.headers["ETag"] = etag
        for name, value in headers.items():
            response.headers[name] = value
        return response


@pytest.fixture
def monitor_settings(settings):
    """The guard lets the tests reach the local server; no politeness gap between requests."""
    settings.FETCH_ALLOW_PRIVATE = True
    settings.MONITOR_HOST_GAP_MS = 0
    settings.MONITOR_RETRIES = 0
    settings.FETCH_TOTAL_TIMEOUT = 5
    settings.FETCH_READ_TIMEOUT = 2
    return settings


@pytest.fixture
def site(httpserver, monitor_settings):
    return Site(httpserver)


@pytest.fixture
def make_source(site):
    def make(path: str = "/news/1", body: str | None = None, **kw):
        url = site.set(path, article("Ministers to meet") if body is None else body, **kw)
        source, _ = source_get_or_create(url=url, actor=None)
        return source

    return make


@pytest.fixture
def cited_source(claim, analyst, site):
    """A source linked to `claim` (the service queues no check: the tests run it)."""
    url = site.set("/news/cited", article("Ministers to meet"))
    evidence = claim_services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    return evidence.source


# A supporting report whose outlet later rewrote its headline to deny the claim (issue 19).
LINKED = "Ministers may meet at SCO"
FLIPPED = "Pakistan rules out meeting at SCO"


@pytest.fixture
def flipped(claim, analyst, site):
    """A source linked as supporting; its headline flipped after the link (two checks)."""
    url = site.set("/sco", article(LINKED))
    evidence = claim_services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    check_batch([evidence.source_id])
    site.set("/sco", article(FLIPPED))
    check_batch([evidence.source_id])
    return Source.objects.get(pk=evidence.source_id)


@pytest.fixture
def keep_groups():
    """Transactional tests empty the database afterwards, the groups (and permissions) of
    migration claims 0002 included; make sure they are there before and after."""
    ensure_roles()
    yield
    ensure_roles()


@pytest.fixture
def worker(monitor_settings, tmp_path):
    """`celery -A claimwatch worker` on this test's database and Redis db, one process."""
    app.control.purge()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.REDIS_URL,
        "FETCH_ALLOW_PRIVATE": "true",
        "MONITOR_HOST_GAP_MS": "0",
        "MONITOR_RETRIES": "0",
        "FETCH_TOTAL_TIMEOUT": "20",
        # The test's own cache keys (conftest.own_cache): progress and cancels pass there.
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "claimwatch",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    proc.log_path = tmp_path / "worker.log"
    yield proc
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()
    app.control.purge()
