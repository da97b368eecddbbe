"""The counts each claim stores of its evidence, and its search vector, so that lists
never count evidence per row."""

from collections.abc import Iterable

from django.db import connection

# One UPDATE that stores each claim's evidence counts from the evidence as it is now.
# Plain SQL (the same on PostgreSQL and SQLite): it runs on every evidence write and on
# every source change, where building the same query with the ORM cost more than running it.
_RECOUNT = """
UPDATE claims_claim SET
  supports_count = (SELECT count(*) FROM claims_evidence e
                    WHERE e.claim_id = claims_claim.id AND e.stance = 'supports'),
  denies_count = (SELECT count(*) FROM claims_evidence e
                  WHERE e.claim_id = claims_claim.id AND e.stance = 'denies'),
  neutral_count = (SELECT count(*) FROM claims_evidence e
                   WHERE e.claim_id = claims_claim.id AND e.stance = 'neutral'),
  source_count = (SELECT count(*) FROM claims_evidence e WHERE e.claim_id = claims_claim.id),
  review_count = (SELECT count(*) FROM claims_evidence e
                  WHERE e.claim_id = claims_claim.id AND e.needs_review)
  {search}
WHERE id IN ({ids})
"""


# The search vector: statement, context and the quotes of its evidence (PostgreSQL).
_SEARCH = """,
  search_vector = to_tsvector('english'::regconfig,
    COALESCE(statement, '') || ' ' || COALESCE(context, '') || ' ' ||
    COALESCE((SELECT string_agg(quote, ' ' ORDER BY id) FROM claims_evidence e
              WHERE e.claim_id = claims_claim.id AND e.quote <> ''), ''))
"""


def claims_recount(claim_ids: Iterable[int], *, search: bool = False) -> None:
    """Store each claim's evidence counts (and, with `search`, its search vector) in one
    UPDATE, from the evidence as it is now. Every service that adds, removes, moves,
    restances, flags or reviews evidence calls it, so lists read the counts from the row.
    """
    ids = [int(pk) for pk in claim_ids]
    if not ids:
        return
    search_sql = _SEARCH if search and connection.vendor == "postgresql" else ""
    sql = _RECOUNT.format(search=search_sql, ids=", ".join(["%s"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
