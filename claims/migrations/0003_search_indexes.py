"""Indexes for the claim list's search and the similar-claims hint (PostgreSQL only).

Each expression is the one claims.selectors builds, so the planner can use it:
- claim_fts_idx:     claims.selectors._search, SearchVector("statement", "context")
- evidence_fts_idx:  claims.selectors._search, SearchVector("quote") on evidence
- claim_trgm_idx:    claims.selectors.claims_similar, TrigramWordSimilarity(statement)
On SQLite the extension and the indexes are skipped: search falls back to icontains.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    (
        "claim_fts_idx",
        "CREATE INDEX IF NOT EXISTS claim_fts_idx ON claims_claim USING gin "
        "(to_tsvector('english'::regconfig, COALESCE(statement, '') || ' ' || "
        "COALESCE(context, '')))",
    ),
    (
        "evidence_fts_idx",
        "CREATE INDEX IF NOT EXISTS evidence_fts_idx ON claims_evidence USING gin "
        "(to_tsvector('english'::regconfig, COALESCE(quote, '')))",
    ),
    (
        "claim_trgm_idx",
        "CREATE INDEX IF NOT EXISTS claim_trgm_idx ON claims_claim USING gin "
        "(statement gin_trgm_ops)",
    ),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, sql in INDEXES:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_groups")]
    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
