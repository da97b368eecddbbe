"""Where feeds come from: a checked page's <link rel="alternate">, or an editor on the
outlet page."""

import pytest
from django.urls import reverse

from monitoring.checks import check_batch
from sources.feedlinks import feed_links
from sources.models import Feed, Outlet
from sources.services import source_get_or_create

from ..sites import article

pytestmark = pytest.mark.django_db

HEAD = (
    '<link rel="alternate" type="application/rss+xml" title="India" href="/feeds/india.xml">'
    '<link rel="alternate" type="application/atom+xml" href="https://feeds.example.org/all.atom">'
    '<link rel="alternate" hreflang="hi" href="/hi/">'
    '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
)


def test_it_reads_the_feeds_a_page_announces():
    html = f"<html><head>{HEAD}</head><body></body></html>"
    assert feed_links(html, url="https://www.hindustantimes.com/india-news/a.html") == [
        ("https://www.hindustantimes.com/feeds/india.xml", "rss"),
        ("https://feeds.example.org/all.atom", "atom"),
    ]
    assert feed_links("<html><p>no feeds", url="https://a.example/") == []


def test_it_records_the_feeds_of_a_checked_source_under_its_outlet(site):
    page = article("Ministers to meet").replace("</head>", f"{HEAD}</head>")
    url = site.set("/news/1", page)
    source, _ = source_get_or_create(url=url, actor=None)
    check_batch([source.pk])
    check_batch([source.pk])  # the same page again: nothing twice
    feeds = Feed.objects.order_by("url")
    assert [(f.url, f.kind, f.found_by) for f in feeds] == [
        (site.url("/feeds/india.xml"), "rss", "discovered"),
        ("https://feeds.example.org/all.atom", "atom", "discovered"),
    ]
    assert {f.outlet_id for f in feeds} == {source.outlet_id}


def test_it_lets_an_editor_add_a_feed_on_the_outlet_page(editor_client, site):
    outlet = Outlet.objects.create(name="Dawn", domain="dawn.com")
    add = reverse("sources:outlet_feed_add", args=[outlet.code])
    response = editor_client.post(add, {"url": "https://www.dawn.com/feeds/home", "kind": "rss"})
    assert response.status_code == 302
    feed = Feed.objects.get()
    assert feed.outlet == outlet and feed.found_by == "editor" and feed.added_by.username == "erin"
    page = editor_client.get(outlet.get_absolute_url()).content.decode()
    assert "https://www.dawn.com/feeds/home" in page and "Added by an editor" in page
    again = editor_client.post(add, {"url": "https://www.dawn.com/feeds/home", "kind": "rss"})
    assert again.status_code == 422 and "already known" in again.content.decode()


def test_it_refuses_a_feed_the_guard_refuses_and_keeps_what_was_typed(editor_client):
    outlet = Outlet.objects.create(name="Dawn", domain="dawn.com")
    add = reverse("sources:outlet_feed_add", args=[outlet.code])
    response = editor_client.post(add, {"url": "http://169.254.169.254/feed", "kind": "rss"})
    body = response.content.decode()
    assert response.status_code == 422 and "cannot be monitored" in body
    assert 'value="http://169.254.169.254/feed"' in body
    assert not Feed.objects.exists()


def test_it_refuses_analysts_and_outsiders(analyst_client, client, outsider):
    outlet = Outlet.objects.create(name="Dawn", domain="dawn.com")
    add = reverse("sources:outlet_feed_add", args=[outlet.code])
    assert analyst_client.post(add, {"url": "https://dawn.com/f", "kind": "rss"}).status_code == 403
    client.force_login(outsider)
    assert client.post(add, {"url": "https://dawn.com/f", "kind": "rss"}).status_code == 403
    assert "Add the feed" not in analyst_client.get(outlet.get_absolute_url()).content.decode()
    assert not Feed.objects.exists()
