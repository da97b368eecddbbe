"""Web pages at 1,000 and at 100,000 claims, side by side, against the production server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claimwatch \
    .venv/bin/python bench/web.py

1. Two databases next to DATABASE_URL's (`<name>_bench1k`, `<name>_bench100k`; made if
   missing: migrated, or copied from `--template`, an already migrated database), filled
   by `manage.py bench_data` unless they already hold the right number of claims
   (`--rebuild` builds them again).
   `manage.py verify_timeline` is timed on each (every chain and capture re-checked).
2. Query counts of every page, in this process, through Django's test client on each
   database: they must be the same at both sizes.
3. gunicorn (the Procfile's server, `--workers`) on each database, DEBUG off; logged in as
   `bench`, each page is requested `--requests` times in turn (after a warm-up) and its
   p50/p95 taken; the login page is the floor, measured in the same run.
4. 10 concurrent users on `/claims/` at 100k for `--seconds`: p95 and requests/s.
5. `--readers` (50) anonymous readers of one published claim's public page (`/p/<code>/`,
   served from the cache) at 100k for `--seconds`: p95 and requests/s. The claim is
   published through `claim_publish` first (once; publishing twice changes nothing).
   Run it with REDIS_URL set, as production is: without it the cache (and the readers'
   rate counter) is the file cache under var/, a slower path than production's.

The suite runs it at a tiny size (tests/test_bench_web.py); the figures in
docs/benchmarks.md come from the default sizes.

The last line printed is a JSON summary; the exit status is 1 when a goal is missed
(see GOALS). Loopback only; every loop is bounded in count and time.
"""

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-1"
# page name -> path; {code} is a claim of the data set, {rare} a word of one claim only.
PAGES = {
    "claims": "/claims/",
    "claims_active": "/claims/?sort=active",
    "claims_sources": "/claims/?sort=sources",
    "claims_denied": "/claims/?status=denied",
    "claims_review": "/claims/?needs_review=on",
    "search_common": "/claims/?q=apple",
    "search_rare": "/claims/?q={rare}",
    "claims_page_3": "/claims/?page=3",
    "claim_page": "/claims/{code}/",
    "sources": "/sources/",
    "outlets": "/outlets/",
    "review_queue": "/claims/review/",
    "api_claims": "/api/claims/",
    "api_sources": "/api/sources/",
}
SEARCH = {"search_common", "search_rare"}
# The pages of the table, held to "<= 5x the login page" as well; every page is
# held to "<= 1.5x its 1k figure" and to the same query count at both sizes.
FLOOR_PAGES = {
    "claims",
    "claims_active",
    "claims_denied",
    "sources",
    "api_claims",
    "claim_page",  # issue 24
    *SEARCH,
}
GOALS = {
    "ratio_large_small": 1.5,  # p95 at 100k over p95 at 1k, per page
    "ratio_floor": 5.0,  # p95 at 100k over the login page's p95
    "search_ms": 50.0,  # p95 of a search at 100k
    "concurrent_p95_ms": 250.0,
    "concurrent_rps": 100.0,
    "public_p95_ms": 100.0,  # 50 readers of a cached public page (issue 24)
    "verify_s": 60.0,  # manage.py verify_timeline at 100k (issue 24)
}


def size_name(claims: int) -> str:
    return f"{claims // 1000}k" if claims % 1000 == 0 else str(claims)


def db_url(base: str, suffix: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=parts.path + suffix))


def env_for(url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-" + "x" * 60,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        LOG_LEVEL="WARNING",
        # the bench logs in hundreds of times: no lock-out
        LOGIN_FAILURE_LIMIT="1000",
        # every reader comes from 127.0.0.1: counted (as always), never refused
        PUBLIC_RATE_LIMIT="1000000000",
    )
    env.setdefault("CLAIMWATCH_VAR_DIR", str(ROOT / "var" / "bench"))
    return env


