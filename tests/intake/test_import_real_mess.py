"""Spreadsheets as analysts bring them (tests/intake/spreadsheet_corpus.py): each file
imports to exactly the same claims and links, and a file read wrongly changes nothing."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim, Evidence
from intake.imports import import_claims
from sources.models import Source

from . import spreadsheet_corpus as corpus

pytestmark = pytest.mark.django_db

XLSX_MAP = [
    "--map",
    "claim=Claim Statement",
    "--map",
    "claimant=Claim Claimed by",
    "--map",
    "verdict=Claim Verdict",
    "--map",
    "url=Source URL",
    "--map",
    "title=Source Headline",
    "--map",
    "stance=Source Stance",
    "--map",
    "date=Source Date",
]
FILES = {
    "google-sheets.csv": (corpus.google_sheets_csv, ["--date-format", "%m/%d/%y"]),
    "excel-utf8.csv": (corpus.excel_csv_utf8, ["--date-format", "%m/%d/%Y"]),
    "excel-unicode.txt": (corpus.excel_unicode_text, ["--date-format", "%m/%d/%Y"]),
    "excel-cp1252.csv": (
        corpus.excel_csv_cp1252,
        ["--encoding", "cp1252", "--date-format", "%d/%m/%Y"],
    ),
    "libreoffice.csv": (corpus.libreoffice_csv, ["--date-format", "%d.%m.%Y"]),
    "excel.xlsx": (corpus.excel_xlsx, XLSX_MAP),
    "libreoffice.ods": (corpus.libreoffice_ods, ["--sheet", "Claims"]),
}
DIALECTS = {
    "google-sheets.csv": "CSV, UTF-8, comma separated (detected)",
    "excel-utf8.csv": "CSV, UTF-8 with BOM, comma separated (detected)",
    "excel-unicode.txt": "CSV, UTF-16 with BOM, tab separated (detected)",
    "excel-cp1252.csv": "CSV, cp1252 (given), semicolon separated (detected)",
    "libreoffice.csv": "CSV, UTF-8, semicolon separated (detected)",
    "excel.xlsx": "xlsx workbook, sheet 'Tracker' (the first of 1), header in row 2-3",
    "libreoffice.ods": "ods workbook, sheet 'Claims' (given of 2), header in row 1",
}


def state() -> list:
    claims = []
    for claim in Claim.objects.prefetch_related("evidence__source"):
        links = sorted(
            (e.source.url, e.stance, e.source.title, e.source.published_at.date())
            for e in claim.evidence.all()
        )
        claims.append((claim.statement, claim.claimant, claim.status, links))
    return sorted(claims)


def run(path, *args) -> str:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_claims", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        raise CommandError(f"{out.getvalue()}{err.getvalue()}{exc}") from None
    return out.getvalue()


@pytest.mark.parametrize("name", FILES)
def test_it_imports_each_file_to_the_exact_claims_and_links(tmp_path, name):
    write, args = FILES[name]
    path = tmp_path / name
    path.write_bytes(write())
    out = run(path, *args)
    assert f"Read as: {DIALECTS[name]}" in out
    assert "3 claims (0 already there), 4 evidence links" in out
    assert state() == corpus.expected_state()
    first_seen = Claim.objects.get(claimant="Le Matin").first_seen_at
    assert first_seen == datetime(2017, 2, 3, tzinfo=UTC)
    # Importing the same file again adds nothing.
    assert "0 claims (3 already there), 0 evidence links (4 already there)" in run(path, *args)


def test_it_names_the_one_format_a_date_column_fits():
    report = import_claims(corpus.google_sheets_csv(), name="export.csv", dry_run=True)
    assert not report.ok
    assert "every value reads as %m/%d/%y: give --date-format '%m/%d/%y'" in str(report.errors[0])


def test_it_names_the_formats_a_date_column_fits_and_guesses_none(tmp_path):
    path = tmp_path / "export.csv"
    # 3/2 and 6/24: 6/24 is only month-first; without it, 3/2/17 could be either.
    path.write_bytes(b"claim,published\nA,3/2/17\nB,4/5/17\n")
    with pytest.raises(CommandError) as failure:
        run(path)
    assert "which one is meant cannot be told from the file" in str(failure.value)
    assert "%m/%d/%y, %d/%m/%y" in str(failure.value)
    assert not Claim.objects.exists()
    out = run(path, "--date-format", "%d/%m/%y")
    assert "Dates: %d/%m/%y (and ISO)" in out
    assert Claim.objects.get(statement="A").first_seen_at == datetime(2017, 2, 3, tzinfo=UTC)


def test_it_ignores_a_column_mapped_to_nothing(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(corpus.google_sheets_csv())
    out = run(path, "--map", "date=")
    assert "date ignored" in out
    assert Claim.objects.count() == 3
    assert not Claim.objects.exclude(first_seen_at=None).exists()


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("excel-cp1252.csv", [], "is not UTF-8"),
        ("excel-cp1252.csv", ["--encoding", "cp1252"], "is not ISO"),
        ("libreoffice.csv", ["--delimiter", ","], "Map a column to 'claim'"),
        ("libreoffice.csv", ["--date-format", "%m/%d/%Y"], "does not match the date format"),
        ("libreoffice.ods", [], "The workbook's sheets: Read me, Claims"),
        ("excel.xlsx", ["--sheet", "Sheet2"], "has no sheet 'Sheet2'; it has Tracker"),
        ("excel.xlsx", ["--delimiter", ";"], "a workbook has no delimiter or encoding"),
    ],
)
def test_it_changes_nothing_when_a_file_is_read_wrongly(tmp_path, name, args, message):
    write, _ = FILES[name]
    path = tmp_path / name
    path.write_bytes(write())
    with pytest.raises(CommandError) as failure:
        run(path, *args)
    assert message in str(failure.value)
    assert not Claim.objects.exists()
    assert not Evidence.objects.exists()
    assert not Source.objects.exists()


def test_it_refuses_a_date_format_without_a_day_month_and_year(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(corpus.google_sheets_csv())
    with pytest.raises(CommandError, match="needs a day, a month and a year"):
        run(path, "--date-format", "%m/%y")
