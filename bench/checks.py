"""Checks per second through the real path, beside bare aiohttp, bare trafilatura and
changedetection.io re-checking the same pages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claimwatch REDIS_URL=redis://127.0.0.1:6379/3 \
    .venv/bin/python bench/checks.py

1. A local keep-alive HTTP server (its own process) serves --pages article pages of
   10-21 KB on --hosts loopback addresses: the seed article (../shared/seed-article.txt)
   and Emergent headlines (../shared/data/emergent/), each with an ETag. Its version
   (/_version/N) says what the next visit sees: 0 the first text, 1 and 2 an edited
   paragraph and headline; from 3 on, 5% of the pages are gone (410) and 5% moved (301).
2. Claimwatch on its own database (`<name>_benchchecks`, made anew each run): --pages
   sources, ten to a claim, one Celery worker process; every phase makes all sources due, runs the
   dispatcher (what beat runs) and times until every source has a check newer than the
   start: beat -> Redis -> worker -> fetch -> extract -> diff -> PostgreSQL.
   Phases: first visit (snapshots), unchanged (304s), every page changed, headline and
   text changed; the unchanged phase with 1, 2 and 4 worker processes, counting sources
   checked twice in one slot (must be 0); the gone/moved mix; then every page changed
   again with 1, 2 and 4 worker processes (the changed path's scale-out, in batches of
   --scale-batch, by default small enough for eight batches per process at 4
   processes, so that every process has work to the end). The worker's peak RSS (its
   largest process) is sampled throughout, and its peak USS (what that process holds
   alone, without the pages it shares with the worker's parent).
3. Bare aiohttp (the same conditional requests, same per-host limit) and bare
   trafilatura (extract the first versions, then the changed ones, in one process, in
   the worker's order: trafilatura's caches warm up as the worker's do): the ceilings
   of the first visit and of the changed path.
4. changedetection.io in its own venv (made under var/bench/cdio by this script with
   pip; CDIO_VENV names another), with ALLOW_IANA_RESTRICTED_ADDRESSES=true and
   DISABLE_VERSION_CHECK=true, watches added through its API, re-checking the same
   pages unchanged and then changed; completion is read from each watch's check count.
   `--no-cdio` skips it.

The last line printed is a JSON summary; the exit status is 1 when a goal is missed.
Loopback only; every wait is bounded (--timeout per phase).
"""

import argparse
import asyncio
import contextlib
import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
GOALS = {
    "unchanged_per_s": 2000,
    "unchanged_x_cdio": 20,
    "changed_per_s": 140,
    "changed_x_cdio": 4,
    "changed_share_of_trafilatura": 0.5,
    "first_share_of_trafilatura": 0.5,
    "worker_peak_rss_mb": 200,
    "changed_scale_2_over_1": 1.7,  # on this 2-core machine
}
MIX_FROM = 3  # version from which 5% of pages are gone and 5% moved
SCALE_FROM = 10  # versions from which every page changes again at every version
SCALE_PROCESSES = (1, 2, 4)


# --- 1. the pages ------------------------------------------------------------------------


def _texts() -> tuple[list[str], list[str]]:
    article = (SHARED / "seed-article.txt").read_text(encoding="utf-8")
    paragraphs = [" ".join(p.split()) for p in article.split("\n\n") if p.strip()]
    with (SHARED / "data" / "emergent" / "emergent.csv").open(encoding="utf-8") as handle:
        headlines = [row["articleHeadline"] for row in csv.DictReader(handle)]
    return paragraphs, headlines


PARAGRAPHS, HEADLINES = _texts()


def page(i: int, version: int) -> tuple[int, str, bytes]:
    """(status, etag, body) of page i at `version`."""
    if version >= SCALE_FROM:  # the changed path's scale-out: a new revision each time
        return 200, *_article(i, version)
    if version >= MIX_FROM and i % 20 == 0:
        return 410, "", b"<html><body><p>This article has been removed.</p></body></html>"
    if version >= MIX_FROM and i % 20 == 1:
        return 301, "", b""
    return 200, *_article(i, min(version, MIX_FROM - 1))  # the others: unchanged


