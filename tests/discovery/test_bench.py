"""bench/discovery.py at a small size: its quality and speed steps run and measure."""

import csv
import importlib.util

import pytest
from django.conf import settings

from claims.models import Claim

spec = importlib.util.spec_from_file_location(
    "bench_discovery", settings.BASE_DIR / "bench" / "discovery.py"
)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


@pytest.fixture
def rows():
    # The first 60 claims of Emergent and their headlines.
    with bench.EMERGENT.open(newline="", encoding="utf-8") as handle:
        everything = list(csv.DictReader(handle))
    claims = sorted({r["claimHeadline"] for r in everything})[:60]
    return [r for r in everything if r["claimHeadline"] in claims]


@pytest.mark.django_db
def test_it_measures_matching_quality_on_emergent(rows):
    figures = bench.quality(rows)
    assert Claim.objects.count() == 50  # 10 of 60 held out
    assert figures["top1"] > 0.8 and figures["top3"] >= figures["top1"]
    assert 0 <= figures["false_rate"] < 0.25
    assert 0 < figures["suggestions_right"] <= 1


@pytest.mark.django_db(transaction=True)
def test_it_measures_matching_speed_on_bench_data(analyst):
    figures = bench.speed(40, 25)
    assert figures["claims"] == 40 and figures["articles"] == 25
    assert figures["seconds"] < 10 and figures["open_claims"] <= 40
