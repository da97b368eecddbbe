"""Issue 20 item 7: the source page's "Last tried / Result / Last successful check / Next
try" agree with its check history, retries included, and say why in plain words. Real
checks against a closed local port and an unresolvable name (the guard lets loopback and
.invalid through under the test settings, as the other monitoring tests do)."""

import html
import re
import socket

import pytest
from aiohttp import ClientOSError, ServerDisconnectedError
from django.urls import reverse
from django.utils import dateformat, timezone

from claims import services as claim_services
from monitoring.checks import check_batch
from sources import fetch
from sources.models import Source

from ..sites import article

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def link(claim, url: str) -> Source:
    return claim_services.evidence_add(claim=claim, url=url, stance="supports", actor=None).source


def facts(page: str) -> dict[str, str]:
    return {
        name: html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", value)).strip())
        for name, value in re.findall(r"<dt>([^<]+)</dt><dd[^>]*>(.*?)</dd>", page, re.S)
    }


def last_tried(page: str) -> str:
    return re.search(r'<dt>Last tried</dt><dd><time datetime="([^"]+)"', page).group(1)


def history(page: str) -> list[tuple[str, str, str]]:
    """(outcome, started, error) of each row of the check history, newest first."""
    rows = []
    for outcome, cells in re.findall(r'<tr class="outcome-(\w+)">(.*?)</tr>', page, re.S):
        started = re.search(r'<time datetime="([^"]+)"', cells).group(1)
        error = re.findall(r"<td>(.*?)</td>", cells, re.S)[-1]
        rows.append((outcome, started, html.unescape(re.sub(r"<[^>]+>", "", error).strip())))
    return rows


def failed_in_a_row(rows) -> int:
    return next((i for i, row in enumerate(rows) if row[0] not in ("error", "timeout")), len(rows))


def hhmm(at) -> str:
    return dateformat.format(timezone.localtime(at), "H:i")


def test_it_says_in_plain_words_why_a_fetch_failed(site):
    """The reasons have one home (sources.fetch); aiohttp's text stays in .message."""
    cases = {
        f"http://127.0.0.1:{closed_port()}/": fetch.CONNECTION_REFUSED,
        "http://nonexistent.invalid/": fetch.NAME_NOT_FOUND,
        site.redirect("/loop", site.url("/loop"), status=302): fetch.TOO_MANY_REDIRECTS,
    }
    for url, reason in cases.items():
        with pytest.raises(fetch.FetchFailed) as failed:
            fetch.fetch(url)
        assert failed.value.reason == reason, url
        assert reason not in failed.value.message  # the technical detail is kept apart
    reset = ClientOSError(104, "Connection reset by peer")
    reset.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    assert fetch._failure(reset, "http://a.example/").reason == fetch.CONNECTION_RESET
    gone = fetch._failure(ServerDisconnectedError(), "http://a.example/")
    assert gone.reason == fetch.CONNECTION_RESET and gone.kind == "connection"
    assert fetch.FetchFailed("tls", "SSL: CERTIFICATE_VERIFY_FAILED").reason == fetch.TLS_FAILED
    assert fetch.FetchFailed("timeout").reason == fetch.TIMED_OUT


