"""Captures: a check's HTTP exchange as a WARC file, named by the SHA-256 of its bytes.

`captures_store` (called by the check for the snapshots of a batch, in two queries;
`capture_store` for one):

1. Build the WARC records with warcio: a `request` record (the headers the check sent)
   and a `response` record (status line, headers and body as received). aiohttp
   decodes gzip/deflate as it reads, so the body is the decoded one: the response's
   Content-Encoding and Transfer-Encoding are kept as `X-Archive-Orig-...` and its
   Content-Length is the body's, so replay tools read the body as it is stored.
2. Deduplicate: when a capture of the same body (same SHA-256) is stored and not
   pruned, write a `revisit` record (profile identical-payload-digest) that refers to
   it instead of a `response` record, as web archives do: an unchanged body is never
   stored twice.
3. Gzip each record (as .warc.gz files are), hash the bytes, and save them in the
   `captures` storage (settings.STORAGES, var/captures by default) as
   `ab/cd/<sha256>.warc.gz`.
4. Record a `Capture` row: hash, size, URL, status, the body's hash.

`capture_page` keeps a page the app was given rather than fetched (the demo's seeded
snapshots) the same way, as a 200 exchange whose `X-Claimwatch-Not-Fetched` header says
where it came from.

`capture_load` reads a capture back (a revisit's body from the capture it refers to),
checking every hash on the way; `capture_verify` re-hashes the stored file;
`captures_prune` keeps the storage under a limit without breaking the record.
"""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Sum
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from .fetch import FetchResult
from .models import Capture, Source

STORAGE = "captures"
# Response headers that describe the wire encoding aiohttp already undid.
WIRE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


class CaptureStoreFailed(OSError):
    """The capture's file could not be written (a full disk, a storage away): nothing of
    the check is kept, no file cut short is left, and the batch is tried again."""


class CaptureError(Exception):
    """A stored capture is missing, pruned, or does not match its hash."""


def storage():
    return storages[STORAGE]


