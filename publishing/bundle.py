"""A claim's evidence bundle: one WACZ file that replays and verifies offline.

WACZ (Webrecorder's package format, a ZIP) opens in ReplayWeb.page and pywb. Ours holds:

    archive/data.warc.gz        every capture of every source the claim's record names
                                (and the captures their revisits refer to), each capture's
                                gzipped records as stored, one after another
    indexes/index.cdx           the CDXJ index replay tools look up (cdxj-indexer)
    pages/pages.jsonl           one page per capture, titled with the headline the
                                source had then (its snapshot's title)
    timeline/events.jsonl       the timeline as JSON lines: each event's canonical
                                content (claims.chain), its hash, and readable extras
    timeline/chains.json        per claim in the bundle (the claim and the duplicates
                                merged into it): the chain's head and length
    timeline/captures.jsonl     a descriptor line, then per capture: its SHA-256 and where
                                its bytes lie in archive/data.warc.gz (offset, length), or
                                that it was pruned
    datapackage.json            every file above with its SHA-256 and size; and
                                `cited_sources`: per source the claims cite, the capture
                                that stands for it (the judged snapshot's, else the
                                latest), or why there is none (not fetched yet,
                                unreachable, gone, ...)
    datapackage-digest.json     the SHA-256 of datapackage.json

`build` writes it; `verify` checks one with no database (manage.py verify_bundle):

1. datapackage-digest.json names the hash of datapackage.json, which names the hash
   and size of every other file.
2. Each capture's bytes in the WARC hash to its SHA-256; the WARC reads with warcio,
   record digests checked.
3. Each chain in timeline/events.jsonl verifies (claims.chain) up to its head.
4. Every capture an event names is in the bundle, or listed as pruned; so is every
   capture `cited_sources` names.

Anything else wrong with the file (a ZIP that does not read, JSON that does not parse,
a row of the wrong shape) is a break too: `verify` raises BundleBroken, never another
exception, for whatever bytes it is given.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
import zlib
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from cdxj_indexer.main import write_cdx_index
from django.db.models import Q
from warcio.archiveiterator import ArchiveIterator

from claims import chain
from claims.models import Claim, ClaimEvent, Evidence
from claims.selectors import event_record
from sources.captures import CaptureError, read_bytes
from sources.models import Capture, Snapshot, Source

WACZ_VERSION = "1.1.1"
WARC_PATH = "archive/data.warc.gz"
CHAINS_PATH = "timeline/chains.json"
EVENTS_PATH = "timeline/events.jsonl"
CAPTURES_PATH = "timeline/captures.jsonl"
DIGEST_PATH = "datapackage-digest.json"
PACKAGE_PATH = "datapackage.json"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _jsonl(rows) -> bytes:
    return b"".join(
        json.dumps(row, sort_keys=True, ensure_ascii=False).encode() + b"\n" for row in rows
    )


def _captures_for(claims: list[Claim]) -> list[Capture]:
    """The captures of every source the claims' records name, and what revisits need."""
    ids = [c.pk for c in claims]
    source_ids = set(
        ClaimEvent.objects.filter(claim_id__in=ids, source__isnull=False).values_list(
            "source_id", flat=True
        )
    )
    source_ids |= set(
        Claim.objects.filter(pk__in=ids).values_list("evidence__source_id", flat=True)
    ) - {None}
    rows = Capture.objects.select_related("source", "revisit_of")
    captures = list(rows.filter(source_id__in=source_ids).order_by("fetched_at", "id"))
    wanted = {c.revisit_of_id for c in captures} - {c.pk for c in captures} - {None}
    if wanted:
        captures += list(rows.filter(pk__in=wanted))
    captures.sort(key=lambda c: (c.fetched_at, c.pk))
    return captures


CAPTURES_DESCRIPTOR = {
    "format": "claimwatch-captures-1.0",
    "id": "captures",
    "title": "Captures of the sources the claim's record names",
}
# Why a cited source has no capture in the bundle, by its state (else NOT_CAPTURED).
NO_CAPTURE = {
    Source.State.NEW: "not fetched yet",
    Source.State.UNREACHABLE: "unreachable",
    Source.State.GONE: "gone",
    Source.State.BLOCKED: "refused by the outgoing-request guard",
}
NOT_CAPTURED = "not captured yet: the next successful check keeps one"


