"""Issue 23, the third probe: items 4, 6 and 7 (one test or a few per item, each failing
without its fix). Item 1 is proved in tests/desk/test_alert_redirects.py, item 3 in
tests/publishing/test_public_without_redis.py.
"""

import ipaddress
import runpy
import uuid
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from publishing import public_views

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery"  # tests/conftest.py's make_user
PROXY = "10.0.0.7"


def log_in(client: Client, username: str, password: str, **extra) -> int:
    return client.post(
        reverse("login"), {"username": username, "password": password}, **extra
    ).status_code


# --- 4. One address locks out everyone behind it -------------------------------------------


def test_it_locks_the_username_and_address_pair_not_the_address(make_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("alice")
    make_user("bob")
    here, elsewhere = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="192.0.2.2")
    for _ in range(3):
        log_in(here, "bob", "wrong")
    assert log_in(here, "bob", RIGHT) != 302  # bob is locked here
    assert log_in(here, "alice", RIGHT) == 302  # alice, at the same address, is not
    assert log_in(elsewhere, "bob", RIGHT) == 302  # nor bob elsewhere


def test_it_lets_a_known_browser_in_with_the_right_password_while_its_address_is_sprayed(
    make_user, settings
):
    """Behind one proxy address a sprayer's failures pause log-ins from new browsers, not
    those of the desk's own browsers that logged in before."""
    settings.LOGIN_IP_FAILURE_LIMIT = 6
    make_user("alice")
    for i in range(3):
        make_user(f"user{i}")
    desk, sprayer = Client(REMOTE_ADDR="192.0.2.9"), Client(REMOTE_ADDR="192.0.2.9")
    assert log_in(desk, "alice", RIGHT) == 302
    desk.post(reverse("logout"))

    for i in range(3):  # two tries on each username: never the pair's limit
        for _ in range(2):
            assert log_in(sprayer, f"user{i}", "Summer2026!") in (200, 403)
    assert log_in(sprayer, "user0", "Winter2026!") == 429  # spraying is throttled
    assert log_in(sprayer, "alice", RIGHT) == 429  # a new browser waits too

    assert log_in(desk, "alice", RIGHT) == 302  # the desk's browser gets in


def test_it_reads_the_forwarded_address_only_from_a_trusted_proxy(make_user, settings):
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/24"),)
    make_user("alice")
    via_proxy = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="spoofed, 198.51.100.1")
    log_in(via_proxy, "alice", "wrong")
    # Straight from the internet, the header is the client's own text: ignored.
    direct = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.1")
    log_in(direct, "alice", "wrong")
    assert sorted(AccessAttempt.objects.values_list("ip_address", flat=True)) == [
        "198.51.100.1",
        "203.0.113.5",
    ]


def test_it_limits_public_readers_one_by_one_behind_a_trusted_proxy(client, settings, monkeypatch):
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/24"),)
    settings.PUBLIC_RATE_LIMIT = 2
    monkeypatch.setattr(public_views, "_now", lambda: 1_800_000_000.0)

    def get(forwarded: str, peer: str = PROXY) -> int:
        return client.get("/p/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [get("198.51.100.1") for _ in range(3)] == [200, 200, 429]
    assert get("198.51.100.2") == 200  # another reader behind the same proxy
    # A reader who is not behind the proxy cannot change address by writing the header.
    assert [get(f"198.51.100.{i}", peer="203.0.113.5") for i in range(10, 13)] == [
        200,
        200,
        429,
    ]


# --- 6. Low: NUL in URLs, deeply nested JSON -----------------------------------------------


def test_it_answers_400_not_500_to_a_nul_in_a_url(client, analyst_client, claim):
    assert client.get("/p/?q=%00").status_code == 400
    assert client.get("/p/?q=a%00b&page=1").status_code == 400
    capture = f"/sources/{uuid.uuid4()}/captures/{'a' * 64}%00/"
    assert analyst_client.get(capture).status_code == 400
    assert analyst_client.get(f"/claims/?q=%00{claim.statement[:5]}").status_code == 400
    assert client.get("/p/?q=Qingdao").status_code == 200  # a plain search still works


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_it_refuses_deeply_nested_json_before_parsing_it(analyst_api, opener):
    closer = "]" if opener == "[" else "}"
    body = opener * 50_000 + "1" + closer * 50_000
    response = analyst_api.post("/api/claims/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than 64" in response.json()["detail"]
    # Brackets inside strings are text, not nesting.
    statement = "[" * 500 + " The two defence ministers will meet at the SCO summit."
    response = analyst_api.post("/api/claims/", {"statement": statement[:480]}, format="json")
    assert response.status_code == 201


# --- 7. Info: caching of private pages, the bind -------------------------------------------


def test_it_marks_desk_pages_exports_and_bundles_private(analyst_client, analyst_api, claim):
    for url in ("/claims/", claim.get_absolute_url(), "/claims/export.csv"):
        response = analyst_client.get(url)
        assert response.status_code == 200, url
        assert "private" in response["Cache-Control"], url
    response = analyst_client.get(f"/claims/{claim.code}/evidence.wacz")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "private" in analyst_api.get("/api/claims/")["Cache-Control"]


def test_it_keeps_the_public_pages_publicly_cacheable(client):
    assert client.get("/p/")["Cache-Control"].startswith("public")


def test_gunicorn_listens_on_this_machine_only_unless_told(monkeypatch):
    config = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"

    def bind(**env) -> str:
        for name in ("WEB_BIND", "PORT"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(config))["bind"]

    assert bind() == "127.0.0.1:8000"
    assert bind(PORT="9000") == "127.0.0.1:9000"
    assert bind(WEB_BIND="0.0.0.0:8000") == "0.0.0.0:8000"
