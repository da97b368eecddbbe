"""The guarded HTTP client: the only way Claimwatch makes outgoing requests.

Contract (the monitoring work codes against these names):

    class FetchBlocked(Exception)        # the guard refused: .reason says why
    class FetchFailed(Exception)         # .kind: "timeout" | "connection" | "tls" |
                                         #        "too_many_redirects" | "protocol"
                                         # .reason: plain words for people (REASONS)
    @dataclass
    class FetchResult:
        url: str                 # the final URL, after redirects
        status: int
        content_type: str        # lower-case media type, no parameters ("" when not sent)
        text: str | None         # decoded body for HTML/XHTML/plain text/JSON, else None
        body_hash: str           # sha256 of the (capped, decoded) body bytes; "" for a 304
        etag: str                # of the final response (for a 304 without one: the etag sent)
        last_modified: str       # likewise
        redirects: list[tuple[int, str]]   # (status, location) of each redirect followed
        elapsed_ms: int
        body_bytes: int          # (extra) length of the decoded body
        truncated: bool          # the body went past FETCH_MAX_BYTES and was cut there
        encoding: str            # the codec the text was decoded with ("" without text)
        replacements: int        # U+FFFD the decode needed (sources.charsets)
        body: bytes | None       # the decoded body as received (capped); None for a 304
        headers: list[tuple[str, str]]          # response headers, as received, in order
        request_headers: list[tuple[str, str]]  # the headers the last hop sent
        http_version: str        # "1.1"
        reason: str              # "OK"

    def check_url(url: str) -> None
        # cheap check before a URL is stored: scheme, credentials, IP literals and names
        # such as localhost that can never be public; raises FetchBlocked. No DNS.
    async def fetch_async(url, *, etag="", last_modified="", session=None) -> FetchResult
    def fetch(url, *, etag="", last_modified="") -> FetchResult     # sync wrapper
    make_session(*, limit=100, limit_per_host=4)   # async context manager -> ClientSession

Many fetches share one session in one event loop::

    async with make_session(limit=200, limit_per_host=4) as session:
        results = await asyncio.gather(
            *(fetch_async(u, session=session) for u in urls), return_exceptions=True
        )

Only sessions made by `make_session` are accepted: they carry the guarded resolver.

How the guard works (docs/fetch.md has the long form):
1. `check_url` refuses other schemes, credentials, percent-encoded or legacy numeric hosts
   (0177.0.0.1, 0x7f.1, 2130706433, 127.1), IP literals that are not allowed, and names that
   are never public (localhost, *.internal, single labels, ...).
2. Every hop (the first request and each redirect, at most 3) is checked that way again.
3. Names are resolved by `GuardedResolver`: one getaddrinfo, and if ANY address is not
   allowed the request is refused; otherwise aiohttp connects to exactly those (numeric)
   addresses, so there is no second lookup to rebind.
4. Addresses: IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4 (2002::/16) are unwrapped to the
   IPv4 inside; unspecified, multicast, link-local (169.254.169.254 and friends), reserved
   and known metadata addresses are always refused; anything else that is not global is
   refused unless settings.FETCH_ALLOW_PRIVATE (tests and local demos).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import ipaddress
import re
import socket
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.http_exceptions import ContentEncodingError, TransferEncodingError
from django.conf import settings
from yarl import URL

from . import charsets

MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
TEXT_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain", "application/json"})
READ_CHUNK = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: neither global nor private
# Cloud metadata services that do not sit in link-local space (that is refused anyway).
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    }
)
# Names that never reach the public web (RFC 6761, RFC 8375, ICANN's .internal, mDNS).
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
LOCAL_SUFFIXES = (
    ".localhost",
    ".local",
    ".localdomain",
    ".internal",
    ".home.arpa",
    ".lan",
    ".test",
    ".invalid",
    ".example",
    ".onion",
    ".alt",
)
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_NUMERIC_FLAGS = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV


class FetchBlocked(Exception):
    """The guard refused the URL or an address it resolves to; nothing was sent there."""

    def __init__(self, reason: str, *, url: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.url = url


# What a failed fetch is called wherever it is shown (the source page, its check history,
# alerts): plain words, never the HTTP library's text. A DNS failure is not a refusal.
NAME_NOT_FOUND = "The site's name could not be found (DNS)"
CONNECTION_REFUSED = "The site refused the connection"
CONNECTION_RESET = "The site closed the connection before it answered"
TIMED_OUT = "The site did not answer in time"
TLS_FAILED = "The site's secure connection (TLS) could not be verified"
TOO_MANY_REDIRECTS = f"The page redirects more than {MAX_REDIRECTS} times"
# By kind, when nothing more precise is known.
REASONS = {
    "timeout": TIMED_OUT,
    "connection": "The site could not be reached",
    "tls": TLS_FAILED,
    "too_many_redirects": TOO_MANY_REDIRECTS,
    "protocol": "The site's answer could not be read",
}


class FetchFailed(Exception):
    """The fetch was allowed but did not give a usable answer; .kind says how it failed,
    .reason says it in plain words (REASONS, or a more precise one such as NAME_NOT_FOUND)
    and .message keeps the technical detail (for logs)."""

    KINDS = tuple(REASONS)

    def __init__(self, kind: str, message: str = "", *, url: str = "", reason: str = ""):
        assert kind in self.KINDS, kind
        super().__init__(message or kind)
        self.kind = kind
        self.message = message or kind
        self.reason = reason or REASONS[kind]
        self.url = url


@dataclass
class FetchResult:
    url: str
    status: int
    content_type: str
    text: str | None
    body_hash: str
    etag: str = ""
    last_modified: str = ""
    redirects: list[tuple[int, str]] = field(default_factory=list)
    elapsed_ms: int = 0
    body_bytes: int = 0  # decoded body length (optional extra)
    # The exchange as it happened, for the capture (sources.captures): aiohttp decodes
    # gzip/deflate as it reads, so `body` is the decoded body, capped like the text.
    body: bytes | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    http_version: str = "1.1"
    reason: str = ""
    # A big page is read up to the cap and kept, not refused (the check says it was cut).
    truncated: bool = False
    encoding: str = ""
    replacements: int = 0


# --- addresses --------------------------------------------------------------------------


def _unwrap(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4), else the address."""
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip.sixtofour is not None:
            return ip.sixtofour
    return ip


