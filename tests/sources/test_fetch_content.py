"""What a fetch returns: text only for text types, charsets, hashes, conditional requests, TLS."""

import asyncio
import gzip
import hashlib
import shutil
import ssl
import subprocess

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from sources import fetch as f


@pytest.fixture
def private_on(settings):
    settings.FETCH_ALLOW_PRIVATE = True
    return settings


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("content_type", "body", "text"),
    [
        ("text/html; charset=utf-8", "<p>Zoë</p>".encode(), "<p>Zoë</p>"),
        ("text/html; charset=ISO-8859-1", "<p>café</p>".encode("latin-1"), "<p>café</p>"),
        ('text/html; charset="windows-1251"', "<p>Мир</p>".encode("cp1251"), "<p>Мир</p>"),
        (
            "text/html",
            '<meta charset="windows-1251"><p>Мир</p>'.encode("cp1251"),
            '<meta charset="windows-1251"><p>Мир</p>',
        ),
        (
            "text/html",
            b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">\xe9',
            '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">é',
        ),
        ("text/html", "<p>ü</p>".encode(), "<p>ü</p>"),  # no charset anywhere: UTF-8
        ("text/html; charset=no-such-codec", "<p>ü</p>".encode(), "<p>ü</p>"),
        ("text/html", b"\xef\xbb\xbf<p>bom</p>", "<p>bom</p>"),
        ("application/xhtml+xml", b"<html xmlns='x'/>", "<html xmlns='x'/>"),
        ("text/plain", b"plain words", "plain words"),
        ("application/json", '{"a": "é"}'.encode(), '{"a": "é"}'),
        ("application/ld+json", b'{"@type": "NewsArticle"}', '{"@type": "NewsArticle"}'),
        ("TEXT/HTML; Charset=UTF-8", b"<b>caps</b>", "<b>caps</b>"),
        ("text/html; charset=utf-8", b"bad \xff\xfe bytes", "bad \ufffd\ufffd bytes"),
        # The header says latin-1, the bytes are UTF-8: read as UTF-8 (sources.charsets).
        ("text/html; charset=iso-8859-1", "<p>Zoë</p>".encode(), "<p>Zoë</p>"),
        # WHATWG labels: ISO-8859-1 is windows-1252 (0x93 0x94 are quotes there).
        ("text/html; charset=iso-8859-1", b"\x93ok\x94", "\u201cok\u201d"),
        # A <meta> past the first 2 KB, in the head.
        (
            "text/html",
            b"<head><style>" + b" " * 3000 + b'</style><meta charset="windows-1251"></head>'
            b"\xcc\xe8\xf0",
            "<head><style>" + " " * 3000 + '</style><meta charset="windows-1251"></head>Мир',
        ),
    ],
)
def test_it_decodes_text_types(private_on, httpserver, content_type, body, text):
    httpserver.expect_request("/").respond_with_response(
        Response(body, headers={"Content-Type": content_type})
    )
    result = f.fetch(httpserver.url_for("/"))
    assert result.text == text
    assert result.content_type == content_type.split(";")[0].lower()
    assert result.body_hash == sha(body)
    assert result.replacements == text.count("\ufffd")


@pytest.mark.parametrize(
    "content_type",
    ["image/png", "application/pdf", "application/octet-stream", "text/css", "video/mp4", None],
)
def test_it_keeps_only_a_hash_of_other_content(private_on, httpserver, content_type):
    body = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    response = Response(body)
    if content_type is None:
        del response.headers["Content-Type"]
    else:
        response.headers["Content-Type"] = content_type
    httpserver.expect_request("/blob").respond_with_response(response)
    result = f.fetch(httpserver.url_for("/blob"))
    assert result.status == 200
    assert result.text is None
    assert result.content_type == (content_type or "")
    assert result.body_hash == sha(body)
    assert result.body_bytes == len(body)


