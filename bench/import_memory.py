"""What the import page costs on a million-row CSV, before and after its caps (issue 10).

Side by side in one run, tracemalloc's peak and the time of:
- no row cap: the whole file read (as the upload form and the preview did in the web
  request before the caps), before any row was checked;
- the web server now: the first HEAD_ROWS rows (the upload form and the mapping page);
- the worker now: reading under the page's limits, which stops at the row cap.

    DEBUG=true .venv/bin/python bench/import_memory.py [--rows 1000000]
"""

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimwatch.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)

import django  # noqa: E402

django.setup()

from intake.jobs import HEAD_ROWS  # noqa: E402
from intake.spreadsheets import ImportFileError, ImportLimits, read_table  # noqa: E402


def measure(label: str, read) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome = f"{len(read().rows):,} rows read"
    except ImportFileError as exc:
        outcome = f"refused: {str(exc)[:60]}..."
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label:<34} peak {peak / 2**20:8.1f} MiB  {seconds:6.2f} s  {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    rows = parser.parse_args().rows
    data = b"claim,url,stance\n" + b"".join(
        b"Claim %d will happen,https://example.org/%d,supports\n" % (i, i) for i in range(rows)
    )
    page = ImportLimits.page()
    print(f"{rows:,} rows, {len(data) / 2**20:.1f} MiB; page caps: {page.max_rows:,} rows")
    unlimited = ImportLimits(max_bytes=len(data), max_rows=None, max_seconds=None, beyond="")
    measure("no row cap: the whole file", lambda: read_table(data, limits=unlimited))
    measure("web now: first rows only", lambda: read_table(data, limits=unlimited, head=HEAD_ROWS))
    page_no_bytes = ImportLimits(
        max_bytes=len(data), max_rows=page.max_rows, max_seconds=None, beyond="split it"
    )
    measure("worker now: stops at the row cap", lambda: read_table(data, limits=page_no_bytes))


if __name__ == "__main__":
    main()