def _headlines(captures: list[Capture]) -> dict[int, str]:
    """Per capture, the headline its source had then: the title of the snapshot stored
    with it, else of the source's newest snapshot before it (an unchanged page), else the
    source's title. One query for the snapshots' titles."""
    rows = (
        Snapshot.objects.filter(source_id__in={c.source_id for c in captures})
        .order_by("created_at", "id")
        .values_list("source_id", "created_at", "title", "capture_id")
    )
    by_capture: dict[int, str] = {}
    by_source: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for source_id, created_at, title, capture_id in rows:
        if capture_id is not None and title:
            by_capture[capture_id] = title
        if title:
            by_source[source_id].append((created_at, title))
    headlines = {}
    for capture in captures:
        earlier = [t for at, t in by_source.get(capture.source_id, ()) if at <= capture.fetched_at]
        headlines[capture.pk] = (
            by_capture.get(capture.pk)
            or (earlier[-1] if earlier else "")
            or capture.source.title
            or capture.url
        )
    return headlines


def _cited_sources(claims: list[Claim], present: dict[int, Capture]) -> list[dict]:
    """Per source the claims cite (once, in the order linked): the capture that stands for
    it in the bundle, the judged snapshot's or else the latest one present, or why none."""
    evidence = (
        Evidence.objects.filter(claim__in=claims)
        .select_related("source", "judged_snapshot")
        .order_by("added_at", "pk")
    )
    latest: dict[int, Capture] = {}
    for capture in present.values():  # oldest first: the last one wins
        latest[capture.source_id] = capture
    captured = set(
        Capture.objects.filter(source__evidence__claim__in=claims).values_list(
            "source_id", flat=True
        )
    )
    rows, seen = [], set()
    for ev in evidence:
        source = ev.source
        if source.pk in seen:
            continue
        seen.add(source.pk)
        judged = ev.judged_snapshot
        capture = (
            present.get(judged.capture_id) if judged and judged.capture_id else None
        ) or latest.get(source.pk)
        why = None
        if capture is None:
            if source.state in NO_CAPTURE:
                why = NO_CAPTURE[source.state]
            elif source.pk in captured:  # none of its captures is in the bundle
                why = "capture pruned or missing from storage"
            else:
                why = NOT_CAPTURED
        rows.append(
            {
                "url": source.url,
                "title": ev.title_when_linked or source.url,
                "stance": ev.stance,
                "state": source.state,
                "capture": capture.sha256 if capture else None,
                "captured_at": chain.timestamp(capture.fetched_at) if capture else None,
                "no_capture": why,
            }
        )
    return rows


