"""The chain's fast path (`stored_canonical`, `verify_stored`) hashes the same bytes as
`canonical` of a record, and breaks where `verify` breaks."""

import json
from datetime import UTC, datetime

import pytest

from claims import chain

CODE = "5f0c6a8e-3b1d-4c2a-9e7f-0123456789ab"
AT = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)
# Payloads as events carry them and harder: non-ASCII keys and text, floats of every
# form repr writes, big ints, nesting, escapes, keys whose order differs by code point.
PAYLOADS = [
    {},
    None,
    {"text": "Plain."},
    {"quote": "Çà et là — «citation» 引用 🙂", "clé": "é", "Z": 1, "a": 2, "é": 3, "e\u0301": 4},
    {"score": 0.1, "tiny": 1e-07, "half": 1.5, "whole": 2.0, "int": 10**20, "e": -2.5e-300},
    {"nested": {"b": [1, 2.5, {"y": None, "x": True}], "a": {"d": False, "c": "\u2028"}}},
    {"esc": 'quote " backslash \\ tab \t newline \n ctrl \x01 del \x7f'},
    {"list": [], "empty": {}, "zero": 0, "false": False},
    {"judged_snapshot": {"capture": "c" * 64}, "capture": "d" * 64},
]
# Floats that PostgreSQL's jsonb gives back otherwise (1e16 as 10000000000000000, an int
# once parsed; -0.0 as 0.0): the fast path and `canonical` still agree on them, but an
# event holding one would not verify after its round trip through jsonb (nor before
# the fast path: the stored text was always parsed the same way).
JSONB_ALTERS = [{"big": 1e16, "huge": 1.5e300, "neg": -0.0}]
# Not objects, still JSON: the encoder made once writes them as `canonical` does.
NOT_OBJECTS = [[1, "a", {"b": 2.5}], "text", 3, 2.5, True, False, 0, ""]


@pytest.mark.parametrize("payload", PAYLOADS + JSONB_ALTERS + NOT_OBJECTS)
@pytest.mark.parametrize("actor_id,source_id", [(None, None), (7, 12345678901)])
def test_stored_canonical_is_the_records_canonical_form(payload, actor_id, source_id):
    fields = dict(seq=3, kind="comment", actor_id=actor_id, source_id=source_id, prev="f" * 64)
    rec = chain.record(claim_code=CODE, created_at=AT, payload=payload, **fields)
    # as read back: the payload's JSON text, parsed once
    stored = chain.stored_payload(json.dumps(payload, ensure_ascii=True))
    fast = chain.stored_canonical(
        claim_code=CODE, created_at=chain.timestamp(AT), payload=stored, **fields
    )
    assert fast == chain.canonical(rec)


def chain_of(payloads):
    rows, prev = [], ""
    for seq, payload in enumerate(payloads, 1):
        at = chain.timestamp(AT)
        rec = chain.record(
            claim_code=CODE,
            seq=seq,
            kind="comment",
            actor_id=None,
            created_at=at,
            payload=payload,
            source_id=None,
            prev=prev,
        )
        digest = chain.event_hash(rec)
        rows.append([seq, "comment", None, at, json.dumps(payload), None, prev, digest])
        prev = digest
    return rows


def both(rows, **claim):
    """The break `verify` finds over records and `verify_stored` over rows: the same."""
    records = [
        (
            chain.record(
                claim_code=CODE,
                seq=seq,
                kind=kind,
                actor_id=actor,
                created_at=at,
                payload=json.loads(payload),
                source_id=source,
                prev=prev,
            ),
            digest,
        )
        for seq, kind, actor, at, payload, source, prev, digest in rows
    ]
    slow = chain.verify(CODE, records, **claim)
    fast = chain.verify_stored(CODE, [tuple(row) for row in rows], **claim)
    assert fast == slow
    return fast


def test_verify_stored_breaks_where_verify_breaks():
    rows = chain_of(PAYLOADS)
    head, length = rows[-1][-1], len(rows)
    assert both(rows, head=head, length=length) is None

    altered = [list(r) for r in rows]
    altered[3][4] = json.dumps({"quote": "Forged."})
    assert both(altered, head=head, length=length).reason == ("its content does not match its hash")
    assert both(rows[:2] + rows[3:], head=head, length=length).seq == 3
    relinked = [list(r) for r in rows]
    relinked[5][6] = "0" * 64
    assert "link" in both(relinked, head=head, length=length).reason
    assert "not 9" in both(rows[:-1], head=head, length=length).reason
    assert "head" in both(rows, head="0" * 64, length=length).reason


def test_verify_stored_notes_the_captures_each_event_names():
    named = []
    rows = chain_of(PAYLOADS)
    rows[-1][5] = 42  # the last event's source
    rows = [tuple(r) for r in rows]
    chain.verify_stored(CODE, rows, named=named)  # the source breaks the hash: noted first
    assert named == [("d" * 64, 9, 42), ("c" * 64, 9, 42)]


@pytest.mark.parametrize("text", [' {"a": 1}', '{"a": 1}\n', "[]", "null", ' "x" '])
def test_stored_payload_reads_what_json_loads_reads(text):
    assert chain.stored_payload(text) == (json.loads(text) or {})


def test_stored_payload_refuses_what_json_loads_refuses():
    for text in ('{"a": 1} {"b": 2}', "", "{"):
        with pytest.raises(ValueError):
            chain.stored_payload(text)