def address_refusal(ip: IPAddress, *, allow_private: bool) -> str | None:
    """Why the guard refuses to connect to `ip`, or None when it may."""
    inner = _unwrap(ip)
    shown = str(ip) if inner == ip else f"{ip}, which is {inner}"
    if inner.is_unspecified:
        return f"{shown} is the unspecified address."
    if inner.is_multicast:
        return f"{shown} is a multicast address."
    if inner.is_link_local or ip.is_link_local or inner in METADATA_ADDRESSES:
        return f"{shown} is a link-local or cloud metadata address."
    if inner.is_global and not inner.is_reserved:
        return None
    if allow_private and (
        inner.is_loopback or inner in SHARED or (inner.is_private and not inner.is_reserved)
    ):
        return None
    if inner.is_reserved:  # 240/4, broadcast, unassigned IPv6, IPv4-compatible ::a.b.c.d
        return f"{shown} is a reserved address."
    if inner.is_loopback:
        return f"{shown} is a loopback address (this machine)."
    return f"{shown} is not a public internet address."


def _allow_private() -> bool:
    return bool(settings.FETCH_ALLOW_PRIVATE)


# --- URLs -------------------------------------------------------------------------------


def _parse(url: str | URL) -> URL:
    try:
        parsed = url if isinstance(url, URL) else URL(str(url).strip())
        parsed.port  # noqa: B018 (raises on a bad port)
    except (ValueError, TypeError):
        raise FetchBlocked("This is not a valid URL.", url=str(url)) from None
    return parsed


def _check(parsed: URL, *, allow_private: bool) -> None:
    if parsed.scheme not in ("http", "https"):
        raise FetchBlocked("Only http and https URLs can be fetched.", url=str(parsed))
    if parsed.user is not None or parsed.password is not None:
        raise FetchBlocked("URLs with a user name or password are not fetched.", url=str(parsed))
    host = (parsed.raw_host or "").lower()
    reason = _host_refusal(host, allow_private or _listed(host, parsed.port))
    if reason:
        raise FetchBlocked(reason, url=str(parsed))


