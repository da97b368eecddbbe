"""The real-data check: the Emergent dataset (see ../shared/data/emergent/README.md)."""

import time
from pathlib import Path

import pytest
from django.db.models import Count

from claims.imports import import_claims
from claims.models import Claim, Evidence

DATASET = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "emergent" / "emergent.csv"
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not DATASET.exists(), reason=f"the Emergent dataset is not at {DATASET} (see its README)"
    ),
]


def test_it_imports_emergent_with_the_exact_counts():
    started = time.monotonic()
    report = import_claims(DATASET.read_bytes(), name="emergent.csv")
    assert time.monotonic() - started < 60
    assert report.ok, report.errors[:5]
    assert report.rows == 2595
    assert Claim.objects.count() == 300
    statuses = dict(Claim.objects.values_list("status").annotate(n=Count("id")))
    assert statuses == {"confirmed": 63, "denied": 112, "unverified": 125}
    # 2,595 rows, less the two articles listed twice under one claim.
    assert Evidence.objects.count() == 2593
    assert Evidence.objects.values("claim", "source").distinct().count() == 2593
    assert [(w.line, w.message.split(";")[0].split(" (")[0]) for w in report.warnings] == [
        (842, "the URL was pasted into itself"),
        (894, "the same article as line 893 under this claim"),
        (939, "the same article as line 938 under this claim"),
        (1387, "the URL has no scheme"),
    ]
    assert Evidence.objects.filter(
        source__url="http://www.mcclatchydc.com/2014/10/03/"
        "242105_islamic-state-reportedly-on-baghdads.html?rh=1"
    ).exists()

    again = import_claims(DATASET.read_bytes(), name="emergent.csv")
    assert again.ok
    assert (again.claims_created, again.evidence_created, again.verdicts_set) == (0, 0, 0)
    assert Claim.objects.count() == 300
    assert Evidence.objects.count() == 2593
