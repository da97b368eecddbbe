"""Build a realistic data set at newsroom scale for the benchmarks (PostgreSQL only).

    manage.py bench_data --claims 100000 --fresh

For N claims: 3N sources over min(5,000, N/20) outlets, 10N evidence links, 30N timeline
events, statements and headlines reused from the Emergent data set
(../shared/data/emergent/emergent.csv), each claim with a case number of its own so that
a rare word matches one claim. Rows go in with COPY, foreign-key triggers off for the
load (session_replication_role = replica); the stored counts and search vectors are
then computed in one UPDATE each, as the services would have written them. It also
makes the user `bench` (Analysts) with `--password`, for bench/web.py.

It is a benchmark tool: it writes around the services on purpose, and it refuses to run
on a database that has claims unless `--fresh` says to empty the claims and sources.
"""

import csv
import io
import itertools
import json
import random
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from claims import chain
from claims.models import Claim, ClaimEvent, Evidence, Tag
from sources.models import Outlet, Source

EMERGENT = Path(settings.BASE_DIR).parent / "shared" / "data" / "emergent" / "emergent.csv"
STANCES = {"for": "supports", "against": "denies", "observing": "neutral"}
STATUSES = ["unverified"] * 12 + ["confirmed"] * 3 + ["denied"] * 3 + ["disputed", "unresolved"]
TAGS = ["politics", "tech", "health", "business", "science", "world", "viral", "hoax"]
CHUNK = 100_000
_MISSING = object()
TABLES = [
    "claims_watch",
    "claims_claimevent",
    "claims_evidence",
    "claims_claim_tags",
    "claims_claim",
    "claims_tag",
    "sources_checkattempt",
    "sources_snapshot",
    "sources_source",
    "sources_outlet",
]


