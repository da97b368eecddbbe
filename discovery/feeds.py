"""Reading a feed's bytes: RSS and Atom (feedparser), JSON Feed, news sitemaps (defusedxml).

Every parser here reads bytes that polling already fetched through the guard
(sources.fetch): none is given a URL, so none can fetch anything itself.

1. Refuse a body over DISCOVERY_FEED_MAX_BYTES, and any XML that declares entities or
   refers to external ones (defusedxml, before any parser sees it): no entity expansion
   bombs and no external lookups.
2. By its root: a sitemap (<urlset>) is read with defusedxml; a JSON object with a
   jsonfeed.org version as JSON Feed; anything else by feedparser, from a byte stream,
   with relative links resolved against the feed URL as text (no request).
3. Keep at most DISCOVERY_FEED_MAX_ITEMS items, each with a normalised http(s) URL; an item
   without one is skipped. Titles and summaries are plain text (HTML tags removed).
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import feedparser
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.html import strip_tags

from sources.urlnorm import normalize_url

NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_SPACE = re.compile(r"\s+")


class FeedError(Exception):
    """The body is not a feed we read, or one we refuse; the message says which."""


@dataclass
class Item:
    url: str
    title: str = ""
    summary: str = ""
    published_at: datetime | None = None
    language: str = ""


def _text(value) -> str:
    return _SPACE.sub(" ", strip_tags(str(value or ""))).strip()


def _url(raw: str, base: str) -> str | None:
    if not (raw or "").strip():
        return None  # no link: not the feed's own address either
    try:
        return normalize_url(urljoin(base, (raw or "").strip()))
    except (ValidationError, ValueError):
        return None


def _date(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = parse_datetime(value) or parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def parse_feed(body: bytes, *, url: str, content_type: str = "") -> list[Item]:
    """The items of a feed body fetched from `url` (steps 1-3); raises FeedError."""
    if len(body) > settings.DISCOVERY_FEED_MAX_BYTES:
        raise FeedError(f"The feed is over {settings.DISCOVERY_FEED_MAX_BYTES} bytes.")
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") or "json" in content_type:
        items = _json_feed(body, url)
    else:
        root = _safe_root(body)
        if root is not None and root.tag in (f"{SITEMAP_NS}urlset", "urlset"):
            items = _sitemap(root, url)
        else:
            items = _feedparser(body, url, content_type)
    return items[: settings.DISCOVERY_FEED_MAX_ITEMS]


def _safe_root(body: bytes):
    """Parse XML with defusedxml: refuse entity declarations and external references; a
    body that is not well-formed XML is left to feedparser's forgiving reading."""
    try:
        return SafeET.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError(
            f"The feed declares XML entities, which are refused ({type(exc).__name__})."
        ) from None
    except SafeET.ParseError:
        return None


def _sitemap(root, base: str) -> list[Item]:
    limit = settings.DISCOVERY_FEED_MAX_ITEMS
    items = []
    for node in root.iter(f"{SITEMAP_NS}url"):
        loc = _url(node.findtext(f"{SITEMAP_NS}loc") or "", base)
        if loc is None:
            continue
        news = node.find(f"{NEWS_NS}news")
        title = language = published = ""
        if news is not None:
            title = news.findtext(f"{NEWS_NS}title") or ""
            published = news.findtext(f"{NEWS_NS}publication_date") or ""
            language = news.findtext(f"{NEWS_NS}publication/{NEWS_NS}language") or ""
        published = published or node.findtext(f"{SITEMAP_NS}lastmod") or ""
        items.append(Item(loc, _text(title), "", _date(published), language.strip()))
        if len(items) == limit:
            break
    return items


def _json_feed(body: bytes, base: str) -> list[Item]:
    try:
        data = json.loads(body.decode("utf-8-sig", errors="replace"))
    except ValueError:
        raise FeedError("The feed is not valid JSON.") from None
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        raise FeedError("This JSON is not a JSON Feed (no jsonfeed.org version).")
    language = str(data.get("language") or "")
    items = []
    for entry in data.get("items") or []:
        if not isinstance(entry, dict):
            continue
        link = _url(str(entry.get("url") or entry.get("external_url") or ""), base)
        if link is None:
            continue
        summary = (
            entry.get("summary") or entry.get("content_text") or entry.get("content_html") or ""
        )
        items.append(
            Item(
                link,
                _text(entry.get("title")),
                _text(summary)[:5000],
                _date(str(entry.get("date_published") or "")),
                str(entry.get("language") or language),
            )
        )
        if len(items) == settings.DISCOVERY_FEED_MAX_ITEMS:
            break
    return items


def _feedparser(body: bytes, base: str, content_type: str) -> list[Item]:
    # A byte stream, never a URL or a path: feedparser then reads only these bytes.
    # Relative links resolve against the feed's URL as text (content-location).
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={
            "content-location": base,
            "content-type": content_type or "application/xml",
        },
        resolve_relative_uris=True,
        sanitize_html=True,
    )
    if not parsed.entries and parsed.bozo and not parsed.feed:
        raise FeedError(f"The feed could not be read: {parsed.get('bozo_exception', 'not a feed')}")
    language = str(parsed.feed.get("language") or "")
    items = []
    for entry in parsed.entries:
        link = _url(entry.get("link") or "", base)
        if link is None:
            continue
        published = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append(
            Item(
                link,
                _text(entry.get("title")),
                _text(entry.get("summary"))[:5000],
                datetime(*published[:6], tzinfo=UTC) if published else None,
                str(entry.get("language") or language),
            )
        )
        if len(items) == settings.DISCOVERY_FEED_MAX_ITEMS:
            break
    return items
