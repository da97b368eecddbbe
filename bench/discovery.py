"""Discovery's figures: matching quality on the Emergent corpus, and matching speed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cw_bench_discovery \
    .venv/bin/python bench/discovery.py --claims 100000 --articles 1000

THE DATABASE OF DATABASE_URL IS EMPTIED (it must be one made for this; it is migrated first).

1. Quality (`quality`): the 300 Emergent claims, 50 of them held out (a fixed seed). The
   250 are logged as claims (with their search vectors, as claim_create writes them);
   every article headline is matched (discovery.matching, threshold off, top 3): a
   headline of a logged claim must find its own claim (top-1, top-3), a headline of a
   held-out claim must get no suggestion (false-suggestion rate at SUGGEST_AT); also how
   many headlines of logged claims get a suggestion, and how many of those are right.
2. Speed (`speed`): `manage.py bench_data --claims N --fresh`, then `--articles` Emergent
   headlines matched in one process, as a worker does, against all N claims as if all
   were open, with nothing cached (the term statistics and the index are built in the
   time); then again against the claims that are open (no verdict, or a recent one).
`--quality-only` runs step 1 alone.
The last line printed is a JSON summary; the exit status is 1 when a goal is missed.
"""

import argparse
import csv
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EMERGENT = ROOT.parent / "shared" / "data" / "emergent" / "emergent.csv"
HELD_OUT = 50
GOALS = {"top1": 0.85, "false_rate": 0.10, "seconds_per_1000": 30.0}


def emergent() -> list[dict]:
    with EMERGENT.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def quality(rows: list[dict] | None = None, *, seed: int = 7) -> dict:
    """Step 1, on the current database (its claims are replaced)."""
    from claims import similarity
    from claims.models import Claim
    from claims.services.counts import claims_recount
    from discovery import matching

    rows = rows or emergent()
    statements = sorted({r["claimHeadline"] for r in rows})
    held = set(random.Random(seed).sample(statements, min(HELD_OUT, len(statements) // 6)))
    Claim.objects.bulk_create(Claim(statement=s) for s in statements if s not in held)
    ids = dict(Claim.objects.values_list("statement", "pk"))
    claims_recount(ids.values(), search=True)  # the search vectors, as claim_create writes them
    similarity.term_stats(refresh=True)  # these claims' statistics, not a cached run's
    found = matching.match_many([(r["articleHeadline"], "") for r in rows], min_score=0.0)
    top1 = top3 = logged = suggested = right = false = 0
    for row, matches in zip(rows, found, strict=True):
        above = [m for m in matches if m.score >= matching.SUGGEST_AT]
        if row["claimHeadline"] in held:
            false += bool(above)
            continue
        logged += 1
        own = ids[row["claimHeadline"]]
        ranked = [m.claim_id for m in matches]
        top1 += ranked[:1] == [own]
        top3 += own in ranked[:3]
        suggested += bool(above)
        right += bool(above) and above[0].claim_id == own
    held_rows = len(rows) - logged
    return {
        "headlines": len(rows),
        "top1": round(top1 / logged, 3),
        "top3": round(top3 / logged, 3),
        "false_rate": round(false / held_rows, 3) if held_rows else 0.0,
        "suggested": round(suggested / logged, 3),
        "suggestions_right": round(right / suggested, 3) if suggested else 0.0,
        "threshold": matching.SUGGEST_AT,
    }


def speed(claims: int, articles: int) -> dict:
    """Step 2, on the current database (emptied by bench_data --fresh)."""
    from django.core.cache import cache
    from django.core.management import call_command

    from claims import similarity
    from discovery import matching

    started = time.monotonic()
    call_command("bench_data", "--claims", str(claims), "--fresh", stdout=open(os.devnull, "w"))  # noqa: SIM115
    built = time.monotonic() - started
    rows = emergent()
    rng = random.Random(3)
    items = [(r["articleHeadline"], "") for r in rng.sample(rows, min(articles, len(rows)))]
    while len(items) < articles:
        items += items[: articles - len(items)]
    from claims.models import Claim

    cache.clear()
    similarity._stats_cache.clear()  # a worker's first batch: nothing cached yet
    every = Claim.objects.filter(similarity.LIVE_CLAIMS)  # all of them, as if all were open
    t0 = time.monotonic()
    found = matching.match_many(items, claims=every)
    seconds = time.monotonic() - t0
    t0 = time.monotonic()
    matching.match_many(items)  # the open ones, statistics cached: a worker's next batch
    open_seconds = time.monotonic() - t0
    return {
        "claims": claims,
        "articles": len(items),
        "seconds": round(seconds, 2),
        "seconds_per_1000": round(seconds * 1000 / len(items), 2),
        "with_suggestions": sum(bool(f) for f in found),
        "open_claims": matching.open_claims().count(),
        "open_seconds_warm": round(open_seconds, 2),
        "build_seconds": round(built, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--quality-only", action="store_true", help="step 1 only")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimwatch.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/discovery.py measures PostgreSQL: set DATABASE_URL.")
    call_command("migrate", verbosity=0)
    from claims.management.commands.bench_data import TABLES

    with connection.cursor() as cursor:  # quality starts from no claims
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    summary = {"quality": quality()}
    if not args.quality_only:
        summary["speed"] = speed(args.claims, args.articles)
    summary["date"] = time.strftime("%Y-%m-%d")
    missed = [
        name
        for name, goal in GOALS.items()
        if (summary["quality"].get(name) if name != "seconds_per_1000" else None) is not None
        and (summary["quality"][name] < goal if name == "top1" else summary["quality"][name] > goal)
    ]
    if "speed" in summary and summary["speed"]["seconds_per_1000"] > GOALS["seconds_per_1000"]:
        missed.append("seconds_per_1000")
    summary["missed"] = missed
    print(json.dumps(summary))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
