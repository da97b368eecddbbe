"""verify_timeline split over processes: on PostgreSQL, outside a transaction, the claims
are read in id ranges by this process and forked helpers sharing one exported snapshot.
These tests commit (a helper sees only committed rows)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from claims import selectors, services
from claims.models import Claim

from .test_chain import PAYLOADS

# the last names captures this database has not
STORED = [p for p in PAYLOADS if "capture" not in (p or {})]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="snapshots are PostgreSQL's"),
]


@pytest.fixture
def claims(analyst):
    made = []
    for n in range(6):
        claim = services.claim_create(statement=f"Ministers to meet, take {n}", actor=analyst)
        with transaction.atomic():
            for payload in STORED:
                services.event_append(claim, "comment", analyst, payload)
        made.append(claim)
    return made


def helper_starts():
    with connection.cursor() as cursor:
        cursor.execute(selectors._TIMELINE_PARTS, [selectors.VERIFY_PROCESSES])
        return [row[0] for row in cursor.fetchall()][1:]


def tamper(claim, seq, sql='payload = \'{"text": "Forged."}\''):
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            f"UPDATE claims_claimevent SET {sql} WHERE claim_id = %s AND seq = %s",  # noqa: S608
            [claim.pk, seq],
        )
        cursor.execute("SET session_replication_role = DEFAULT")


def verify(*args):
    progress = io.StringIO()
    out = io.StringIO()
    call_command("verify_timeline", *args, stdout=out, stderr=progress)
    return out.getvalue().strip(), progress.getvalue().splitlines()


def test_it_verifies_payloads_as_postgresql_stores_them_in_two_processes(claims):
    """jsonb rewrites the payloads (key order, spacing, numbers): the hash still holds."""
    (start,) = helper_starts()
    assert claims[0].pk < start <= claims[-1].pk  # both processes have claims to read
    said, progress = verify("--progress", "2")
    assert said == "Verified: 6 claims, no break."
    assert [line.rsplit(",", 2)[0] for line in progress][-1] == "Checked 6 claims"
    assert progress[-1].split(", ")[1] == f"{6 * (1 + len(STORED))} events"
    # the same verdict from one process
    assert selectors.timelines_verify(processes=1) == (6, None)


def test_it_names_a_break_only_the_helper_reads(claims, monkeypatch):
    (start,) = helper_starts()
    last = claims[-1]
    assert last.pk >= start
    tamper(last, 4)
    helped = []

    class Helper(selectors._Helper):
        def result(self, waiting):
            read = super().result(waiting)
            helped.append((read.claims, read.chain_break[1].claim))
            return read

    monkeypatch.setattr(selectors, "_Helper", Helper)
    with pytest.raises(CommandError, match=rf"Broken: claim {last.code} at event 4: its content"):
        verify()
    assert helped == [(sum(c.pk >= start for c in claims), str(last.code))]


def test_the_first_claims_break_wins_across_processes(claims):
    (start,) = helper_starts()
    first, later = claims[0], claims[-1]
    assert first.pk < start <= later.pk
    tamper(later, 2)
    tamper(first, 7, "prev_hash = repeat('0', 64)")
    with pytest.raises(CommandError, match=rf"claim {first.code} at event 7: its link"):
        verify()


def test_it_names_a_missing_capture_the_helper_read(claims):
    last = claims[-1]
    with transaction.atomic():
        services.event_append(last, "comment", None, {"capture": "e" * 64})
    assert Claim.objects.get(pk=last.pk).pk >= helper_starts()[0]
    with pytest.raises(CommandError, match=rf"claim {last.code} at event \d+: capture e+: is miss"):
        verify()
