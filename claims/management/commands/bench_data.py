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
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from claims import chain
from claims.models import Claim

EMERGENT = Path(settings.BASE_DIR).parent / "shared" / "data" / "emergent" / "emergent.csv"
STANCES = {"for": "supports", "against": "denies", "observing": "neutral"}
STATUSES = ["unverified"] * 12 + ["confirmed"] * 3 + ["denied"] * 3 + ["disputed", "unresolved"]
TAGS = ["politics", "tech", "health", "business", "science", "world", "viral", "hoax"]
CHUNK = 100_000
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
    value = str(value)
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _defaults(table: str, columns: list[str]) -> tuple[list[str], tuple]:
    """The columns of `table` that `columns` leaves out, and the value each gets: NULL when
    it may be null, else its model default. A column added later is filled as the model
    would fill it, and one with no default stops the load naming it (issue 20, item 17)."""
    model = next(m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == table)
    missing, values = [], []
    for f in model._meta.concrete_fields:
        if f.column in columns or f.primary_key:  # ids come from their sequence
            continue
        if f.null:
            value = None
        elif f.has_default() or (f.blank and f.empty_strings_allowed):
            value = f.get_db_prep_save(f.get_default(), connection)
        else:
            raise CommandError(f"bench_data does not fill {table}.{f.column}: add it.")
        missing.append(f.column)
        values.append(value)
    return missing, tuple(values)


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    """COPY `rows` (tuples) into `table` in chunks; returns how many. Columns not named
    get their defaults (`_defaults`)."""
    if not table.startswith("bench_"):
        extra, filler = _defaults(table, columns)
        columns = [*columns, *extra]
        rows = ((*row, *filler) for row in rows)
    total = 0
    buffer = io.StringIO()
    n = 0
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    for row in rows:
        buffer.write("\t".join(_text(v) for v in row))
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
            (
                i + 1,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                domains[i] if i < len(domains) else f"outlet{i}.example",
                domains[i] if i < len(domains) else f"outlet{i}.example",
                rng.choice(["news", "news", "wire", "official", "social", "other"]),
                "",
                rng.choice("ABCDEF"),
                start,
            )
            for i in range(n_outlets)
        )
        _copy(
            cursor,
            "sources_outlet",
            ["id", "code", "name", "domain", "kind", "country", "reliability", "created_at"],
            outlets,
        )

        def sources():
            for i in range(n_sources):
                outlet = i % n_outlets
                domain = domains[outlet] if outlet < len(domains) else f"outlet{outlet}.example"
                title = articles[i % len(articles)][0][:500]
                at = start + step * (i / 3)
                yield (
                    i + 1,
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                    f"https://{domain}/news/{i}",
                    title,
                    at,
                    "live",
                    at,
                    now + timedelta(seconds=rng.randrange(86_400)),
                    200,
                    "",
                    "",
                    "",
                    "",
                    0,
                    "",
                    outlet + 1,
                    "",
                )

        _copy(
            cursor,
            "sources_source",
            [
                "id",
                "code",
                "url",
                "title",
                "created_at",
                "state",
                "last_checked_at",
                "next_check_at",
                "http_status",
                "etag",
                "last_modified",
                "content_hash",
                "body_hash",
                "consecutive_failures",
                "moved_to",
                "outlet_id",
                "last_error",
            ],
            sources(),
        )

        statuses = [rng.choice(STATUSES) for _ in range(n)]
        codes = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(n)]
        heads: list[tuple[str, int]] = []  # each claim's chain head and length

        def claims():
            for i in range(n):
                at = start + step * i
                status = statuses[i]
                decided = status != "unverified"
                yield (
                    i + 1,
                    codes[i],
                    claims_text[i % len(claims_text)],
                    f"Case file CW{i:06d}: {articles[i % len(articles)][0]}",
                    status,
                    "Checked against the sources." if decided else "",
                    "medium" if decided else "",
                    at + timedelta(days=1) if decided else None,
                    at,
                    at,
                    at,
                    at + timedelta(days=2),
                    1 + decided,
                    "",
                    0,
                    0,
                    0,
                    0,
                    0,
                    "",
                )

        _copy(
            cursor,
            "claims_claim",
            [
                "id",
                "code",
                "statement",
                "context",
                "status",
                "rationale",
                "confidence",
                "verdict_at",
                "first_seen_at",
                "created_at",
                "updated_at",
                "last_activity_at",
                "version",
                "external_id",
                "supports_count",
                "denies_count",
                "neutral_count",
                "source_count",
                "review_count",
                "claimant",
                "timeline_head",
                "timeline_length",
            ],
            ((*row, "", 0) for row in claims()),
        )
        _copy(cursor, "claims_tag", ["id", "name"], ((i + 1, t) for i, t in enumerate(TAGS)))
        _copy(
            cursor,
            "claims_claim_tags",
            ["claim_id", "tag_id"],
            ((i + 1, i % len(TAGS) + 1) for i in range(n)),
        )

        spread = n_sources // 10

        def evidence():
            pk = 0
            for i in range(n):
                at = start + step * i
                for j in range(10):
                    pk += 1
                    headline, stance = articles[(i * 10 + j) % len(articles)]
                    yield (
                        pk,
                        i + 1,
                        (i * 3 + j * spread) % n_sources + 1,
                        STANCES.get(stance, "neutral"),
                        headline,
                        "",
                        at + timedelta(minutes=j),
                        rng.random() < 0.02,
                    )

        n_evidence = _copy(
            cursor,
            "claims_evidence",
            ["id", "claim_id", "source_id", "stance", "quote", "note", "added_at", "needs_review"],
            evidence(),
        )

        def source_url(pk: int) -> str:
            outlet = (pk - 1) % n_outlets
            domain = domains[outlet] if outlet < len(domains) else f"outlet{outlet}.example"
            return f"https://{domain}/news/{pk - 1}"

        cursor.execute(
            "CREATE TEMP TABLE bench_heads (claim_id integer, head varchar(64), length integer)"
        )

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
                    yield (
                        pk,
                        i + 1,
                        kind,
                        created,
                        json.dumps(payload),
                        source,
                        k + 1,
                        prev,
                        digest,
                    )
                    prev = digest
                heads.append((prev, len(base)))

        n_events = _copy(
            cursor,
            "claims_claimevent",
            [
                "id",
                "claim_id",
                "kind",
                "created_at",
                "payload",
                "source_id",
                "seq",
                "prev_hash",
                "hash",
            ],
            events(),
        )
        _copy(  # the chains' heads, joined to the claims below
            cursor,
            "bench_heads",
            ["claim_id", "head", "length"],
            ((i + 1, head, length) for i, (head, length) in enumerate(heads)),
        )
        cursor.execute(
            "UPDATE claims_claim c SET timeline_head = h.head, timeline_length = h.length "
            "FROM bench_heads h WHERE h.claim_id = c.id"
        )
        cursor.execute("DROP TABLE bench_heads")
        sequenced = [
            "sources_outlet",
            "sources_source",
            "claims_claim",
            "claims_tag",
            "claims_evidence",
            "claims_claimevent",
        ]
        for table in sequenced:  # fixed names above, never input
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
