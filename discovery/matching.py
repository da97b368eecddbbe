"""Which open claims a new article speaks of, and how it probably stands on each.

1. Open claims (`open_claims`): live claims with no verdict, or a verdict in the last
   DISCOVERY_OPEN_DAYS days (a correction of a decided claim matters too).
2. Rank them for the article's title and the start of its lead with claims.similarity,
   the one ranking Log a claim's look-alikes use too; keep those scoring SUGGEST_AT or
   more, at most `top`.
3. Suggest a stance for each (discovery.stance), from the claim and the title and lead.

A batch of articles is matched against one in-memory index of the open claims
(claims.similarity.ClaimIndex): one read of the claims, then no query per article
(docs/discovery.md, "Speed").
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from claims import similarity
from claims.models import Claim

from .stance import stance_suggest

# The score from which an article becomes a suggested source of a claim: on the Emergent
# corpus it keeps false suggestions for headlines of unknown claims under 10% (8.1%)
# (docs/discovery.md, "Matching").
SUGGEST_AT = 0.42
TOP = 3
LEAD_CHARS = 300  # of the lead, ranked with the title: its first sentence or two


def open_claims(*, now: datetime | None = None) -> QuerySet[Claim]:
    """Step 1."""
    since = (now or timezone.now()) - timedelta(days=settings.DISCOVERY_OPEN_DAYS)
    return Claim.objects.filter(similarity.LIVE_CLAIMS).filter(
        Q(status=Claim.Status.UNVERIFIED) | Q(verdict_at__gte=since)
    )


@dataclass
class Found:
    """One claim an article speaks of."""

    claim_id: int
    code: str
    statement: str
    score: float
    why: list[str]
    stance: str
    stance_confidence: float

    def as_json(self) -> dict:
        return {
            "claim": self.code,
            "statement": self.statement,
            "score": round(self.score, 3),
            "stance": self.stance,
            "stance_confidence": self.stance_confidence,
        }


def match_many(
    items: list[tuple[str, str]],
    *,
    claims: QuerySet[Claim] | None = None,
    top: int = TOP,
    min_score: float = SUGGEST_AT,
) -> list[list[Found]]:
    """Steps 2 and 3 for each (title, text) in order: the claims each speaks of, best first."""
    index = similarity.ClaimIndex(open_claims() if claims is None else claims)
    ranked = []
    for title, text in items:
        lead = " ".join((text or "").split())[:LEAD_CHARS]
        ranked.append(index.rank(f"{title} {lead}", limit=top, min_score=min_score))
    codes = dict(
        Claim.objects.filter(pk__in={m.claim_id for ms in ranked for m in ms}).values_list(
            "pk", "code"
        )
    )
    result = []
    for (title, text), matches in zip(items, ranked, strict=True):
        lead = " ".join((text or "").split())[:LEAD_CHARS]
        found = []
        for m in matches:
            stance, confidence = stance_suggest(m.statement, title, lead)
            found.append(
                Found(
                    m.claim_id,
                    str(codes[m.claim_id]),
                    m.statement,
                    m.score,
                    m.shared,
                    stance,
                    confidence,
                )
            )
        result.append(found)
    return result