def test_it_decompresses_gzip_and_hashes_the_decoded_body(private_on, httpserver):
    page = b"<html><p>Ministers to meet</p></html>" * 50
    httpserver.expect_request("/", headers={"Accept-Encoding": "gzip, deflate"}).respond_with_data(
        gzip.compress(page),
        headers={"Content-Encoding": "gzip"},
        content_type="text/html; charset=utf-8",
    )
    result = f.fetch(httpserver.url_for("/"))
    assert result.text == page.decode()
    assert result.body_hash == sha(page)


def test_it_returns_error_pages_with_their_status(private_on, httpserver):
    httpserver.expect_request("/gone").respond_with_data(
        "<h1>Gone</h1>", status=410, content_type="text/html"
    )
    result = f.fetch(httpserver.url_for("/gone"))
    assert result.status == 410
    assert result.text == "<h1>Gone</h1>"


# --- conditional requests ---------------------------------------------------------------


def test_it_returns_validators_of_a_fresh_page(private_on, httpserver):
    httpserver.expect_request("/").respond_with_data(
        "<p>v1</p>",
        content_type="text/html",
        headers={"ETag": '"abc"', "Last-Modified": "Fri, 27 Nov 2026 10:00:00 GMT"},
    )
    result = f.fetch(httpserver.url_for("/"))
    request = httpserver.log[0][0]
    assert "If-None-Match" not in request.headers
    assert "If-Modified-Since" not in request.headers
    assert result.etag == '"abc"'
    assert result.last_modified == "Fri, 27 Nov 2026 10:00:00 GMT"
    assert result.elapsed_ms >= 0


def test_it_sends_the_validators_and_reads_a_304(private_on, httpserver):
    stamp = "Fri, 27 Nov 2026 10:00:00 GMT"
    httpserver.expect_request(
        "/", headers={"If-None-Match": '"abc"', "If-Modified-Since": stamp}
    ).respond_with_data("", status=304, headers={"ETag": '"abc"'})
    result = f.fetch(httpserver.url_for("/"), etag='"abc"', last_modified=stamp)
    assert result.status == 304
    assert result.text is None
    assert result.body_hash == ""
    assert result.etag == '"abc"'
    assert result.last_modified == stamp  # not repeated by the server: the one we sent


def test_it_sends_if_modified_since_alone(private_on, httpserver):
    stamp = "Fri, 27 Nov 2026 10:00:00 GMT"
    httpserver.expect_request("/", headers={"If-Modified-Since": stamp}).respond_with_data(
        "", status=304
    )
    result = f.fetch(httpserver.url_for("/"), last_modified=stamp)
    assert result.status == 304
    assert "If-None-Match" not in httpserver.log[0][0].headers


# --- sessions ---------------------------------------------------------------------------


def test_it_fetches_many_pages_concurrently_on_one_session(private_on, httpserver):
    httpserver.expect_request("/p").respond_with_data("<p>same</p>", content_type="text/html")

    async def many():
        async with f.make_session(limit=20, limit_per_host=5) as session:
            return await asyncio.gather(
                *(f.fetch_async(httpserver.url_for("/p"), session=session) for _ in range(50))
            )

    results = asyncio.run(many())
    assert [r.status for r in results] == [200] * 50
    assert len(httpserver.log) == 50


def test_it_reads_the_private_setting_when_the_session_is_made(settings, httpserver):
    httpserver.expect_request("/p").respond_with_data("x", content_type="text/plain")
    settings.FETCH_ALLOW_PRIVATE = False

    async def go():
        async with f.make_session() as session:
            settings.FETCH_ALLOW_PRIVATE = True  # too late for this session
            return await f.fetch_async(httpserver.url_for("/p"), session=session)

    with pytest.raises(f.FetchBlocked):
        asyncio.run(go())
    assert httpserver.log == []


# --- TLS --------------------------------------------------------------------------------


@pytest.fixture
def self_signed_server(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/").respond_with_data("secret", content_type="text/plain")
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def test_it_verifies_tls_certificates(private_on, self_signed_server):
    with pytest.raises(f.FetchFailed) as info:
        f.fetch(self_signed_server.url_for("/"))
    assert info.value.kind == "tls"
    assert "certificate" in str(info.value).lower()
    assert self_signed_server.log == []