def build(claim: Claim, out) -> None:
    """Write the claim's WACZ to the binary file `out` (see the module docstring)."""
    # Read afresh: the chains' heads move with every event.
    claims = list(Claim.objects.filter(Q(pk=claim.pk) | Q(merged_into=claim)).order_by("pk"))
    claim = next(c for c in claims if c.pk == claim.pk)
    codes = {c.pk: str(c.code) for c in claims}
    events = (
        ClaimEvent.objects.filter(claim_id__in=codes)
        .select_related("actor")
        .order_by("claim_id", "seq")
    )
    event_rows = []
    for e in events:
        rec = event_record(e, codes[e.claim_id])
        event_rows.append(
            {
                **rec,
                "hash": e.hash,
                "kind_label": e.get_kind_display(),
                "actor_name": e.actor.get_username() if e.actor else None,
            }
        )
    chains = {
        str(c.code): {
            "statement": c.statement,
            "head": c.timeline_head,
            "length": c.timeline_length,
            "merged_into": str(claim.code) if c.pk != claim.pk else None,
        }
        for c in claims
    }

    captures = _captures_for(claims)
    headlines = _headlines(captures)
    present: dict[int, Capture] = {}
    with tempfile.TemporaryDirectory() as tmp:
        warc_file = Path(tmp) / "data.warc.gz"
        # Never an empty file: frictionless (`wacz validate`) refuses an empty JSON lines file.
        capture_rows = [CAPTURES_DESCRIPTOR]
        pages = [{"format": "json-pages-1.0", "id": "pages", "title": "Captures"}]
        offset = 0
        with warc_file.open("wb") as warc:
            for capture in captures:
                row = {
                    "id": capture.sha256,
                    "title": headlines[capture.pk],
                    "sha256": capture.sha256,
                    "url": capture.url,
                    "fetched_at": chain.timestamp(capture.fetched_at),
                    "http_status": capture.http_status,
                    "payload_sha256": capture.payload_sha256,
                    "revisit_of": capture.revisit_of.sha256 if capture.revisit_of else None,
                    "pruned": capture.is_pruned,
                }
                if not capture.is_pruned:
                    try:
                        data = read_bytes(capture)
                    except CaptureError as exc:
                        row["missing"] = str(exc)
                    else:
                        warc.write(data)
                        row.update(offset=offset, length=len(data))
                        offset += len(data)
                        present[capture.pk] = capture
                        pages.append(
                            {
                                "id": capture.sha256,
                                "url": capture.url,
                                "ts": chain.timestamp(capture.fetched_at),
                                "title": headlines[capture.pk],
                            }
                        )
                capture_rows.append(row)
        index_file = Path(tmp) / "index.cdx"
        if offset:
            write_cdx_index(
                str(index_file), [str(warc_file)], {"sort": True, "filename": "data.warc.gz"}
            )
        else:
            index_file.write_bytes(b"")

        files = {
            WARC_PATH: warc_file.read_bytes(),
            "indexes/index.cdx": index_file.read_bytes(),
            "pages/pages.jsonl": _jsonl(pages),
            EVENTS_PATH: _jsonl(event_rows),
            CHAINS_PATH: json.dumps(chains, indent=2, sort_keys=True).encode(),
            CAPTURES_PATH: _jsonl(capture_rows),
        }
    created = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    package = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": f"Evidence for claim {claim.code}",
        "description": claim.statement,
        "created": created,
        "modified": created,
        "software": "Claimwatch",
        "mainPageUrl": pages[1]["url"] if pages[1:] else None,
        "cited_sources": _cited_sources(claims, present),
        "resources": [
            {
                "name": Path(path).name,
                "path": path,
                "hash": f"sha256:{_sha256(data)}",
                "bytes": len(data),
            }
            for path, data in files.items()
        ],
    }
    package_bytes = json.dumps(package, indent=2).encode()
    digest = {
        "path": PACKAGE_PATH,
        "hash": f"sha256:{_sha256(package_bytes)}",
    }
    with zipfile.ZipFile(out, "w") as wacz:
        for path, data in files.items():
            # The WARC is stored uncompressed, as WACZ asks, so replay can seek in it.
            method = zipfile.ZIP_STORED if path == WARC_PATH else zipfile.ZIP_DEFLATED
            wacz.writestr(path, data, compress_type=method)
        wacz.writestr(PACKAGE_PATH, package_bytes, compress_type=zipfile.ZIP_DEFLATED)
        wacz.writestr(DIGEST_PATH, json.dumps(digest, indent=2), zipfile.ZIP_DEFLATED)


class BundleBroken(Exception):
    """The first thing in a bundle that does not verify."""


def _hash_of(value: str) -> str:
    return value.removeprefix("sha256:")


def verify(path) -> dict:
    """Check a bundle with no database (steps 1-4 of the module docstring).

    Returns counts (chains, events, captures) or raises BundleBroken naming the first
    break, whatever the bytes: the file comes from anywhere, so what does not read is
    broken too, never an error of ours."""
    try:
        return _verify(path)
    except BundleBroken:
        raise
    except Exception as exc:  # any other failure to read the file is a break in it
        raise BundleBroken(f"it does not read as a bundle ({type(exc).__name__}: {exc})") from None


