"""Deadlines and the body cap: stalls, drips, gzip bombs, lying Content-Length, bad peers."""

import hashlib
import socket
import struct
import threading
import time
import tracemalloc
import zlib

import pytest

from sources import fetch as f


@pytest.fixture
def fetch_settings(settings):
    settings.FETCH_ALLOW_PRIVATE = True
    settings.FETCH_CONNECT_TIMEOUT = 0.5
    settings.FETCH_READ_TIMEOUT = 0.3
    settings.FETCH_TOTAL_TIMEOUT = 5
    return settings


class RawServer:
    """A TCP server on 127.0.0.1 that answers each connection with `handler(conn, stop)`.

    Handlers that stall wait on `stop`, which the fixture sets at teardown, so no test
    sleeps and no thread outlives the test.
    """

    def __init__(self, handler):
        self.handler = handler
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sent = 0
        self.threads: list[threading.Thread] = []
        self.accepter = threading.Thread(target=self._accept, daemon=True)
        self.accepter.start()

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self):
        self.sock.settimeout(0.05)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, conn):
        with conn:
            conn.settimeout(5)
            try:
                _read_request(conn)
                self.handler(self, conn)
            except OSError:
                pass  # the client hung up, as it should when it gives up

    def send(self, conn, data: bytes):
        conn.sendall(data)
        self.sent += len(data)

    def close(self):
        self.stop.set()
        self.sock.close()
        self.accepter.join(2)
        for thread in self.threads:
            thread.join(2)


def _read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


@pytest.fixture
def raw_server():
    servers = []

    def start(handler):
        server = RawServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def _headers(*lines: str) -> bytes:
    return ("HTTP/1.1 200 OK\r\n" + "".join(f"{line}\r\n" for line in lines) + "\r\n").encode()


# --- deadlines --------------------------------------------------------------------------


def test_it_gives_up_when_the_server_stalls_mid_body(fetch_settings, raw_server):
    def stall(server, conn):
        server.send(conn, _headers("Content-Type: text/html", "Content-Length: 1000"))
        server.send(conn, b"<html>")
        server.stop.wait()

    server = raw_server(stall)
    started = time.monotonic()
    with pytest.raises(f.FetchFailed) as info:
        f.fetch(server.url())
    assert info.value.kind == "timeout"
    assert time.monotonic() - started < 3


def test_it_gives_up_when_the_server_never_answers(fetch_settings, raw_server):
    server = raw_server(lambda server, conn: server.stop.wait())
    started = time.monotonic()
    with pytest.raises(f.FetchFailed) as info:
        f.fetch(server.url())
    assert info.value.kind == "timeout"
    assert time.monotonic() - started < 3


def test_it_keeps_the_total_deadline_against_a_slow_drip(fetch_settings, raw_server):
    """One byte every 50 ms never trips the read deadline; the total deadline stops it."""
    fetch_settings.FETCH_READ_TIMEOUT = 2
    fetch_settings.FETCH_TOTAL_TIMEOUT = 0.5

    def drip(server, conn):
        server.send(conn, _headers("Content-Type: text/plain", "Content-Length: 100000"))
        while not server.stop.wait(0.05):
            server.send(conn, b"x")

    server = raw_server(drip)
    started = time.monotonic()
    with pytest.raises(f.FetchFailed) as info:
        f.fetch(server.url())
    elapsed = time.monotonic() - started
    assert info.value.kind == "timeout"
    assert "0.5s" in str(info.value)
    assert 0.4 < elapsed < 2
    assert server.sent < 1000


def test_it_gives_up_on_a_connect_that_hangs(fetch_settings):
    """A listening socket whose backlog is full drops new SYNs: the connect deadline ends it."""
    with socket.create_server(("127.0.0.1", 0), backlog=0) as sock:
        filler = socket.create_connection(sock.getsockname(), timeout=1)
        try:
            started = time.monotonic()
            with pytest.raises(f.FetchFailed) as info:
                f.fetch(f"http://127.0.0.1:{sock.getsockname()[1]}/")
            elapsed = time.monotonic() - started
        finally:
            filler.close()
    assert info.value.kind == "timeout"
    assert "connect" in str(info.value).lower()
    assert elapsed < 3


def test_it_reports_a_refused_connection(fetch_settings):
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    with pytest.raises(f.FetchFailed) as info:
        f.fetch(f"http://127.0.0.1:{port}/")
    assert info.value.kind == "connection"


def test_it_reports_a_connection_dropped_mid_body(fetch_settings, raw_server):
    def hang_up(server, conn):
        server.send(conn, _headers("Content-Type: text/html", "Content-Length: 5000"))
        server.send(conn, b"<html>partial")

    server = raw_server(hang_up)
    with pytest.raises(f.FetchFailed) as info:
        f.fetch(server.url())
    assert info.value.kind == "connection"


def test_it_reports_a_peer_that_does_not_speak_http(fetch_settings, raw_server):
    server = raw_server(lambda server, conn: server.send(conn, b"SSH-2.0-OpenSSH_9.6\r\n\r\n"))
    with pytest.raises(f.FetchFailed) as info:
        f.fetch(server.url())
    assert info.value.kind == "protocol"