def _listed(host: str, port: int | None) -> bool:
    """An address the operator allowed exactly (settings.FETCH_ALLOW_HOSTS, e.g. the local
    demo pages at 127.0.0.1:8001): that IP and port only, never its other ports or names.
    IP literals only, so no lookup happens (aiohttp connects to a literal as it is)."""
    bare = host.strip("[]")
    return f"{bare}:{port}" in settings.FETCH_ALLOW_HOSTS


@functools.lru_cache(maxsize=4096)  # a batch of checks meets the same hosts again and again
def _host_refusal(host: str, allow_private: bool) -> str | None:
    """Why a URL with this host is refused before any lookup, or None."""
    if not host:
        return "This URL has no host name."
    if "%" in host and ":" not in host:
        return "Percent-encoded host names are not fetched."
    bare = host.rstrip(".")
    try:
        ip = ipaddress.ip_address(bare.split("%", 1)[0] if ":" in bare else bare)
    except ValueError:
        ip = None
    if ip is not None:
        if ip.version == 4 and bare != host:
            return f"{host} is not a standard IP address form."
        return address_refusal(ip, allow_private=allow_private)
    if _NUMERIC_LABEL.fullmatch(bare.rsplit(".", 1)[-1]):
        # WHATWG and inet_aton read these as IPv4 (0177.0.0.1, 0x7f.1, 2130706433, 127.1).
        return f"{host} is not a standard IP address form."
    if allow_private:
        return None
    if bare in LOCAL_NAMES or bare.endswith(LOCAL_SUFFIXES):
        return f"{host} is a local name, not a public web site."
    if "." not in bare:
        return f"{host} is a single-label name, not a public web site."
    return None


def check_url(url: str) -> None:
    """Refuse, without DNS, a URL that can never be fetched; raises FetchBlocked.

    Honours settings.FETCH_ALLOW_PRIVATE (loopback and private literals and local names
    pass when it is on) and FETCH_ALLOW_HOSTS (exactly those IP:port pairs pass);
    unspecified, multicast, link-local and reserved never pass.
    """
    _check(_parse(url), allow_private=_allow_private())


# --- resolving --------------------------------------------------------------------------

GetAddrInfo = Callable[..., Awaitable[list[tuple[Any, ...]]]]


class GuardedResolver(AbstractResolver):
    """Resolve with getaddrinfo; refuse the name if ANY of its addresses is not allowed.

    The results are numeric, so aiohttp connects to the checked addresses and never looks
    the name up a second time (no DNS-rebinding window).
    """

    def __init__(self, *, allow_private: bool, getaddrinfo: GetAddrInfo | None = None):
        self.allow_private = allow_private
        self._getaddrinfo = getaddrinfo

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[ResolveResult]:
        getaddrinfo = self._getaddrinfo or asyncio.get_running_loop().getaddrinfo
        infos = await getaddrinfo(
            host, port, type=socket.SOCK_STREAM, family=family, flags=socket.AI_ADDRCONFIG
        )
        results: list[ResolveResult] = []
        for fam, _type, proto, _canon, sockaddr in infos:
            if fam not in (socket.AF_INET, socket.AF_INET6):
                continue
            ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
            reason = address_refusal(ip, allow_private=self.allow_private)
            if reason:
                raise FetchBlocked(f"{host} resolves to {ip}; {reason}")
            results.append(
                ResolveResult(
                    hostname=host,
                    host=str(ip),
                    port=sockaddr[1],
                    family=fam,
                    proto=proto,
                    flags=_NUMERIC_FLAGS,
                )
            )
        if not results:
            raise OSError(f"{host} has no IPv4 or IPv6 address")
        return results

    async def close(self) -> None:
        return None


# --- sessions ---------------------------------------------------------------------------

