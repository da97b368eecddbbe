"""Real pages through the whole check (local server, guard, extraction, PostgreSQL): a
notice in Turkish, a late charset, a big page, a paywall, a script shell; what the source
page then says."""

import gzip
from pathlib import Path

import pytest

from claims.models import ClaimEvent
from monitoring.checks import check_batch
from sources.models import CheckAttempt, Source

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).resolve().parents[1] / "sources" / "real_pages"


def page(name: str) -> str:
    return gzip.decompress((CORPUS / f"{name}.html.gz").read_bytes()).decode()


def check(source: Source) -> Source:
    check_batch([source.pk])
    return Source.objects.get(pk=source.pk)


def last_attempt(source: Source) -> CheckAttempt:
    return source.attempts.order_by("-started_at", "-id").first()


def test_a_turkish_notice_on_a_real_page_is_a_correction_naming_its_sentence(
    cited_source, site, claim, analyst_client
):
    html = page("readability-heise")
    site.set("/news/cited", html)
    source = check(cited_source)
    assert source.snapshots.get().language == "de"
    notice = "Düzeltme: Haberin önceki halinde tarih yanlış verilmişti."
    site.set("/news/cited", html.replace("</article>", f"<p>{notice}</p></article>", 1))
    source = check(source)
    event = claim.events.get(kind=ClaimEvent.Kind.SOURCE_CORRECTION)
    assert event.payload["notice"] == notice
    assert event.payload["notice_language"] == "tr" and event.payload["notice_kind"] == "correction"
    body = analyst_client.get(source.get_absolute_url()).content.decode()
    assert "German" in body and "(de, detected)" in body


def test_a_big_page_is_read_up_to_the_cap_and_said_so_never_unreachable(
    cited_source, site, settings
):
    settings.FETCH_MAX_BYTES = 300_000  # the real default is 5 MB: the same path, cheaper
    html = page("readability-nytimes-1")
    big = html.replace("</body>", "<!--" + "x" * 400_000 + "--></body>")
    site.set("/news/cited", big)
    for n in range(settings.MONITOR_UNREACHABLE_AFTER):
        site.set("/news/cited", big.replace("<!--", f"<!-- {n} ", 1))  # a new body each time
        source = check(cited_source)
    assert source.state == Source.State.LIVE and source.consecutive_failures == 0
    assert "truncated at 0.3 MB" in last_attempt(source).notes
    assert "Sudan" in source.snapshots.first().text
    assert not ClaimEvent.objects.filter(kind=ClaimEvent.Kind.SOURCE_UNREACHABLE).exists()


def test_a_late_charset_reads_cleanly_and_a_server_naming_it_later_edits_nothing(
    cited_source, site, claim
):
    html = page("scrapinghub-c82b3d1d540b")
    body = html.encode("windows-1251", errors="xmlcharrefreplace")

    def wrong(request):  # the server names UTF-8 for windows-1251 bytes
        from werkzeug.wrappers import Response

        return Response(body, content_type="text/html; charset=utf-8")

    site.set("/news/cited", wrong)
    source = check(cited_source)
    assert "replacement characters (utf-8)" in last_attempt(source).notes
    fixed = body.replace(b"</body>", b"<!-- fixed --></body>")

    def right(request):
        from werkzeug.wrappers import Response

        return Response(fixed, content_type="text/html; charset=windows-1251")

    site.set("/news/cited", right)
    source = check(source)
    assert source.snapshots.first().change_kind == "reread"
    assert "\ufffd" not in source.snapshots.first().text
    assert not claim.events.filter(kind__startswith="source_").exists()


def test_a_metered_paywall_snippet_is_paywalled_not_an_edit(cited_source, site, claim):
    html = page("readability-bbc-1")
    site.set("/news/cited", html)
    source = check(cited_source)
    full = source.snapshots.get().text
    first = full.split("\n")[0]
    snippet = (
        "<html><head><title>Obama admits US gun laws are his 'biggest frustration'</title>"
        "</head><body><article><h1>Obama admits US gun laws are his 'biggest frustration'</h1>"
        f"<p>{first}</p><p>Subscribe to continue reading. Already a subscriber? Log in.</p>"
        "</article></body></html>"
    )
    site.set("/news/cited", snippet)
    source = check(source)
    assert last_attempt(source).outcome == CheckAttempt.Outcome.PAYWALLED
    site.set("/news/cited", html.replace("</body>", "<!-- again --></body>"))
    source = check(source)
    assert source.snapshots.count() == 1
    assert not claim.events.filter(kind__startswith="source_").exists()


def test_a_script_shell_is_said_on_the_source_page(cited_source, site, analyst_client):
    shell = (
        "<html><head><title>Ministers to meet</title></head><body><div id=root></div>"
        "<noscript>You need to enable JavaScript to run this app.</noscript>"
        "<script>" + "var a=1;" * 2000 + "</script></body></html>"
    )
    site.set("/news/cited", shell)
    source = check(cited_source)
    assert source.scripted and source.snapshots.get().text == ""
    body = analyst_client.get(source.get_absolute_url()).content.decode()
    assert "This page builds its text with scripts." in body
