"""How many small pages per second sources.fetch gets from a local server.

Starts a server in another process (nginx if installed, else an aiohttp web server),
then fetches a fixed number of pages through the guard in one event loop and one shared
session (as the monitoring worker does), twice: the 200 path (no validators) and the 304
path (If-None-Match with each page's ETag).

    .venv/bin/python bench/fetch_throughput.py                       # nginx if present
    .venv/bin/python bench/fetch_throughput.py --server aiohttp --count 20000 --concurrency 64
    .venv/bin/python bench/fetch_throughput.py --baseline  # plain aiohttp too: the guard's cost

Client CPU per page (time.process_time of this process) is printed beside the rate: the
rate depends on what else the two cores are doing, the CPU per page much less.

Ports: nginx 8202, aiohttp 8203 (the fetch helper's range). Results go to bench/fetch.md.
"""

import argparse
import asyncio
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = 200
PAGE = (
    "<!doctype html><html><head><title>Story {n}</title></head><body><article>"
    + "<p>Ministers will meet at the summit, officials said on Tuesday.</p>" * 20
    + "</article></body></html>"
)  # ~1.4 KB


def page(n: int) -> bytes:
    return PAGE.format(n=n).encode()


# --- servers ----------------------------------------------------------------------------


def serve_aiohttp(port: int) -> None:
    from aiohttp import web

    bodies = {n: page(n) for n in range(PAGES)}
    etags = {n: '"' + hashlib.sha256(b).hexdigest()[:16] + '"' for n, b in bodies.items()}

    async def handle(request: web.Request) -> web.Response:
        n = int(request.match_info["n"]) % PAGES
        if request.headers.get("If-None-Match") == etags[n]:
            return web.Response(status=304, headers={"ETag": etags[n]})
        return web.Response(
            body=bodies[n], content_type="text/html", charset="utf-8", headers={"ETag": etags[n]}
        )

    app = web.Application()
    app.router.add_get("/page/{n}.html", handle)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    default_type text/html;
    keepalive_requests 100000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
        etag on;
    }}
}}
"""


def start_nginx(tmp: Path, port: int) -> subprocess.Popen:
    tmp.chmod(0o755)  # nginx's workers run as another user
    www = tmp / "www" / "page"
    www.mkdir(parents=True)
    for n in range(PAGES):
        (www / f"{n}.html").write_bytes(page(n))
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port))
    return subprocess.Popen(
        [shutil.which("nginx"), "-c", str(conf), "-p", str(tmp), "-g", "daemon off;"],
        stderr=subprocess.DEVNULL,
    )


def wait_for_port(port: int, deadline: float = 10) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    sys.exit(f"the server on port {port} did not come up")


# --- the client -------------------------------------------------------------------------


async def run(base: str, count: int, concurrency: int, conditional: bool, raw: bool):
    """Fetch `count` pages with `concurrency` workers on one session; return
    (pages/s, seconds, client CPU seconds, statuses). `raw` uses plain aiohttp (no guard)
    as a baseline for what the guard costs."""
    import aiohttp

    from sources import fetch

    statuses: dict[int, int] = {}
    etags: dict[int, str] = {}
    if raw:
        session_cm = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
        )
    else:
        session_cm = fetch.make_session(limit=concurrency, limit_per_host=concurrency)

    async with session_cm as session:

        async def one(i: int, etag: str) -> tuple[int, str]:
            url = f"{base}/page/{i}.html"
            if raw:
                headers = {"If-None-Match": etag} if etag else {}
                async with session.get(url, headers=headers, allow_redirects=False) as resp:
                    await resp.read()
                    return resp.status, resp.headers.get("ETag", "")
            result = await fetch.fetch_async(url, etag=etag, session=session)
            return result.status, result.etag

        # Warm up: open the connections and learn every ETag.
        for i in range(PAGES):
            etags[i] = (await one(i, ""))[1]
        next_n = iter(range(count))

        async def worker():
            for n in next_n:
                i = n % PAGES
                status, _ = await one(i, etags[i] if conditional else "")
                statuses[status] = statuses.get(status, 0) + 1

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return count / elapsed, elapsed, cpu, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", choices=["nginx", "aiohttp"], default=None)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--baseline", action="store_true", help="also time plain aiohttp without the guard"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_aiohttp(args.serve)
        return

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimwatch.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ["FETCH_ALLOW_PRIVATE"] = "true"  # the server is on loopback
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    loop_name = "asyncio's default event loop"
    server = args.server or ("nginx" if shutil.which("nginx") else "aiohttp")
    with tempfile.TemporaryDirectory(prefix="cw-bench-") as tmp:
        if server == "nginx":
            port = 8202
            proc = start_nginx(Path(tmp), port)
        else:
            port = 8203
            proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
        try:
            wait_for_port(port)
            base = f"http://127.0.0.1:{port}"
            print(f"server: {server} on {base}; client: {loop_name}")
            print(f"{args.count} fetches, concurrency {args.concurrency}, one session")
            print(f"{'path':30} {'pages/s':>8} {'client CPU/page':>16}  statuses")
            for raw in (False, True) if args.baseline else (False,):
                for conditional in (False, True):
                    rate, elapsed, cpu, statuses = asyncio.run(
                        run(base, args.count, args.concurrency, conditional, raw)
                    )
                    label = ("plain aiohttp " if raw else "sources.fetch ") + (
                        "304 (If-None-Match)" if conditional else "200 (full page)"
                    )
                    per_page = cpu / args.count * 1e6
                    print(f"{label:30} {rate:8.0f} {per_page:13.0f} µs  {statuses}")
                    expected = 304 if conditional else 200
                    if set(statuses) != {expected}:
                        sys.exit(f"expected only {expected} answers: the run is not valid")
        finally:
            proc.send_signal(signal.SIGTERM if server == "aiohttp" else signal.SIGQUIT)
            proc.wait(10)


if __name__ == "__main__":
    main()