def test_it_reports_broken_gzip_as_a_protocol_error(fetch_settings, raw_server):
    body = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xffthis is not deflate data at all"

    def broken(server, conn):
        server.send(
            conn,
            _headers(
                "Content-Type: text/html", "Content-Encoding: gzip", f"Content-Length: {len(body)}"
            )
            + body,
        )

    server = raw_server(broken)
    with pytest.raises(f.FetchFailed) as info:
        f.fetch(server.url())
    assert info.value.kind == "protocol"


# --- the body cap -----------------------------------------------------------------------

BOMB_SIZE = 1 << 30  # 1 GiB of zeros


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """1 GiB of zeros as a ~1 MB gzip member. After a full flush the compressor's state
    repeats, so one compressed megabyte of zeros is repeated instead of compressing 1 GiB."""
    block = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert first == again
    blocks = BOMB_SIZE // len(block)
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    deflated = first + again * (blocks - 1) + compressor.flush(zlib.Z_FINISH)
    member = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + deflated
    member += struct.pack("<II", crc, BOMB_SIZE & 0xFFFFFFFF)
    assert len(member) < 2 * 1024 * 1024
    head = zlib.decompressobj(31).decompress(member, 1 << 20)
    assert head == block
    return member


@pytest.mark.parametrize("content_type", ["text/html", "application/octet-stream"])
def test_it_stops_a_gzip_bomb_at_the_cap_with_bounded_memory(
    fetch_settings, raw_server, gzip_bomb, content_type
):
    fetch_settings.FETCH_TOTAL_TIMEOUT = 20

    def bomb(server, conn):
        server.send(
            conn,
            _headers(
                f"Content-Type: {content_type}",
                "Content-Encoding: gzip",
                f"Content-Length: {len(gzip_bomb)}",
            ),
        )
        server.send(conn, gzip_bomb)

    server = raw_server(bomb)
    cap = fetch_settings.FETCH_MAX_BYTES
    assert cap == 5 * 1024 * 1024  # the default
    tracemalloc.start()
    try:
        result = f.fetch(server.url())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Read up to the cap and kept (a big page is an article, not a failure), said so.
    assert result.truncated and result.body_bytes == cap and len(result.body) == cap
    # 1 GiB declared by the gzip trailer; the fetch held the body it keeps for the text
    # and the capture (at most the cap, whatever the type; twice while it is joined),
    # the text decoded from it (ASCII here: one byte a character) and a few buffers.
    assert peak < 2 * cap + 3 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_it_reads_a_huge_content_length_up_to_the_cap_and_stops(fetch_settings, raw_server):
    fetch_settings.FETCH_MAX_BYTES = 10_000

    def liar(server, conn):
        server.send(conn, _headers("Content-Type: text/html", "Content-Length: 10000000000"))
        server.send(conn, b"<html>" + b"x" * 20_000)
        server.stop.wait()  # a read past the cap would time out; the cap answers first

    server = raw_server(liar)
    started = time.monotonic()
    result = f.fetch(server.url())
    assert result.truncated and result.body_bytes == 10_000
    assert time.monotonic() - started < fetch_settings.FETCH_READ_TIMEOUT


def test_it_caps_a_chunked_body_without_a_length(fetch_settings, raw_server):
    fetch_settings.FETCH_MAX_BYTES = 10_000
    chunk = b"a" * 4096

    def endless(server, conn):
        server.send(conn, _headers("Content-Type: text/plain", "Transfer-Encoding: chunked"))
        while not server.stop.is_set():
            server.send(conn, b"%x\r\n%s\r\n" % (len(chunk), chunk))

    server = raw_server(endless)
    result = f.fetch(server.url())
    assert result.truncated and result.text == "a" * 10_000


def test_it_accepts_a_body_exactly_at_the_cap(fetch_settings, httpserver):
    fetch_settings.FETCH_MAX_BYTES = 2048
    httpserver.expect_request("/at").respond_with_data(b"a" * 2048, content_type="text/plain")
    httpserver.expect_request("/over").respond_with_data(b"a" * 2049, content_type="text/plain")
    result = f.fetch(httpserver.url_for("/at"))
    assert len(result.text) == 2048 and not result.truncated
    assert result.body_hash == hashlib.sha256(b"a" * 2048).hexdigest()
    over = f.fetch(httpserver.url_for("/over"))
    assert over.truncated and over.body_hash == result.body_hash


def test_it_counts_decoded_bytes_against_the_cap(fetch_settings, raw_server):
    """3 KB of gzip that inflates past a 10 KB cap is cut there, though small on the wire."""
    fetch_settings.FETCH_MAX_BYTES = 10_000
    body = zlib.compress(b"b" * 50_000, wbits=31)

    def small_on_wire(server, conn):
        server.send(
            conn,
            _headers(
                "Content-Type: text/plain", "Content-Encoding: gzip", f"Content-Length: {len(body)}"
            )
            + body,
        )

    server = raw_server(small_on_wire)
    result = f.fetch(server.url())
    assert result.truncated and result.text == "b" * 10_000
