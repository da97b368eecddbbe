"""Redirects: followed by hand, each hop checked again, at most three."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from sources import fetch as f


@pytest.fixture
def private_on(settings):
    settings.FETCH_ALLOW_PRIVATE = True
    return settings


def _redirect(httpserver, path, to, status=302):
    httpserver.expect_request(path).respond_with_data("", status=status, headers={"Location": to})


def test_it_follows_three_redirects_and_reports_them(private_on, httpserver):
    _redirect(httpserver, "/r1", "/r2", 301)
    _redirect(httpserver, "/r2", httpserver.url_for("/r3"), 302)
    _redirect(httpserver, "/r3", "final?x=1", 307)
    httpserver.expect_request("/final").respond_with_data("<p>end</p>", content_type="text/html")
    result = f.fetch(httpserver.url_for("/r1"))
    assert result.status == 200
    assert result.text == "<p>end</p>"
    assert result.url == httpserver.url_for("/final?x=1")
    assert [status for status, _ in result.redirects] == [301, 302, 307]
    assert result.redirects[0][1] == httpserver.url_for("/r2")
    assert result.redirects[-1][1] == result.url


def test_it_refuses_a_fourth_redirect_without_following_it(private_on, httpserver):
    for n in range(1, 5):
        _redirect(httpserver, f"/hop{n}", f"/hop{n + 1}", 308)
    httpserver.expect_request("/hop5").respond_with_data("never")
    with pytest.raises(f.FetchFailed) as info:
        f.fetch(httpserver.url_for("/hop1"))
    assert info.value.kind == "too_many_redirects"
    assert [request.path for request, _ in httpserver.log] == ["/hop1", "/hop2", "/hop3", "/hop4"]


def test_it_refuses_a_redirect_loop(private_on, httpserver):
    _redirect(httpserver, "/loop", "/loop", 302)
    with pytest.raises(f.FetchFailed) as info:
        f.fetch(httpserver.url_for("/loop"))
    assert info.value.kind == "too_many_redirects"
    assert len(httpserver.log) == 4


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fd00:ec2::254]/latest/",
        "http://0.0.0.0:80/",
        "http://0177.0.0.1/",
        "http://2130706433/",
        "http://user:pw@127.0.0.1/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
        "ftp://example.org/",
    ],
)
def test_it_checks_every_redirect_again(private_on, httpserver, location):
    """Loopback is allowed here, so the first hop is fetched; the redirect target is
    never legitimate and must be refused before any connection is made."""
    _redirect(httpserver, "/go", location)
    with pytest.raises(f.FetchBlocked) as info:
        f.fetch(httpserver.url_for("/go"))
    assert info.value.url.startswith(location.split(":", 1)[0])
    assert len(httpserver.log) == 1


def test_it_refuses_a_redirect_to_loopback_with_the_setting_off_at_the_checker(settings):
    """The same decision _fetch makes for each Location, with the real resolver behind it."""
    settings.FETCH_ALLOW_PRIVATE = False
    for location in ("http://127.0.0.1/", "http://localhost/", "http://[::1]/", "http://10.0.0.1/"):
        with pytest.raises(f.FetchBlocked):
            f.check_url(location)


def test_it_sends_the_conditional_headers_on_every_hop(private_on, httpserver):
    _redirect(httpserver, "/old", "/new", 301)
    httpserver.expect_request("/new", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304, headers={"ETag": '"v1"'}
    )
    result = f.fetch(httpserver.url_for("/old"), etag='"v1"')
    assert result.status == 304
    assert result.text is None
    assert result.redirects == [(301, httpserver.url_for("/new"))]


def test_it_returns_a_redirect_without_a_location_as_it_is(private_on, httpserver):
    httpserver.expect_request("/odd").respond_with_data("moved", status=301)
    result = f.fetch(httpserver.url_for("/odd"))
    assert result.status == 301
    assert result.redirects == []


# --- a public first hop, in a network namespace -----------------------------------------

PUBLIC_IP = "11.11.11.11"  # globally routable; exists only on the namespace's loopback

NETNS_SCRIPT = textwrap.dedent(
    """
    import json, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import django

    django.setup()
    from django.conf import settings
    from sources import fetch as f

    hits = []
    ROUTES = {
        "/to-loopback": "http://127.0.0.1:8202/secret",
        "/to-localhost": "http://localhost:8202/secret",
        "/to-mapped": "http://[::ffff:127.0.0.1]:8202/secret",
        "/to-rebind": "http://rebind.example.org:8202/secret",
        "/to-mixed": "http://mixed.example.org:8202/secret",
    }

    class Public(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path in ROUTES:
                self.send_response(302)
                self.send_header("Location", ROUTES[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                body = b"public page"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Secret(Public):
        def do_GET(self):
            hits.append(self.path)
            super().do_GET()

    for address, handler in ((("PUBLIC", 8201), Public), (("127.0.0.1", 8202), Secret)):
        server = ThreadingHTTPServer(address, handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def attempt(url):
        try:
            result = f.fetch(url)
        except f.FetchBlocked as exc:
            return {"blocked": exc.reason}
        except f.FetchFailed as exc:
            return {"failed": exc.kind, "message": exc.message}
        return {"status": result.status, "url": result.url, "text": result.text}

    out = {"allow_private": settings.FETCH_ALLOW_PRIVATE}
    out["direct"] = attempt("http://PUBLIC:8201/ok")
    out["by_name"] = attempt("http://news.example.org:8201/ok")
    for path in ROUTES:
        out[path] = attempt("http://news.example.org:8201" + path)
    out["hits_while_off"] = list(hits)
    settings.FETCH_ALLOW_PRIVATE = True  # control: the loopback server was reachable
    out["control"] = attempt("http://PUBLIC:8201/to-loopback")
    out["hits_after_control"] = list(hits)
    print(json.dumps(out))
    """
).replace("PUBLIC", PUBLIC_IP)


@pytest.fixture
def netns():
    """A network namespace with only a loopback device carrying PUBLIC_IP, and its own
    /etc/hosts (ip netns exec bind-mounts /etc/netns/NAME/hosts). Nothing in it can reach
    any other machine: it has no other interface and no route."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("needs root and iproute2 to build a network namespace")
    name = f"cwfetch-{uuid.uuid4().hex[:8]}"
    etc_netns = Path("/etc/netns")
    made_etc_netns = not etc_netns.exists()
    added = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if added.returncode != 0:
        pytest.skip(f"cannot create a network namespace here: {added.stderr.strip()}")
    try:
        (etc_netns / name).mkdir(parents=True)
        (etc_netns / name / "hosts").write_text(
            f"127.0.0.1 localhost\n::1 localhost\n{PUBLIC_IP} news.example.org\n"
            f"127.0.0.1 rebind.example.org\n{PUBLIC_IP} mixed.example.org\n"
            "127.0.0.1 mixed.example.org\n"
        )
        for command in (
            ["ip", "link", "set", "lo", "up"],
            ["ip", "addr", "add", f"{PUBLIC_IP}/32", "dev", "lo"],
        ):
            subprocess.run(["ip", "netns", "exec", name, *command], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)
        shutil.rmtree(etc_netns / name, ignore_errors=True)
        if made_etc_netns:
            shutil.rmtree(etc_netns, ignore_errors=True)


def test_it_blocks_a_public_page_redirecting_to_loopback_with_the_setting_off(netns, tmp_path):
    script = tmp_path / "netns_fetch.py"
    script.write_text(NETNS_SCRIPT)
    env = {
        **os.environ,
        "FETCH_ALLOW_PRIVATE": "false",
        "DJANGO_SETTINGS_MODULE": "claimwatch.settings",
        "PYTHONPATH": str(django_settings.BASE_DIR),
    }
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(name, None)
    run = subprocess.run(
        ["ip", "netns", "exec", netns, sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=django_settings.BASE_DIR,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["allow_private"] is False
    # The public host is fetched, by address and by name, with the setting off.
    assert out["direct"] == {
        "status": 200,
        "url": f"http://{PUBLIC_IP}:8201/ok",
        "text": "public page",
    }
    assert out["by_name"]["status"] == 200
    # Each redirect into this machine is refused: by the URL check or by the resolver.
    assert "loopback" in out["/to-loopback"]["blocked"]
    assert "local name" in out["/to-localhost"]["blocked"]
    assert "127.0.0.1" in out["/to-mapped"]["blocked"]
    assert out["/to-rebind"]["blocked"].startswith("rebind.example.org resolves to 127.0.0.1")
    assert out["/to-mixed"]["blocked"].startswith("mixed.example.org resolves to 127.0.0.1")
    assert out["hits_while_off"] == []
    # Control: the loopback server was there all along and answers once allowed.
    assert out["control"]["status"] == 200
    assert out["hits_after_control"] == ["/secret"]
