"""The timeline is a tamper-evident record: a hash chain the database will not let change."""

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from claims import chain, selectors, services
from claims.models import Claim, ClaimEvent

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def bypassing_the_trigger(sql: str, params=()):
    """What a database superuser could do: switch triggers off for the session."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


def verify(claim=None):
    args = [str(claim.code)] if claim is not None else []
    call_command("verify_timeline", *args, stdout=io.StringIO())


@pytest.fixture
def busy_claim(claim, analyst, editor):
    services.comment_add(claim=claim, text="First look.", actor=analyst)
    services.comment_add(claim=claim, text="Second look.", actor=analyst)
    claim.refresh_from_db()
    services.verdict_set(
        claim=claim,
        status="denied",
        rationale="The ministry denied it.",
        expected_version=claim.version,
        actor=editor,
    )
    claim.refresh_from_db()
    return claim


def test_it_chains_each_event_to_the_one_before(busy_claim):
    events = list(ClaimEvent.objects.filter(claim=busy_claim).order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == ""
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert busy_claim.timeline_head == events[-1].hash
    assert busy_claim.timeline_length == 4
    assert selectors.timeline_verify(busy_claim) is None


def test_it_refuses_update_and_delete_through_the_orm(busy_claim):
    event = busy_claim.events.order_by("seq").first()
    refused(lambda: ClaimEvent.objects.filter(pk=event.pk).update(payload={"text": "forged"}))
    refused(lambda: ClaimEvent.objects.filter(pk=event.pk).delete())
    refused(lambda: event.delete())
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ProtectedError):
        busy_claim.delete()  # its events PROTECT it before any trigger is reached
    assert ClaimEvent.objects.get(pk=event.pk).payload == event.payload


def test_it_refuses_update_and_delete_in_raw_sql(busy_claim):
    event = busy_claim.events.order_by("seq").first()

    def run(sql):
        with connection.cursor() as cursor:
            # Foreign keys are checked at commit; a test never commits, so check now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql, [event.pk])

    refused(lambda: run("UPDATE claims_claimevent SET kind = 'comment' WHERE id = %s"))
    refused(lambda: run("DELETE FROM claims_claimevent WHERE id = %s"))
    refused(
        lambda: run(
            "DELETE FROM claims_claim"
            " WHERE id = (SELECT claim_id FROM claims_claimevent WHERE id = %s)"
        )
    )
    assert ClaimEvent.objects.filter(pk=event.pk, kind=event.kind).exists()


def test_it_refuses_deleting_events_and_claims_in_the_admin(admin_client, busy_claim):
    event = busy_claim.events.first()
    for url in (
        reverse("admin:claims_claimevent_delete", args=[event.pk]),
        reverse("admin:claims_claim_delete", args=[busy_claim.pk]),
    ):
        assert admin_client.post(url, {"post": "yes"}).status_code == 403
    response = admin_client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "delete_selected", "_selected_action": [busy_claim.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Claim.objects.filter(pk=busy_claim.pk).exists()
    assert busy_claim.events.count() == 4


def test_it_verifies_an_untouched_record(busy_claim):
    verify()
    verify(busy_claim)


def test_it_detects_an_altered_event(busy_claim):
    second = busy_claim.events.get(seq=2)
    bypassing_the_trigger(
        "UPDATE claims_claimevent SET payload = %s WHERE id = %s",
        ['{"text": "Forged."}', second.pk],
    )
    with pytest.raises(CommandError, match=r"at event 2: its content does not match its hash"):
        verify(busy_claim)
    with pytest.raises(CommandError, match=str(busy_claim.code)):
        verify()


def test_it_detects_a_deleted_event(busy_claim):
    bypassing_the_trigger(
        "DELETE FROM claims_claimevent WHERE claim_id = %s AND seq = 2", [busy_claim.pk]
    )
    with pytest.raises(CommandError, match=r"event 2 is missing"):
        verify(busy_claim)


def test_it_detects_a_deleted_last_event(busy_claim):
    bypassing_the_trigger(
        "DELETE FROM claims_claimevent WHERE claim_id = %s AND seq = 4", [busy_claim.pk]
    )
    with pytest.raises(CommandError, match=r"the chain has 3 events, not 4"):
        verify(busy_claim)


def test_it_detects_a_rewritten_chain_that_the_head_does_not_match(busy_claim):
    """Re-hashing a forged event and everything after it still leaves the claim's head."""
    events = list(busy_claim.events.order_by("seq"))
    prev = events[0].hash
    for event in events[1:]:
        rec = selectors.event_record(event, busy_claim.code)
        rec["prev"] = prev
        if event.seq == 2:
            rec["payload"] = {"text": "Forged."}
        digest = chain.event_hash(rec)
        bypassing_the_trigger(
            "UPDATE claims_claimevent SET payload = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [json.dumps(rec["payload"]), prev, digest, event.pk],
        )
        prev = digest
    with pytest.raises(CommandError, match=r"last hash is not the claim's head"):
        verify(busy_claim)


