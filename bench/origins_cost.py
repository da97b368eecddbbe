"""What grouping into origins costs when a snapshot is stored, as the number of sources grows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cw_wt14 \
    .venv/bin/python bench/origins_cost.py --sizes 1000 10000 50000

1. Make one claim of 10 sources with real fingerprints (three wire copies, a rewrite
   citing the wire, six independent reports), as the check would store them.
2. For each size N: add sources (with fingerprints and LSH bands: random signatures,
   BANDS rows each) in claims of 10 sources, until N sources exist besides the claim's.
3. Time what the check does when one of the claim's sources gets a new snapshot:
   computing the fingerprint (pure), storing it with its bands, and regrouping the claims
   citing the source (claims.services.origins_update_for_source); median of 30 runs, the
   queries of one run and their database time (median of 5), and the peak of Python
   memory allocated (tracemalloc).
The rows made are deleted at the end. Results go to docs/origins.md.
"""

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimwatch.settings")
os.environ.setdefault("DEBUG", "true")
django.setup()

import numpy as np  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from claims import services  # noqa: E402
from claims.models import Claim, Evidence  # noqa: E402
from sources import origins  # noqa: E402
from sources.models import Source, SourceBand, SourceFingerprint  # noqa: E402
from sources.services import source_fingerprint_store  # noqa: E402

PREFIX = "https://bench-origins.example.com/"
WIRE = (
    "Pakistan's Defence Minister Khawaja Asif and his Indian counterpart Rajnath Singh may "
    "hold their first face-to-face meeting since the recent military standoff on the "
    "sidelines of the SCO defence ministers' meeting in Qingdao this week, diplomatic "
    "sources said. Asif will lead the Pakistani delegation at the two-day forum, while "
    "Singh is scheduled to hold meetings with the defence ministers of China and Russia. "
) * 4


def make_claim() -> tuple[Claim, Source]:
    claim = Claim.objects.create(statement="Bench: the ministers will meet in Qingdao.")
    texts = [WIRE, WIRE + " TRT World said.", WIRE.replace("may", "could")]
    texts.append("The ministers could meet, according to Anadolu Agency. Nothing is confirmed.")
    texts += [f"Independent report number {n} with its own words about Qingdao." for n in range(6)]
    first = None
    for n, text in enumerate(texts):
        source = Source.objects.create(url=f"{PREFIX}claim/{n}", next_check_at=None)
        Evidence.objects.create(claim=claim, source=source, stance="supports")
        source_fingerprint_store(source=source, fingerprint=origins.fingerprint(text=text))
        first = first or source
    services.origins_regroup(claim=claim)
    return claim, first


def fill(existing: int, target: int, rng: np.random.Generator) -> None:
    """Sources with random signatures and their bands, 10 to a claim, up to `target`."""
    batch = 2000
    while existing < target:
        n = min(batch, target - existing)
        with transaction.atomic():
            sources = Source.objects.bulk_create(
                Source(url=f"{PREFIX}s/{existing + i}", next_check_at=None) for i in range(n)
            )
            claims = Claim.objects.bulk_create(
                Claim(statement=f"Bench claim {existing + i}") for i in range(0, n, 10)
            )
            Evidence.objects.bulk_create(
                Evidence(claim=claims[i // 10], source=s, stance="supports")
                for i, s in enumerate(sources)
            )
            prints, bands = [], []
            for s in sources:
                sig = rng.integers(0, 2**63, origins.NUM_PERM, dtype=np.uint64).astype("<u8")
                sig = sig.tobytes()
                prints.append(SourceFingerprint(source=s, signature=sig))
                bands += [
                    SourceBand(source=s, band=b, hash=h)
                    for b, h in enumerate(origins.band_hashes(sig))
                ]
            SourceFingerprint.objects.bulk_create(prints)
            SourceBand.objects.bulk_create(bands, batch_size=10_000)
        existing += n


def one_snapshot(source: Source, text: str) -> None:
    """What monitoring.checks does for a stored snapshot, origins-wise."""
    fingerprint = origins.fingerprint(text=text, url=source.url)
    with transaction.atomic():
        source_fingerprint_store(source=source, fingerprint=fingerprint)
        services.origins_update_for_source(source=source)


def measure(source: Source, runs: int) -> dict:
    times = []
    for n in range(runs):
        t0 = time.perf_counter()
        one_snapshot(source, WIRE + f" Edit {n}.")
        times.append((time.perf_counter() - t0) * 1000)
    db_ms = []
    for n in range(5):
        with CaptureQueriesContext(connection) as queries:
            one_snapshot(source, WIRE + f" Counted {n}.")
        db_ms.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
    tracemalloc.start()
    one_snapshot(source, WIRE + " Measured.")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "median_ms": statistics.median(times),
        "p90_ms": sorted(times)[int(0.9 * len(times))],
        "queries": len(queries),
        "db_ms": statistics.median(db_ms),
        "peak_kib": peak / 1024,
    }


def cleanup() -> None:
    Evidence.objects.filter(source__url__startswith=PREFIX).delete()
    Claim.objects.filter(statement__startswith="Bench").delete()
    Source.objects.filter(url__startswith=PREFIX).delete()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    cleanup()
    rng = np.random.default_rng(1)
    try:
        claim, source = make_claim()
        t0 = time.perf_counter()
        for _ in range(200):
            origins.fingerprint(text=WIRE, html="", url=source.url)
        pure = (time.perf_counter() - t0) / 200 * 1000
        print(f"fingerprint of a {len(WIRE.split())}-word text: {pure:.2f} ms")
        print("other sources | median ms | p90 ms | queries | db ms | peak KiB")
        existing = 0
        for size in sorted(args.sizes):
            fill(existing, size, rng)
            existing = size
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE sources_sourceband; ANALYZE claims_evidence")
            r = measure(source, args.runs)
            print(
                f"{size:>13,} | {r['median_ms']:9.1f} | {r['p90_ms']:6.1f} | "
                f"{r['queries']:7} | {r['db_ms']:5.1f} | {r['peak_kib']:8.0f}"
            )
        groups = Evidence.objects.filter(claim=claim).values("origin").distinct().count()
        print(f"the claim's 10 sources: {groups} origins")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
