"""The SQLite branches of the check's bulk writes, as `bin/start` runs them.

The suite runs on PostgreSQL; here a separate process runs the real check on a SQLite
database (the embedded default), against this test's local web site.
"""

import json
import os
import subprocess
import sys

from ..sites import ROOT, article

SCRIPT = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from monitoring.checks import check_batch
from sources.models import CheckAttempt, Snapshot, Source
from sources.services import source_get_or_create

call_command("migrate", verbosity=0)
ids = [source_get_or_create(url=url, actor=None)[0].pk for url in sys.argv[1:]]
report = check_batch(ids)
print(json.dumps({
    "outcomes": sorted(str(d.outcome) for d in report.decisions),
    "states": sorted(Source.objects.values_list("state", flat=True)),
    "snapshots": Snapshot.objects.count(),
    "attempts": CheckAttempt.objects.count(),
    "due_later": Source.objects.filter(next_check_at__gt=report.decisions[0].started_at).count(),
}))
"""


def run_check(tmp_path, *urls) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'claimwatch.sqlite3'}",
        CLAIMWATCH_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="claimwatch.settings",
        FETCH_ALLOW_PRIVATE="true",
        MONITOR_HOST_GAP_MS="0",
        MONITOR_RETRIES="0",
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *urls],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_it_writes_first_checks_unchanged_pages_and_changes_on_sqlite(site, tmp_path):
    urls = [site.set(f"/news/{i}", article(f"Ministers meet, part {i}")) for i in range(3)]
    first = run_check(tmp_path, *urls)
    assert first["outcomes"] == ["first"] * 3
    assert first["states"] == ["live"] * 3
    assert first["snapshots"] == 3
    assert first["due_later"] == 3

    site.set("/news/0", article("No meeting planned, ministry says"))
    second = run_check(tmp_path, *urls)
    # Two 304s through the plain bulk update, one change through the transition write.
    assert second["outcomes"] == ["changed", "not_modified", "not_modified"]
    assert second["snapshots"] == 4
    assert second["attempts"] == 6
    assert second["due_later"] == 3