# Sessions made by make_session -> the private-address policy they were made with.
_SESSIONS: weakref.WeakKeyDictionary[aiohttp.ClientSession, bool] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def make_session(
    *, limit: int = 100, limit_per_host: int = 4
) -> AsyncIterator[aiohttp.ClientSession]:
    """A ClientSession wired for the guard: guarded resolver, verified TLS, no proxies from
    the environment, no cookies kept between sources, deadlines from settings.

    `limit` caps open connections in all, `limit_per_host` per host. The private-address
    policy (settings.FETCH_ALLOW_PRIVATE) is read once, here.
    """
    allow_private = _allow_private()
    connector = aiohttp.TCPConnector(
        limit=limit,
        limit_per_host=limit_per_host,
        resolver=GuardedResolver(allow_private=allow_private),
        ssl=True,
        ttl_dns_cache=60,
    )
    session = aiohttp.ClientSession(
        connector=connector,
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=_timeout(),
        headers={
            "User-Agent": settings.FETCH_USER_AGENT,
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.8,"
            "*/*;q=0.1",
            "Accept-Encoding": "gzip, deflate",
        },
        auto_decompress=True,
        read_bufsize=READ_CHUNK,
    )
    _SESSIONS[session] = allow_private
    try:
        yield session
    finally:
        await session.close()


def _timeout() -> aiohttp.ClientTimeout:
    # The total deadline is kept by fetch_async around all hops, not per request.
    return aiohttp.ClientTimeout(
        total=None,
        sock_connect=float(settings.FETCH_CONNECT_TIMEOUT),
        sock_read=float(settings.FETCH_READ_TIMEOUT),
    )


# --- fetching ---------------------------------------------------------------------------


async def fetch_async(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    session: aiohttp.ClientSession | None = None,
) -> FetchResult:
    """Fetch `url` through the guard; raise FetchBlocked or FetchFailed.

    1. Check the URL (scheme, credentials, host form, literal addresses, local names).
    2. GET it without following redirects; names are resolved and checked by the session's
       GuardedResolver. Conditional headers go with every hop.
    3. On a redirect, check the Location like a new URL and go again (at most 3).
    4. Stream the body, counting decoded bytes; stop reading at FETCH_MAX_BYTES and keep
       what was read (`truncated`).
    The whole fetch must finish within FETCH_TOTAL_TIMEOUT (waiting for a free connection
    in a shared session counts too); each connect and each read has its own deadline.
    """
    if session is None:
        async with make_session(limit=4, limit_per_host=4) as own:
            return await fetch_async(url, etag=etag, last_modified=last_modified, session=own)
    allow_private = _SESSIONS.get(session)
    if allow_private is None:
        raise TypeError("fetch_async needs a session made by sources.fetch.make_session().")
    started = time.monotonic()
    total = float(settings.FETCH_TOTAL_TIMEOUT)
    try:
        async with asyncio.timeout(total):
            result = await _fetch(session, url, etag, last_modified, allow_private)
    except TimeoutError:
        raise FetchFailed("timeout", f"No complete answer within {total:g}s.", url=url) from None
    result.elapsed_ms = int((time.monotonic() - started) * 1000)
    return result


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
    """fetch_async for code that has no event loop (the operator command, tests)."""
    return asyncio.run(fetch_async(url, etag=etag, last_modified=last_modified))