def _warc_date(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _response_headers(result: FetchResult, body: bytes) -> list[tuple[str, str]]:
    headers = []
    for name, value in result.headers:
        if name.lower() in WIRE_HEADERS:
            headers.append((f"X-Archive-Orig-{name}", value))
        else:
            headers.append((name, value))
    headers.append(("Content-Length", str(len(body))))
    return headers


def _request_line(url: str) -> str:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"GET {target} HTTP/1.1"


def _request_headers(result: FetchResult) -> list[tuple[str, str]]:
    headers = list(result.request_headers)
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", urlsplit(result.url).netloc))
    return headers


def build_warc(
    result: FetchResult, *, fetched_at: datetime, original: Capture | None = None
) -> bytes:
    """The gzipped WARC records of one exchange (steps 1-2): request, then response or
    a revisit of `original` when it holds the same body."""
    body = result.body or b""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    digest = f"sha256:{hashlib.sha256(body).hexdigest()}"
    date = _warc_date(fetched_at)
    http_headers = StatusAndHeaders(
        f"{result.status} {result.reason}".strip(),
        _response_headers(result, body),
        protocol=f"HTTP/{result.http_version}",
    )
    if original is not None:
        response = writer.create_revisit_record(
            result.url,
            digest=digest,
            refers_to_uri=original.url,
            refers_to_date=_warc_date(original.fetched_at),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": date},
        )
    else:
        response = writer.create_warc_record(
            result.url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": date, "WARC-Payload-Digest": digest},
        )
    request = writer.create_warc_record(
        result.url,
        "request",
        payload=io.BytesIO(b""),
        length=0,
        http_headers=StatusAndHeaders(
            _request_line(result.url), _request_headers(result), is_http_request=True
        ),
        warc_headers_dict={"WARC-Date": date},
    )
    writer.write_request_response_pair(request, response)
    return out.getvalue()


def capture_store(*, source: Source, result: FetchResult, fetched_at: datetime) -> Capture | None:
    """Store the exchange behind `result` (steps 1-4); None when it had no body (a 304)."""
    return captures_store(exchanges=[(source, result, fetched_at)])[0]


def captures_store(
    *, exchanges: list[tuple[Source, FetchResult, datetime]]
) -> list[Capture | None]:
    """Store several exchanges (source, result, fetched at) at once, in two queries
    whatever their number: one to find the originals their bodies revisit, one insert.
    None for an exchange without a body. A body seen twice in the batch is stored once,
    the second a revisit of the first. When a file cannot be written, the files written
    by this call are removed again and nothing is recorded."""
    wanted = [
        hashlib.sha256(r.body).hexdigest() if r.body is not None else None for _, r, _ in exchanges
    ]
    originals: dict[str, Capture] = {}
    if any(wanted):
        for capture in Capture.objects.filter(
            payload_sha256__in={h for h in wanted if h}, revisit_of=None, pruned_at=None
        ).order_by("-fetched_at", "-id"):
            originals[capture.payload_sha256] = capture  # the oldest wins
    stored: list[Capture | None] = []
    written: list[str] = []
    files = storage()
    for (source, result, fetched_at), payload_sha256 in zip(exchanges, wanted, strict=True):
        if payload_sha256 is None:
            stored.append(None)
            continue
        original = originals.get(payload_sha256)
        data = build_warc(result, fetched_at=fetched_at, original=original)
        capture = Capture(
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            source=source,
            url=result.url[:2048],
            fetched_at=fetched_at,
            http_status=result.status,
            content_type=result.content_type[:200],
            payload_sha256=payload_sha256,
            payload_size=len(result.body),
            revisit_of=original,
        )
        name = capture.storage_name
        # A file of the right name but the wrong size was cut short by an earlier failure.
        if not (files.exists(name) and files.size(name) == len(data)):
            try:
                if files.exists(name):
                    files.delete(name)
                files.save(name, ContentFile(data))
                written.append(name)
            except OSError as exc:
                for done in [*written, name]:
                    if files.exists(done):
                        files.delete(done)
                raise CaptureStoreFailed(exc.errno, f"capture not stored: {exc}") from exc
        stored.append(capture)
        originals.setdefault(payload_sha256, capture)
    new = [c for c in stored if c is not None]
    # A revisit of a capture of this same batch goes in after its original has an id.
    Capture.objects.bulk_create(c for c in new if c.revisit_of is None or c.revisit_of.pk)
    Capture.objects.bulk_create(c for c in new if c.pk is None)
    return stored


def capture_page(*, source: Source, html: str, at: datetime, origin: str) -> Capture:
    """A capture of `html` as the page at `source.url` at `at`, which was not fetched:
    `origin` says where it came from, in a response header replay tools show."""
    body = html.encode()
    result = FetchResult(
        url=source.url,
        status=200,
        content_type="text/html",
        text=html,
        body_hash=hashlib.sha256(body).hexdigest(),
        body_bytes=len(body),
        body=body,
        headers=[
            ("Content-Type", "text/html; charset=utf-8"),
            ("X-Claimwatch-Not-Fetched", origin),
        ],
        reason="OK",
    )
    return capture_store(source=source, result=result, fetched_at=at)


def read_bytes(capture: Capture) -> bytes:
    """The stored file, checked against the capture's hash."""
    if capture.is_pruned:
        raise CaptureError(f"capture {capture.sha256} was pruned")
    try:
        with storage().open(capture.storage_name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise CaptureError(f"capture {capture.sha256} is missing from storage") from None
    if hashlib.sha256(data).hexdigest() != capture.sha256:
        raise CaptureError(f"capture {capture.sha256} does not match its hash")
    return data


def capture_verify(capture: Capture) -> str | None:
    """Why the stored capture does not hold (missing, altered), or None. A pruned capture
    holds: its row and hash stay, only the bytes are gone, on purpose."""
    if capture.is_pruned:
        return None
    try:
        read_bytes(capture)
    except CaptureError as exc:
        return str(exc)
    return None


@dataclass
class Loaded:
    """A capture read back: the response as it came, and the body as stored."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: str

    def header(self, name: str) -> str:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), "")


def capture_load(capture: Capture) -> Loaded:
    """Read a capture back; a revisit takes its body from the capture it refers to.

    Raises CaptureError when a file is pruned, missing or altered."""
    record = _response_record(read_bytes(capture))
    headers = record.http_headers
    if capture.revisit_of_id is not None:
        body = _response_record(read_bytes(capture.revisit_of)).body
    else:
        body = record.body
    if hashlib.sha256(body).hexdigest() != capture.payload_sha256:
        raise CaptureError(f"the body of capture {capture.sha256} does not match its hash")
    return Loaded(
        url=record.url,
        status=int(headers.get_statuscode() or 0),
        headers=list(headers.headers),
        body=body,
        fetched_at=record.date,
    )


@dataclass
class _Record:
    url: str
    date: str
    http_headers: StatusAndHeaders
    body: bytes


def _response_record(data: bytes) -> _Record:
    for record in ArchiveIterator(io.BytesIO(data)):
        if record.rec_type in ("response", "revisit"):
            return _Record(
                url=record.rec_headers.get_header("WARC-Target-URI"),
                date=record.rec_headers.get_header("WARC-Date"),
                http_headers=record.http_headers,
                body=record.raw_stream.read() if record.rec_type == "response" else b"",
            )
    raise CaptureError("the capture holds no response record")


@dataclass
class PruneReport:
    pruned: int
    freed_bytes: int
    stored_bytes: int


def captures_prune(*, max_bytes: int, keep_sources: Iterable[int], now: datetime) -> PruneReport:
    """Bound the stored captures to `max_bytes`, oldest first, never touching `keep_sources`.

    1. Add up the stored (unpruned) captures; at or under the limit, stop.
    2. Candidates: captures of other sources, oldest first, except a capture that a kept
       source's revisit takes its body from.
    3. Mark each pruned (the row and its hash stay: the timeline still names it, and the
       source page says "capture pruned"), its revisits with it (their body is gone), until
       the total is under the limit.
    4. Delete their files once the marks are committed: a file is never gone while its
       row says it is there.
    """
    keep = set(keep_sources)
    stored = Capture.objects.filter(pruned_at=None)
    total = stored.aggregate(total=Sum("size"))["total"] or 0
    if total <= max_bytes:
        return PruneReport(0, 0, total)
    needed = set(
        stored.filter(source_id__in=keep, revisit_of__isnull=False).values_list(
            "revisit_of_id", flat=True
        )
    )
    candidates = (
        stored.exclude(source_id__in=keep)
        .exclude(pk__in=needed)
        .order_by("fetched_at", "id")
        .only("pk", "sha256", "size")
    )
    revisits: dict[int, list[Capture]] = defaultdict(list)
    for revisit in stored.filter(revisit_of__isnull=False).only(
        "pk", "sha256", "size", "revisit_of"
    ):
        revisits[revisit.revisit_of_id].append(revisit)
    chosen: dict[int, Capture] = {}
    freed = 0
    for capture in candidates.iterator(chunk_size=500):
        if total - freed <= max_bytes:
            break
        for item in (capture, *revisits.get(capture.pk, ())):
            if item.pk not in chosen:
                chosen[item.pk] = item
                freed += item.size
    with transaction.atomic():
        Capture.objects.filter(pk__in=list(chosen), pruned_at=None).update(pruned_at=now)
        names = [c.storage_name for c in chosen.values()]
        transaction.on_commit(lambda: _delete_files(names))
    return PruneReport(len(chosen), freed, total - freed)


def _delete_files(names: list[str]) -> None:
    files = storage()
    for name in names:
        files.delete(name)
