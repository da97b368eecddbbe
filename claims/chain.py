"""The hash chain of a claim's timeline: pure functions, no database.

Each event is hashed over its canonical content, which includes the hash of the claim's
previous event, so changing, removing or reordering any event changes every hash after
it. The same functions check a chain read from the database (`verify_timeline`) and one
read from an evidence bundle's JSON lines (`verify_bundle`, which has no database).

Canonical content of an event (keys sorted, no spaces, UTF-8, as `canonical` writes it)::

    {"actor": <user id or null>, "claim": "<claim code>", "created_at": "<UTC ISO 8601
     with microseconds>", "kind": "<kind>", "payload": {...}, "prev": "<previous hash or
     ''>", "seq": <1, 2, ...>, "source": <source id or null>}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

# Canonical fields, in the order a JSON line of the evidence bundle lists them.
FIELDS = ("claim", "seq", "kind", "actor", "created_at", "payload", "source", "prev")


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def jsonable(payload) -> dict:
    """The payload as the database gives it back (a JSON round trip)."""
    return json.loads(json.dumps(payload or {}))


# json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False), made once:
# verify_timeline encodes millions of records.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(record: dict) -> bytes:
    body = {name: record[name] for name in FIELDS}
    return _CANONICAL.encode(body).encode()


def event_hash(record: dict) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def record(
    *,
    claim_code,
    seq: int,
    kind: str,
    actor_id: int | None,
    created_at: datetime | str,
    payload: dict,
    source_id: int | None,
    prev: str,
) -> dict:
    return {
        "claim": str(claim_code),
        "seq": seq,
        "kind": str(kind),
        "actor": actor_id,
        "created_at": created_at if isinstance(created_at, str) else timestamp(created_at),
        "payload": jsonable(payload),
        "source": source_id,
        "prev": prev,
    }


def stored_record(
    *,
    claim_code: str,
    seq: int,
    kind: str,
    actor_id: int | None,
    created_at: str,
    payload_json: str,
    source_id: int | None,
    prev: str,
) -> dict:
    """`record` of an event as read from the database, its time already in `timestamp`'s
    form and its payload the stored JSON text: the same content, parsed once instead of
    the round trip `jsonable` makes of a payload held in memory (verify_timeline reads
    millions)."""
    return {
        "claim": claim_code,
        "seq": seq,
        "kind": kind,
        "actor": actor_id,
        "created_at": created_at,
        "payload": json.loads(payload_json) or {},
        "source": source_id,
        "prev": prev,
    }


@dataclass
class Break:
    """The first place a chain does not hold."""

    claim: str
    seq: int | None
    reason: str

    def __str__(self):
        where = f" at event {self.seq}" if self.seq is not None else ""
        return f"claim {self.claim}{where}: {self.reason}"


def captures_named(payload: dict | None) -> list[str]:
    """The captures an event's payload names, so its hash binds them: a source change's
    own (`capture`) and the snapshot a stance was judged on (`judged_snapshot.capture`)."""
    if not isinstance(payload, dict):
        return []
    judged = payload.get("judged_snapshot")
    named = [payload.get("capture"), judged.get("capture") if isinstance(judged, dict) else None]
    return [sha for sha in named if sha and isinstance(sha, str)]


def verify(
    claim_code: str,
    records: Iterable[tuple[dict, str]],
    *,
    head: str | None = None,
    length: int | None = None,
) -> Break | None:
    """Walk (record, stored hash) pairs in `seq` order; return the first break or None.

    `head` and `length` are what the claim says its chain ends with: a missing last
    event breaks no link, so only they reveal it.
    """
    prev, expected_seq = "", 1
    for rec, stored in records:
        seq = rec.get("seq")
        if seq != expected_seq:
            return Break(claim_code, expected_seq, f"event {expected_seq} is missing")
        if rec.get("prev") != prev:
            return Break(claim_code, seq, "its link to the previous event does not match")
        if event_hash(rec) != stored:
            return Break(claim_code, seq, "its content does not match its hash")
        prev, expected_seq = stored, expected_seq + 1
    if length is not None and expected_seq - 1 != length:
        return Break(claim_code, None, f"the chain has {expected_seq - 1} events, not {length}")
    if head is not None and prev != head:
        return Break(claim_code, None, "the chain's last hash is not the claim's head")
    return None
