import csv
import io

import pytest
from django.utils import timezone

from claims.models import Claim, ClaimEvent, Evidence
from intake.imports import import_claims
from intake.mapping import ColumnMapping, repair_url
from intake.spreadsheets import ImportFileError
from publishing import exports
from sources.models import Source

pytestmark = pytest.mark.django_db

HEADER = "claimId,claimHeadline,claimTruth,url,articleHeadline,articleHeadlineStance\n"
GOOD = (
    HEADER
    + "c1,Ministers will meet,true,https://dawn.com/a,Dawn says yes,for\n"
    + "c1,Ministers will meet,true,https://fo.gov.pk/b,FO says no,against\n"
    + "c2,Bananas are blue,unknown,https://x.org/c,Maybe,observing\n"
)


def test_it_imports_claims_evidence_and_verdicts():
    report = import_claims(GOOD, name="good.csv")
    assert report.ok and report.committed
    assert (report.claims_created, report.evidence_created, report.verdicts_set) == (2, 3, 1)
    meet = Claim.objects.get(external_id="c1")
    assert meet.status == "confirmed"
    assert meet.verdict_by is None
    verdict = meet.events.get(kind=ClaimEvent.Kind.VERDICT_SET)
    assert verdict.actor is None
    assert "good.csv" in verdict.payload["after"]["rationale"]
    stances = dict(meet.evidence.values_list("source__url", "stance"))
    assert stances == {"https://dawn.com/a": "supports", "https://fo.gov.pk/b": "denies"}
    assert Source.objects.get(url="https://dawn.com/a").title == "Dawn says yes"
    assert Claim.objects.get(external_id="c2").status == "unverified"


def test_it_creates_no_duplicates_on_reimport():
    import_claims(GOOD, name="good.csv")
    again = import_claims(GOOD + "c2,Bananas are blue,unknown,https://x.org/d,More,for\n", name="g")
    assert again.ok
    assert (again.claims_created, again.claims_matched) == (0, 2)
    assert (again.evidence_created, again.evidence_existing) == (1, 3)
    assert Claim.objects.count() == 2
    assert Evidence.objects.count() == 4
    assert ClaimEvent.objects.filter(kind="verdict_set").count() == 1


def test_it_never_overwrites_a_verdict_set_since(editor):
    from claims import services

    import_claims(GOOD, name="good.csv")
    claim = Claim.objects.get(external_id="c1")
    services.verdict_set(
        claim=claim,
        status="disputed",
        rationale="New facts.",
        expected_version=claim.version,
        actor=editor,
    )
    report = import_claims(GOOD, name="good.csv")
    assert report.ok
    assert "already 'disputed'" in report.warnings[0].message
    claim.refresh_from_db()
    assert claim.status == "disputed"


def test_it_writes_nothing_on_a_dry_run():
    report = import_claims(GOOD, name="good.csv", dry_run=True)
    assert report.ok and not report.committed
    assert (report.claims_created, report.evidence_created) == (2, 3)
    assert not Claim.objects.exists()
    assert not Source.objects.exists()


def test_it_reports_row_errors_with_line_numbers_and_changes_nothing():
    bad = (
        GOOD
        + "c3,,true,https://x.org/e,T,for\n"
        + "c4,Fish fly,maybe,https://x.org/f,T,for\n"
        + "c5,Cats bark,false,ftp://x.org/g,T,for\n"
        + "c6,Dogs purr,false,https://x.org/h,T,\n"
    )
    report = import_claims(bad, name="bad.csv")
    assert not report.ok
    lines = [issue.line for issue in report.errors]
    assert lines == [5, 6, 7, 8]
    assert "claim is empty" in report.errors[0].message
    assert "'maybe' is not mapped" in report.errors[1].message
    assert "ftp://x.org/g" in report.errors[2].message
    assert "stance is empty" in report.errors[3].message
    assert not Claim.objects.exists()
    assert not Source.objects.exists()


def test_it_rolls_back_when_a_service_refuses_a_row(analyst):
    # An analyst may not set verdicts... but imported verdicts are the system's; an
    # outsider may not even create claims, so the whole import is refused.
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user("nobody")
    report = import_claims(GOOD, name="good.csv", actor=nobody)
    assert not report.ok
    assert report.errors[0].line == 2
    assert not Claim.objects.exists()
    report = import_claims(GOOD, name="good.csv", actor=analyst)
    assert report.ok
    assert Claim.objects.get(external_id="c1").created_by == analyst


def test_it_catches_contradictions_within_a_claim():
    bad = (
        HEADER
        + "c1,Ministers will meet,true,https://dawn.com/a,T,for\n"
        + "c1,Ministers will meet,false,https://dawn.com/b,T,for\n"
        + "c1,Ministers met,true,https://dawn.com/c,T,for\n"
        + "c1,Ministers will meet,true,https://dawn.com/a#x,T,against\n"
    )
    report = import_claims(bad, name="bad.csv")
    assert [i.line for i in report.errors] == [3, 4, 5]
    assert "verdict differs from line 2" in report.errors[0].message
    assert "different statement" in report.errors[1].message
    assert "'denies' here and 'supports' there" in report.errors[2].message


def test_it_links_the_same_article_once_with_a_warning():
    dup = (
        HEADER
        + "c1,Ministers will meet,true,https://dawn.com/a,T,for\n"
        + "c1,Ministers will meet,true,https://dawn.com/a#comments,T,for\n"
    )
    report = import_claims(dup, name="dup.csv")
    assert report.ok
    assert report.evidence_created == 1
    assert report.warnings[0].line == 3
    assert "same article as line 2" in report.warnings[0].message


