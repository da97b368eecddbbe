"""The guard in sources/fetch.py: schemes, credentials, every address form, names, proxies."""

import asyncio
import ipaddress
import socket

import pytest
from django.core.exceptions import ValidationError

from sources import fetch as f
from sources.models import Source
from sources.services import source_get_or_create


@pytest.fixture
def private_off(settings):
    settings.FETCH_ALLOW_PRIVATE = False
    return settings


@pytest.fixture
def private_on(settings):
    settings.FETCH_ALLOW_PRIVATE = True
    return settings


# Each address form that must never be fetched with the loopback setting off.
PRIVATE_URLS = [
    "http://127.0.0.1/",
    "http://127.255.255.254:8080/x",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://198.18.0.1/",  # benchmarking
    "http://192.0.2.10/",  # documentation
    "http://[::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1 (Python calls it global)
    "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[2002:c0a8:101::1]/",  # 6to4 of 192.168.1.1
    "http://localhost/",
    "http://LOCALHOST./",
    "http://app.localhost/",
    "http://printer.local/",
    "http://metadata.google.internal/",
    "http://intranet/",
    "http://router.home.arpa/",
]

# Refused even with FETCH_ALLOW_PRIVATE on: never a legitimate source.
NEVER_URLS = [
    "http://0.0.0.0/",
    "http://[::]/",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://169.254.0.1/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[2002:a9fe:a9fe::]/",  # 6to4 of 169.254.169.254
    "http://[fd00:ec2::254]/",  # AWS metadata over IPv6
    "http://100.100.100.200/",  # Alibaba metadata
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://[ff02::1]/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://[::7f00:1]/",  # IPv4-compatible (deprecated)
    "http://[64:ff9b:1::a00:1]/",  # local-use NAT64
    # Legacy numeric forms (inet_aton reads them as 127.0.0.1 / 10.0.0.1 / 8.8.8.8).
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://017700000001/",
    "http://127.1/",
    "http://127.0.1/",
    "http://0xa.0.0.1/",
    "http://134744072/",
    "http://127.0.0.1./",
    "http://%31%32%37.0.0.1/",
    # Schemes and credentials.
    "file:///etc/passwd",
    "ftp://example.org/",
    "gopher://example.org:70/",
    "javascript:alert(1)",
    "data:text/html,hi",
    "//example.org/",
    "http://user:secret@example.org/",
    "http://user@example.org/",
    "http://:secret@example.org/",
    "https://example.org@127.0.0.1/",
    "http:///nohost",
    "http://example.org:99999/",
]

PUBLIC_URLS = [
    "https://example.org/a?b=c",
    "http://www.mofa.gov.pk/press",
    "https://8.8.8.8/",
    "https://[2606:4700:4700::1111]/",
    "https://[::ffff:8.8.8.8]/",  # mapped public
    "https://[64:ff9b::808:808]/",  # NAT64 of a public address
    "https://[2002:808:808::1]/",  # 6to4 of a public address
    "https://bücher.example.com/",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_it_refuses_private_addresses_and_local_names(private_off, url):
    with pytest.raises(f.FetchBlocked) as info:
        f.check_url(url)
    assert info.value.reason


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_it_lets_private_addresses_through_only_with_the_setting(private_on, url):
    f.check_url(url)


@pytest.mark.parametrize("url", NEVER_URLS)
def test_it_refuses_what_is_never_legitimate_even_with_private_allowed(private_on, url):
    with pytest.raises(f.FetchBlocked):
        f.check_url(url)


@pytest.mark.parametrize("url", NEVER_URLS)
def test_it_refuses_what_is_never_legitimate_with_private_off(private_off, url):
    with pytest.raises(f.FetchBlocked):
        f.check_url(url)


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_it_accepts_public_urls(private_off, url):
    f.check_url(url)


def test_it_says_why_in_words(private_off):
    with pytest.raises(f.FetchBlocked, match="loopback"):
        f.check_url("http://127.0.0.1:8201/")
    with pytest.raises(f.FetchBlocked, match="link-local or cloud metadata"):
        f.check_url("http://[::ffff:169.254.169.254]/")
    with pytest.raises(f.FetchBlocked, match="not a standard IP address form"):
        f.check_url("http://0177.0.0.1/")
    with pytest.raises(f.FetchBlocked, match="user name or password"):
        f.check_url("https://a:b@example.org/")
    with pytest.raises(f.FetchBlocked, match="Only http and https"):
        f.check_url("file:///etc/passwd")


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:8.8.8.8", True),
        ("127.0.0.1", False),
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::7f00:1", False),
        ("64:ff9b::808:808", True),
        ("2002:7f00:1::", False),
        ("2002:808:808::", True),
        ("64:ff9b:1::a00:1", False),  # local-use NAT64 prefix
        ("2001::1", False),  # Teredo
        ("2001:db8::1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),  # noqa: S104 (an address judged, not bound)
        ("224.0.0.251", False),
    ],
)
def test_it_judges_each_address_with_the_ipv4_inside_unwrapped(address, allowed):
    ip = ipaddress.ip_address(address)
    assert (f.address_refusal(ip, allow_private=False) is None) is allowed


