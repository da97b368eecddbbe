"""Soak: N simulated users against the production web server while a worker and beat check
sources, on a private PostgreSQL and Redis (tests/reliability/stack.py).

Each user loops: read the claim list, search, read a claim, read the sources list, add a
piece of evidence (API), set a verdict (API, with the version it read: a 409 is a correct
refusal, not an error). Counted: requests by kind, errors (5xx or no answer), latencies;
afterwards every 201 evidence must be in the database and every 200 verdict on the
timeline (no lost writes). Memory (RSS) of the web server and of the worker (with its
children) is sampled every 10 s. The processes' logs are kept in var/soak/.

    .venv/bin/python bench/soak.py --minutes 10 --users 20
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FAULT_PORTS", "25420,26320,8123,8124")
os.environ.setdefault("SECRET_KEY", "soak-" + "x" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.update(DEBUG="false", SECURE_SSL_REDIRECT="false", SECURE_COOKIES="false")
os.environ.setdefault("CLAIMWATCH_VAR_DIR", str(ROOT / "var" / "soak"))

from tests.reliability.stack import Stack, wait_for  # noqa: E402

SETUP = """
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from claims import services
tokens = []
for i in range({users}):
    user = User.objects.create_user(f"user{{i}}", password="correct horse battery")
    user.groups.add(Group.objects.get(name="Editors" if i % 2 else "Analysts"))
    tokens.append(Token.objects.create(user=user).key)
codes = []
for i in range(40):
    claim = services.claim_create(statement=f"Soak claim {{i}}: ministers will meet.", actor=None)
    codes.append(str(claim.code))
    for j in range(3):
        services.evidence_add(claim=claim, url="{page}" + f"/seed/{{i}}/{{j}}",
                              stance="supports", actor=None)
