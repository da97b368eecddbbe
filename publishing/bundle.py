"""A claim's evidence bundle: one WACZ file that replays and verifies offline.

WACZ (Webrecorder's package format, a ZIP) opens in ReplayWeb.page and pywb. Ours holds:

    archive/data.warc.gz        every capture of every source the claim's record names
                                (and the captures their revisits refer to), each capture's
                                gzipped records as stored, one after another
    indexes/index.cdx           the CDXJ index replay tools look up (cdxj-indexer)
    pages/pages.jsonl           one page per capture
    timeline/events.jsonl       the timeline as JSON lines: each event's canonical
                                content (claims.chain), its hash, and readable extras
    timeline/chains.json        per claim in the bundle (the claim and the duplicates
                                merged into it): the chain's head and length
    timeline/captures.jsonl     per capture: its SHA-256 and where its bytes lie in
                                archive/data.warc.gz (offset, length), or that it was pruned
    datapackage.json            every file above with its SHA-256 and size
    datapackage-digest.json     the SHA-256 of datapackage.json

`build` writes it; `verify` checks one with no database (manage.py verify_bundle):

1. datapackage-digest.json names the hash of datapackage.json, which names the hash
   and size of every other file.
2. Each capture's bytes in the WARC hash to its SHA-256; the WARC reads with warcio,
   record digests checked.
3. Each chain in timeline/events.jsonl verifies (claims.chain) up to its head.
4. Every capture an event names is in the bundle, or listed as pruned.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from cdxj_indexer.main import write_cdx_index
from django.db.models import Q
from warcio.archiveiterator import ArchiveIterator

from claims import chain
from claims.models import Claim, ClaimEvent
from claims.selectors import event_record
from sources.captures import CaptureError, read_bytes
from sources.models import Capture

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
    captures = list(Capture.objects.filter(source_id__in=source_ids).order_by("fetched_at", "id"))
    wanted = {c.revisit_of_id for c in captures} - {c.pk for c in captures} - {None}
    if wanted:
        captures += list(Capture.objects.filter(pk__in=wanted))
    captures.sort(key=lambda c: (c.fetched_at, c.pk))
    return captures


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

    with tempfile.TemporaryDirectory() as tmp:
        warc_file = Path(tmp) / "data.warc.gz"
        capture_rows, pages = [], [{"format": "json-pages-1.0", "id": "pages", "title": "Captures"}]
        offset = 0
        with warc_file.open("wb") as warc:
            for capture in _captures_for(claims):
                row = {
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
                        pages.append(
                            {
                                "id": capture.sha256,
                                "url": capture.url,
                                "ts": chain.timestamp(capture.fetched_at),
                                "title": capture.url,
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
        "mainPageUrl": capture_rows[0]["url"] if pages[1:] else None,
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
    break."""
    try:
        wacz = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BundleBroken(f"not a readable WACZ file: {exc}") from None
    with wacz:
        names = set(wacz.namelist())
        for required in (DIGEST_PATH, PACKAGE_PATH, WARC_PATH, EVENTS_PATH, CHAINS_PATH):
            if required not in names:
                raise BundleBroken(f"{required} is missing")
        package_bytes = wacz.read(PACKAGE_PATH)
        digest = json.loads(wacz.read(DIGEST_PATH))
        if _hash_of(digest.get("hash", "")) != _sha256(package_bytes):
            raise BundleBroken(f"{PACKAGE_PATH} does not match {DIGEST_PATH}")
        package = json.loads(package_bytes)
        listed = {r["path"]: r for r in package.get("resources", [])}
        for required in (WARC_PATH, EVENTS_PATH, CHAINS_PATH, CAPTURES_PATH):
            if required not in listed:
                raise BundleBroken(f"{required} is not listed in {PACKAGE_PATH}")
        for res_path, res in listed.items():
            if res_path not in names:
                raise BundleBroken(f"{res_path} is listed but missing")
            data = wacz.read(res_path)
            if _hash_of(res.get("hash", "")) != _sha256(data) or res.get("bytes") != len(data):
                raise BundleBroken(f"{res_path} does not match its hash in {PACKAGE_PATH}")
        warc = wacz.read(WARC_PATH)
        captures = [json.loads(line) for line in wacz.read(CAPTURES_PATH).splitlines() if line]
        events = [json.loads(line) for line in wacz.read(EVENTS_PATH).splitlines() if line]
        chains = json.loads(wacz.read(CHAINS_PATH))

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
    orphans = sorted(by_claim.keys() - chains.keys())
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
    return {
        "chains": len(chains),
        "events": len(events),
        "captures": len(present),
        "pruned": len(pruned),
        "records": records,
    }