def _text(value) -> str:
    """One field of COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    value = str(value)
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _copy(cursor, model, rows: Iterable[dict]) -> int:
    """COPY `rows` into `model`'s table in chunks; returns how many.

    Each row is a dict keyed by field attname. The columns are the model's: a field that
    the rows leave out gets its default as Django would save it (a new column with a
    default cannot break the load), an auto primary key left out its sequence, and one
    with neither is refused here, by name, before any row is sent.
    """
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    table = model._meta.db_table
    fields = [f for f in model._meta.concrete_fields if f.attname in first or not f.primary_key]
    unknown = set(first) - {f.attname for f in fields}
    if unknown:
        raise CommandError(f"bench_data: {table} has no field {', '.join(sorted(unknown))}.")
    defaults = {}
    for f in fields:
        if f.attname not in first:
            if f.get_default() is None and not f.null:
                raise CommandError(f"bench_data gives no value for {table}.{f.column}.")
            defaults[f.attname] = f.get_default if callable(f.default) else f.get_default()
    names = [f.attname for f in fields]
    total, n = 0, 0
    buffer = io.StringIO()
    sql = f"COPY {table} ({', '.join(f.column for f in fields)}) FROM STDIN"
    for row in itertools.chain([first], rows):
        values = []
        for name in names:
            value = row.get(name, _MISSING)
            if value is _MISSING:
                value = defaults[name]
                value = value() if callable(value) else value
            values.append(_text(value))
        buffer.write("\t".join(values))
        buffer.write("\n")
        n += 1
        if n == CHUNK:
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
            total += n
            buffer, n = io.StringIO(), 0
    if n:
        buffer.seek(0)
        cursor.copy_expert(sql, buffer)
        total += n
    return total


def emergent_rows() -> list[dict]:
    if not EMERGENT.exists():
        raise CommandError(f"{EMERGENT} is missing: bench_data reuses its claims and headlines.")
    with EMERGENT.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class Command(BaseCommand):
    help = "Build a benchmark data set: N claims, 3N sources, 10N evidence, 30N events."

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, default=1000)
        parser.add_argument("--fresh", action="store_true", help="empty claims and sources first")
        parser.add_argument("--password", default="bench-password-1")
        parser.add_argument("--seed", type=int, default=11)

    def handle(self, *args, claims: int, fresh: bool, password: str, seed: int, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_data loads with COPY: set DATABASE_URL to PostgreSQL.")
        if claims < 1:
            raise CommandError("--claims must be at least 1.")
        if Claim.objects.exists() and not fresh:
            raise CommandError("This database has claims: add --fresh to empty it first.")
        started = time.monotonic()
        rng = random.Random(seed)
        rows = emergent_rows()
        with transaction.atomic(), connection.cursor() as cursor:
            if fresh:
                cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
            cursor.execute("SET LOCAL session_replication_role = replica")
            counts = self._load(cursor, rng, rows, claims)
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            self._derive(cursor)
        self._user(password)
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"ANALYZE {table}")
        counts["seconds"] = round(time.monotonic() - started, 1)
        self.stdout.write(json.dumps(counts))

    def _load(self, cursor, rng: random.Random, rows: list[dict], n: int) -> dict:
        now = datetime.now(UTC)
        start = now - timedelta(days=730)
        step = timedelta(days=730) / n
        claims_text = sorted({r["claimHeadline"] for r in rows})
        articles = [(r["articleHeadline"], r["articleHeadlineStance"]) for r in rows]
        domains = sorted({r["source"].lower().removeprefix("www.") for r in rows})
        n_outlets = max(10, min(5000, n // 20))
        n_sources = 3 * n

        outlets = (
            {
                "id": i + 1,
                "code": uuid.UUID(int=rng.getrandbits(128), version=4),
                "name": domains[i] if i < len(domains) else f"outlet{i}.example",
                "domain": domains[i] if i < len(domains) else f"outlet{i}.example",
                "kind": rng.choice(["news", "news", "wire", "official", "social", "other"]),
                "country": "",
                "reliability": rng.choice("ABCDEF"),
                "created_at": start,
            }
            for i in range(n_outlets)
        )
        _copy(cursor, Outlet, outlets)

        def sources():
            for i in range(n_sources):
                outlet = i % n_outlets
                domain = domains[outlet] if outlet < len(domains) else f"outlet{outlet}.example"
                at = start + step * (i / 3)
                yield {
                    "id": i + 1,
                    "code": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "url": f"https://{domain}/news/{i}",
                    "title": articles[i % len(articles)][0][:500],
                    "created_at": at,
                    "state": "live",
                    "last_checked_at": at,
                    "next_check_at": now + timedelta(seconds=rng.randrange(86_400)),
                    "http_status": 200,
                    "outlet_id": outlet + 1,
                }

        _copy(cursor, Source, sources())

        statuses = [rng.choice(STATUSES) for _ in range(n)]
        codes = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(n)]
        heads: list[tuple[str, int]] = []  # each claim's chain head and length

        spread = n_sources // 10

        def source_url(pk: int) -> str:
            outlet = (pk - 1) % n_outlets
            domain = domains[outlet] if outlet < len(domains) else f"outlet{outlet}.example"
            return f"https://{domain}/news/{pk - 1}"

        def events():
            pk = 0
            for i in range(n):
                at = start + step * i
                statement = claims_text[i % len(claims_text)]
                base = [("created", None, {"statement": statement, "tags": [TAGS[i % 8]]})]
                for j in range(10):
                    source = (i * 3 + j * spread) % n_sources + 1
                    headline, stance = articles[(i * 10 + j) % len(articles)]
                    payload = {
                        "url": source_url(source),
                        "stance": STANCES.get(stance, "neutral"),
                        "quote": headline,
                        "new_source": True,
                    }
                    base.append(("evidence_added", source, payload))
                if statuses[i] != "unverified":
                    after = {
                        "status": statuses[i],
                        "rationale": "Checked against the sources.",
                        "confidence": "medium",
                    }
                    before = {"status": "unverified", "rationale": "", "confidence": ""}
                    base.append(("verdict_set", None, {"before": before, "after": after}))
                for j in range(30 - len(base)):
                    if j % 3 == 0:
                        source = (i * 3 + (j % 10) * spread) % n_sources + 1
                        payload = {
                            "url": source_url(source),
                            "removed": "will meet",
                            "added": "met on Tuesday",
                        }
                        base.append(("source_changed", source, payload))
                    else:
                        base.append(("comment", None, {"text": f"Note {j} on case CW{i:06d}"}))
                prev = ""
                for k, (kind, source, payload) in enumerate(base):
                    pk += 1
                    created = at + timedelta(minutes=k)
                    # Each event a link of the claim's hash chain, as claims.services writes it.
                    rec = chain.record(
                        claim_code=codes[i],
                        seq=k + 1,
                        kind=kind,
                        actor_id=None,
                        created_at=created,
                        payload=payload,
                        source_id=source,
                        prev=prev,
                    )
                    digest = chain.event_hash(rec)
                    yield {
                        "id": pk,
                        "claim_id": i + 1,
                        "kind": kind,
                        "created_at": created,
                        "payload": payload,
                        "source_id": source,
                        "seq": k + 1,
                        "prev_hash": prev,
                        "hash": digest,
                    }
                    prev = digest
                heads.append((prev, len(base)))

        # Events first (foreign keys are not checked during the load), so that each claim
        # goes in with its chain's head and length.
        n_events = _copy(cursor, ClaimEvent, events())

        def claims():
            for i in range(n):
                at = start + step * i
                status = statuses[i]
                decided = status != "unverified"
                yield {
                    "id": i + 1,
                    "code": codes[i],
                    "statement": claims_text[i % len(claims_text)],
                    "context": f"Case file CW{i:06d}: {articles[i % len(articles)][0]}",
                    "status": status,
                    "rationale": "Checked against the sources." if decided else "",
                    "confidence": "medium" if decided else "",
                    "verdict_at": at + timedelta(days=1) if decided else None,
                    "first_seen_at": at,
                    "created_at": at,
                    "updated_at": at,
                    "last_activity_at": at + timedelta(days=2),
                    "version": 1 + decided,
                    "timeline_head": heads[i][0],
                    "timeline_length": heads[i][1],
                }

        _copy(cursor, Claim, claims())
        _copy(cursor, Tag, ({"id": i + 1, "name": t} for i, t in enumerate(TAGS)))
        _copy(
            cursor,
            Claim.tags.through,
            ({"claim_id": i + 1, "tag_id": i % len(TAGS) + 1} for i in range(n)),
        )

        def evidence():
            pk = 0
            for i in range(n):
                at = start + step * i
                for j in range(10):
                    pk += 1
                    headline, stance = articles[(i * 10 + j) % len(articles)]
                    yield {
                        "id": pk,
                        "claim_id": i + 1,
                        "source_id": (i * 3 + j * spread) % n_sources + 1,
                        "stance": STANCES.get(stance, "neutral"),
                        "quote": headline,
                        "added_at": at + timedelta(minutes=j),
                        "needs_review": rng.random() < 0.02,
                    }

        n_evidence = _copy(cursor, Evidence, evidence())
        sequenced = [Outlet, Source, Claim, Tag, Evidence, ClaimEvent]
        for model in sequenced:  # the models' own table names, never input
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        return {
            "claims": n,
            "sources": n_sources,
            "outlets": n_outlets,
            "evidence": n_evidence,
            "events": n_events,
        }

    def _derive(self, cursor) -> None:
        """What claims.services._claims_recount stores, for every claim at once."""
        cursor.execute(
            """
            UPDATE claims_claim c SET
              supports_count = e.s, denies_count = e.d, neutral_count = e.n,
              source_count = e.t, review_count = e.r,
              last_activity_at = GREATEST(c.last_activity_at, e.last)
            FROM (
              SELECT claim_id,
                     count(*) FILTER (WHERE stance = 'supports') AS s,
                     count(*) FILTER (WHERE stance = 'denies') AS d,
                     count(*) FILTER (WHERE stance = 'neutral') AS n,
                     count(*) AS t,
                     count(*) FILTER (WHERE needs_review) AS r,
                     max(added_at) AS last
              FROM claims_evidence GROUP BY claim_id
            ) e
            WHERE e.claim_id = c.id
            """
        )
        cursor.execute(
            """
            UPDATE claims_claim c SET search_vector = to_tsvector('english'::regconfig,
              COALESCE(c.statement, '') || ' ' || COALESCE(c.context, '') || ' ' ||
              COALESCE(q.quotes, ''))
            FROM (
              SELECT claim_id, string_agg(quote, ' ' ORDER BY id) AS quotes
              FROM claims_evidence WHERE quote <> '' GROUP BY claim_id
            ) q
            WHERE q.claim_id = c.id
            """
        )

    def _user(self, password: str) -> None:
        user, _ = get_user_model().objects.get_or_create(username="bench")
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name="Analysts"))
