"""Faults against real processes (issue 10): a private PostgreSQL and Redis, the web server,
a worker and beat; Redis and PostgreSQL stopped and started, the worker SIGKILLed and
SIGTERMed mid-check. Counted before and after: nothing lost, nothing done twice.

Slow (about 3 minutes): `bin/test -m slow` runs these alone; `bin/test` runs them too.
"""

import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import pytest

from .stack import SETUP, Pages, Stack, wait_for

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def stack():
    # Not under pytest's own temporary folder: that is private to root, and PostgreSQL runs
    # as the postgres user.
    tmp = Path(tempfile.mkdtemp(prefix="claimwatch-faults-"))
    stack = Stack(tmp)
    try:
        stack.pg_init()
        stack.redis_start()
        stack.manage("migrate", "--noinput", "-v", "0")
        token, claim, session = stack.manage("shell", "-c", SETUP).split("\n")[-2].split()
        stack.token, stack.claim, stack.session = token, claim, session
        stack.web()
        stack.worker()
        yield stack
    finally:
        stack.close()
        shutil.rmtree(tmp, ignore_errors=True)


def attempts(stack, url: str) -> int:
    return stack.sql(
        "SELECT count(*) FROM sources_checkattempt a JOIN sources_source s ON s.id = a.source_id"
        " WHERE s.url = %s",
        url,
    )[0][0]


def snapshots(stack, url: str) -> int:
    return stack.sql(
        "SELECT count(*) FROM sources_snapshot n JOIN sources_source s ON s.id = n.source_id"
        " WHERE s.url = %s",
        url,
    )[0][0]


def link(stack, path: str):
    return stack.http(
        "POST",
        f"/api/claims/{stack.claim}/evidence/",
        {"url": stack.page(path), "stance": "supports"},
        token=stack.token,
    )


def dispatch(stack):
    stack.manage_celery = stack.start(
        "call",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "claimwatch",
            "call",
            "monitoring.tasks.dispatch_due_sources",
        ],
    )
    stack.procs.pop("call").wait(60)


def test_it_keeps_every_save_while_redis_is_away_and_checks_each_once_after(stack):
    stack.kill("redis")
    urls = [stack.page(f"/redis/{i}") for i in range(10)]
    started = time.monotonic()
    codes = [link(stack, f"/redis/{i}")[0] for i in range(10)]
    took = time.monotonic() - started
    assert codes == [201] * 10  # saved, not a 500 (the lease given back)
    assert took < 60, took
    code = stack.sql("SELECT code FROM sources_source WHERE url = %s", urls[0])[0][0]
    status, headers, body = stack.http("POST", f"/api/sources/{code}/refresh/", token=stack.token)
    assert status == 503 and headers.get("Retry-After")
    assert (
        stack.sql(
            "SELECT count(*) FROM sources_source WHERE url = ANY(%s) AND check_requested_at IS NULL"
            " AND next_check_at <= now()",
            urls,
        )[0][0]
        == 10
    )  # due for the dispatcher, not "checking..."
    stack.redis_start()
    dispatch(stack)
    wait_for(lambda: all(attempts(stack, u) >= 1 for u in urls), 90, "the 10 checks")
    dispatch(stack)  # a second dispatch finds nothing due: no second check
    time.sleep(3)
    assert [attempts(stack, u) for u in urls] == [1] * 10
    assert [snapshots(stack, u) for u in urls] == [1] * 10


def test_it_answers_503_while_postgresql_is_away_and_checks_within_a_minute_after(stack):
    stack.pg_stop()
    try:
        status, headers, body = stack.http("GET", "/claims/", cookie=stack.session)
        assert status == 503 and headers["Retry-After"] == "30"
        assert 'class="site"' in body and "back in a moment" in body
        status, headers, body = stack.http("GET", "/api/claims/", token=stack.token)
        assert status == 503 and headers["Retry-After"] == "30"
        assert '"detail"' in body
    finally:
        stack.pg_start()
    wait_for(lambda: stack.http("GET", "/claims/", cookie=stack.session)[0] == 200, 30, "web")
    assert link(stack, "/pg/1")[0] == 201  # linked after the restart: checked at once
    back = time.monotonic()
    wait_for(lambda: attempts(stack, stack.page("/pg/1")) == 1, 60, "a check after restart")
    assert time.monotonic() - back < 60


