"""Our own CSV export imported again (issue 20 item 13): the apostrophe the export puts
before a formula is the import's to take away, so a re-import finds every claim."""

import csv
import io

import pytest

from claims import services
from claims.models import Claim, Evidence
from intake.imports import import_claims

pytestmark = pytest.mark.django_db

STATEMENTS = [
    "=1+1 is what the minister's chart shows",
    "+92 numbers called every desk in Lahore",
    "-5 degrees were recorded in Quetta on Friday",
    "@dawn_com reported the meeting first",
    "The summit moved to Qingdao; =HYPERLINK(1) was in the invitation",
    "Asif and Singh will meet in Qingdao",
    "Prices rose by 5% - the bureau says so",
    "Talks, -minus the press- went on for hours",
]


def test_it_finds_every_exported_claim_again_on_a_dry_run_re_import(analyst_client, analyst):
    for number, statement in enumerate(STATEMENTS):
        claim = services.claim_create(statement=statement, claimant="=Turkish media", actor=analyst)
        services.evidence_add(
            claim=claim,
            url=f"https://dawn.com/{number}",
            stance="supports",
            title="-Dawn's headline",
            actor=None,
        )
    exported = analyst_client.get("/claims/export.csv").content
    cells = [row["statement"] for row in csv.DictReader(io.StringIO(exported.decode()))]
    assert sum(cell.startswith("'") for cell in cells) == 4, "the export defuses"

    report = import_claims(exported, name="export.csv", dry_run=True)

    assert report.ok, report.errors
    assert (report.claims_created, report.claims_matched) == (0, len(STATEMENTS))
    assert (report.evidence_created, report.evidence_existing) == (0, len(STATEMENTS))
    assert Claim.objects.count() == len(STATEMENTS)
    assert Evidence.objects.count() == len(STATEMENTS)


def test_it_imports_defused_cells_as_the_text_that_was_exported(analyst_client, analyst):
    services.claim_create(statement="=SUM(A1) was typed", claimant="Desk; @night", actor=analyst)
    exported = analyst_client.get("/claims/export.csv").content.decode()
    assert "'=SUM(A1) was typed" in exported and "Desk; '@night" in exported

    report = import_claims(exported.replace("was typed", "was typed again"), name="export.csv")

    assert report.ok, report.errors
    imported = Claim.objects.get(statement="=SUM(A1) was typed again")
    assert imported.claimant == "Desk; @night"
