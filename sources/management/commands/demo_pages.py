"""Serve editable news pages on 127.0.0.1 for the local demo of source monitoring.

    manage.py demo_pages            # http://127.0.0.1:8001/
    manage.py demo_pages --port 8302 --new-article-after 0

The pages retell the SCO story as its outlets did (sources/demo.py); `seed_demo
--pages-url` links the demo claims to them. Link a page (e.g. .../sco-meeting) as a source
of a claim, then change it at .../sco-meeting/edit: the next check (or "Refresh now") puts
the change on the claim's timeline. Pages are kept as JSON under var/demo_pages/. They are
on loopback, which the fetch guard refuses unless told: bin/start allows exactly this
address with FETCH_ALLOW_HOSTS=127.0.0.1:8001.
It also serves Hindustan Times' feed at /feeds/hindustantimes.xml, on which a new article
appears `--new-article-after` seconds after start-up (DEMO_NEW_ARTICLE_AFTER, 60): the
demo of suggested sources (docs/discovery.md, "The demo").
Never expose this server: it has no authentication; it listens on 127.0.0.1 only.
"""

import hashlib
import html
import json
import re
import time
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from django.conf import settings
from django.core.management.base import BaseCommand

from sources.demo import (
    ARTICLES,
    FEED_PATH,
    NEW_ARTICLE,
    NEW_ARTICLE_SLUG,
    feed_rss,
    page_html,
)

SLUG = re.compile(r"^/([a-z0-9-]{1,60})(/edit)?/?$")


def _edit_form(slug: str, title: str, text: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Edit {html.escape(slug)}</title></head><body>"
        f"<h1>Edit /{html.escape(slug)}</h1>"
        f"<form method='post' action='/{html.escape(slug)}/edit'>"
        "<p><label>Headline<br><input name='title' size='90' "
        f"value='{html.escape(title, quote=True)}'></label></p>"
        "<p><label>Text (blank line between paragraphs)<br>"
        f"<textarea name='text' rows='16' cols='90'>{html.escape(text)}</textarea></label></p>"
        "<p><button>Save</button> <a href='/" + html.escape(slug) + "'>view</a></p>"
        "</form></body></html>"
    )


class Pages:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        for slug, page in {**ARTICLES, NEW_ARTICLE_SLUG: NEW_ARTICLE}.items():
            if not (folder / f"{slug}.json").exists():
                self.save(slug, page.get("now_title", page["title"]), page["text"])

    def load(self, slug: str) -> dict | None:
        path = self.folder / f"{slug}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def save(self, slug: str, title: str, text: str) -> None:
        data = {"title": title.strip()[:300], "text": text.replace("\r\n", "\n")[:50_000]}
        (self.folder / f"{slug}.json").write_text(json.dumps(data))

    def all(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.json"))


def make_handler(pages: Pages, *, new_article_after: float = 0.0):
    """The server's handler. The new article is on the feed, and its page is served,
    `new_article_after` seconds after this is called (the server's start-up)."""
    started = time.monotonic()
    published = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=new_article_after)

    def arrived() -> bool:
        return time.monotonic() - started >= new_article_after

    class Handler(BaseHTTPRequestHandler):
        server_version = "ClaimwatchDemoPages/1"

        def _send(self, status: int, body: str | bytes, **headers) -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            if "Content_Type" not in headers:
                self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(data)

        def _send_once(self, body: str | bytes, **headers) -> None:
            """200 with an ETag, or 304 when the client has this version."""
            data = body.encode() if isinstance(body, str) else body
            etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.send_header("ETag", etag)
                self.end_headers()
                return None
            return self._send(200, data, ETag=etag, **headers)

        def _feed(self) -> None:
            host, port = self.server.server_address[:2]
            # The outlet's earlier reports are sources of the demo claims already: the feed
            # carries what is new, the one report that arrives during the demo.
            items = [(NEW_ARTICLE_SLUG, NEW_ARTICLE, published)] if arrived() else []
            body = feed_rss(f"http://{host}:{port}", items)
            return self._send_once(body, Content_Type="application/rss+xml; charset=utf-8")

        def do_GET(self):  # noqa: N802 (the http.server API)
            if self.path in ("/", ""):
                links = "".join(
                    f"<li><a href='/{s}'>/{s}</a> (<a href='/{s}/edit'>edit</a>)</li>"
                    for s in pages.all()
                    if s != NEW_ARTICLE_SLUG or arrived()
                )
                feed = f"<p>Hindustan Times' feed: <a href='{FEED_PATH}'>{FEED_PATH}</a></p>"
                return self._send(200, f"<h1>Demo pages</h1><ul>{links}</ul>{feed}")
            if self.path == FEED_PATH:
                return self._feed()
            match = SLUG.match(self.path)
            if not match:
                return self._send(404, "<h1>Not found</h1>")
            slug, edit = match.groups()
            page = pages.load(slug) if slug != NEW_ARTICLE_SLUG or arrived() else None
            if page is None and not edit:
                return self._send(404, "<h1>Not found</h1>")
            page = page or {"title": "", "text": ""}
            if edit:
                return self._send(200, _edit_form(slug, page["title"], page["text"]))
            return self._send_once(page_html(page["title"], page["text"]))

        def do_POST(self):  # noqa: N802
            match = SLUG.match(self.path)
            if not match or not match.group(2):
                return self._send(404, "<h1>Not found</h1>")
            length = min(int(self.headers.get("Content-Length") or 0), 200_000)
            form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
            pages.save(match.group(1), form.get("title", [""])[0], form.get("text", [""])[0])
            self.send_response(303)
            self.send_header("Location", f"/{match.group(1)}")
            self.end_headers()
            return None

        def log_message(self, fmt, *args):
            pass

    return Handler


class Command(BaseCommand):
    help = "Serve editable demo news pages on 127.0.0.1 (local demo of source monitoring)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument(
            "--new-article-after",
            type=int,
            default=None,
            help="Seconds after start-up when the new article appears on the feed "
            "(default: DEMO_NEW_ARTICLE_AFTER, 60).",
        )

    def handle(self, *args, port: int, new_article_after: int | None, **options):
        pages = Pages(Path(settings.VAR_DIR) / "demo_pages")
        after = settings.DEMO_NEW_ARTICLE_AFTER if new_article_after is None else new_article_after
        server = ThreadingHTTPServer(
            ("127.0.0.1", port), make_handler(pages, new_article_after=max(after, 0))
        )
        self.stdout.write(
            f"Demo pages on http://127.0.0.1:{port}/ (edit one at /<page>/edit). Ctrl-C stops."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
