"""What captures cost in storage: bytes per check for changed and unchanged pages, and
how much deduplication (WARC revisit records) saves.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cw_bench_captures \
    .venv/bin/python bench/capture_storage.py --sources 500

Needs an empty database it may migrate (capture rows cannot be deleted: the database
refuses it, so drop the database afterwards). Captures go to a temporary folder.

1. Serve N article pages (about 30 KB of HTML each, like a news page with its menus and
   inline styles) from a local HTTP server; a tenth of them are wire copies: the same
   bytes as another page at another URL. Half the pages send an ETag.
2. Run the checks in process (monitoring.checks.check_batch, batches of 200), round by round:
   first check; unchanged; 20% edited; unchanged; 10% reverted to their first version.
3. Report per round the checks, the captures written (response / revisit) and the bytes
   stored; then bytes per check for changed and unchanged pages and the dedup ratio
   (what full response records would take / what is stored).
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = [
    "minister",
    "defence",
    "meeting",
    "qingdao",
    "security",
    "cooperation",
    "statement",
    "officials",
    "summit",
    "talks",
    "border",
    "tension",
    "delegation",
    "agenda",
    "forum",
    "bilateral",
    "sidelines",
    "spokesperson",
    "ministry",
    "said",
]


def paragraph(seed: int, n: int = 60) -> str:
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(n)).capitalize() + "."


def page(i: int, version: int) -> bytes:
    """An article with the weight of a real page: menus, inline CSS, footer links."""
    title = f"Ministers to meet in Qingdao, report {i}" + (" (updated)" if version == 2 else "")
    paras = [paragraph(i * 31 + k) for k in range(8)]
    if version == 2:
        paras[3] = paragraph(i * 31 + 99) + " A correction was appended."
    menu = "".join(f"<li><a href='/section/{k}'>Section {k}</a></li>" for k in range(120))
    css = "".join(f".c{k}{{margin:{k % 7}px;color:#{k:06x}}}" for k in range(400))
    footer = "".join(f"<a href='/tag/{w}{k}'>{w}</a> " for k, w in enumerate(WORDS * 12))
    body = "".join(f"<p>{p}</p>" for p in paras)
    html = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{css}</style></head><body><nav><ul>{menu}</ul></nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>{footer}</footer></body></html>"
    )
    return html.encode()


class Site:
    def __init__(self, n: int):
        self.n = n
        self.version = dict.fromkeys(range(n), 1)
        self.copy_of = {i: i - 1 for i in range(n) if i % 10 == 9}  # wire copies

    def body(self, i: int) -> bytes:
        j = self.copy_of.get(i, i)
        return page(j, self.version[j])


def serve(site: Site) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            i = int(self.path.rsplit("/", 1)[-1])
            body = site.body(i)
            etag = f'"{hash(body) & 0xFFFFFFFF:x}"' if i % 2 == 0 else ""
            if etag and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=500)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="cw-captures-")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
    os.environ["FETCH_ALLOW_PRIVATE"] = "true"
    os.environ["MONITOR_HOST_GAP_MS"] = "0"
    os.environ["CAPTURES_STORAGE_OPTIONS"] = f'{{"location": "{tmp}"}}'
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimwatch.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count, Q, Sum

    from monitoring.checks import check_batch
    from sources.models import Capture, Source

    call_command("migrate", verbosity=0)
    if Source.objects.exists():
        sys.exit("Use an empty database: capture rows cannot be deleted.")
    site = Site(args.sources)
    server = serve(site)
    port = server.server_address[1]
    sources = [
        Source.objects.create(url=f"http://127.0.0.1:{port}/news/{i}") for i in range(site.n)
    ]
    ids = [s.pk for s in sources]
    rounds = [
        ("first check", lambda: None),
        ("unchanged", lambda: None),
        ("20% edited", lambda: site.version.update(dict.fromkeys(range(0, site.n, 5), 2))),
        ("unchanged", lambda: None),
        ("10% reverted", lambda: site.version.update(dict.fromkeys(range(0, site.n, 10), 1))),
    ]
    print(f"{site.n} sources, captures in {tmp}\n")
    print(
        "| round | checks | snapshots | response records | revisit records | bytes stored "
        "| bytes per check |"
    )
    print("|---|---|---|---|---|---|---|")
    totals = {"changed": [0, 0], "unchanged": [0, 0]}
    for name, change in rounds:
        change()
        before = Capture.objects.count()
        before_bytes = Capture.objects.aggregate(b=Sum("size"))["b"] or 0
        t0 = time.monotonic()
        snapshots = 0
        for k in range(0, len(ids), 200):
            report = check_batch(ids[k : k + 200])
            snapshots += sum(1 for d in report.decisions if d.snapshot is not None)
        new = Capture.objects.order_by("id")[before:]
        stats = Capture.objects.filter(pk__in=[c.pk for c in new]).aggregate(
            responses=Count("id", filter=Q(revisit_of=None)),
            revisits=Count("id", filter=~Q(revisit_of=None)),
        )
        stored = (Capture.objects.aggregate(b=Sum("size"))["b"] or 0) - before_bytes
        bucket = totals["unchanged" if name == "unchanged" else "changed"]
        bucket[0] += len(ids)
        bucket[1] += stored
        print(
            f"| {name} | {len(ids)} | {snapshots} | {stats['responses']} | {stats['revisits']} "
            f"| {stored:,} | {stored / len(ids):,.0f} |  ({time.monotonic() - t0:.1f}s)"
        )
    server.shutdown()
    captures = list(Capture.objects.select_related("revisit_of"))
    stored = sum(c.size for c in captures)
    without_dedup = sum(c.revisit_of.size if c.revisit_of else c.size for c in captures)
    payload = sum(c.payload_size for c in captures)
    print()
    print(f"captures: {len(captures)} ({sum(1 for c in captures if c.revisit_of)} revisits)")
    print(f"bodies as received: {payload:,} bytes; stored (gzipped WARC): {stored:,} bytes")
    print(f"without dedup: {without_dedup:,} bytes; dedup ratio {without_dedup / stored:.2f}")
    for kind, (checks, b) in totals.items():
        print(f"{kind} rounds: {b / checks:,.0f} bytes per check ({checks} checks)")
    full = [c.size for c in captures if not c.revisit_of]
    revisits = [c.size for c in captures if c.revisit_of]
    if full:
        print(f"a response record: {sum(full) / len(full):,.0f} bytes on average")
    if revisits:
        print(f"a revisit record: {sum(revisits) / len(revisits):,.0f} bytes on average")


if __name__ == "__main__":
    main()
