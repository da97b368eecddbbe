"""Captures: the exact exchange as WARC, content-addressed, deduplicated, read back."""

import gzip
import hashlib
import io

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from warcio.archiveiterator import ArchiveIterator
from werkzeug.wrappers import Response

from sources import captures, fetch
from sources.models import Capture, Source

pytestmark = pytest.mark.django_db

# Bytes no text decoder would give back unchanged: a BOM, Latin-1, a NUL, CRLFs.
BODY = (
    b"\xef\xbb\xbf<!doctype html><title>Caf\xe9</title>\r\n<p>Ministers meet\x00</p>\r\n"
    + bytes(range(256))
)


@pytest.fixture
def capture_storage(settings, capture_dir):
    settings.FETCH_ALLOW_PRIVATE = True
    return capture_dir


@pytest.fixture
def page(httpserver):
    def serve(body: bytes = BODY, *, gzipped: bool = False, path: str = "/a"):
        headers = {"X-Served-By": "test", "Set-Cookie": "s=1"}
        data = body
        if gzipped:
            data = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        httpserver.clear()
        httpserver.expect_request(path).respond_with_response(
            Response(data, status=200, content_type="text/html", headers=headers)
        )
        return httpserver.url_for(path)

    return serve


def store(url: str, at=None) -> Capture:
    source, _ = Source.objects.get_or_create(url=url)
    result = fetch.fetch(url)
    return captures.capture_store(source=source, result=result, fetched_at=at or timezone.now())


@pytest.mark.parametrize("gzipped", [False, True])
def test_it_round_trips_a_capture_byte_for_byte(capture_storage, page, gzipped):
    url = page(gzipped=gzipped)
    capture = store(url)
    loaded = captures.capture_load(capture)
    assert loaded.body == BODY
    assert loaded.status == 200
    assert loaded.url == url
    assert loaded.header("X-Served-By") == "test"
    assert loaded.header("Content-Length") == str(len(BODY))
    if gzipped:  # aiohttp decoded it; the original header is kept under another name
        assert loaded.header("X-Archive-Orig-Content-Encoding") == "gzip"
        assert loaded.header("Content-Encoding") == ""
    stored = (capture_storage / capture.storage_name).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == capture.sha256
    assert capture.payload_sha256 == hashlib.sha256(BODY).hexdigest()


def test_it_writes_a_warc_that_warcio_reads_with_valid_digests(capture_storage, page):
    capture = store(page())
    data = (capture_storage / capture.storage_name).read_bytes()
    records = list(ArchiveIterator(io.BytesIO(data), check_digests="raise"))
    assert [r.rec_type for r in records] == ["response", "request"]
    response, request = records
    assert response.rec_headers.get_header("WARC-Payload-Digest") == (
        f"sha256:{hashlib.sha256(BODY).hexdigest()}"
    )
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.get_header("User-Agent")
    assert request.rec_headers.get_header("WARC-Concurrent-To") == response.rec_headers.get_header(
        "WARC-Record-ID"
    )


def test_it_stores_an_unchanged_body_once_as_a_revisit(capture_storage, page):
    url = page()
    first = store(url)
    second = store(url)
    assert second.revisit_of == first
    assert second.size < first.size
    records = list(
        ArchiveIterator(io.BytesIO((capture_storage / second.storage_name).read_bytes()))
    )
    assert records[0].rec_type == "revisit"
    assert records[0].rec_headers.get_header("WARC-Refers-To-Target-URI") == url
    assert records[0].raw_stream.read() == b""  # headers only: the body is not stored again
    assert captures.capture_load(second).body == BODY
    page(BODY + b"<p>Correction</p>")
    third = store(url)
    assert third.revisit_of is None


def test_it_detects_an_altered_or_missing_file(capture_storage, page):
    capture = store(page())
    assert captures.capture_verify(capture) is None
    path = capture_storage / capture.storage_name
    path.write_bytes(path.read_bytes() + b"\0")
    assert "does not match its hash" in captures.capture_verify(capture)
    path.unlink()
    assert "missing" in captures.capture_verify(capture)
    with pytest.raises(captures.CaptureError):
        captures.capture_load(capture)


def test_it_stores_nothing_for_a_304(capture_storage):
    source = Source.objects.create(url="https://example.org/a")
    result = fetch.FetchResult(url=source.url, status=304, content_type="", text=None, body_hash="")
    assert captures.capture_store(source=source, result=result, fetched_at=timezone.now()) is None


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_it_refuses_changing_or_deleting_a_captures_row(capture_storage, page):
    capture = store(page())
    rows = Capture.objects.filter(pk=capture.pk)
    refused(lambda: rows.update(http_status=404))
    refused(lambda: rows.update(payload_sha256="0" * 64))
    refused(lambda: rows.delete())

    def sql(statement):
        with connection.cursor() as cursor:
            cursor.execute(statement, [capture.pk])

    refused(lambda: sql("UPDATE sources_capture SET url = 'https://forged.example/' WHERE id = %s"))
    refused(lambda: sql("DELETE FROM sources_capture WHERE id = %s"))
    # Pruning sets pruned_at once, and nothing else.
    rows.update(pruned_at=timezone.now())
    refused(lambda: rows.update(pruned_at=None))
    assert Capture.objects.get(pk=capture.pk).url == capture.url
