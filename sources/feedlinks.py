"""The feeds a page announces: <link rel="alternate" type="application/rss+xml" href=...>.

Pure: monitoring's check calls it on a page it already fetched and parsed nothing else
for; sources.services.feeds_record keeps what it finds.
"""

from urllib.parse import urljoin

import lxml.html

# The media types of feeds a page may announce, and the kind each is.
FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
    "application/json": "json",
}
MAX_LINKS = 10  # a page announcing more is not believed past these
HTML_MAX = 2_000_000


def feed_links(html: str, *, url: str) -> list[tuple[str, str]]:
    """(absolute URL, kind) of each feed `html` announces, at most MAX_LINKS, in order.

    1. Parse the page (lxml, no network: it fetches no DTD or external entity).
    2. Keep <link rel="alternate"> elements whose type is a feed type.
    3. Resolve each href against <base href> or the page URL; only http(s).
    """
    if not html or "alternate" not in html:
        return []
    try:
        doc = lxml.html.document_fromstring(html[:HTML_MAX])
    except (ValueError, lxml.etree.ParserError):
        return []
    base = url
    for el in doc.iter("base"):
        if el.get("href"):
            base = urljoin(url, el.get("href").strip())
            break
    found: list[tuple[str, str]] = []
    for el in doc.iter("link"):
        rel = (el.get("rel") or "").lower().split()
        kind = FEED_TYPES.get((el.get("type") or "").split(";", 1)[0].strip().lower())
        href = (el.get("href") or "").strip()
        if "alternate" not in rel or kind is None or not href:
            continue
        absolute = urljoin(base, href)
        if absolute.startswith(("http://", "https://")) and absolute not in dict(found):
            found.append((absolute, kind))
        if len(found) == MAX_LINKS:
            break
    return found
