"""The real-data check: the Emergent dataset (see ../shared/data/emergent/README.md)."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from claims.models import Claim, Evidence
from intake.imports import import_claims
from intake.mapping import parse_when

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
    report = import_claims(DATASET.read_bytes(), name="emergent.csv")
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


def _tracker_export(path) -> None:
    """The same rumours as another tracker exports them (issue 12): other column names,
    dates as 2/25/17, a word of every headline that has a comma in "quotes", written as
    spreadsheet programs write CSV (RFC 4180 doubled quotes, CRLF)."""
    rows = list(csv.DictReader(io.StringIO(DATASET.read_text(), newline="")))
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["Rumour ID", "Rumour", "Truth", "Published", "Headline", "Link", "Position"]
        )
        for row in rows:
            headline = row["articleHeadline"]
            if "," in headline:
                headline = re.sub(r"\b(\w{5,})\b", r'"\1"', headline, count=1)
            published = parse_when(row["articleId"])
            writer.writerow(
                [
                    row["claimId"],
                    row["claimHeadline"],
                    row["claimTruth"],
                    f"{published.month}/{published.day}/{published:%y}",
                    headline,
                    row["url"],
                    row["articleHeadlineStance"],
                ]
            )


def test_it_imports_another_trackers_export_with_quoted_headlines_and_us_dates(tmp_path):
    path = tmp_path / "tracker-export.csv"
    _tracker_export(path)
    # What the old reader did: csv.Sniffer guesses doublequote=False on this file and
    # splits every row with a quoted word in the wrong places.
    sniffed = csv.Sniffer().sniff(path.read_text()[:8192], delimiters=",;\t")
    assert sniffed.doublequote is False
    out = io.StringIO()
    call_command(
        "import_claims",
        str(path),
        "--map",
        "url=Link",
        "--map",
        "stance=Position",
        "--map",
        "claim=Rumour",
        "--date-format",
        "%m/%d/%y",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "Read as: CSV, UTF-8, comma separated (detected), RFC 4180 quotes" in out.getvalue()
    assert "2595 rows: created 300 claims" in out.getvalue()
    assert "0 errors" in out.getvalue()
    assert Claim.objects.count() == 300
    assert Evidence.objects.count() == 2593
    quoted = Evidence.objects.filter(source__title__contains='"').count()
    assert quoted > 500
    first = Evidence.objects.get(
        source__url__endswith="with-more-than-half-selling-in-holiday-season"
    )
    assert first.source.title.startswith('BMO "forecasts" 19M Apple Watch sales in 2015, with')
    assert first.source.published_at.date().isoformat() == "2015-03-06"  # the article's date
