"""`bin/start` on the embedded default, as a newcomer runs it: web, worker, beat and the demo
pages come up on SQLite and the filesystem broker, and the site answers as production does
(a mistyped address gets the site's 404, never Django's debug page)."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for_page(url: str, proc: subprocess.Popen, log: Path, seconds: int = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            get(url)
            return
        except OSError:
            time.sleep(1)  # a process starting up, polled: not a wait for time to pass
    raise AssertionError(f"{url} did not answer:\n{log.read_text()[-3000:]}")


def test_it_starts_the_demo_on_the_embedded_default(tmp_path):
    port, pages = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DEBUG", "ALLOWED_HOSTS")
        and not key.startswith("SECURE_")
    }
    env.update(PORT=str(port), DEMO_PAGES_PORT=str(pages), CLAIMWATCH_VAR_DIR=str(tmp_path))
    log = tmp_path / "start.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["bin/start"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_page(f"http://127.0.0.1:{port}/accounts/login/", proc, log)
        status, body = get(f"http://127.0.0.1:{port}/accounts/login/")
        assert status == 200 and "Log in to Claimwatch" in body
        status, body = get(f"http://127.0.0.1:{port}/no/such/page/")
        assert status == 404
        assert "Nothing here" in body and "There is no page at this address." in body
        assert "URLconf" not in body and "Traceback" not in body
        status, body = get(f"http://127.0.0.1:{pages}/")
        assert status == 200
        assert (tmp_path / "claimwatch.sqlite3").exists()
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # Every process stopped on its own: the worker's warm shutdown was not cut short.
    stopped = log.read_text()
    assert "sending SIGKILL" not in stopped, stopped[-3000:]
    for name in ("web.1", "worker.1", "beat.1"):
        assert f"{name} stopped" in stopped, stopped[-3000:]
