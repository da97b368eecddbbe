"""bench/web.py runs, at a tiny size, end to end: it must not rot between measurements."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.db import connection, connections

from claims.management.commands.bench_data import EMERGENT

ROOT = Path(__file__).resolve().parents[1]
SMALL, LARGE = 20, 60

pytestmark = pytest.mark.skipif(
    not EMERGENT.exists(), reason=f"bench_data reuses the Emergent data set ({EMERGENT})"
)


def free_port_pair() -> int:
    """A port whose next one is free too (the bench serves each size on its own)."""
    for _ in range(20):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            with socket.socket() as b:
                try:
                    b.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
            return port
    raise RuntimeError("no two free ports in a row")


def drop(admin_url: str, names: list[str]) -> None:
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def free_template(admin_url: str, template: str) -> None:
    """End the sessions other threads of this test run left on the test database (a live
    server's or an in-process worker's, seen idle in transaction after their test):
    connections.close_all() closes this thread's only, and CREATE DATABASE ... TEMPLATE
    refuses a template with any other session."""
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [template],
        )
    admin.close()


def test_it_measures_the_claim_page_public_page_and_verify_timeline_at_a_tiny_size(
    transactional_db, keep_groups
):
    """Databases copied from the (migrated, empty) test database, so nothing migrates
    again; transactional, so that no session of this test holds the template open."""
    template = connection.settings_dict["NAME"]
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    names = [f"{template}_bench{SMALL}", f"{template}_bench{LARGE}"]
    drop(base + "/postgres", names)
    connections.close_all()  # a template database must have no other session
    free_template(base + "/postgres", template)
    port = free_port_pair()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "bench/web.py",
                f"--small={SMALL}",
                f"--large={LARGE}",
                "--requests=3",
                "--workers=1",
                "--users=2",
                "--readers=3",
                "--seconds=1",
                f"--port={port}",
                f"--template={template}",
            ],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": f"{base}/{template}"},
            capture_output=True,
            text=True,
            timeout=240,
        )
    finally:
        drop(base + "/postgres", names)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    assert done.stdout.strip(), done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    # Exit 1 exactly when a goal is missed (at this size and load, timings may miss).
    assert (done.returncode == 1) == bool(summary["missed"])
    page = summary["claim_page"]
    assert page["p95_ms_small"] > 0 and page["p95_ms_large"] > 0
    assert page["ratio_floor"] > 0
    # The claim page's queries do not grow with the data set.
    assert page["queries_small"] == page["queries_large"] > 0
    verified = summary["verify_timeline"]
    assert verified[str(SMALL)]["said"] == [f"Verified: {SMALL} claims, no break."]
    assert verified[str(LARGE)]["said"] == [f"Verified: {LARGE} claims, no break."]
    assert "claim page p50/p95" in done.stdout
    # The public page's readers were answered (every answer 200, or the run stops).
    public = summary["public_page"]
    assert public["path"].startswith("/p/") and public["users"] == 3
    assert public["requests"] > 0 and public["p95_ms"] > 0
