"""Checks per second for unchanged pages (the 304 path), end to end.

PostgreSQL + Redis + a local HTTP server + ONE Celery worker process:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claimwatch_monitor \
    REDIS_URL=redis://127.0.0.1:6379/3 \
    .venv/bin/python bench/monitor_throughput.py --sources 20000

1. Start a small HTTP server in its own process, listening on --hosts loopback addresses
   (127.0.0.1, 127.0.0.2, ...), so per-host limits apply as they would to many sites.
   It answers If-None-Match with 304, like a well-behaved news site.
2. Create N due sources spread over those hosts, each with a stored ETag and hash.
3. Start `celery -A claimwatch worker --concurrency=1` (one pool process).
4. Warm up with one dispatch, then make every source due, dispatch, and time until every
   source has a check newer than the start. checks/s = N / elapsed.
The database rows are deleted at the end.
"""

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ETAG = '"bench-v1"'
BODY = b"<html><head><title>Bench</title></head><body><p>Unchanged.</p></body></html>"


# --- 1. the server -----------------------------------------------------------------------


class Http(asyncio.Protocol):
    """Just enough HTTP/1.1 with keep-alive: 304 for a matching If-None-Match, else 200."""

    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            if f"if-none-match: {ETAG}".encode() in head.lower():
                self.transport.write(
                    b"HTTP/1.1 304 Not Modified\r\nETag: " + ETAG.encode() + b"\r\n"
                    b"Content-Length: 0\r\n\r\n"
                )
            else:
                self.transport.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nETag: "
                    + ETAG.encode()
                    + b"\r\nContent-Length: "
                    + str(len(BODY)).encode()
                    + b"\r\n\r\n"
                    + BODY
                )


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


# --- 2-4. the run -----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=20000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--pool", default="prefork", choices=["prefork", "solo"])
    args = parser.parse_args()

    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ["FETCH_ALLOW_PRIVATE"] = "true"  # the local server is on loopback
    os.environ["MONITOR_HOST_GAP_MS"] = os.environ.get("MONITOR_HOST_GAP_MS", "0")
    os.environ["MONITOR_BATCH_SIZE"] = str(args.batch)
    os.environ["CELERY_BROKER_URL"] = os.environ.get("REDIS_URL", "")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimwatch.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from claimwatch.celery import app
    from monitoring.tasks import dispatch_due_sources
    from sources.models import CheckAttempt, Outlet, Source

    if not settings.DATABASE_URL.startswith("postgres") or not settings.REDIS_URL:
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the bench is end to end.")
    call_command("migrate", verbosity=0)

    port = free_port()
    hosts = [f"127.0.0.{i + 1}" for i in range(args.hosts)]
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), *hosts])
    worker = None
    prefix = f"http://127.0.0.%d:{port}/bench/"
    try:
        Source.objects.filter(url__contains=f":{port}/bench/").delete()
        now = timezone.now()
        Source.objects.bulk_create(
            (
                Source(
                    url=(prefix % (i % args.hosts + 1)) + str(i),
                    state=Source.State.LIVE,
                    etag=ETAG,
                    content_hash="h",
                    body_hash="b",
                    last_checked_at=now,
                    next_check_at=None,
                    created_at=now - timezone.timedelta(days=3),
                )
                for i in range(args.sources)
            ),
            batch_size=5000,
        )
        ours = Source.objects.filter(url__contains=f":{port}/bench/")
        low, high = min(ours.values_list("pk", flat=True)), max(ours.values_list("pk", flat=True))
        ours = Source.objects.filter(pk__gte=low, pk__lte=high)  # cheap to poll
        Source.objects.exclude(url__contains=f":{port}/bench/").update(next_check_at=None)
        app.control.purge()
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "claimwatch",
                "worker",
                f"--pool={args.pool}",
                "--concurrency=1",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=os.environ,
        )

        def run(label: str, count: int) -> float:
            start = timezone.now()
            ours.filter(pk__in=list(ours.values_list("pk", flat=True)[:count])).update(
                next_check_at=start
            )
            t0 = time.monotonic()
            queued = 0
            while queued < count:
                queued += dispatch_due_sources()
            while ours.filter(last_checked_at__gte=start).count() < count:
                if time.monotonic() - t0 > 600:
                    sys.exit("Gave up after 10 minutes.")
                time.sleep(0.25)
            elapsed = time.monotonic() - t0
            print(f"{label}: {count} checks in {elapsed:.2f}s = {count / elapsed:,.0f} checks/s")
            return count / elapsed

        run("warm-up", min(args.batch * 2, args.sources))
        rate = run("measured", args.sources)
        load = os.getloadavg()[0]
        outcomes = set(
            CheckAttempt.objects.filter(source__in=ours)
            .values_list("outcome", flat=True)
            .distinct()
        )
        print(
            f"outcomes: {sorted(outcomes)}; hosts: {args.hosts}; batch: {args.batch}; "
            f"pool: {args.pool}; per host: {settings.MONITOR_HOST_CONCURRENCY} at once, "
            f"gap {os.environ['MONITOR_HOST_GAP_MS']} ms; load average {load:.1f}"
        )
        print(f"RESULT {rate:,.0f} checks/s")
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)
        server.terminate()
        server.wait(10)
        Source.objects.filter(url__contains=f":{port}/bench/").delete()
        Outlet.objects.filter(domain__startswith="127.0.0.").delete()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--serve":
        serve(sys.argv[3:], int(sys.argv[2]))
    else:
        main()