def manage(url: str, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env_for(url),
        check=True,
        capture_output=capture,
        text=True,
    )
    return result.stdout if capture else ""


def ensure_database(url: str, claims: int, rebuild: bool, template: str = "") -> dict:
    import psycopg2

    name = urlsplit(url).path.lstrip("/")
    admin = psycopg2.connect(db_url(url, "").rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            copy = f' TEMPLATE "{template}"' if template else ""
            cursor.execute(f'CREATE DATABASE "{name}"{copy}')
    admin.close()
    if not template:
        manage(url, "migrate", "-v0")
    conn = psycopg2.connect(url)
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM claims_claim")
        have = cursor.fetchone()[0]
    conn.close()
    built = None
    if have != claims or rebuild:
        out = manage(url, "bench_data", "--claims", str(claims), "--fresh", capture=True)
        built = json.loads(out.strip().splitlines()[-1])
        print(f"built {name}: {built}", flush=True)
    return {"name": name, "built": built}


def verify_time(url: str) -> dict:
    """`manage.py verify_timeline` over the whole database: seconds and its verdict."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", "verify_timeline"],
        cwd=ROOT,
        env=env_for(url),
        capture_output=True,
        text=True,
    )
    return {
        "seconds": round(time.monotonic() - started, 1),
        "exit": done.returncode,
        "said": (done.stdout or done.stderr).strip().splitlines()[-1:],
    }


def sample(url: str) -> dict:
    """A claim code and a word that only one claim has. The claim has a verdict at every
    size (a decided claim's page has parts an open one has not), so that the two sizes
    compare the same page. `public`: another decided claim, for the public page."""
    import psycopg2

    conn = psycopg2.connect(url)
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT code, context FROM claims_claim WHERE merged_into_id IS NULL "
            "AND withdrawn_at IS NULL AND status <> 'unverified' "
            "ORDER BY created_at DESC, id DESC OFFSET 2 LIMIT 2"
        )
        (code, context), (public, _) = cursor.fetchall()
    conn.close()
    rare = re.search(r"CW\d+", context or "")
    return {"code": str(code), "rare": rare.group(0) if rare else "zzzz", "public": str(public)}


PUBLISHER = r"""
import sys
import django
django.setup()
from claims.models import Claim
from publishing.services import claim_publish
claim_publish(claim=Claim.objects.get(code=sys.argv[1]), actor=None, confirm=True)
"""


def publish(url: str, code: str) -> str:
    """Publish the claim `code` (as the system); its public page's path."""
    env = env_for(url)
    env["DJANGO_SETTINGS_MODULE"] = "claimwatch.settings"
    done = subprocess.run(
        [sys.executable, "-c", PUBLISHER, code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"publishing {code} failed:\n{done.stderr[-3000:]}")
    return f"/p/{code}/"


QUERY_COUNTER = r"""
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
paths = json.loads(sys.argv[1])
client = Client()
client.force_login(get_user_model().objects.get(username="bench"))
counts = {}
for name, path in paths.items():
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    counts[name] = len(queries) if status == 200 else -status
print(json.dumps(counts))
"""


def query_counts(url: str, paths: dict) -> dict:
    env = env_for(url)
    env["DJANGO_SETTINGS_MODULE"] = "claimwatch.settings"
    done = subprocess.run(
        [sys.executable, "-c", QUERY_COUNTER, json.dumps(paths)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"counting queries failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    env = env_for(url)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "claimwatch.wsgi",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    return process


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


async def wait_up(base: str, timeout: float = 60) -> None:
    import aiohttp

    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(base + "/accounts/login/") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.3)
    raise SystemExit(f"server at {base} did not answer within {timeout}s")


async def logged_in(base: str):
    import aiohttp

    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.get(base + "/accounts/login/") as response:
        page = await response.text()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    async with session.post(
        base + "/accounts/login/",
        data={"username": "bench", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/accounts/login/"},
        allow_redirects=False,
    ) as response:
        if response.status != 302:
            raise SystemExit(f"login at {base} failed: {response.status}")
    return session


def pct(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def timed(session, url: str) -> float:
    started = time.perf_counter()
    async with session.get(url) as response:
        await response.read()
        if response.status != 200:
            raise SystemExit(f"{url}: HTTP {response.status}")
    return (time.perf_counter() - started) * 1000


async def sequential(base: str, paths: dict, requests: int) -> dict:
    """p50/p95 per page, pages interleaved so that noise hits all of them alike."""
    import aiohttp

    times = {name: [] for name in ["floor", *paths]}
    anonymous = aiohttp.ClientSession()
    session = await logged_in(base)
    try:
        for path in paths.values():  # warm-up: caches, connections, plans
            await timed(session, base + path)
        for _ in range(3):
            await timed(anonymous, base + "/accounts/login/")
        for _ in range(requests):
            times["floor"].append(await timed(anonymous, base + "/accounts/login/"))
            for name, path in paths.items():
                times[name].append(await timed(session, base + path))
    finally:
        await session.close()
        await anonymous.close()
    return {
        name: {"p50_ms": round(pct(v, 50), 1), "p95_ms": round(pct(v, 95), 1)}
        for name, v in times.items()
    }


async def concurrent(
    base: str, path: str, users: int, seconds: float, anonymous: bool = False
) -> dict:
    """`users` sessions (logged in unless `anonymous`), each asking for `path` again as
    soon as it has its answer, for `seconds` after one warm-up request each."""
    import aiohttp

    if anonymous:
        sessions = [aiohttp.ClientSession() for _ in range(users)]
    else:
        sessions = [await logged_in(base) for _ in range(users)]
    await asyncio.gather(*(timed(s, base + path) for s in sessions))
    times: list[float] = []
    deadline = time.monotonic() + seconds

    async def user(session):
        while time.monotonic() < deadline:
            times.append(await timed(session, base + path))

    started = time.monotonic()
    try:
        await asyncio.gather(*(user(s) for s in sessions))
    finally:
        for s in sessions:
            await s.close()
    elapsed = time.monotonic() - started
    return {
        "users": users,
        "requests": len(times),
        "per_s": round(len(times) / elapsed, 1),
        "p50_ms": round(pct(times, 50), 1),
        "p95_ms": round(pct(times, 95), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="per page and size")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 4)))
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--readers", type=int, default=50, help="of the public page")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8111)))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--template", default="", help="make new databases as copies of this migrated one"
    )
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claimwatch")
    sizes = {"small": args.small, "large": args.large}
    urls = {size: db_url(base_url, f"_bench{size_name(n)}") for size, n in sizes.items()}
    data = {
        size: ensure_database(urls[size], n, args.rebuild, args.template)
        for size, n in sizes.items()
    }
    verify = {size: verify_time(urls[size]) for size in sizes}
    for size in sizes:
        print(f"verify_timeline at {sizes[size]} claims: {verify[size]}", flush=True)
    manage(urls["small"], "collectstatic", "--noinput", "-v0")

    paths = {}
    for size in sizes:
        values = sample(urls[size])
        paths[size] = {name: p.format(**values) for name, p in PAGES.items()}
    public_path = publish(urls["large"], sample(urls["large"])["public"])
    counts = {size: query_counts(urls[size], paths[size]) for size in sizes}

    figures = {}
    load = None
    for i, size in enumerate(sizes):
        port = args.port + i
        server = start_server(urls[size], port, args.workers)
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_up(base))
            figures[size] = asyncio.run(sequential(base, paths[size], args.requests))
            if size == "large":
                load = asyncio.run(concurrent(base, "/claims/", args.users, args.seconds))
                readers = asyncio.run(
                    concurrent(base, public_path, args.readers, args.seconds, anonymous=True)
                )
        finally:
            stop_server(server)

    floor = max(figures["small"]["floor"]["p95_ms"], figures["large"]["floor"]["p95_ms"])
    pages = {}
    missed = []
    for name in PAGES:
        small, large = figures["small"][name], figures["large"][name]
        row = {
            "p50_ms_small": small["p50_ms"],
            "p95_ms_small": small["p95_ms"],
            "p50_ms_large": large["p50_ms"],
            "p95_ms_large": large["p95_ms"],
            "ratio": round(large["p95_ms"] / small["p95_ms"], 2),
            "ratio_floor": round(large["p95_ms"] / floor, 2),
            "queries_small": counts["small"][name],
            "queries_large": counts["large"][name],
        }
        pages[name] = row
        goal = []
        if row["ratio"] > GOALS["ratio_large_small"]:
            goal.append(f"p95 {row['ratio']}x its 1k figure")
        if name in FLOOR_PAGES and row["ratio_floor"] > GOALS["ratio_floor"]:
            goal.append(f"p95 {row['ratio_floor']}x the login page")
        if name in SEARCH and large["p95_ms"] >= GOALS["search_ms"]:
            goal.append(f"search p95 {large['p95_ms']} ms")
        if row["queries_small"] != row["queries_large"]:
            goal.append("query count grows")
        if goal:
            missed.append(f"{name}: " + ", ".join(goal))
        print(
            f"{name:16} {size_name(args.small)} p95 {small['p95_ms']:7.1f} ms"
            f"  {size_name(args.large)} p95 {large['p95_ms']:7.1f} ms"
            f"  x{row['ratio']:<5} floor x{row['ratio_floor']:<5}"
            f"  queries {row['queries_small']}/{row['queries_large']}",
            flush=True,
        )
    if load["p95_ms"] >= GOALS["concurrent_p95_ms"] or load["per_s"] <= GOALS["concurrent_rps"]:
        missed.append(f"concurrent: p95 {load['p95_ms']} ms, {load['per_s']} requests/s")
    print(f"concurrent /claims/ at {args.large}: {load}", flush=True)
    if readers["p95_ms"] >= GOALS["public_p95_ms"]:
        missed.append(f"public page: p95 {readers['p95_ms']} ms under {args.readers} readers")
    print(f"public page {public_path} at {args.large}: {readers}", flush=True)
    claim_page = pages["claim_page"]
    print(
        f"claim page p50/p95: {claim_page['p50_ms_small']}/{claim_page['p95_ms_small']} ms at "
        f"{args.small}, {claim_page['p50_ms_large']}/{claim_page['p95_ms_large']} ms at "
        f"{args.large} (x{claim_page['ratio']}); login page p95 {floor} ms "
        f"(x{claim_page['ratio_floor']})",
        flush=True,
    )
    for size in sizes:
        if verify[size]["exit"]:
            missed.append(f"verify_timeline at {sizes[size]}: {verify[size]['said']}")
    if verify["large"]["seconds"] >= GOALS["verify_s"]:
        missed.append(f"verify_timeline at {args.large}: {verify['large']['seconds']} s")
    summary = {
        "claims_small": args.small,
        "claims_large": args.large,
        "server": f"gunicorn --workers {args.workers} (gunicorn.conf.py)",
        "cache": "redis" if os.environ.get("REDIS_URL") else "file",
        "requests_per_page": args.requests,
        "floor_p95_ms": floor,
        "floor_p95_ms_small": figures["small"]["floor"]["p95_ms"],
        "floor_p95_ms_large": figures["large"]["floor"]["p95_ms"],
        "pages": pages,
        "concurrent": load,
        "public_page": {"path": public_path, **readers},
        "claim_page": claim_page,
        "verify_timeline": {sizes[size]: verify[size] for size in sizes},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "goals": GOALS,
        "missed": missed,
        "data": data,
    }
    print(json.dumps(summary))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
