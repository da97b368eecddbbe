"""The claim page finds a claim's events through an index, whatever the number of events.

The planner's choice only means something on a table of some size with real statistics:
bench_data loads 400 claims (12,000 events, 30 a claim, ANALYZEd), so reading one claim's
events by a sequential scan costs the planner far more than by claimevent_timeline_idx.
`SET enable_seqscan = off` would be no lever: the planner then scans a whole index
instead (claimevent_recent_idx, every event), which "uses an index" and reads as much as
a sequential scan. So each plan must reach the events through an Index Cond on claim_id.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import selectors, services
from claims.management.commands.bench_data import EMERGENT
from claims.models import Claim

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not Path(EMERGENT).exists(),
        reason=f"EXPLAIN of PostgreSQL on bench_data's set (reads {EMERGENT})",
    ),
]
EVENTS = "claims_claimevent"


def scans(plan: dict):
    """Every node of a JSON plan that reads the events table."""
    if plan.get("Relation Name") == EVENTS:
        yield plan
    for child in plan.get("Plans", []):
        yield from scans(child)


def index_conds(plan: dict) -> list[str]:
    found = [plan["Index Cond"]] if "Index Cond" in plan else []
    for child in plan.get("Plans", []):
        found += index_conds(child)
    return found


def explain(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        (result,) = cursor.fetchone()
    return (json.loads(result) if isinstance(result, str) else result)[0]["Plan"]


def test_it_reads_the_timeline_of_a_claim_and_its_duplicates_through_an_index(
    analyst_client, editor
):
    call_command("bench_data", "--claims", "400", stdout=io.StringIO())
    keep, dup = Claim.objects.order_by("pk")[200:202]
    services.claim_merge(duplicate=dup, target=keep, actor=editor)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {EVENTS}")
    page = reverse("claims:detail", args=[keep.code])

    with CaptureQueriesContext(connection) as queries:
        response = analyst_client.get(page)
        assert response.status_code == 200
        assert analyst_client.get(page, {"kind": "source"}).status_code == 200
        selectors.claim_events(keep, before=(response.context["page"].events[-1].created_at, 0))
    # The merged duplicate's events are still shown with the claim's own.
    shown = {e.claim_id for e in response.context["page"].events}
    assert shown == {keep.pk, dup.pk}

    timeline_reads = [q["sql"] for q in queries if EVENTS in q["sql"]]
    assert len(timeline_reads) >= 6  # page, strip and record, twice; the older page
    for sql in timeline_reads:
        plan = explain(sql)
        nodes = list(scans(plan))
        assert nodes, sql
        for node in nodes:
            assert node["Node Type"] != "Seq Scan", (sql, plan)
            conds = index_conds(node)
            assert any("claim_id" in cond for cond in conds), (sql, plan)
