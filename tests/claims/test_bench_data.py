"""manage.py bench_data, the benchmarks' data set, at a small size: it loads and verifies."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from claims.management.commands.bench_data import EMERGENT
from claims.models import Claim, ClaimEvent, Evidence
from sources.models import Source

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not Path(EMERGENT).exists(), reason=f"bench_data reads {EMERGENT}"),
]


def test_it_builds_a_data_set_whose_timelines_verify(keep_groups):
    out = io.StringIO()
    call_command("bench_data", "--claims", "50", stdout=out)
    counts = json.loads(out.getvalue().strip().splitlines()[-1])
    assert {k: counts[k] for k in ("claims", "sources", "evidence", "events")} == {
        "claims": 50,
        "sources": 150,
        "evidence": 500,
        "events": 1500,
    }
    assert Claim.objects.count() == 50
    assert Source.objects.count() == 150
    assert Evidence.objects.count() == 500
    assert ClaimEvent.objects.count() == 1500
    # Columns the load leaves out have the model's defaults, as a service would write them.
    assert not Evidence.objects.filter(quote_internal=True).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM claims_claim WHERE timeline_length = 30")
        assert cursor.fetchone()[0] == 50
    verified, progress = io.StringIO(), io.StringIO()
    call_command("verify_timeline", "--progress", "20", stdout=verified, stderr=progress)
    assert verified.getvalue().strip() == "Verified: 50 claims, no break."
    assert [line.rsplit(",", 1)[0] for line in progress.getvalue().splitlines()] == [
        "Checked 20 claims, 600 events",
        "Checked 40 claims, 1200 events",
    ]

    # One altered event among 1,500, in the 41st claim: the streaming read names it.
    claim = Claim.objects.order_by("pk")[40]
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            'UPDATE claims_claimevent SET payload = \'{"text": "Forged."}\' '
            "WHERE claim_id = %s AND seq = 17",
            [claim.pk],
        )
        cursor.execute("SET session_replication_role = DEFAULT")
    with pytest.raises(CommandError, match=rf"Broken: claim {claim.code} at event 17: its content"):
        call_command("verify_timeline", stdout=io.StringIO(), stderr=io.StringIO())
