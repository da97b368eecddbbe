"""Reading feeds from bytes: RSS, Atom, JSON Feed, news sitemaps; bombs and entities refused."""

import pytest

from discovery.feeds import FeedError, parse_feed

from . import feeds_corpus as corpus

BASE = "https://www.hindustantimes.com/feeds/rss/india-news/rssfeed.xml"


def test_it_reads_rss_with_relative_links_html_titles_and_dates():
    items = parse_feed(corpus.RSS.encode(), url=BASE, content_type="application/rss+xml")
    assert [i.url for i in items] == [
        "https://www.hindustantimes.com/india-news/singh-to-skip-bilateral-101.html",
        "https://www.hindustantimes.com/cities/monsoon-102.html",
    ]
    first = items[0]
    assert first.title == "Singh to skip bilateral with Asif at Qingdao, officials say"
    assert first.summary == "India's defence minister will not meet his Pakistani counterpart."
    assert first.published_at.isoformat() == "2025-06-25T01:00:00+00:00"
    assert first.language == "en-in"


def test_it_reads_atom():
    (item,) = parse_feed(corpus.ATOM.encode(), url="https://www.trtworld.com/feed.atom")
    assert item.url == "https://www.trtworld.com/asia/sco-qingdao-18331"
    assert item.title == "Asif and Singh could meet in Qingdao, reports say"
    assert item.summary == "The two ministers are expected to attend."


def test_it_reads_json_feed():
    (item,) = parse_feed(
        corpus.JSON_FEED.encode(),
        url="https://www.dawn.com/feed.json",
        content_type="application/feed+json",
    )
    assert item.url == "https://www.dawn.com/news/1920001"
    assert item.title == "Asif lands in Qingdao for SCO meeting"
    assert item.published_at.isoformat() == "2025-06-25T08:00:00+05:00"
    assert item.language == "en"


def test_it_reads_a_news_sitemap_and_skips_other_schemes():
    (item,) = parse_feed(corpus.SITEMAP.encode(), url="https://www.aa.com.tr/en/sitemap.xml")
    assert item.url.endswith("/pakistan-india-defence-chiefs-may-meet/3581101")
    assert item.title.startswith("Pakistan and India defence chiefs may meet")
    assert item.language == "en" and item.published_at.year == 2025


@pytest.mark.parametrize("body", [corpus.BILLION_LAUGHS, corpus.EXTERNAL_ENTITY])
def test_it_refuses_xml_entities_before_any_parser_expands_them(body):
    with pytest.raises(FeedError, match="entities"):
        parse_feed(body.encode(), url="https://example.org/feed.xml")


def test_it_bounds_bytes_and_items(settings):
    settings.DISCOVERY_FEED_MAX_ITEMS = 5
    assert len(parse_feed(corpus.many_items(50).encode(), url="https://example.org/f")) == 5
    settings.DISCOVERY_FEED_MAX_BYTES = 1024
    with pytest.raises(FeedError, match="over 1024 bytes"):
        parse_feed(corpus.many_items(50).encode(), url="https://example.org/f")


def test_it_says_what_is_wrong_with_a_body_that_is_no_feed():
    with pytest.raises(FeedError, match="not a JSON Feed"):
        parse_feed(b'{"hello": 1}', url="https://example.org/f")
    with pytest.raises(FeedError, match="could not be read"):
        parse_feed(b"\x00\x01 not xml at all", url="https://example.org/f")


def test_it_never_treats_the_body_as_a_url_or_path(tmp_path):
    # feedparser opens a *string* that names a URL or a file; bytes it only reads.
    secret = tmp_path / "secret.xml"
    secret.write_text(corpus.ATOM)
    with pytest.raises(FeedError):
        parse_feed(str(secret).encode(), url="https://example.org/f")