def test_it_repairs_a_url_pasted_into_itself():
    inner = "http://www.example.com/2014/10/03/story-on-baghdads.html?rh=1"
    pasted = inner[:40] + inner + inner[40:]
    assert repair_url(pasted)[0] == inner
    assert repair_url(inner) == (inner, "")
    archived = "https://web.archive.org/web/2015/http://example.com/a"
    assert repair_url(archived) == (archived, "")
    assert repair_url("example.com/a")[1] == "the URL has no scheme; read as https://"


def test_it_maps_other_columns_and_values():
    data = "Statement;Link;Position;Rating;Seen\nThe sky fell;sky.org/x;pro;yes;2015-01-02\n"
    mapping = ColumnMapping(
        columns={
            "claim": "Statement",
            "url": "Link",
            "stance": "Position",
            "verdict": "Rating",
            "date": "Seen",
        }
    )
    report = import_claims(
        data,
        name="other.csv",
        mapping=mapping,
        verdicts={"yes": "confirmed"},
        stances={"pro": "supports"},
    )
    assert report.ok, report.errors
    claim = Claim.objects.get()
    assert claim.status == "confirmed"
    assert claim.first_seen_at.isoformat() == "2015-01-02T00:00:00+00:00"
    evidence = claim.evidence.get()
    assert (evidence.source.url, evidence.stance) == ("https://sky.org/x", "supports")
    assert report.warnings[0].line == 2
    # Without an id column, a re-import matches by statement.
    assert (
        import_claims(
            data,
            name="o",
            mapping=mapping,
            verdicts={"yes": "confirmed"},
            stances={"pro": "supports"},
        ).claims_matched
        == 1
    )


def test_it_reads_dates_from_version_1_uuids():
    data = HEADER.replace("\n", ",articleId\n") + (
        "c1,Ministers will meet,true,https://dawn.com/a,T,for,"
        "116a3920-c41c-11e4-883c-a7fa7a3c5066\n"
    )
    mapping = ColumnMapping.guess(data.splitlines()[0].split(","))
    mapping.columns["date"] = "articleId"
    assert import_claims(data, name="d", mapping=mapping).ok
    evidence = Evidence.objects.get()
    assert evidence.source.published_at.isoformat().startswith("2015-03-06")


def test_it_refuses_a_file_it_cannot_read():
    with pytest.raises(ImportFileError, match="not UTF-8"):
        import_claims(b"claim\n\xff\xfe", name="x")
    with pytest.raises(ImportFileError, match="no column 'Nope'"):
        import_claims(GOOD, name="x", mapping=ColumnMapping(columns={"claim": "Nope"}))
    with pytest.raises(ImportFileError, match="Map a column to 'claim'"):
        import_claims("a,b\n1,2\n", name="x")
    with pytest.raises(ImportFileError, match="not a status"):
        import_claims(GOOD, name="x", verdicts={"true": "yes"})


def test_it_schedules_new_sources_only_when_asked(django_capture_on_commit_callbacks):
    """docs/import.md: nothing is fetched unless asked; with --check the new sources are
    due at once, for the dispatcher. The import itself queues nothing."""
    with django_capture_on_commit_callbacks() as callbacks:
        assert import_claims(GOOD, name="good.csv").ok
    assert callbacks == []
    assert Source.objects.exists()
    assert not Source.objects.filter(next_check_at__isnull=False).exists()
    more = GOOD + "c3,Fish fly,false,https://x.org/new,T,against\n"
    with django_capture_on_commit_callbacks() as callbacks:
        report = import_claims(more, name="more.csv", check=True)
    assert report.sources_created == 1
    assert callbacks == []
    due = Source.objects.filter(next_check_at__lte=timezone.now())
    assert list(due.values_list("url", flat=True)) == ["https://x.org/new"]


def test_it_adds_to_the_claim_a_duplicate_was_merged_into(editor):
    from claims import services

    import_claims(GOOD, name="good.csv")
    duplicate = Claim.objects.get(external_id="c2")
    target = services.claim_create(statement="Bananas are not blue.", actor=editor)
    services.claim_merge(duplicate=duplicate, target=target, actor=editor)
    report = import_claims(GOOD + "c2,Bananas are blue,unknown,https://x.org/z,T,for\n", name="g")
    assert report.ok
    assert target.evidence.filter(source__url="https://x.org/z").exists()


def test_it_says_an_imported_link_was_made_by_the_import_now(client, editor):
    """Issue 19: the link is the import's, made now; the article's date is its own field."""
    data = (
        HEADER.replace("\n", ",published\n")
        + "c1,Ministers will meet,true,https://dawn.com/a,Meeting on,for,2014-09-29\n"
    )
    mapping = ColumnMapping.guess(data.splitlines()[0].split(","))
    started = timezone.now()
    assert import_claims(data, name="emergent.csv", mapping=mapping, actor=editor).ok
    evidence = Evidence.objects.get()
    assert evidence.source.published_at.date().isoformat() == "2014-09-29"
    event = evidence.claim.events.get(kind="evidence_added")
    # On the timeline when it happened to the desk: after the claim was logged, today.
    assert evidence.added_at == event.created_at >= evidence.claim.created_at >= started
    assert event.actor == editor
    assert event.payload["imported_from"] == "emergent.csv"
    assert event.payload["article_date"].startswith("2014-09-29")
    client.force_login(editor)
    page = client.get(evidence.claim.get_absolute_url()).content.decode()
    today = timezone.localtime(event.created_at).strftime("%-d %b %Y")
    assert "Linked by import of emergent.csv (erin)" in page
    assert f">{today}</time>; article dated <time" in page and ">29 Sep 2014</time>" in page
    (row,) = csv.DictReader(io.StringIO(exports.claims_csv(Claim.objects.all())))
    assert row["article_date"].startswith("2014-09-29")
    assert row["added_at"] == evidence.added_at.isoformat()
