import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from claims import selectors
from claims.models import Claim, ClaimEvent, Evidence
from sources.models import Outlet, Snapshot, Source

pytestmark = pytest.mark.django_db


def counts():
    return (
        Claim.objects.count(),
        Evidence.objects.count(),
        Source.objects.count(),
        Outlet.objects.count(),
        ClaimEvent.objects.count(),
        get_user_model().objects.count(),
    )


def test_it_tells_the_sco_story(settings, capsys):
    settings.DEMO_PASSWORD = "demo-pass-for-tests"
    call_command("seed_demo")
    meeting = Claim.objects.get(statement__startswith="Pakistan's Defence Minister Khawaja Asif")
    assert meeting.status == "denied"
    assert meeting.claimant == "Turkish media"
    stances = set(meeting.evidence.values_list("stance", flat=True))
    assert stances == {"supports", "denies", "neutral"}
    assert Outlet.objects.get(domain="mofa.gov.pk").kind == "official"
    assert meeting.events.filter(kind="source_headline_changed").exists()
    # The story is told when it happened, June 2025, in order.
    kinds = list(meeting.events.order_by("created_at").values_list("kind", flat=True))
    assert kinds[0] == "created" and kinds[-1] == "verdict_set"
    assert {e.created_at.date().isoformat()[:7] for e in meeting.events.all()} == {"2025-06"}
    # Each stance rests on the snapshot the story recorded for its source (issue 19).
    recorded = Evidence.objects.filter(source__snapshots__isnull=False).distinct()
    assert recorded.exists() and not recorded.filter(judged_snapshot=None).exists()
    editor = get_user_model().objects.get(username="editor")
    assert editor.check_password("demo-pass-for-tests")
    assert editor.has_perm("claims.set_verdict")
    assert "demo-pass-for-tests" in capsys.readouterr().out


def test_it_is_idempotent(settings):
    settings.DEMO_PASSWORD = ""
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first


def test_it_generates_a_password_when_none_is_given(settings, capsys):
    settings.DEMO_PASSWORD = ""
    call_command("seed_demo")
    out = capsys.readouterr().out
    password = out.rsplit("password: ", 1)[1].strip()
    assert len(password) >= 12
    assert get_user_model().objects.get(username="analyst").check_password(password)


def test_it_groups_the_anadolu_and_trt_copies_as_one_origin(settings):
    settings.DEMO_PASSWORD = ""
    call_command("seed_demo")
    meeting = Claim.objects.get(statement__startswith="Pakistan's Defence Minister Khawaja Asif")
    evidence = {ev.source.outlet.domain: ev for ev in meeting.evidence.select_related("source")}
    aa, trt, fo = evidence["aa.com.tr"], evidence["trtworld.com"], evidence["mofa.gov.pk"]
    assert aa.origin_id and aa.origin_id == trt.origin_id != fo.origin_id
    assert trt.origin_reason == "says it reports Anadolu Agency"
    assert selectors.origin_counts(selectors.claim_evidence(meeting)) == {
        "supports": 1,
        "denies": 1,
        "neutral": 1,
    }


def test_it_keeps_the_page_of_every_seeded_snapshot_as_its_capture(settings):
    settings.DEMO_PASSWORD = ""
    call_command("seed_demo")
    seeded = list(Snapshot.objects.select_related("capture", "source"))
    assert {s.source.outlet.domain for s in seeded} == {"aa.com.tr", "trtworld.com"}
    for snapshot in seeded:
        assert snapshot.capture.url == snapshot.source.url
        assert snapshot.capture_sha256 == snapshot.capture.sha256
        assert snapshot.capture.fetched_at == snapshot.created_at


def test_it_records_the_status_and_language_of_every_seeded_snapshot(settings, analyst_client):
    """The capture says HTTP 200; the snapshot table should too, and name the language."""
    settings.DEMO_PASSWORD = ""
    call_command("seed_demo")
    seeded = list(Snapshot.objects.select_related("source"))
    assert seeded
    assert {(s.http_status, s.language) for s in seeded} == {(200, "en")}
    page = analyst_client.get(seeded[0].source.get_absolute_url()).content.decode()
    row = page.split("First capture</td>")[1].split("</tr>")[0]
    assert "<td>en</td>" in row and "<td>200</td>" in row
