"""Feeds polled at the rate of source checks: discovery's polling beside monitoring's fetching.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cw_bench_discovery \
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/feeds.py --feeds 1000

THE FEEDS, OUTLETS AND ARTICLES OF DATABASE_URL ARE DELETED (use a database made for this).

1. A local keep-alive HTTP server (its own process) serves --feeds RSS 2.0 feeds of
   --items items each (Emergent headlines, a lead, a publication date) on --hosts loopback
   addresses, each with an ETag and a Last-Modified: 304 for a matching If-None-Match or
   If-Modified-Since.
2. First poll: every feed through `discovery.polling.poll_batch`, in process, in batches
   of DISCOVERY_BATCH_SIZE, as the worker's task runs them: fetch through the guard with
   the per-host limits in Redis, parse, keep the new items as articles, match them against
   the open claims (none here: matching's speed is bench/discovery.py's step 2).
3. Then, --rounds times, alternately (so that both see the same noise of a shared machine):
   - every feed polled again: all 304, each feed's polling state written;
   - monitoring's fetch path alone (`monitoring.checks.fetching.fetch_many`, what a source
     check runs before it decides) on the same URLs with the same ETags, in batches of the
     same size: the rate of a source check's conditional GET, with nothing written.
   The best round of each is kept; the ratio of the two is the figure (aim: >= 0.5).
The last line printed is a JSON summary; the exit status is 1 when the aim is missed.
Loopback only; MONITOR_HOST_GAP_MS is 0 as in bench/checks.py.
"""

import argparse
import asyncio
import csv
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from email.utils import formatdate
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EMERGENT = ROOT.parent / "shared" / "data" / "emergent" / "emergent.csv"
GOALS = {"not_modified_share_of_checks": 0.5}
LAST_MODIFIED = formatdate(1_780_000_000, usegmt=True)


# --- 1. the feeds ------------------------------------------------------------------------


def _headlines() -> list[str]:
    with EMERGENT.open(newline="", encoding="utf-8") as handle:
        return [row["articleHeadline"] for row in csv.DictReader(handle)]


def feed_body(i: int, items: int, headlines: list[str]) -> bytes:
    entries = []
    for n in range(items):
        k = (i * items + n) % len(headlines)
        title = escape(headlines[k])
        entries.append(
            f"<item><title>{title}</title><link>/news/{i}/{n}.html</link>"
            f"<guid>/news/{i}/{n}.html</guid><description>{title}. Officials said more "
            f"would be known later today.</description>"
            f"<pubDate>{formatdate(1_780_000_000 - n * 600, usegmt=True)}</pubDate></item>"
        )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench outlet {i}</title><link>/</link><description>News</description>"
        f"{''.join(entries)}</channel></rss>"
    ).encode()