print(" ".join(tokens))
print(" ".join(codes))
"""


def rss_kb(pid: int) -> int:
    """RSS of a process and its descendants, in kB."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
            pids.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    stack = Stack(Path(tempfile.mkdtemp(prefix="claimwatch-soak-")))
    stack.env["MONITOR_FRESH_MINUTES"] = "1"  # the worker keeps checking throughout
    for name in ("MONITOR_SOFT_TIME_LIMIT", "MONITOR_RETRIES"):  # production's defaults
        stack.env.pop(name)
    try:
        print("setting up PostgreSQL, Redis, migrations...", flush=True)
        stack.pg_init()
        stack.redis_start()
        stack.manage("migrate", "--noinput", "-v", "0")
        stack.manage("collectstatic", "--noinput", "-v", "0")
        out = stack.manage(
            "shell", "-c", SETUP.format(users=args.users, page=stack.page(""))
        ).splitlines()
        tokens, codes = out[-2].split(), out[-1].split()
        # The Procfile's web server (gunicorn, gunicorn.conf.py), not Stack.web()'s runserver:
        # the soak is against the production server.
        stack.start(
            "web",
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "claimwatch.wsgi",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{stack.web_port}",
            ],
        )
        wait_for(lambda: stack.http("GET", "/accounts/login/")[0] == 200, 60, "the web server")
        worker = stack.worker()
        # The first RSS sample is taken once the pool's child is forked (else 8 MB).
        wait_for(
            lambda: Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().strip(),
            60,
            "the worker's pool",
        )
        stack.beat()
        stats = defaultdict(list)
        errors = Counter()
        created, verdicts = [], Counter()
        lock = threading.Lock()
        stop = time.monotonic() + args.minutes * 60

        def call(kind, method, path, body=None, token=""):
            t = time.monotonic()
            try:
                status, _, text = stack.http(method, path, body, token=token)
            except Exception as exc:  # noqa: BLE001 (no answer at all)
                status, text = 0, repr(exc)
            with lock:
                stats[kind].append(time.monotonic() - t)
                if status == 0 or status >= 500:
                    errors[(kind, status)] += 1
            return status, text

        def user(i):
            token = tokens[i]
            rng = random.Random(i)
            n = 0
            while time.monotonic() < stop:
                code = rng.choice(codes)
                call("list", "GET", "/api/claims/?limit=25", token=token)
                call("search", "GET", "/api/claims/?q=ministers", token=token)
                status, text = call("claim", "GET", f"/api/claims/{code}/", token=token)
                call("sources", "GET", "/api/sources/?limit=25", token=token)
                url = stack.page(f"/soak/{i}/{n}")
                n += 1
                status, _ = call(
                    "evidence",
                    "POST",
                    f"/api/claims/{code}/evidence/",
                    {"url": url, "stance": rng.choice(["supports", "denies"])},
                    token,
                )
                if status == 201:
                    with lock:
                        created.append((code, url))
                if i % 2:  # editors
                    version = (
                        int(text.split('"version":')[1].split(",")[0])
                        if '"version":' in text
                        else 1
                    )
                    status, _ = call(
                        "verdict",
                        "POST",
                        f"/api/claims/{code}/verdict/",
                        {
                            "status": rng.choice(["confirmed", "denied", "disputed"]),
                            "rationale": "Soak.",
                            "version": version,
                        },
                        token,
                    )
                    with lock:
                        verdicts[status] += 1

        memory = {"web": [], "worker": [], "connections": []}
        import psycopg2

        monitor = psycopg2.connect(stack.db_url)
        monitor.autocommit = True

        def query(sql, *params):
            with monitor.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()

        stack.sql = query  # the counts below use this connection too

        def sample():
            while time.monotonic() < stop:
                memory["web"].append(rss_kb(stack.procs["web"].pid))
                memory["worker"].append(rss_kb(stack.procs["worker"].pid))
                memory["connections"].append(
                    query("SELECT count(*) FROM pg_stat_activity WHERE datname = 'claimwatch'")[0][
                        0
                    ]
                    * 1024
                )
                time.sleep(10)

        threads = [threading.Thread(target=user, args=(i,)) for i in range(args.users)]
        threads.append(threading.Thread(target=sample))
        started = time.monotonic()
        print(f"soaking {args.users} users for {args.minutes} min...", flush=True)
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        time.sleep(2)
        # Lost writes: every 201 evidence and every 200 verdict is in the database.
        saved = stack.sql(
            "SELECT count(*) FROM claims_evidence e JOIN sources_source s ON s.id = e.source_id"
            " WHERE s.url LIKE %s",
            stack.page("/soak/") + "%",
        )[0][0]
        verdict_events = stack.sql(
            "SELECT count(*) FROM claims_claimevent WHERE kind = 'verdict_set'"
        )[0][0]
        checks = stack.sql("SELECT count(*), count(DISTINCT source_id) FROM sources_checkattempt")[
            0
        ]
        dup_snapshots = stack.sql(
            "SELECT count(*) FROM (SELECT source_id, content_hash FROM sources_snapshot"
            " GROUP BY 1, 2 HAVING count(*) > 1) d"
        )[0][0]
        total = sum(len(v) for v in stats.values())
        print(
            f"\nran {elapsed:.0f} s, {args.users} users, {total} requests "
            f"({total / elapsed:.1f}/s), errors: {sum(errors.values())} {dict(errors)}"
        )
        for kind, times in sorted(stats.items()):
            times.sort()
            print(
                f"  {kind:9} n={len(times):6}  p50={statistics.median(times) * 1000:6.0f} ms"
                f"  p95={times[int(len(times) * 0.95)] * 1000:6.0f} ms"
                f"  max={times[-1] * 1000:6.0f} ms"
            )
        print(f"evidence: {len(created)} answered 201, {saved} in the database")
        print(f"verdicts: {dict(verdicts)}; verdict_set events: {verdict_events}")
        print(
            f"checks: {checks[0]} attempts on {checks[1]} sources; duplicate snapshots: "
            f"{dup_snapshots}"
        )
        conns = [c // 1024 for c in memory.pop("connections")]
        if conns:
            print(f"PostgreSQL connections: start {conns[0]}, max {max(conns)}, end {conns[-1]}")
        for name, values in memory.items():
            if values:
                print(
                    f"RSS {name}: start {values[0] // 1024} MB, max {max(values) // 1024} MB,"
                    f" end {values[-1] // 1024} MB ({len(values)} samples)"
                )
                print(f"  each minute (MB): {' '.join(str(v // 1024) for v in values[::6])}")
        for name in ("web", "worker", "beat"):
            log = (stack.tmp / f"{name}.log").read_text(errors="replace")
            print(f"{name} log: {log.count('Traceback')} tracebacks")
        lost = len(created) != saved or verdicts[200] != verdict_events
        ok = not errors and not lost and not dup_snapshots
        print("OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        stack.close()
        logs = Path(os.environ["CLAIMWATCH_VAR_DIR"])  # kept for reading after the run
        logs.mkdir(parents=True, exist_ok=True)
        for log in stack.tmp.glob("*.log"):
            shutil.copy(log, logs / log.name)
        shutil.rmtree(stack.tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
