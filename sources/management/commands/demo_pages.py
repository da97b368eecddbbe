"""Serve editable news pages on 127.0.0.1 for the local demo of source monitoring.

    manage.py demo_pages            # http://127.0.0.1:8001/
    manage.py demo_pages --port 8302

The pages retell the SCO story as its outlets did (sources/demo.py); `seed_demo
--pages-url` links the demo claims to them. Link a page (e.g. .../sco-meeting) as a source
of a claim, then change it at .../sco-meeting/edit: the next check (or "Refresh now") puts
the change on the claim's timeline. Pages are kept as JSON under var/demo_pages/. They are
on loopback, which the fetch guard refuses unless told: bin/start allows exactly this
address with FETCH_ALLOW_HOSTS=127.0.0.1:8001.
Never expose this server: it has no authentication; it listens on 127.0.0.1 only.
"""

import hashlib
import html
import json
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from django.conf import settings
from django.core.management.base import BaseCommand

from sources.demo import ARTICLES, page_html

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
        for slug, page in ARTICLES.items():
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


def make_handler(pages: Pages):
    class Handler(BaseHTTPRequestHandler):
        server_version = "ClaimwatchDemoPages/1"

        def _send(self, status: int, body: str, **headers) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 (the http.server API)
            if self.path in ("/", ""):
                links = "".join(
                    f"<li><a href='/{s}'>/{s}</a> (<a href='/{s}/edit'>edit</a>)</li>"
                    for s in pages.all()
                )
                return self._send(200, f"<h1>Demo pages</h1><ul>{links}</ul>")
            match = SLUG.match(self.path)
            if not match:
                return self._send(404, "<h1>Not found</h1>")
            slug, edit = match.groups()
            page = pages.load(slug)
            if page is None and not edit:
                return self._send(404, "<h1>Not found</h1>")
            page = page or {"title": "", "text": ""}
            if edit:
                return self._send(200, _edit_form(slug, page["title"], page["text"]))
            body = page_html(page["title"], page["text"])
            etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:20] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.send_header("ETag", etag)
                self.end_headers()
                return None
            return self._send(200, body, ETag=etag)

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

    def handle(self, *args, port: int, **options):
        pages = Pages(Path(settings.VAR_DIR) / "demo_pages")
        server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(pages))
        self.stdout.write(
            f"Demo pages on http://127.0.0.1:{port}/ (edit one at /<page>/edit). Ctrl-C stops."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