def test_it_redoes_once_the_batch_of_a_worker_killed_mid_check(stack):
    Pages.slow = 8
    url = stack.page("/slow/kill")
    assert link(stack, "/slow/kill")[0] == 201
    wait_for(lambda: Pages.hits.get("/slow/kill"), 30, "the check to start")
    killed = time.monotonic()
    stack.kill("worker", signal.SIGKILL)  # the whole worker, not just its child
    Pages.slow = 0
    assert attempts(stack, url) == 0
    stack.worker("worker2")
    wait_for(lambda: attempts(stack, url) == 1, 120, "the batch to be redelivered", step=1)
    redone = time.monotonic() - killed
    time.sleep(3)
    assert attempts(stack, url) == 1
    assert snapshots(stack, url) == 1
    assert redone < 120, redone
    print(f"redelivered and checked {redone:.0f} s after SIGKILL")


def test_it_stops_gracefully_on_sigterm_and_the_check_is_done_once(stack):
    """SIGTERM to the worker's whole process group (what systemd and honcho send): it exits
    cleanly, the check it had in hand goes back to the queue, and the next worker does it."""
    Pages.slow = 4
    url = stack.page("/slow/term")
    assert link(stack, "/slow/term")[0] == 201
    wait_for(lambda: Pages.hits.get("/slow/term"), 30, "the check to start")
    stopped = time.monotonic()
    code = stack.kill("worker2", signal.SIGTERM, wait=60)
    assert code == 0
    Pages.slow = 0
    stack.worker("worker3")
    wait_for(lambda: attempts(stack, url) == 1, 120, "the check to be done", step=1)
    took = time.monotonic() - stopped
    time.sleep(3)
    assert attempts(stack, url) == 1
    assert snapshots(stack, url) == 1
    print(f"checked {took:.0f} s after SIGTERM")


DISPATCH = """
import time
from monitoring.tasks import dispatch_due_sources
time.sleep(max(0, {at} - time.time()))
print(dispatch_due_sources())
"""


def test_it_checks_each_source_once_with_two_dispatchers_at_once(stack):
    """Two beats (two dispatchers in the same second): every due source queued once."""
    make = (
        "from claims import services\n"
        "from claims.models import Claim\n"
        "claim = Claim.objects.get()\n"
        "for i in range(60):\n"
        f"    services.evidence_add(claim=claim, url='{stack.page('/beat/')}' + str(i),"
        " stance='neutral', actor=None)\n"
    )
    stack.manage("shell", "-c", make)
    urls = [stack.page(f"/beat/{i}") for i in range(60)]
    at = time.time() + 8  # both start at the same moment, once Django is loaded
    for name in ("beat-a", "beat-b"):
        stack.start(name, [sys.executable, "manage.py", "shell", "-c", DISPATCH.format(at=at)])
    queued = []
    for name in ("beat-a", "beat-b"):
        proc = stack.procs.pop(name)
        assert proc.wait(60) == 0
    log = (stack.tmp / "beat-a.log").read_text() + (stack.tmp / "beat-b.log").read_text()
    queued = [int(line) for line in log.splitlines() if line.strip().isdigit()]
    assert sum(queued) == 60, queued  # each source leased by one of them
    wait_for(lambda: all(attempts(stack, u) >= 1 for u in urls), 120, "60 checks", step=1)
    time.sleep(3)
    assert [attempts(stack, u) for u in urls] == [1] * 60