def _read(wacz: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes; the ZIP checks their CRC-32 as it reads."""
    try:
        return wacz.read(name)
    # RuntimeError: a flag bit that says "encrypted"; NotImplementedError: an unknown method.
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise BundleBroken(f"{name} does not read from the ZIP: {exc}") from None


def _json(data: bytes, name: str, kind: type):
    try:
        value = json.loads(data)
    except ValueError:  # JSONDecodeError, UnicodeDecodeError
        raise BundleBroken(f"{name} is not valid JSON") from None
    if not isinstance(value, kind):
        raise BundleBroken(f"{name} does not hold a JSON {kind.__name__}")
    return value


def _jsonl_rows(data: bytes, name: str) -> list[dict]:
    return [_json(line, name, dict) for line in data.splitlines() if line.strip()]


def _verify(path) -> dict:
    try:
        wacz = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise BundleBroken(f"not a readable WACZ file: {exc}") from None
    with wacz:
        names = set(wacz.namelist())
        for required in (DIGEST_PATH, PACKAGE_PATH, WARC_PATH, EVENTS_PATH, CHAINS_PATH):
            if required not in names:
                raise BundleBroken(f"{required} is missing")
        package_bytes = _read(wacz, PACKAGE_PATH)
        digest = _json(_read(wacz, DIGEST_PATH), DIGEST_PATH, dict)
        if digest.get("path") != PACKAGE_PATH or _hash_of(str(digest.get("hash", ""))) != _sha256(
            package_bytes
        ):
            raise BundleBroken(f"{PACKAGE_PATH} does not match {DIGEST_PATH}")
        package = _json(package_bytes, PACKAGE_PATH, dict)
        resources = package.get("resources")
        if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
            raise BundleBroken(f"{PACKAGE_PATH} lists no resources")
        listed = {r.get("path"): r for r in resources}
        for required in (WARC_PATH, EVENTS_PATH, CHAINS_PATH, CAPTURES_PATH):
            if required not in listed:
                raise BundleBroken(f"{required} is not listed in {PACKAGE_PATH}")
        files = {}
        for res_path, res in listed.items():
            if res_path not in names:
                raise BundleBroken(f"{res_path} is listed but missing")
            data = files[res_path] = _read(wacz, res_path)
            if _hash_of(str(res.get("hash", ""))) != _sha256(data) or res.get("bytes") != len(data):
                raise BundleBroken(f"{res_path} does not match its hash in {PACKAGE_PATH}")
    warc = files[WARC_PATH]
    captures = [r for r in _jsonl_rows(files[CAPTURES_PATH], CAPTURES_PATH) if "format" not in r]
    events = _jsonl_rows(files[EVENTS_PATH], EVENTS_PATH)
    chains = _json(files[CHAINS_PATH], CHAINS_PATH, dict)

    present, pruned = set(), set()
    for row in captures:
        if row.get("pruned") or "offset" not in row:
            pruned.add(row["sha256"])
            continue
        piece = warc[row["offset"] : row["offset"] + row["length"]]
        if _sha256(piece) != row["sha256"]:
            raise BundleBroken(f"capture {row['sha256']} does not match its hash")
        present.add(row["sha256"])
    try:
        records = sum(1 for _ in ArchiveIterator(io.BytesIO(warc), check_digests="raise"))
    except Exception as exc:  # warcio raises plain exceptions for bad digests or framing
        raise BundleBroken(f"{WARC_PATH} does not read as WARC: {exc}") from None

    by_claim = defaultdict(list)
    for row in events:
        by_claim[row.get("claim")].append(row)
    orphans = sorted(by_claim.keys() - chains.keys(), key=str)
    if orphans:
        raise BundleBroken(f"events of claim {orphans[0]} have no chain head in {CHAINS_PATH}")
    for code, head in chains.items():
        rows = sorted(by_claim.get(code, []), key=lambda r: r.get("seq") or 0)
        problem = chain.verify(
            code,
            ((row, row.get("hash")) for row in rows),
            head=head.get("head"),
            length=head.get("length"),
        )
        if problem is not None:
            raise BundleBroken(str(problem))
        for row in rows:
            for named in chain.captures_named(row.get("payload")):
                if named not in present and named not in pruned:
                    raise BundleBroken(
                        f"claim {code} at event {row['seq']}: capture {named} is not in the bundle"
                    )
    cited_sources = package.get("cited_sources") or []
    if not isinstance(cited_sources, list) or not all(isinstance(c, dict) for c in cited_sources):
        raise BundleBroken(f"cited_sources in {PACKAGE_PATH} is not a list of sources")
    for cited in cited_sources:
        named = cited.get("capture")
        if named and named not in present:
            raise BundleBroken(f"the capture of cited source {cited.get('url')} is missing")
    return {
        "chains": len(chains),
        "events": len(events),
        "captures": len(present),
        "pruned": len(pruned),
        "records": records,
        "cited": len(cited_sources),
    }