class Http(asyncio.Protocol):
    """Just enough HTTP/1.1 with keep-alive: /f/<i>.xml, 304 when the validators match."""

    items = 20
    headlines: list[str] = []
    cache: dict[int, bytes] = {}

    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            self.answer(head.decode("latin-1"))

    def answer(self, head: str):
        path = head.split(" ", 2)[1]
        if not (path.startswith("/f/") and path.endswith(".xml")):
            return self.send(404, b"")
        i = int(path[3:-4])
        etag = f'"f{i}"'
        lowered = head.lower()
        validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if (
            f"if-none-match: {etag}" in lowered
            or f"if-modified-since: {LAST_MODIFIED}".lower() in lowered
        ):
            return self.send(304, b"", validators)
        if i not in Http.cache:
            Http.cache[i] = feed_body(i, Http.items, Http.headlines)
        self.send(200, Http.cache[i], validators)

    def send(self, status: int, body: bytes, headers: dict | None = None):
        reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}
        lines = [f"HTTP/1.1 {status} {reason.get(status, 'X')}"]
        lines.append("Content-Type: application/rss+xml; charset=utf-8")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {len(body)}")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def serve(port: int, items: int, hosts: list[str]) -> None:
    Http.items = items
    Http.headlines = _headlines()

    async def main():
        server = await asyncio.get_running_loop().create_server(Http, host=hosts, port=port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def feed_server(*, hosts: int, items: int):
    """The server in its own process; yields (port, host addresses) once it answers."""
    port = free_port()
    addresses = [f"127.0.0.{i + 1}" for i in range(hosts)]
    command = [sys.executable, __file__, "--serve", str(port), str(items), *addresses]
    server = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection((addresses[-1], port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the feed server did not start") from None
                time.sleep(0.05)
        yield port, addresses
    finally:
        server.terminate()
        server.wait(10)


# --- 2 and 3. polling beside fetching ---------------------------------------------------


def setup(feeds: int, port: int, hosts: list[str]) -> list[int]:
    """Feeds of one outlet per host; no feed, outlet or article left from before."""
    from discovery.models import Article
    from sources.models import Feed
    from sources.services import outlet_for_url

    Article.objects.all().delete()
    Feed.objects.all().delete()
    urls = [f"http://{hosts[i % len(hosts)]}:{port}/f/{i}.xml" for i in range(feeds)]
    outlets = {}
    for url in urls[: len(hosts)]:
        outlets[url.split("/")[2]] = outlet_for_url(url)
    Feed.objects.bulk_create(
        (
            Feed(
                outlet=outlets[url.split("/")[2]],
                url=url,
                kind=Feed.Kind.RSS,
                found_by=Feed.FoundBy.EDITOR,
            )
            for url in urls
        ),
        batch_size=2000,
    )
    return list(Feed.objects.filter(url__in=urls).order_by("pk").values_list("pk", flat=True))


def _batches(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def poll_all(ids: list[int]) -> tuple[float, dict]:
    """Every feed once, batch after batch, as the worker runs `poll_feeds`."""
    from django.conf import settings

    from discovery.polling import PollReport, poll_batch

    total = PollReport()
    started = time.monotonic()
    for batch in _batches(ids, settings.DISCOVERY_BATCH_SIZE):
        report = poll_batch(batch)
        for name in ("polled", "not_modified", "failed", "articles", "suggestions"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
    return time.monotonic() - started, vars(total)


def fetch_all(ids: list[int]) -> tuple[float, dict]:
    """The same URLs with the same validators through monitoring's fetch path only."""
    from django.conf import settings

    from monitoring.checks.fetching import fetch_many
    from sources.models import Feed, Source

    sources = [
        Source(url=url, etag=etag, last_modified=last_modified, content_hash="seen")
        for url, etag, last_modified in Feed.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("url", "etag", "last_modified")
    ]
    statuses: dict = {}
    started = time.monotonic()
    for batch in _batches(sources, settings.DISCOVERY_BATCH_SIZE):
        for done in asyncio.run(fetch_many(batch)):
            status = done.result.status if done.result else type(done.error).__name__
            statuses[status] = statuses.get(status, 0) + 1
    return time.monotonic() - started, statuses


def measure(feeds: int, *, hosts: int = 20, items: int = 20, rounds: int = 3) -> dict:
    """Steps 1-3 on the current database; the figures as a dict."""
    from django.conf import settings

    with feed_server(hosts=hosts, items=items) as (port, addresses):
        ids = setup(feeds, port, addresses)
        seconds, first = poll_all(ids)
        polled, fetched = [], []
        for _ in range(rounds):
            seconds_304, again = poll_all(ids)
            assert again["not_modified"] == feeds, again
            polled.append(seconds_304)
            seconds_fetch, statuses = fetch_all(ids)
            assert statuses == {304: feeds}, statuses
            fetched.append(seconds_fetch)
    feeds_per_s = feeds / min(polled)
    checks_per_s = feeds / min(fetched)
    return {
        "feeds": feeds,
        "items_per_feed": items,
        "hosts": hosts,
        "batch": settings.DISCOVERY_BATCH_SIZE,
        "first_poll_per_s": round(feeds / seconds, 1),
        "first_poll": first,
        "not_modified_per_s": round(feeds_per_s, 1),
        "fetch_304_per_s": round(checks_per_s, 1),
        "not_modified_share_of_checks": round(feeds_per_s / checks_per_s, 2),
        "rounds": rounds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/feeds.py measures PostgreSQL: set DATABASE_URL (and REDIS_URL).")
    os.environ["FETCH_ALLOW_PRIVATE"] = "true"  # the local server is on loopback
    os.environ["MONITOR_HOST_GAP_MS"] = os.environ.get("MONITOR_HOST_GAP_MS", "0")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimwatch.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    summary = measure(args.feeds, hosts=args.hosts, items=args.items, rounds=args.rounds)
    summary["date"] = time.strftime("%Y-%m-%d %H:%M")
    summary["load_average"] = [round(x, 2) for x in os.getloadavg()]
    summary["missed"] = [name for name, goal in GOALS.items() if summary[name] < goal]
    print(json.dumps(summary))
    return 1 if summary["missed"] else 0


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:])
    else:
        sys.exit(main())