# --- the resolver: real getaddrinfo, and crafted answers -------------------------------


def test_it_refuses_a_name_that_resolves_to_loopback_with_the_real_resolver():
    resolver = f.GuardedResolver(allow_private=False)
    with pytest.raises(f.FetchBlocked, match="loopback"):
        asyncio.run(resolver.resolve("localhost", 80, socket.AF_UNSPEC))


def test_it_returns_only_checked_numeric_addresses():
    resolver = f.GuardedResolver(allow_private=True)
    results = asyncio.run(resolver.resolve("localhost", 8201, socket.AF_UNSPEC))
    assert results
    for result in results:
        assert ipaddress.ip_address(result["host"]).is_loopback
        assert result["hostname"] == "localhost"
        assert result["port"] == 8201
        # Numeric flags: aiohttp hands these to create_connection, which then does no lookup.
        assert result["flags"] & socket.AI_NUMERICHOST


def _fake_getaddrinfo(*addresses):
    async def getaddrinfo(host, port, **kwargs):
        out = []
        for address in addresses:
            ip = ipaddress.ip_address(address)
            family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
            sockaddr = (address, port) if ip.version == 4 else (address, port, 0, 0)
            out.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
        return out

    return getaddrinfo


@pytest.mark.parametrize(
    "addresses",
    [
        ("93.184.215.14", "10.0.0.5"),  # one bad address among good ones is enough
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::1"),
        ("93.184.215.14", "169.254.169.254"),
        ("::ffff:127.0.0.1",),
        ("64:ff9b::a9fe:a9fe",),
    ],
)
def test_it_refuses_a_name_if_any_address_is_not_allowed(addresses):
    resolver = f.GuardedResolver(allow_private=False, getaddrinfo=_fake_getaddrinfo(*addresses))
    with pytest.raises(f.FetchBlocked, match="news.example.com resolves to"):
        asyncio.run(resolver.resolve("news.example.com", 443, socket.AF_UNSPEC))


def test_it_refuses_link_local_answers_even_with_private_allowed():
    resolver = f.GuardedResolver(
        allow_private=True, getaddrinfo=_fake_getaddrinfo("127.0.0.1", "169.254.169.254")
    )
    with pytest.raises(f.FetchBlocked, match="link-local"):
        asyncio.run(resolver.resolve("rebind.example.com", 80, socket.AF_UNSPEC))


def test_it_passes_public_answers_through():
    resolver = f.GuardedResolver(
        allow_private=False, getaddrinfo=_fake_getaddrinfo("93.184.215.14", "2606:4700::1")
    )
    results = asyncio.run(resolver.resolve("news.example.com", 443, socket.AF_UNSPEC))
    assert [r["host"] for r in results] == ["93.184.215.14", "2606:4700::1"]


# --- through fetch: nothing reaches the server ----------------------------------------


def test_it_blocks_loopback_before_connecting(private_off, httpserver):
    httpserver.expect_request("/").respond_with_data("secret")
    with pytest.raises(f.FetchBlocked, match="local name"):
        f.fetch(httpserver.url_for("/"))
    with pytest.raises(f.FetchBlocked, match="loopback"):
        f.fetch(httpserver.url_for("/").replace("localhost", "127.0.0.1"))
    assert httpserver.log == []


def test_it_blocks_a_name_at_the_resolver_when_the_url_check_is_skipped(private_off, httpserver):
    """Drive a make_session session directly, as a careless caller might: the resolver still
    refuses, so the guard does not depend on check_url having run."""
    httpserver.expect_request("/").respond_with_data("secret")
    port = httpserver.port

    async def go():
        async with f.make_session() as session, session.get(f"http://localhost:{port}/"):
            pass

    with pytest.raises(f.FetchBlocked, match="localhost resolves to"):
        asyncio.run(go())
    assert httpserver.log == []


