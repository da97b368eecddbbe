"""Outlet records: how an outlet's stances fared against the verdicts (claims.records)."""

from pathlib import Path

import pytest

from claims import selectors, services
from claims.records import Record, wilson
from intake.imports import import_claims
from sources.models import Outlet

pytestmark = pytest.mark.django_db
DATASET = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "emergent" / "emergent.csv"
)


def test_it_computes_the_wilson_interval():
    assert wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(19, 19)
    assert round(low, 4) == 0.8318 and high == 1.0  # n / (n + z^2): not 100%
    assert tuple(round(x, 4) for x in wilson(35, 47)) == (0.6049, 0.8475)
    low, high = wilson(1, 2)
    assert round(low + high, 6) == 1.0  # symmetric around one half
    assert Record(2, 0, 5).as_dict() == {
        "agreed": 2,
        "disagreed": 0,
        "neutral": 5,
        "decided": 2,
        "agreement": 1.0,
        "interval": [0.3424, 1.0],
    }
    assert Record(0, 0, 3).interval is None and Record(0, 0, 3).percents is None


@pytest.fixture
def decided(analyst, editor):
    """Dawn supported a confirmed claim and a denied one and was neutral on a third;
    the Foreign Office denied the denied one. An open claim counts for nobody."""
    confirmed = services.claim_create(statement="Asif arrived in Qingdao.", actor=analyst)
    denied = services.claim_create(statement="Asif and Singh will meet.", actor=analyst)
    neutral = services.claim_create(statement="The forum lasts two days.", actor=analyst)
    open_claim = services.claim_create(statement="Singh meets Belousov.", actor=analyst)
    for claim, url, stance in [
        (confirmed, "https://www.dawn.com/1", "supports"),
        (denied, "https://www.dawn.com/2", "supports"),
        (neutral, "https://www.dawn.com/3", "neutral"),
        (open_claim, "https://www.dawn.com/4", "denies"),
        (denied, "https://mofa.gov.pk/1", "denies"),
    ]:
        services.evidence_add(claim=claim, url=url, stance=stance, actor=analyst)
    for claim, status in [(confirmed, "confirmed"), (denied, "denied"), (neutral, "confirmed")]:
        services.verdict_set(
            claim=claim, status=status, rationale="Seen.", expected_version=1, actor=editor
        )
    Outlet.objects.filter(domain="dawn.com").update(name="Dawn", reliability="B")
    return {"dawn": Outlet.objects.get(domain="dawn.com"), "denied": denied}


def test_it_counts_agreed_disagreed_and_neutral_per_evidence(decided):
    assert selectors.outlet_record(decided["dawn"]) == Record(agreed=1, disagreed=1, neutral=1)
    fo = Outlet.objects.get(domain="mofa.gov.pk")
    assert selectors.outlet_record(fo) == Record(agreed=1, disagreed=0, neutral=0)
    history = selectors.outlet_record_by_quarter(decided["dawn"])
    assert len(history) == 1 and history[0][1] == Record(1, 1, 1)
    assert history[0][0].startswith("20") and " Q" in history[0][0]


def test_it_shows_the_record_on_the_outlet_page_and_leaves_the_grade(analyst_client, decided):
    outlet = decided["dawn"]
    body = analyst_client.get(outlet.get_absolute_url()).content.decode()
    assert "Record against the verdicts" in body
    assert "<strong>1</strong> agreed" in body and "<strong>1</strong> disagreed" in body
    assert "Agreement 50% (95% Wilson interval 9–91%)" in body
    outlet.refresh_from_db()
    assert outlet.reliability == "B"  # the record informs the grade, never sets it


def test_it_hints_the_record_on_each_evidence_card(analyst_client, decided):
    body = analyst_client.get(decided["denied"].get_absolute_url()).content.decode()
    assert "Outlet record: agreed 1 of 2 decided (50%, likely 9–91%), 1 neutral" in body
    assert "Outlet record: agreed 1 of 1 decided (100%, likely 21–100%)" in body


@pytest.mark.skipif(not DATASET.exists(), reason=f"the Emergent dataset is not at {DATASET}")
def test_it_takes_real_records_from_the_emergent_data():
    """Counted by hand from emergent.csv (claimTruth true/false; for = supports, against =
    denies, observing = neutral), per article row of each outlet's domain."""
    report = import_claims(DATASET.read_bytes(), name="emergent.csv")
    assert report.ok
    expected = {
        "dailymail.co.uk": Record(agreed=35, disagreed=12, neutral=20),
        "mirror.co.uk": Record(agreed=12, disagreed=11, neutral=3),
        "independent.co.uk": Record(agreed=19, disagreed=0, neutral=6),
        "theguardian.com": Record(agreed=13, disagreed=1, neutral=6),
    }
    outlets = {o.domain: o for o in Outlet.objects.filter(domain__in=expected)}
    records = selectors.outlet_records(o.pk for o in outlets.values())
    assert {domain: records[outlets[domain].pk] for domain in expected} == expected
    daily_mail = records[outlets["dailymail.co.uk"].pk].as_dict()
    assert daily_mail["interval"] == [0.6049, 0.8475]
    assert records[outlets["independent.co.uk"].pk].as_dict()["interval"] == [0.8318, 1.0]
