"""Retention: captures of decided claims' sources stay; the rest is bounded; no chain breaks."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from claims import services
from sources import captures, fetch
from sources.models import Capture, Snapshot

pytestmark = pytest.mark.django_db


def capture(source, body: bytes, *, days_ago: int):
    """A check of `source` that stored a snapshot, its capture and a source event."""
    at = timezone.now() - timedelta(days=days_ago)
    result = fetch.FetchResult(
        url=source.url,
        status=200,
        content_type="text/html",
        text=body.decode(),
        body_hash=hashlib.sha256(body).hexdigest(),
        body=body,
        headers=[("Content-Type", "text/html")],
        request_headers=[("User-Agent", "Claimwatch")],
        reason="OK",
    )
    stored = captures.capture_store(source=source, result=result, fetched_at=at)
    Snapshot.objects.create(
        source=source,
        created_at=at,
        text=body.decode(),
        content_hash=hashlib.sha256(body).hexdigest(),
        change_kind=Snapshot.ChangeKind.EDITED,
        capture=stored,
        capture_sha256=stored.sha256,
    )
    services.source_event_record(
        source=source, kind="source_changed", payload={"capture": stored.sha256}, at=at
    )
    return stored


@pytest.fixture
def two_claims(claim, analyst, editor, capture_dir):
    decided = claim
    open_claim = services.claim_create(statement="Another claim, still open", actor=analyst)
    kept = services.evidence_add(
        claim=decided,
        url="https://gov.example.org/a",
        stance="denies",
        actor=analyst,
    ).source
    other = services.evidence_add(
        claim=open_claim,
        url="https://news.example.org/b",
        stance="supports",
        actor=analyst,
    ).source
    decided.refresh_from_db()
    services.verdict_set(
        claim=decided,
        status="denied",
        rationale="Denied by the ministry.",
        expected_version=decided.version,
        actor=editor,
    )
    return decided, open_claim, kept, other


@pytest.fixture
def prune(django_capture_on_commit_callbacks):
    """manage.py prune_captures, its files deleted as after a real commit."""

    def run(max_bytes: int) -> str:
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("prune_captures", "--max-bytes", str(max_bytes), stdout=out)
        return out.getvalue()

    return run


def test_it_keeps_decided_sources_and_prunes_the_rest_oldest_first(two_claims, capture_dir, prune):
    decided, open_claim, kept, other = two_claims
    old_kept = capture(kept, b"<p>kept v1</p>" * 50, days_ago=30)
    old_other = capture(other, b"<p>other v1</p>" * 50, days_ago=20)
    new_other = capture(other, b"<p>other v2</p>" * 50, days_ago=1)
    limit = old_kept.size + new_other.size
    assert "Pruned 1 capture(s)" in prune(limit)
    assert Capture.objects.get(pk=old_other.pk).is_pruned
    assert not (capture_dir / old_other.storage_name).exists()
    assert not Capture.objects.get(pk=new_other.pk).is_pruned
    assert not Capture.objects.get(pk=old_kept.pk).is_pruned
    # Even a limit of nothing leaves the decided claim's captures.
    prune(0)
    assert not Capture.objects.get(pk=old_kept.pk).is_pruned
    assert (capture_dir / old_kept.storage_name).exists()
    assert Capture.objects.get(pk=new_other.pk).is_pruned
    # No chain breaks: the events keep the hashes of the pruned captures.
    call_command("verify_timeline", stdout=io.StringIO())


def test_it_keeps_the_body_a_kept_revisit_needs(two_claims, capture_dir, prune):
    decided, open_claim, kept, other = two_claims
    body = b"<p>the same statement, syndicated</p>" * 20
    original = capture(other, body, days_ago=10)
    revisit = capture(kept, body, days_ago=5)
    assert revisit.revisit_of == original
    prune(0)
    assert not Capture.objects.get(pk=original.pk).is_pruned
    assert captures.capture_load(Capture.objects.get(pk=revisit.pk)).body == body


def test_it_prunes_a_revisit_with_its_original(two_claims, capture_dir, prune):
    decided, open_claim, kept, other = two_claims
    body = b"<p>unchanged</p>" * 20
    original = capture(other, body, days_ago=10)
    again = capture(other, body, days_ago=5)
    assert again.revisit_of == original
    prune(0)
    assert Capture.objects.get(pk=again.pk).is_pruned
    assert Capture.objects.get(pk=original.pk).is_pruned


def test_it_prunes_nothing_under_the_limit(two_claims, prune):
    decided, open_claim, kept, other = two_claims
    capture(other, b"<p>small</p>", days_ago=3)
    assert "Pruned 0 capture(s)" in prune(10**9)
    assert not Capture.objects.filter(pruned_at__isnull=False).exists()


def test_a_bundle_with_pruned_captures_still_verifies(two_claims, prune, tmp_path):
    from publishing import bundle

    decided, open_claim, kept, other = two_claims
    capture(other, b"<p>v1</p>" * 40, days_ago=9)
    capture(other, b"<p>v2</p>" * 40, days_ago=2)
    prune(0)
    path = tmp_path / "open.wacz"
    with path.open("wb") as out:
        bundle.build(open_claim, out)
    counts = bundle.verify(path)
    assert counts["pruned"] == 2 and counts["captures"] == 0
