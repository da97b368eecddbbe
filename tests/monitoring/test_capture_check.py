"""A check that stores a snapshot stores its capture; the record names its hash. Every
linked source is captured at least once, even when its page never changes."""

import io
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.models import ClaimEvent
from monitoring.checks import check_batch
from monitoring.tasks import check_sources
from sources import changes
from sources.captures import CaptureStoreFailed
from sources.models import Capture, CheckAttempt, Snapshot
from sources.services import snapshot_record

from ..sites import article

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed_source(cited_source, site, capture_dir):
    check_batch([cited_source.pk])
    site.set("/news/cited", article("Ministers will not meet", "The meeting was called off."))
    check_batch([cited_source.pk])
    return cited_source


def verify(claim):
    call_command("verify_timeline", str(claim.code), stdout=io.StringIO())


def test_it_captures_every_snapshot_and_names_it_on_the_timeline(changed_source, claim):
    snapshots = list(Snapshot.objects.filter(source=changed_source).order_by("created_at"))
    assert len(snapshots) == 2
    assert all(s.capture and s.capture_sha256 == s.capture.sha256 for s in snapshots)
    event = ClaimEvent.objects.get(claim=claim, kind=ClaimEvent.Kind.SOURCE_HEADLINE_CHANGED)
    assert event.payload["capture"] == snapshots[1].capture_sha256
    verify(claim)


def test_it_stores_nothing_for_an_unchanged_page(changed_source, site):
    before = Capture.objects.count()
    check_batch([changed_source.pk])  # 304: nothing new
    assert Capture.objects.count() == before


def test_it_captures_an_unchanged_page_once_when_its_source_has_no_capture(
    cited_source, site, capture_dir
):
    # A snapshot stored without a fetch (the demo, imports of what a page said): the first
    # check finds the page unchanged, and still keeps the exchange.
    page = article("Ministers to meet")
    snapshot_record(
        source=cited_source,
        extracted=changes.extract(page, url=cited_source.url, content_type="text/html"),
        at=timezone.now(),
    )
    check_batch([cited_source.pk])
    assert Snapshot.objects.filter(source=cited_source).count() == 1  # nothing changed
    capture = Capture.objects.get(source=cited_source)
    assert capture.http_status == 200 and capture.url == cited_source.url
    # The next check asks conditionally again (304: no body) and keeps nothing more.
    check_batch([cited_source.pk])
    check_batch([cited_source.pk])
    assert Capture.objects.filter(source=cited_source).count() == 1
    outcomes = list(
        CheckAttempt.objects.filter(source=cited_source)
        .order_by("started_at")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["unchanged", "not_modified", "not_modified"]


def test_it_captures_a_captured_source_again_once_after_a_new_link(
    cited_source, site, capture_dir, analyst
):
    check_batch([cited_source.pk])  # the first snapshot, captured
    check_batch([cited_source.pk])  # 304
    assert Capture.objects.filter(source=cited_source).count() == 1
    other = services.claim_create(statement="The meeting was called off.", actor=analyst)
    services.evidence_add(claim=other, url=cited_source.url, stance="denies", actor=analyst)
    check_batch([cited_source.pk])  # unchanged, but linked since its capture
    check_batch([cited_source.pk])
    kept = list(Capture.objects.filter(source=cited_source).order_by("fetched_at"))
    assert len(kept) == 2
    # The same body is not stored twice: the second capture is a revisit of the first.
    assert kept[1].revisit_of == kept[0]
    assert Snapshot.objects.filter(source=cited_source).count() == 1


def test_verify_timeline_detects_an_altered_capture(changed_source, claim, capture_dir):
    capture = Snapshot.objects.filter(source=changed_source).latest("created_at").capture
    path = capture_dir / capture.storage_name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CommandError, match=rf"capture {capture.sha256}: .*does not match its hash"):
        verify(claim)


def test_verify_timeline_detects_a_deleted_capture_file(changed_source, claim, capture_dir):
    capture = Snapshot.objects.filter(source=changed_source).latest("created_at").capture
    (capture_dir / capture.storage_name).unlink()
    with pytest.raises(CommandError, match="is missing from storage"):
        verify(claim)