def _article(i: int, version: int) -> tuple[str, bytes]:
    title = HEADLINES[i % len(HEADLINES)]
    if version >= 2:
        title = "UPDATED: " + title
    size = 10_000 + (i % 12) * 1_000
    paragraphs = []
    n = 0
    while sum(len(p) for p in paragraphs) < size:
        text = PARAGRAPHS[(i + n) % len(PARAGRAPHS)]
        related = HEADLINES[(i * 7 + n) % len(HEADLINES)]
        paragraphs.append(f"{text} {related}.")
        n += 1
    if version >= 1:  # an edit: a paragraph rewritten, a sentence added
        k = (i % (len(paragraphs) - 2)) + 1
        paragraphs[k] = paragraphs[k].replace(" the ", " a ", 3) + (
            f" Officials later said the meeting would not take place (revision {version})."
        )
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    html = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><header><nav><a href='/'>Home</a> <a href='/world'>World</a></nav></header>"
        f"<main><article><h1>{title}</h1><p class='byline'>By Staff Reporter</p>{body}"
        f"</article></main><footer><p>Copyright The Daily Bench</p></footer></body></html>"
    )
    return f'"p{i}-v{version}"', html.encode()


class Http(asyncio.Protocol):
    """Just enough HTTP/1.1 with keep-alive; 304 for a matching If-None-Match."""

    version = 0
    cache: dict = {}

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
        if path.startswith("/_version/"):
            Http.version = int(path.rsplit("/", 1)[1])
            return self.send(200, b"ok")
        match = re.match(r"/(?:a|moved|u)/(\d+)", path)
        if not match:
            return self.send(404, b"")
        i = int(match.group(1))
        if path.startswith("/u/"):  # the unchanged-only pages: always version 0
            etag = f'"u{i}"'
            if f"if-none-match: {etag}" in head.lower():
                return self.send(304, b"", {"ETag": etag})
            return self.send(200, _article(i, 0)[1], {"ETag": etag})
        if path.startswith("/moved/"):  # changes again in the changed scale-out only
            status, etag, body = 200, *_article(i, 0 if Http.version < SCALE_FROM else Http.version)
        else:
            key = (i, Http.version)
            if key not in Http.cache:
                Http.cache[key] = page(i, Http.version)
            status, etag, body = Http.cache[key]
        if status == 301:
            return self.send(301, b"", {"Location": f"/moved/{i}"})
        if etag and f"if-none-match: {etag}".lower() in head.lower():
            return self.send(304, b"", {"ETag": etag})
        self.send(status, body, {"ETag": etag} if etag else {})

    def send(self, status: int, body: bytes, headers: dict | None = None):
        reason = {200: "OK", 301: "Moved", 304: "Not Modified", 404: "Not Found", 410: "Gone"}
        lines = [f"HTTP/1.1 {status} {reason.get(status, 'X')}"]
        lines.append("Content-Type: text/html; charset=utf-8")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {len(body)}")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def serve(hosts: list[str], port: int) -> None:
    async def main():
        server = await asyncio.get_running_loop().create_server(Http, host=hosts, port=port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def set_version(port: int, version: int) -> None:
    import urllib.request

    urllib.request.urlopen(f"http://127.0.0.1:{port}/_version/{version}", timeout=5).read()


# --- 2. Claimwatch ---------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the prefork pool), in MB."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        return 0.0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total = max(total, int(line.split()[1]))  # the largest process
        except OSError:
            pass
    return total / 1024


def uss_mb(pid: int) -> float:
    """Memory only the largest process of the worker holds (its unique set: what exiting
    would free), in MB: RSS counts the libraries and pages shared with the parent too."""
    import psutil

    try:
        parent = psutil.Process(pid)
        return max(p.memory_full_info().uss for p in [parent, *parent.children()]) / 2**20
    except psutil.Error:
        return 0.0


class Claimwatch:
    def __init__(self, args, port: int, hosts: list[str]):
        self.args, self.port, self.hosts = args, port, hosts
        self.worker = None
        self.peak_rss = self.peak_uss = 0.0

    def setup(self) -> None:
        from django.core.management import call_command
        from django.utils import timezone

        from claims.models import Claim, Evidence
        from sources.models import Outlet, Source

        call_command("migrate", verbosity=0)
        Evidence.objects.all().delete()
        Claim.objects.all().delete()
        Source.objects.all().delete()
        Outlet.objects.all().delete()
        now = timezone.now()
        Source.objects.bulk_create(
            (
                Source(
                    url=f"http://{self.hosts[i % len(self.hosts)]}:{self.port}/a/{i}",
                    state=Source.State.NEW,
                    next_check_at=None,
                    created_at=now - timezone.timedelta(days=3),
                )
                for i in range(self.args.pages)
            ),
            batch_size=5000,
        )
        claims = Claim.objects.bulk_create(
            Claim(statement=HEADLINES[i % len(HEADLINES)]) for i in range(self.args.pages // 10)
        )
        sources = list(Source.objects.order_by("id"))
        Evidence.objects.bulk_create(
            Evidence(claim=claims[i % len(claims)], source=s, stance="supports")
            for i, s in enumerate(sources)
        )
        self.ids = [s.pk for s in sources]
        # Pages already seen, with their ETag: the 304 path at scale, no first visit needed.
        Source.objects.bulk_create(
            (
                Source(
                    url=f"http://{self.hosts[i % len(self.hosts)]}:{self.port}/u/{i}",
                    state=Source.State.LIVE,
                    etag=f'"u{i}"',
                    content_hash="seen",
                    body_hash="seen",
                    last_checked_at=now,
                    next_check_at=None,
                    created_at=now - timezone.timedelta(days=3),
                )
                for i in range(self.args.unchanged_pages)
            ),
            batch_size=5000,
        )
        self.unchanged_ids = list(
            Source.objects.filter(url__contains="/u/").order_by("id").values_list("pk", flat=True)
        )

    def start_worker(self, processes: int) -> None:
        self.stop_worker()
        from claimwatch.celery import app

        app.control.purge()
        self.worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "claimwatch",
                "worker",
                "--pool=prefork",
                f"--concurrency={processes}",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=os.environ,
        )
        self.wait_ready(app)

    def wait_ready(self, app) -> None:
        """Until the worker answers a ping: its boot (5-12 s here) is no check, and it was
        timed as half of the first-visit phase at 300 pages."""
        deadline = time.monotonic() + self.args.timeout
        while not app.control.ping(timeout=0.5):
            if time.monotonic() > deadline:
                raise SystemExit(f"the worker did not answer within {self.args.timeout}s")

    def stop_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(60)
            except subprocess.TimeoutExpired:
                self.worker.kill()
        self.worker = None

    def phase(self, label: str, version: int, ids: list[int] | None = None) -> dict:
        """Make every source due, dispatch, wait until each has a check newer than start."""
        from django.db.models import Count
        from django.utils import timezone

        from sources.models import CheckAttempt, Source

        try:
            from monitoring.tasks import dispatch_due_sources
        except ImportError:  # before the monitoring app
            from sources.tasks import dispatch_due_sources

        set_version(self.port, version)
        ids = ids or self.ids
        ours = Source.objects.filter(pk__gte=min(ids), pk__lte=max(ids))
        start = timezone.now()
        ours.update(next_check_at=start, check_requested_at=None)
        t0 = time.monotonic()
        count = len(ids)
        while True:
            dispatch_due_sources()
            done = ours.filter(last_checked_at__gte=start).count()
            if self.worker is not None:
                self.peak_rss = max(self.peak_rss, rss_mb(self.worker.pid))
                self.peak_uss = max(self.peak_uss, uss_mb(self.worker.pid))
            if done >= count:
                break
            if time.monotonic() - t0 > self.args.timeout:
                raise SystemExit(f"{label}: {done}/{count} checked after {self.args.timeout}s")
            time.sleep(0.2)
        elapsed = time.monotonic() - t0
        twice = (
            CheckAttempt.objects.filter(source__in=ours, started_at__gte=start)
            .values("source")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        outcomes = dict(
            CheckAttempt.objects.filter(source__in=ours, started_at__gte=start)
            .values_list("outcome")
            .annotate(n=Count("id"))
        )
        rate = count / elapsed
        print(
            f"{label}: {count} checks in {elapsed:.2f}s = {rate:,.0f}/s; outcomes {outcomes}; "
            f"checked twice: {twice}",
            flush=True,
        )
        return {"per_s": round(rate, 1), "twice": twice, "outcomes": outcomes}


# --- 3. the ceilings ---------------------------------------------------------------------


async def bare_aiohttp(urls: list[str], etags: list[str], per_host: int) -> float:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0, limit_per_host=per_host)
    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(url, etag):
            async with session.get(url, headers={"If-None-Match": etag}) as response:
                await response.read()
                return response.status

        statuses = await asyncio.gather(*(one(u, e) for u, e in zip(urls, etags, strict=True)))
    elapsed = time.monotonic() - started
    assert set(statuses) == {304}, set(statuses)
    return len(urls) / elapsed


def bare_trafilatura(pages: int) -> dict[str, float]:
    """Pages/s of bare trafilatura over the pages the worker read, in its order, in one
    process: the first versions (the first visit's peer), then the changed ones (the
    changed path's peer). trafilatura keeps caches of text it has seen and the pages share
    paragraphs, so the second pass runs about twice as fast as the first, as it does in the
    worker: a changed page is compared with a warm extractor, a first visit with a cold one."""
    import trafilatura

    rates = {}
    for name, version in (("first", 0), ("changed", 1)):
        bodies = [_article(i, version)[1].decode() for i in range(pages)]
        started = time.monotonic()
        for body in bodies:
            trafilatura.bare_extraction(body, with_metadata=True, favor_recall=True)
        rates[name] = pages / (time.monotonic() - started)
    return rates


# --- 4. changedetection.io -------------------------------------------------------------


class Cdio:
    """changedetection.io in its own venv, on its own data directory."""

    def __init__(self, port: int, urls: list[str], timeout: float):
        self.port, self.urls, self.timeout = port, urls, timeout
        self.home = ROOT / "var" / "bench" / "cdio"
        self.venv = Path(os.environ.get("CDIO_VENV") or self.home / "venv")
        self.data = self.home / "data"
        self.process = None
        self.watches: list[str] = []

    def install(self) -> None:
        exe = self.venv / "bin" / "changedetection.io"
        if exe.exists():
            return
        self.home.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
        subprocess.run(
            [str(self.venv / "bin" / "pip"), "install", "-q", "changedetection.io"], check=True
        )

    def start(self) -> None:
        import shutil

        shutil.rmtree(self.data, ignore_errors=True)
        self.data.mkdir(parents=True)
        env = dict(os.environ)
        env.update(ALLOW_IANA_RESTRICTED_ADDRESSES="true", DISABLE_VERSION_CHECK="true")
        self.process = subprocess.Popen(
            [
                str(self.venv / "bin" / "changedetection.io"),
                "-d",
                str(self.data),
                "-p",
                str(self.port),
                "-h",
                "127.0.0.1",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        import urllib.error
        import urllib.request

        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/", timeout=5).read()
                if (self.data / "changedetection.json").exists():
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                pass
            time.sleep(1)
        raise SystemExit("changedetection.io did not start")

    def api_key(self) -> str:
        store = json.loads((self.data / "changedetection.json").read_text())
        return store["settings"]["application"]["api_access_token"]

    def api(self, method: str, path: str, body=None):
        import urllib.request

        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        key_file = self.data / "changedetection.json"
        if key_file.exists():
            with contextlib.suppress(KeyError, ValueError):
                request.add_header("x-api-key", self.api_key())
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text.strip().startswith(("{", "[")) else text

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def checks(self) -> dict[str, int]:
        """Each of our watches' check count (one API call per watch)."""
        return {
            uuid: int(self.api("GET", f"/api/v1/watch/{uuid}").get("check_count") or 0)
            for uuid in self.watches
        }

    def wait_checked(self, label: str, before: dict[str, int], since: float) -> dict[str, int]:
        """Poll the (cheap) list until every watch was checked since `since`, then confirm
        from each watch's check count; bounded by the timeout."""
        started = time.monotonic()
        while True:
            listed = self.api("GET", "/api/v1/watch")
            fresh = sum(
                1 for uuid in self.watches if (listed[uuid].get("last_checked") or 0) >= since
            )
            if fresh >= len(self.watches):
                counts = self.checks()
                if all(counts[uuid] > before.get(uuid, 0) for uuid in self.watches):
                    return counts
            if time.monotonic() - started > self.timeout:
                raise SystemExit(f"cdio {label}: {fresh}/{len(self.watches)} after timeout")
            time.sleep(0.5)

    def run(self, label: str, before: dict[str, int]) -> tuple[float, dict]:
        """Recheck every watch; time until each watch's check count has gone up."""
        since = int(time.time())
        started = time.monotonic()
        self.api("GET", "/api/v1/watch?recheck_all=1")
        after = self.wait_checked(label, before, since)
        rate = len(self.watches) / (time.monotonic() - started)
        print(f"changedetection.io {label}: {rate:,.1f} checks/s", flush=True)
        return rate, after

    def add_watches(self) -> dict[str, int]:
        """Remove the example watches of a new data directory, add ours, and wait for the
        first check of each."""
        for uuid in list(self.api("GET", "/api/v1/watch")):
            self.api("DELETE", f"/api/v1/watch/{uuid}")
        since = int(time.time())
        self.watches = []
        for url in self.urls:
            self.watches.append(self.api("POST", "/api/v1/watch", {"url": url})["uuid"])
        return self.wait_checked("first checks", {}, since)


# --- the run -------------------------------------------------------------------------------


def changed_scale_out(cw: Claimwatch, args) -> dict:
    """Every page changed once per slot with 1, 2 and 4 worker processes, in batches small
    enough that every process has batches to the end of the slot."""
    from django.test import override_settings

    batch = args.scale_batch or max(1, args.pages // (8 * max(SCALE_PROCESSES)))
    # The gone pages come back and the moved ones change at their new address: a first
    # pass so that every slot measured below is the same work (every page changed).
    cw.phase("every page changed, warm-up", SCALE_FROM)
    scale = {}
    for n, processes in enumerate(SCALE_PROCESSES, start=1):
        cw.start_worker(processes)
        with override_settings(MONITOR_BATCH_SIZE=batch):  # the dispatcher runs here
            result = cw.phase(
                f"every page changed, {processes} worker processes, batches of {batch}",
                SCALE_FROM + n,
            )
        changed = result["outcomes"].get("changed", 0)
        scale[str(processes)] = {
            "per_s": result["per_s"],
            "changed": changed,
            "checked_twice": result["twice"],
        }
    ratio = scale["2"]["per_s"] / scale["1"]["per_s"]
    return {
        "changed_scale_batch": batch,
        "changed_scale_out": scale,
        "changed_scale_2_over_1": round(ratio, 2),
    }


def database(base: str) -> str:
    import psycopg2

    name = base.rsplit("/", 1)[1] + "_benchchecks"
    url = base.rsplit("/", 1)[0] + "/" + name
    admin = psycopg2.connect(base.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        # A new database each run: the timeline of the last one cannot be deleted (the
        # database refuses DELETE on events), so a second run failed in setup.
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="changed-path pages")
    parser.add_argument("--unchanged-pages", type=int, default=20000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument(
        "--scale-batch",
        type=int,
        default=0,
        help="batch size of the changed scale-out (default: pages / 32, eight batches "
        "per process at 4 processes)",
    )
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--cdio-pages", type=int, default=200)
    parser.add_argument("--cdio-port", type=int, default=int(os.environ.get("CDIO_PORT", 8119)))
    parser.add_argument("--no-cdio", action="store_true")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the bench is end to end.")
    os.environ["DATABASE_URL"] = database(base)
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ["FETCH_ALLOW_PRIVATE"] = "true"  # the local server is on loopback
    os.environ["MONITOR_HOST_GAP_MS"] = os.environ.get("MONITOR_HOST_GAP_MS", "0")
    os.environ["MONITOR_BATCH_SIZE"] = str(args.batch)
    os.environ["CELERY_BROKER_URL"] = os.environ["REDIS_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimwatch.settings")
    import django

    django.setup()
    from django.conf import settings

    port = free_port()
    hosts = [f"127.0.0.{i + 1}" for i in range(args.hosts)]
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), *hosts])
    cw = Claimwatch(args, port, hosts)
    summary: dict = {
        "pages": args.pages,
        "unchanged_pages": args.unchanged_pages,
        "hosts": args.hosts,
        "batch": args.batch,
    }
    cdio = None
    try:
        time.sleep(1)
        cw.setup()
        cw.start_worker(1)
        summary["first_per_s"] = cw.phase("first visit", 0)["per_s"]
        cw.phase("unchanged (304), warm-up", 0, cw.unchanged_ids)
        summary["unchanged_per_s"] = cw.phase("unchanged (304)", 0, cw.unchanged_ids)["per_s"]
        summary["changed_per_s"] = cw.phase("every page changed", 1)["per_s"]
        cw.phase("headline and text changed", 2)
        scale = {}
        for processes in (1, 2, 4):
            cw.start_worker(processes)
            cw.phase(f"warm-up, {processes} processes", 2, cw.unchanged_ids)
            result = cw.phase(f"unchanged, {processes} worker processes", 2, cw.unchanged_ids)
            scale[str(processes)] = {"per_s": result["per_s"], "checked_twice": result["twice"]}
        summary["scale_out"] = scale
        cw.start_worker(1)
        mix = cw.phase("5% gone, 5% moved, the rest unchanged", MIX_FROM)
        summary["mix_per_s"] = mix["per_s"]
        summary["mix_outcomes"] = mix["outcomes"]
        summary.update(changed_scale_out(cw, args))
        cw.stop_worker()
        summary["worker_peak_rss_mb"] = round(cw.peak_rss, 1)
        summary["worker_peak_uss_mb"] = round(cw.peak_uss, 1)

        unchanged = [
            f"http://{hosts[i % len(hosts)]}:{port}/u/{i}" for i in range(args.unchanged_pages)
        ]
        etags = [f'"u{i}"' for i in range(args.unchanged_pages)]
        per_host = settings.MONITOR_HOST_CONCURRENCY
        summary["aiohttp_304_per_s"] = round(
            asyncio.run(bare_aiohttp(unchanged, etags, per_host)), 1
        )
        urls = [f"http://{hosts[i % len(hosts)]}:{port}/a/{i}" for i in range(args.pages)]
        set_version(port, 0)
        bare = bare_trafilatura(min(args.pages, 500))
        summary["trafilatura_first_per_s"] = round(bare["first"], 1)
        summary["trafilatura_per_s"] = round(bare["changed"], 1)
        print(
            f"bare aiohttp 304s: {summary['aiohttp_304_per_s']:,.0f}/s; bare trafilatura: "
            f"{summary['trafilatura_first_per_s']:,.0f} first pages/s, "
            f"{summary['trafilatura_per_s']:,.0f} changed pages/s",
            flush=True,
        )
        if not args.no_cdio:
            cdio = Cdio(args.cdio_port, urls[: args.cdio_pages], args.timeout)
            cdio.install()
            cdio.start()
            set_version(port, 0)
            counts = cdio.add_watches()
            rate, counts = cdio.run("unchanged", counts)
            summary["cdio_unchanged_per_s"] = round(rate, 1)
            set_version(port, 1)
            summary["cdio_changed_per_s"] = round(cdio.run("every page changed", counts)[0], 1)
            summary["cdio_pages"] = len(cdio.urls)
    finally:
        cw.stop_worker()
        if cdio is not None:
            cdio.stop()
        server.terminate()
        server.wait(10)

    summary["checked_twice"] = sum(
        s["checked_twice"]
        for s in (*summary["scale_out"].values(), *summary["changed_scale_out"].values())
    )
    missed = []
    if summary["unchanged_per_s"] < GOALS["unchanged_per_s"]:
        missed.append(f"unchanged {summary['unchanged_per_s']}/s")
    if summary["changed_per_s"] < GOALS["changed_per_s"]:
        missed.append(f"changed {summary['changed_per_s']}/s")
    share = summary["changed_per_s"] / summary["trafilatura_per_s"]
    summary["changed_share_of_trafilatura"] = round(share, 2)
    if share < GOALS["changed_share_of_trafilatura"]:
        missed.append(f"changed is {share:.2f} of bare trafilatura")
    first_share = summary["first_per_s"] / summary["trafilatura_first_per_s"]
    summary["first_share_of_trafilatura"] = round(first_share, 2)
    if first_share < GOALS["first_share_of_trafilatura"]:
        missed.append(f"first visits are {first_share:.2f} of bare trafilatura")
    if summary["worker_peak_rss_mb"] >= GOALS["worker_peak_rss_mb"]:
        missed.append(f"worker RSS {summary['worker_peak_rss_mb']} MB")
    if summary["changed_scale_2_over_1"] < GOALS["changed_scale_2_over_1"]:
        missed.append(f"changed path, 2 processes: {summary['changed_scale_2_over_1']}x of 1")
    if summary["checked_twice"]:
        missed.append(f"{summary['checked_twice']} sources checked twice in one slot")
    if "cdio_unchanged_per_s" in summary:
        x_unchanged = summary["unchanged_per_s"] / summary["cdio_unchanged_per_s"]
        x_changed = summary["changed_per_s"] / summary["cdio_changed_per_s"]
        summary["x_cdio_unchanged"] = round(x_unchanged, 1)
        summary["x_cdio_changed"] = round(x_changed, 1)
        if x_unchanged < GOALS["unchanged_x_cdio"]:
            missed.append(f"unchanged {x_unchanged:.1f}x changedetection.io")
        if x_changed < GOALS["changed_x_cdio"]:
            missed.append(f"changed {x_changed:.1f}x changedetection.io")
    else:
        summary["cdio_unchanged_per_s"] = summary["cdio_changed_per_s"] = None
        missed.append("changedetection.io not measured (--no-cdio)")
    summary["goals"] = GOALS
    summary["missed"] = missed
    summary["load_average"] = round(os.getloadavg()[0], 1)
    print(json.dumps(summary))
    return 1 if missed else 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--serve":
        serve(sys.argv[3:], int(sys.argv[2]))
    else:
        sys.exit(main())
