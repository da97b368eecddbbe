"""An existing database upgrades: rows, permissions, the hash chain and the triggers survive.

The databases beside this file were made by main at 09b3112, before intake, publishing and
the desk had apps of their own (fill_main_09b3112.py: the demo story, watches, assignments,
alert channels and their deliveries, import jobs, a published claim), on PostgreSQL
(`pg_dump`) and SQLite. Each test loads one, runs today's `manage.py migrate` on it in a
process of its own, as an operator would, and checks what the desk relies on.
"""

import gzip
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
from django.conf import settings
from django.db import connection

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
# What the snapshot holds (fill_main_09b3112.py printed it when it was made).
ROWS = {"watch": 2, "assignment": 2, "alertchannel": 2, "alertdelivery": 2, "importjob": 2}

REPORT = """
import json
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from claims.models import Claim, ClaimEvent, Evidence
from desk.models import AlertChannel, AlertDelivery, Assignment, Watch
from intake.models import ImportJob
refused = []
for sql in ("UPDATE claims_claimevent SET hash = 'x'", "DELETE FROM claims_claimevent"):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    except Exception:
        refused.append(sql.split()[0])
print(json.dumps({
    "watch": Watch.objects.count(),
    "assignment": Assignment.objects.count(),
    "alertchannel": AlertChannel.objects.count(),
    "alertdelivery": AlertDelivery.objects.filter(channel__user__username="analyst").count(),
    "importjob": ImportJob.objects.filter(owner__username="editor").count(),
    "claims": Claim.objects.count(),
    "events": ClaimEvent.objects.count(),
    "published": Claim.objects.filter(published_at__isnull=False).count(),
    "analyst_perms": sorted(
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name="Analysts").permissions.all()
        if p.content_type.model in ("watch", "importjob")
    ),
    "stale_types": list(
        ContentType.objects.filter(app_label="claims", model__in=[
            "watch", "assignment", "alertchannel", "alertdelivery", "importjob"
        ]).values_list("model", flat=True)
    ),
    "refused": refused,
    "judged": Evidence.objects.filter(judged_snapshot__isnull=False).count(),
    "unjudged": Evidence.objects.filter(
        source__snapshots__isnull=False, judged_snapshot=None
    ).distinct().count(),
}))
"""


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _upgrade_and_check(env: dict) -> None:
    migrated = _manage(env, "migrate", "--noinput")
    assert "Applying desk.0001_initial... OK" in migrated
    assert "Applying intake.0001_initial... OK" in migrated
    assert "Verified: 4 claims, no break." in _manage(env, "verify_timeline")
    report = json.loads(_manage(env, "shell", "-c", REPORT).strip().splitlines()[-1])
    assert {name: report[name] for name in ROWS} == ROWS
    assert report["claims"] == 4
    assert report["events"] == 18
    assert report["published"] == 1
    # claims/0015: every link to a source with a snapshot knows the one it was judged on.
    assert report["judged"] > 0 and report["unjudged"] == 0
    assert report["analyst_perms"] == ["desk.add_watch", "desk.delete_watch"]
    assert report["stale_types"] == []
    assert report["refused"] == ["UPDATE", "DELETE"]


def _env(**extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CLAIMWATCH_VAR_DIR")
    }
    return {**env, "DEBUG": "false", **extra}


def test_it_upgrades_a_postgresql_database_of_main(tmp_path):
    assert connection.vendor == "postgresql"
    name = f"{settings.DATABASES['default']['NAME']}_upgrade_{uuid.uuid4().hex[:8]}"
    params = settings.DATABASES["default"]
    dsn = dict(host=params["HOST"], port=params["PORT"], user=params["USER"])
    admin = psycopg2.connect(dbname="postgres", password=params["PASSWORD"], **dsn)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        dump = gzip.decompress((HERE / "main-09b3112.postgres.sql.gz").read_bytes())
        subprocess.run(
            [
                "psql",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                dsn["host"],
                "-p",
                str(dsn["port"]),
                "-U",
                dsn["user"],
                "-d",
                name,
            ],
            input=dump,
            check=True,
            capture_output=True,
            env={**os.environ, "PGPASSWORD": params["PASSWORD"] or ""},
        )
        url = f"postgres://{dsn['user']}@{dsn['host']}:{dsn['port']}/{name}"
        _upgrade_and_check(_env(DATABASE_URL=url, CLAIMWATCH_VAR_DIR=str(tmp_path)))
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_it_upgrades_a_sqlite_database_of_main(tmp_path):
    with (
        gzip.open(HERE / "main-09b3112.sqlite3.gz") as src,
        open(tmp_path / "claimwatch.sqlite3", "wb") as dst,
    ):
        shutil.copyfileobj(src, dst)
    _upgrade_and_check(_env(CLAIMWATCH_VAR_DIR=str(tmp_path)))