def test_it_counts_every_retry_of_a_refused_connection_as_the_history_does(
    analyst_client, claim, site, settings, django_capture_on_commit_callbacks
):
    settings.MONITOR_RETRIES = 2
    source = link(claim, f"http://127.0.0.1:{closed_port()}/news/refused")

    # The first try fails and a retry batch is queued: the page says so, at its time.
    report = check_batch([source.pk], attempt=0)
    assert report.retry_ids == [source.pk]
    page = analyst_client.get(source.get_absolute_url()).content.decode()
    rows = history(page)
    assert [row[0] for row in rows] == ["error"]
    assert rows[0][2] == fetch.CONNECTION_REFUSED  # plain words, not aiohttp's
    assert last_tried(page) == rows[0][1]
    said = facts(page)
    tried = f"Tried, failed: {fetch.CONNECTION_REFUSED} · 1 failed attempt in a row"
    assert said["Result"] == tried
    assert said["Next try"] == f"retrying at {hhmm(report.retry_at)}"
    assert said["Last successful check"] == "none yet"
    assert "not yet" not in said["Last tried"]
    badge = page.split(f'id="state-{source.code}"')[1].split("</span>\n</span>")[0]
    assert f"Last attempt failed: {fetch.CONNECTION_REFUSED}" in badge
    assert "retrying at <time" in badge
    # The page is rendered again later: the same time, not recomputed.
    again = analyst_client.get(source.get_absolute_url()).content.decode()
    assert facts(again)["Next try"] == said["Next try"]

    # The two retries fail too: the check is over, three attempts failed in a row.
    check_batch([source.pk], attempt=1)
    check_batch([source.pk], attempt=2)
    source.refresh_from_db()
    assert source.consecutive_failures == 1 and source.last_error == fetch.CONNECTION_REFUSED
    page = analyst_client.get(source.get_absolute_url()).content.decode()
    rows = history(page)
    assert len(rows) == 3 and failed_in_a_row(rows) == 3
    assert last_tried(page) == rows[0][1]
    said = facts(page)
    assert said["Result"].endswith("· 3 failed attempts in a row")
    assert said["Next try"] == dateformat.format(
        timezone.localtime(source.next_check_at), "j M Y, H:i"
    )

    # Refresh now, and this attempt fails too: the polled badge says so.
    settings.MONITOR_RETRIES = 0
    with django_capture_on_commit_callbacks():
        analyst_client.post(
            reverse("sources:refresh", args=[source.code]), headers={"HX-Request": "true"}
        )
    state = reverse("sources:state", args=[source.code])
    assert b"checking" in analyst_client.get(state, headers={"HX-Request": "true"}).content
    check_batch([source.pk])
    response = analyst_client.get(state, headers={"HX-Request": "true"})
    assert response.status_code == 286
    assert f"Attempt 4 in a row failed: {fetch.CONNECTION_REFUSED}" in response.content.decode()
    page = analyst_client.get(source.get_absolute_url()).content.decode()
    rows = history(page)
    assert failed_in_a_row(rows) == 4 and last_tried(page) == rows[0][1]
    assert facts(page)["Result"].endswith("· 4 failed attempts in a row")

    # It answers again: OK, and the last successful check is that attempt.
    site.set("/news/refused", article("Ministers to meet"))
    Source.objects.filter(pk=source.pk).update(url=site.url("/news/refused"))
    check_batch([source.pk])
    page = analyst_client.get(source.get_absolute_url()).content.decode()
    rows = history(page)
    said = facts(page)
    assert rows[0][0] == "first" and last_tried(page) == rows[0][1]
    assert said["Result"] == "OK · First capture · HTTP 200"
    assert said["Last successful check"] == dateformat.format(
        timezone.localtime(source.attempts.first().started_at), "j M Y, H:i:s"
    )


def test_it_says_a_name_that_cannot_be_found_was_tried(analyst_client, claim, monitor_settings):
    source = link(claim, "http://nonexistent.invalid/news/1")
    check_batch([source.pk])
    page = analyst_client.get(source.get_absolute_url()).content.decode()
    rows = history(page)
    assert rows == [("error", rows[0][1], fetch.NAME_NOT_FOUND)]
    assert last_tried(page) == rows[0][1]
    said = facts(page)
    assert said["Result"] == f"Tried, failed: {fetch.NAME_NOT_FOUND} · 1 failed attempt in a row"
    assert "Name or service" not in page and "Cannot connect" not in page
    assert said["Last successful check"] == "none yet"


def test_it_cuts_a_long_error_between_words_and_keeps_it_whole_in_a_title(
    analyst_client, claim, monitor_settings
):
    source = link(claim, "http://nonexistent.invalid/news/2")
    check_batch([source.pk])
    long = "The browser gave up on " + " ".join(f"resource-{i}" for i in range(60))
    source.attempts.update(error=long)
    page = analyst_client.get(source.get_absolute_url()).content.decode()
    assert f'title="{html.escape(long)}"' in page
    shown = history(page)[0][2]
    assert shown.endswith("…") and shown.removesuffix(" …").removesuffix("…") in long
    assert all(word in long.split() for word in shown.removesuffix("…").split())