def test_it_refuses_a_session_not_made_by_make_session(private_on, httpserver):
    import aiohttp

    async def go():
        async with aiohttp.ClientSession() as session:
            await f.fetch_async(httpserver.url_for("/"), session=session)

    with pytest.raises(TypeError, match="make_session"):
        asyncio.run(go())


def test_it_fetches_loopback_with_the_setting_on(private_on, httpserver):
    httpserver.expect_request("/page").respond_with_data("<p>hello</p>", content_type="text/html")
    result = f.fetch(httpserver.url_for("/page"))
    assert result.status == 200
    assert result.text == "<p>hello</p>"


def test_it_ignores_proxies_from_the_environment(private_on, httpserver, monkeypatch):
    httpserver.expect_request("/").respond_with_data("direct", content_type="text/plain")
    dead = "http://127.0.0.1:8209"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, dead)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = f.fetch(httpserver.url_for("/"))
    assert result.text == "direct"
    assert len(httpserver.log) == 1


def test_it_sends_no_credentials_and_no_cookies(private_on, httpserver):
    httpserver.expect_request("/set").respond_with_data(
        "x", headers={"Set-Cookie": "tracker=1; Path=/", "Location": "/next"}, status=302
    )
    httpserver.expect_request("/next").respond_with_data("ok", content_type="text/plain")
    result = f.fetch(httpserver.url_for("/set"))
    assert result.text == "ok"
    follow_up = httpserver.log[-1][0]
    assert "Cookie" not in follow_up.headers
    assert "Authorization" not in follow_up.headers
    assert follow_up.headers["User-Agent"].startswith("Claimwatch/")


# --- at link time, through the service -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8080/admin",
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.0.0.1]/",
        "http://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_it_refuses_a_private_source_at_link_time(private_off, analyst, url):
    with pytest.raises(ValidationError) as info:
        source_get_or_create(url=url, actor=analyst)
    assert "url" in info.value.message_dict
    assert info.value.message_dict["url"][0].startswith("This URL cannot be monitored:")
    assert not Source.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://0177.0.0.1/", "http://2130706433/", "http://0x7f.1/"])
def test_it_refuses_legacy_address_forms_at_link_time(private_on, analyst, url):
    with pytest.raises(ValidationError) as info:
        source_get_or_create(url=url, actor=analyst)
    assert info.value.message_dict["url"]
    assert not Source.objects.exists()


@pytest.mark.django_db
def test_it_links_a_loopback_source_when_private_is_allowed(private_on, analyst):
    source, created = source_get_or_create(url="http://127.0.0.1:8201/story", actor=analyst)
    assert created
    assert source.url == "http://127.0.0.1:8201/story"


@pytest.mark.django_db
def test_it_still_refuses_metadata_at_link_time_when_private_is_allowed(private_on, analyst):
    with pytest.raises(ValidationError, match="link-local"):
        source_get_or_create(url="http://169.254.169.254/", actor=analyst)
    assert not Source.objects.exists()


@pytest.mark.django_db
def test_it_links_a_public_source(private_off, analyst):
    source, created = source_get_or_create(url="https://www.mofa.gov.pk/press/1", actor=analyst)
    assert created


def test_it_connects_to_the_address_it_checked_without_a_second_lookup(private_on, monkeypatch):
    """A rebinding name answers loopback first and the metadata address after: the fetch
    must reach the first (checked) answer, and the name must be looked up only once."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/").respond_with_data("checked", content_type="text/plain")
    server.start()
    lookups = []
    real = asyncio.BaseEventLoop.getaddrinfo

    async def rebinding(self, host, port, *args, **kwargs):
        if host == "rebind.example.org":
            lookups.append(host)
            host = "127.0.0.1" if len(lookups) == 1 else "169.254.169.254"
        return await real(self, host, port, *args, **kwargs)

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", rebinding)
    try:
        result = f.fetch(f"http://rebind.example.org:{server.port}/")
    finally:
        server.stop()
    assert result.text == "checked"
    assert lookups == ["rebind.example.org"]
    assert server.log[0][0].headers["Host"] == f"rebind.example.org:{server.port}"