def test_it_keeps_a_merged_duplicates_events_where_they_are(editor, make_claim_pair):
    dup, keep = make_claim_pair
    dup_events = set(dup.events.values_list("pk", flat=True))
    services.claim_merge(duplicate=dup, target=keep, actor=editor)
    assert set(dup.events.values_list("pk", flat=True)) >= dup_events
    shown = set(keep.timeline().values_list("pk", flat=True))
    assert dup_events <= shown
    page, _ = selectors.claim_events(keep)
    assert {e.pk for e in page} >= dup_events
    verify(dup)
    verify(keep)


def test_it_points_claims_merged_earlier_at_the_new_target(editor, make_claim_pair, analyst):
    dup, keep = make_claim_pair
    older = services.claim_create(statement="An older duplicate", actor=analyst)
    services.claim_merge(duplicate=older, target=dup, actor=editor)
    dup.refresh_from_db()
    services.claim_merge(duplicate=dup, target=keep, actor=editor)
    assert Claim.objects.get(pk=older.pk).merged_into_id == keep.pk
    assert keep.timeline().filter(claim=older).exists()


def test_it_withdraws_a_claim_with_its_own_event(editor, analyst, busy_claim):
    with pytest.raises(PermissionDenied):
        services.claim_withdraw(claim=busy_claim, reason="Spam", actor=analyst)
    services.claim_withdraw(claim=busy_claim, reason="Logged by mistake.", actor=editor)
    busy_claim.refresh_from_db()
    assert busy_claim.withdrawn_at is not None
    last = busy_claim.events.get(seq=5)
    assert last.kind == ClaimEvent.Kind.WITHDRAWN
    assert last.payload == {"reason": "Logged by mistake."}
    assert busy_claim not in selectors.claim_list()
    verify(busy_claim)


@pytest.fixture
def make_claim_pair(analyst):
    dup = services.claim_create(statement="Ministers to meet in Qingdao", actor=analyst)
    keep = services.claim_create(statement="Defence ministers meet at the SCO", actor=analyst)
    services.comment_add(claim=dup, text="Seen on TV.", actor=analyst)
    return dup, keep


SQLITE_SCRIPT = textwrap.dedent(
    """
    from django.db import IntegrityError, connection, transaction
    from django.utils import timezone
    from claims import services
    from claims.models import ClaimEvent
    from sources.models import Capture, Source
    claim = services.claim_create(statement="On SQLite too", actor=None)
    event = ClaimEvent.objects.get(claim=claim)
    source = Source.objects.create(url="https://example.org/a")
    capture = Capture.objects.create(
        sha256="a" * 64, size=1, source=source, url=source.url, fetched_at=timezone.now(),
        http_status=200, payload_sha256="b" * 64, payload_size=1)
    events = ClaimEvent.objects.filter(pk=event.pk)
    captures = Capture.objects.filter(pk=capture.pk)
    attempts = {
        "event orm update": lambda: events.update(kind="comment"),
        "event orm delete": lambda: events._raw_delete("default"),
        "event sql update": lambda: connection.cursor().execute(
            "UPDATE claims_claimevent SET payload = '{}' WHERE id = %s", [event.pk]),
        "event sql delete": lambda: connection.cursor().execute(
            "DELETE FROM claims_claimevent WHERE id = %s", [event.pk]),
        "capture orm update": lambda: captures.update(http_status=404),
        "capture sql delete": lambda: connection.cursor().execute(
            "DELETE FROM sources_capture WHERE id = %s", [capture.pk]),
    }
    for name, attempt in attempts.items():
        try:
            with transaction.atomic():
                attempt()
        except IntegrityError as exc:
            print(name, "refused:", exc)
        else:
            print(name, "ALLOWED")
    captures.update(pruned_at=timezone.now())  # pruning: the one change allowed, once
    try:
        with transaction.atomic():
            captures.update(pruned_at=None)
    except IntegrityError:
        print("unprune refused")
    print("events:", ClaimEvent.objects.filter(pk=event.pk, kind="created").count())
    """
)


def test_it_refuses_update_and_delete_on_sqlite(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env["CLAIMWATCH_VAR_DIR"] = str(tmp_path)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    out = subprocess.run(
        [*manage, "shell", "-c", SQLITE_SCRIPT],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    assert "ALLOWED" not in out, out
    assert out.count("refused: claims_claimevent is append-only") == 4, out
    assert out.count("refused: sources_capture is append-only") == 2, out
    assert "unprune refused" in out
    assert "events: 1" in out
    # the verifier reads SQLite's own forms (hex code, naive time, payload text), in one process
    verified = subprocess.run(
        [*manage, "verify_timeline"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert verified.stdout.strip() == "Verified: 1 claim, no break.", verified.stderr