async def _fetch(
    session: aiohttp.ClientSession, url: str, etag: str, last_modified: str, allow_private: bool
) -> FetchResult:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    redirects: list[tuple[int, str]] = []
    current = _parse(url)
    for _hop in range(MAX_REDIRECTS + 1):
        _check(current, allow_private=allow_private)
        try:
            async with session.get(current, headers=headers, allow_redirects=False) as resp:
                location = resp.headers.get("Location")
                if resp.status in REDIRECT_STATUSES and location:
                    try:
                        target = resp.url.join(URL(location.strip()))
                    except (ValueError, TypeError):
                        raise FetchFailed(
                            "protocol", f"Bad redirect location {location!r}.", url=str(current)
                        ) from None
                    redirects.append((resp.status, str(target)))
                    current = target
                    continue
                return await _result(resp, redirects, etag, last_modified)
        except (FetchBlocked, FetchFailed) as exc:
            exc.url = exc.url or str(current)
            raise
        except aiohttp.ClientError as exc:
            raise _failure(exc, str(current)) from exc
        except TimeoutError as exc:  # a socket deadline (not the total one: that cancels)
            raise FetchFailed("timeout", _describe(exc) or "Timed out.", url=str(current)) from exc
    raise FetchFailed(
        "too_many_redirects", f"More than {MAX_REDIRECTS} redirects.", url=str(current)
    )


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _failure(exc: aiohttp.ClientError, url: str) -> FetchFailed:
    """The kind and the plain reason of an aiohttp error (REASONS, refined by the OS error)."""
    text = _describe(exc)
    if isinstance(exc, aiohttp.ClientSSLError | aiohttp.ServerFingerprintMismatch):
        return FetchFailed("tls", text, url=url)
    if isinstance(exc, aiohttp.ServerTimeoutError | aiohttp.ConnectionTimeoutError):
        return FetchFailed("timeout", text, url=url)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return FetchFailed("connection", text, url=url, reason=NAME_NOT_FOUND)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return FetchFailed("connection", text, url=url, reason=CONNECTION_RESET)
    if isinstance(exc, aiohttp.ClientConnectionError | aiohttp.ClientOSError):
        return FetchFailed("connection", text, url=url, reason=_os_reason(exc))
    if isinstance(exc, aiohttp.ClientPayloadError):
        # A body cut short is the network's doing (worth a retry); one that will not
        # decode (bad gzip, bad chunking) is the server's.
        if isinstance(exc.__cause__, ContentEncodingError | TransferEncodingError):
            return FetchFailed("protocol", text, url=url)
        return FetchFailed("connection", text, url=url, reason=CONNECTION_RESET)
    if isinstance(exc, aiohttp.InvalidURL):
        return FetchFailed("protocol", f"Invalid URL: {text}", url=url)
    return FetchFailed("protocol", text, url=url)


def _os_reason(exc: BaseException) -> str:
    """Refused or reset, from the OS error under a connection error."""
    error = getattr(exc, "os_error", None) or exc.__cause__ or exc
    if isinstance(error, ConnectionRefusedError):
        return CONNECTION_REFUSED
    if isinstance(error, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return CONNECTION_RESET
    if isinstance(error, TimeoutError):
        return TIMED_OUT
    return REASONS["connection"]


async def _result(
    resp: aiohttp.ClientResponse, redirects: list[tuple[int, str]], etag: str, last_modified: str
) -> FetchResult:
    content_type = (resp.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    result = FetchResult(
        url=str(resp.url),
        status=resp.status,
        content_type=content_type,
        text=None,
        body_hash="",
        etag=resp.headers.get("ETag", ""),
        last_modified=resp.headers.get("Last-Modified", ""),
        redirects=redirects,
        headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.raw_headers],
        request_headers=list(resp.request_info.headers.items()),
        http_version=f"{resp.version.major}.{resp.version.minor}" if resp.version else "1.1",
        reason=resp.reason or "",
    )
    if resp.status == 304:
        result.etag = result.etag or etag
        result.last_modified = result.last_modified or last_modified
        return result
    is_text = content_type in TEXT_TYPES or content_type.endswith("+json")
    body, size, digest, truncated = await _read_body(resp)
    result.body_hash = digest
    result.body_bytes = size
    result.body = body
    result.truncated = truncated
    if is_text:
        decoded = charsets.decode(body, resp.charset, content_type, complete=not truncated)
        result.text = decoded.text
        result.encoding = decoded.encoding
        result.replacements = decoded.replacements
    return result


async def _read_body(resp: aiohttp.ClientResponse) -> tuple[bytes, int, str, bool]:
    """Stream the decoded body: hash it, keep it (for the text and the capture), and stop
    at the cap: (body, size, sha256, truncated).

    aiohttp inflates gzip/deflate a bounded piece at a time as we read, so a gzip bomb
    costs at most the cap plus a chunk or two of memory. A body past the cap (declared
    or not) is read up to the cap and the connection dropped: a 5 MB article is an
    article, not a failure, and memory stays bounded.
    """
    limit = int(settings.FETCH_MAX_BYTES)
    digest = hashlib.sha256()
    parts: list[bytes] = []
    size = 0
    truncated = False
    async for chunk in resp.content.iter_chunked(READ_CHUNK):
        if size + len(chunk) > limit:
            chunk = chunk[: limit - size]
            truncated = True
        size += len(chunk)
        digest.update(chunk)
        parts.append(chunk)
        if truncated:
            resp.close()  # nothing more is read; the connection is not reused
            break
    return b"".join(parts), size, digest.hexdigest(), truncated
