"""Fixtures for the claim pages: bulk claims, htmx headers and a query counter."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import ClaimEvent

STANCES = ["supports", "denies", "neutral"]


@pytest.fixture
def make_claims(analyst):
    """n claims, each with `evidence` sources (stances in turn) and `comments` comments."""

    def make(n: int, *, evidence: int = 2, comments: int = 0, prefix: str = "Claim"):
        claims = []
        for i in range(n):
            claim = services.claim_create(
                statement=f"{prefix} {i}: the ministers will meet in Qingdao",
                context=f"Context of claim {i}",
                tags=["sco", f"tag{i % 3}"],
                actor=analyst,
            )
            for j in range(evidence):
                services.evidence_add(
                    claim=claim,
                    url=f"https://outlet{j % 4}.example.com/{prefix}/{i}/{j}",
                    stance=STANCES[j % 3],
                    quote=f"Quote {j} of claim {i}",
                    title=f"Report {j} on claim {i}",
                    actor=analyst,
                )
            for k in range(comments):
                services.comment_add(claim=claim, text=f"Comment {k}", actor=analyst)
            claims.append(claim)
        return claims

    return make


@pytest.fixture
def htmx():
    """Headers that make a test client request look like htmx's."""

    def headers(target: str = "") -> dict:
        return {"HX-Request": "true", **({"HX-Target": target} if target else {})}

    return headers


@pytest.fixture
def count_queries():
    """Queries a GET runs; the page must answer 200."""

    def count(client, url: str, **kwargs) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **kwargs)
        assert response.status_code == 200, response.status_code
        return len(queries)

    return count


@pytest.fixture
def source_event():
    def record(source, kind=ClaimEvent.Kind.SOURCE_CHANGED, **payload):
        return services.source_event_record(source=source, kind=kind, payload=payload)

    return record
