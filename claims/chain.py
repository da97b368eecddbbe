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
from json.encoder import c_make_encoder, encode_basestring

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


# What `_CANONICAL` writes for a str (ensure_ascii=False): the same function.
_quote = encode_basestring


def _parsed_encoder():
    """`_CANONICAL.encode` for what `json.loads` gives (no cycles, so no circular check):
    the C encoder that `encode` makes on every call, made once (twice as fast per
    payload). Plain `encode` where the interpreter has no C accelerator."""
    e = _CANONICAL
    if c_make_encoder is None:
        return e.encode
    encoder = c_make_encoder(
        None,
        e.default,
        _quote,
        e.indent,
        e.key_separator,
        e.item_separator,
        e.sort_keys,
        e.skipkeys,
        e.allow_nan,
    )
    return lambda parsed: "".join(encoder(parsed, 0))


_encode_parsed = _parsed_encoder()
_DECODER = json.JSONDecoder()


def stored_canonical(
    claim_code: str,
    seq: int,
    kind: str,
    actor_id: int | None,
    created_at: str,
    payload,
    source_id: int | None,
    prev: str,
) -> bytes:
    """`canonical` of an event as read from the database: the same bytes, written field
    by field (keys in sorted order) instead of through a record dict. `created_at` is
    already in `timestamp`'s form, `payload` the stored JSON parsed once
    (`stored_payload`), the ids ints or None (integer columns). verify_timeline encodes
    millions; tests/claims/test_chain.py holds the two forms equal, byte for byte."""
    actor = "null" if actor_id is None else int.__repr__(actor_id)
    source = "null" if source_id is None else int.__repr__(source_id)
    return (
        f'{{"actor":{actor},"claim":{_quote(claim_code)},"created_at":{_quote(created_at)},'
        f'"kind":{_quote(kind)},"payload":{_encode_parsed(payload)},"prev":{_quote(prev)},'
        f'"seq":{int.__repr__(seq)},"source":{source}}}'
    ).encode()


def stored_payload(payload_json: str):
    """A payload as the database stores it (JSON text), as `record` holds it: what
    `json.loads` gives, through `raw_decode` (no whitespace skipping around it) when the
    text is one JSON value and nothing else, as a database writes it."""
    try:
        payload, end = _DECODER.raw_decode(payload_json)
    except ValueError:
        end = -1
    if end != len(payload_json):
        payload = json.loads(payload_json)  # spaces around it, or the error loads gives
    return payload or {}


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
            return _missing(claim_code, expected_seq)
        if rec.get("prev") != prev:
            return _unlinked(claim_code, seq)
        if event_hash(rec) != stored:
            return _altered(claim_code, seq)
        prev, expected_seq = stored, expected_seq + 1
    return _ends(claim_code, expected_seq - 1, prev, head=head, length=length)


def verify_stored(
    claim_code: str,
    rows: Iterable[tuple],
    *,
    head: str | None = None,
    length: int | None = None,
    named: list | None = None,
) -> Break | None:
    """`verify` over events as read from the database, without a record dict per event:
    rows of (seq, kind, actor_id, created_at, payload JSON text, source_id, prev, stored
    hash) in `seq` order, hashed through `stored_canonical`. The same checks in the same
    order as `verify` (tests/claims/test_chain.py holds their breaks equal), in one loop:
    verify_timeline walks millions. The captures each payload names are appended to
    `named` as (capture, seq, source_id), up to the event that breaks."""
    prev, expected_seq = "", 1
    sha256, parse = hashlib.sha256, stored_payload
    for seq, kind, actor_id, created_at, payload_json, source_id, link, stored in rows:
        payload = parse(payload_json)
        # a key written with escapes is still a key: parse-level check when in doubt
        if named is not None and ("capture" in payload_json or "\\u" in payload_json):
            named.extend((capture, seq, source_id) for capture in captures_named(payload))
        if seq != expected_seq:
            return _missing(claim_code, expected_seq)
        if link != prev:
            return _unlinked(claim_code, seq)
        text = stored_canonical(
            claim_code, seq, kind, actor_id, created_at, payload, source_id, link
        )
        if sha256(text).hexdigest() != stored:
            return _altered(claim_code, seq)
        prev, expected_seq = stored, expected_seq + 1
    return _ends(claim_code, expected_seq - 1, prev, head=head, length=length)


def _missing(claim_code: str, seq: int) -> Break:
    return Break(claim_code, seq, f"event {seq} is missing")


def _unlinked(claim_code: str, seq: int) -> Break:
    return Break(claim_code, seq, "its link to the previous event does not match")


def _altered(claim_code: str, seq: int) -> Break:
    return Break(claim_code, seq, "its content does not match its hash")


def _ends(claim_code: str, count: int, last: str, *, head, length) -> Break | None:
    """What the claim says its chain ends with, against the `count` events walked."""
    if length is not None and count != length:
        return Break(claim_code, None, f"the chain has {count} events, not {length}")
    if head is not None and last != head:
        return Break(claim_code, None, "the chain's last hash is not the claim's head")
    return None
