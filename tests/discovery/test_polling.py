"""Polling feeds on a real local server: conditional GET, new articles once, suggestions,
backoff, the guard, and the dispatcher's leases."""

from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer

from discovery import polling
from discovery.models import Article, Suggestion
from sources.models import Feed

from . import feeds_corpus as corpus

pytestmark = pytest.mark.django_db

HEADLINE = "No Singh-Asif meeting at Qingdao, India says"
FEED = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Hindustan Times</title>
<item><title>{HEADLINE}</title><link>/india-news/no-meeting-101.html</link>
<description>India's defence minister will not meet his Pakistani counterpart.</description></item>
<item><title>Monsoon reaches Delhi two days early</title>
<link>/cities/monsoon-102.html</link></item>
</channel></rss>"""


def poll(feed: Feed) -> Feed:
    polling.poll_batch([feed.pk])
    return Feed.objects.get(pk=feed.pk)


def test_it_turns_new_items_into_articles_and_suggests_them_for_the_claim(meeting, make_feed):
    feed = poll(make_feed(body=FEED))
    assert feed.http_status == 200 and feed.failures == 0 and feed.etag
    assert Article.objects.count() == 2
    article = Article.objects.get(title=HEADLINE)
    assert article.url.endswith("/india-news/no-meeting-101.html")
    assert article.outlet == feed.outlet and article.feed == feed
    (suggestion,) = Suggestion.objects.all()
    assert suggestion.claim == meeting and suggestion.article == article
    assert suggestion.stance == "denies" and 0 < suggestion.stance_confidence <= 1
    assert {"Singh", "Asif", "Qingdao"} <= set(suggestion.why)
    assert feed.next_poll_at > timezone.now() + timedelta(minutes=10)


def test_it_asks_conditionally_and_keeps_each_article_once(meeting, make_feed, site):
    feed = poll(make_feed(body=FEED))
    feed.next_poll_at = timezone.now()
    feed = poll(feed)
    assert feed.http_status == 304
    assert site.hits["/feed.xml"] == 2
    site.set("/feed.xml", FEED.replace("two days early", "early"), **{"Content-Type": "text/xml"})
    feed = poll(feed)
    assert feed.http_status == 200
    assert Article.objects.count() == 2 and Suggestion.objects.count() == 1


def test_it_backs_off_a_failing_feed_and_says_why(make_feed, site):
    feed = make_feed(body=FEED)
    site.set("/feed.xml", "gone", status=404)
    first = poll(feed)
    assert first.failures == 1 and first.last_error == "HTTP 404"
    second = poll(first)
    assert second.failures == 2
    assert second.next_poll_at - second.last_polled_at > first.next_poll_at - first.last_polled_at


def test_it_refuses_entity_bombs_as_a_failure(make_feed):
    feed = poll(make_feed(body=corpus.BILLION_LAUGHS))
    assert feed.failures == 1 and "entities" in feed.last_error
    assert not Article.objects.exists()


def test_it_fetches_feeds_through_the_guard(make_feed, site, settings):
    feed = make_feed(body=FEED)
    settings.FETCH_ALLOW_PRIVATE = False
    feed = poll(feed)
    assert feed.failures == 1 and "not a public web site" in feed.last_error
    assert site.hits.get("/feed.xml", 0) == 0


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_it_never_follows_a_feeds_redirect_to_a_private_address(make_feed, site, settings, status):
    # The feed's own address is allowed; the hop to another local port is not, and the
    # receiver there must never see a request (feedparser only ever gets the bytes).
    receiver = HTTPServer(host="127.0.0.1", port=0)
    receiver.expect_request("/admin").respond_with_data("secret")
    receiver.start()
    try:
        feed = make_feed(body=FEED)
        site.redirect("/feed.xml", f"http://127.0.0.1:{receiver.port}/admin", status=status)
        settings.FETCH_ALLOW_PRIVATE = False
        settings.FETCH_ALLOW_HOSTS = frozenset({f"127.0.0.1:{site.server.port}"})
        feed = poll(feed)
        assert receiver.log == []
        assert feed.failures == 1 and not Article.objects.exists()
        assert "not a public web site" in feed.last_error, feed.last_error
    finally:
        receiver.stop()


def test_it_leases_due_feeds_once_until_the_lease_runs_out(make_feed):
    due = make_feed(body=FEED)
    later = make_feed("/later.xml", body=FEED)
    Feed.objects.filter(pk=later.pk).update(next_poll_at=timezone.now() + timedelta(hours=1))
    now = timezone.now()
    assert polling.feeds_claim_due(now=now) == [due.pk]
    assert polling.feeds_claim_due(now=now) == []
    assert polling.feeds_claim_due(now=now + timedelta(minutes=16)) == [due.pk]