def test_the_source_page_shows_the_capture_beside_the_diff(analyst_client, changed_source):
    page = analyst_client.get(changed_source.get_absolute_url()).content.decode()
    capture = Snapshot.objects.filter(source=changed_source).latest("created_at").capture
    url = reverse("sources:capture_raw", args=[changed_source.code, capture.sha256])
    assert f'<iframe sandbox src="{url}"' in page
    response = analyst_client.get(url)
    assert response.status_code == 200
    assert b"The meeting was called off." in response.content
    csp = response["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp and "script-src" not in csp
    assert "frame-ancestors 'self'" in csp
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_source_page_says_capture_pruned(analyst_client, changed_source):
    capture = Snapshot.objects.filter(source=changed_source).latest("created_at").capture
    Capture.objects.filter(pk=capture.pk).update(pruned_at=timezone.now())
    page = analyst_client.get(changed_source.get_absolute_url()).content.decode()
    assert "Capture pruned" in page and capture.sha256 in page
    for name in ("sources:capture", "sources:capture_raw"):
        url = reverse(name, args=[changed_source.code, capture.sha256])
        assert analyst_client.get(url).status_code == 410


def test_an_opened_capture_says_what_it_is_and_leads_back(analyst_client, changed_source):
    capture = Snapshot.objects.filter(source=changed_source).latest("created_at").capture
    url = reverse("sources:capture", args=[changed_source.code, capture.sha256])
    page = analyst_client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Archived copy of" in text and capture.url in text
    assert capture.fetched_at.strftime("%-d %b %Y, %H:%M") in text
    assert f'href="{changed_source.get_absolute_url()}"' in text
    raw = reverse("sources:capture_raw", args=[changed_source.code, capture.sha256])
    assert f'<iframe sandbox src="{raw}"' in text


def test_the_capture_view_refuses_outsiders(client, outsider, changed_source):
    capture = Snapshot.objects.filter(source=changed_source).latest("created_at").capture
    client.force_login(outsider)
    for name in ("sources:capture", "sources:capture_raw"):
        url = reverse(name, args=[changed_source.code, capture.sha256])
        assert client.get(url).status_code == 403


def test_verify_timeline_checks_the_first_capture_too(cited_source, claim, capture_dir):
    # Linked before its first fetch: the first copy is what the stance judges, and the
    # event that says so names its capture, so the chain covers its bytes.
    check_batch([cited_source.pk])
    first = Snapshot.objects.get(source=cited_source).capture
    event = ClaimEvent.objects.get(claim=claim, kind=ClaimEvent.Kind.EVIDENCE_JUDGED)
    assert event.payload["judged_snapshot"]["capture"] == first.sha256
    assert event.payload["title"] == Snapshot.objects.get(source=cited_source).title
    verify(claim)
    path = capture_dir / first.storage_name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CommandError, match=rf"capture {first.sha256}: .*does not match its hash"):
        verify(claim)


def test_the_timeline_says_which_copy_the_stance_judges(analyst_client, cited_source, claim):
    check_batch([cited_source.pk])
    page = analyst_client.get(claim.get_absolute_url()).content.decode()
    assert "First copy of a source kept" in page
    assert "is a judgement of this copy" in page


@pytest.fixture
def full_disk(settings, tmp_path):
    """Capture storage on a 64 KiB file system with about 1 KiB left (root: CI runs so)."""
    where = tmp_path / "small"
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)], check=True)
    try:
        (where / "filler").write_bytes(b"\0" * (63 * 1024))
        settings.STORAGES = {
            **settings.STORAGES,
            "captures": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(where)},
            },
        }
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def test_a_full_disk_keeps_nothing_of_the_check_and_it_is_tried_again(cited_source, full_disk):
    with pytest.raises(CaptureStoreFailed, match="No space left"):
        check_batch([cited_source.pk])
    # No file cut short, no row naming one, the source as it was: the batch is retried.
    assert sorted(p.name for p in full_disk.rglob("*") if p.is_file()) == ["filler"]
    assert not Capture.objects.exists() and not Snapshot.objects.exists()
    cited_source.refresh_from_db()
    assert cited_source.content_hash == "" and cited_source.last_checked_at is None
    assert CaptureStoreFailed in check_sources.autoretry_for

    (full_disk / "filler").unlink()  # space again
    check_batch([cited_source.pk])
    capture = Snapshot.objects.get(source=cited_source).capture
    assert (full_disk / capture.storage_name).stat().st_size == capture.size
