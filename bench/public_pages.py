"""Public pages (publishing.public_views): what the cache saves, in-process.

Times N GETs of the SCO claim's public page, the index and the feed through Django's
test client (the whole middleware stack and the view, no HTTP server), once with the
cache emptied before every request (each request renders) and once from the cache, and
counts the SQL queries of each. Then checks the rate limit: PUBLIC_RATE_LIMIT + 10
requests from one address, and how many got 429.

    DATABASE_URL=... REDIS_URL=... DEBUG=true ALLOWED_HOSTS=testserver \\
      .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo
    ... .venv/bin/python bench/public_pages.py [-n 300]

It publishes the demo's SCO claim (and leaves it published).
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimwatch.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from claims.management.commands.seed_demo import MEETING  # noqa: E402
from claims.models import Claim  # noqa: E402
from publishing import cache as public_cache  # noqa: E402
from publishing import services as publishing  # noqa: E402


def run(client, url, n, *, cold: bool, keys) -> tuple[list[float], int]:
    times, queries = [], 0
    for i in range(n):
        if cold:
            cache.delete_many(keys)
            cache.set(public_cache.GEN_KEY, uuid.uuid4().hex, None)
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url, REMOTE_ADDR=f"192.0.2.{i % 250}")
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return times, queries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=300)
    n = parser.parse_args().n
    claim = Claim.objects.get(statement=MEETING)
    editor = get_user_model().objects.get(username="editor")
    # The demo as it stands: its rewritten Anadolu report is confirmed, as an editor would.
    publishing.claim_publish(claim=claim, actor=editor, confirm=True)
    settings.PUBLIC_RATE_LIMIT = 10**9
    client = Client()
    keys = [public_cache.page_key(kind, claim.code) for kind in public_cache.PAGE_KINDS]
    print(f"cache: {settings.CACHES['default']['BACKEND']}, n={n} each")
    print("| page | rendered (median / p95, queries) | from the cache (median / p95, queries) |")
    print("|---|---|---|")
    for label, url in [
        ("claim page", f"/p/{claim.code}/"),
        ("index", "/p/"),
        ("index search", "/p/?q=qingdao"),
        ("feed", "/p/feed/"),
        ("embed card", f"/p/{claim.code}/embed/"),
    ]:
        cells = []
        for cold in (True, False):
            times, queries = run(client, url, n, cold=cold, keys=keys)
            p95 = statistics.quantiles(times, n=20)[-1]
            cells.append(f"{statistics.median(times):.2f} / {p95:.2f} ms, {queries} queries")
        print(f"| {label} | {cells[0]} | {cells[1]} |")

    settings.PUBLIC_RATE_LIMIT = limit = 120
    statuses = [
        client.get(f"/p/{claim.code}/", REMOTE_ADDR="198.51.100.9").status_code
        for _ in range(limit + 10)
    ]
    print(
        f"rate limit {limit}/min: {statuses.count(200)} x 200, {statuses.count(429)} x 429 "
        f"from one address in {limit + 10} requests"
    )


if __name__ == "__main__":
    main()
