"""A private Claimwatch stack for the fault tests: its own PostgreSQL cluster (initdb/pg_ctl)
and Redis server on their own ports, killed and restarted on purpose, with the web server,
a worker and beat as real processes. Nothing here touches the shared PostgreSQL or Redis."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
# Ports: PostgreSQL, Redis, the web server, the article pages (override for parallel runs).
PORTS = [int(p) for p in os.environ.get("FAULT_PORTS", "25410,26310,8121,8122").split(",")]


def wait_for(predicate, timeout: float, what: str, step: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception:  # noqa: BLE001 (not up yet)
            value = None
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Pages(BaseHTTPRequestHandler):
    """Article pages; /slow/... answers after `slow` seconds (a check in progress)."""

    slow = 0.0
    hits: dict[str, int] = {}

    def do_GET(self):  # noqa: N802
        Pages.hits[self.path] = Pages.hits.get(self.path, 0) + 1
        if self.path.startswith("/slow/"):
            time.sleep(Pages.slow)
        body = (
            f"<html><head><title>Page {self.path}</title></head><body><article>"
            f"<h1>Page {self.path}</h1><p>{'Ministers will meet at the summit. ' * 20}</p>"
            "</article></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Stack:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.pg_port, self.redis_port, self.web_port, self.pages_port = PORTS
        self.pgdata = tmp / "pg"
        self.procs: dict[str, subprocess.Popen] = {}
        self.db_url = f"postgres://postgres@127.0.0.1:{self.pg_port}/claimwatch"
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.redis_url,
            "FETCH_ALLOW_PRIVATE": "true",
            "MONITOR_HOST_GAP_MS": "0",
            "MONITOR_RETRIES": "0",
            # Short limits so a lost batch comes back in under a minute here (the defaults
            # give 105 s + one 10 s scan; tests/monitoring/test_celery_settings.py).
            "MONITOR_SOFT_TIME_LIMIT": "20",
            "PYTHONUNBUFFERED": "1",
        }
        self.pages = ThreadingHTTPServer(("127.0.0.1", self.pages_port), Pages)
        threading.Thread(target=self.pages.serve_forever, daemon=True).start()

    # --- PostgreSQL ------------------------------------------------------------------------

    def pg(self, *args):
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            text=True,
        )

    def pg_init(self):
        self.pgdata.mkdir()
        shutil.chown(self.pgdata, "postgres", "postgres")
        shutil.chown(self.tmp, "postgres", "postgres")
        self.pg("initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.pg_start()
        conn = psycopg2.connect(f"postgres://postgres@127.0.0.1:{self.pg_port}/postgres")
        conn.autocommit = True
        conn.cursor().execute("CREATE DATABASE claimwatch")
        conn.close()

    def pg_start(self):
        self.pg(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-l",
            str(self.tmp / "pg.log"),
            "-w",
            "-o",
            f"-p {self.pg_port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def pg_stop(self):
        self.pg("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")

    def sql(self, query: str, *params):
        conn = psycopg2.connect(self.db_url)
        try:
            with conn, conn.cursor() as cur:
                cur.execute(query, params)
                return cur.fetchall() if cur.description else None
        finally:
            conn.close()

    # --- Redis -----------------------------------------------------------------------------

    def redis_start(self):
        self.start(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
        )
        import redis

        wait_for(lambda: redis.Redis(port=self.redis_port).ping(), 10, "redis")

    # --- processes -------------------------------------------------------------------------

    def start(self, name: str, argv: list[str], **env):
        log = open(self.tmp / f"{name}.log", "a")  # noqa: SIM115 (closed with the process)
        self.procs[name] = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self.procs[name]

    def kill(self, name: str, sig=signal.SIGKILL, wait: float = 30):
        proc = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        return proc.returncode

    def manage(self, *args, stdin: str | None = None) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        ).stdout

    def worker(self, name: str = "worker"):
        return self.start(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "claimwatch",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-n",
                f"{name}@%h",
            ],
        )

    def beat(self, name: str = "beat"):
        return self.start(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "claimwatch",
                "beat",
                "--loglevel=INFO",
                f"--schedule={self.tmp / (name + '-schedule')}",
            ],
        )

    def web(self):
        self.start(
            "web",
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.web_port}", "--noreload"],
        )
        wait_for(lambda: self.http("GET", "/accounts/login/")[0] == 200, 60, "the web server")

    # --- HTTP ------------------------------------------------------------------------------

    def http(self, method: str, path: str, body=None, token: str = "", cookie: str = ""):
        headers = {"Accept": "application/json, text/html"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Token {token}"
        if cookie:
            headers["Cookie"] = f"sessionid={cookie}"
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.web_port}{path}", data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode()

    def page(self, path: str) -> str:
        return f"http://127.0.0.1:{self.pages_port}{path}"

    def close(self):
        for name in list(self.procs):
            self.kill(name)
        self.pages.shutdown()
        with contextlib.suppress(subprocess.CalledProcessError):
            self.pg_stop()


SETUP = """
from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.authtoken.models import Token
from claims import services
user = User.objects.create_user("ana", password="correct horse battery")
user.groups.add(Group.objects.get(name="Editors"))
claim = services.claim_create(statement="Ministers will meet at the summit.", actor=user)
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
print(Token.objects.create(user=user).key, claim.code, session.session_key)
"""
