"""Issue 23 item 1: an alert never follows a redirect the guard has not checked.

The webhook must sit on an address the guard takes for public, so the webhook, the
receiver it redirects to and the sender run in a private network namespace (`unshare -n`,
root, traffic stays on this machine) where 11.11.11.11 is on the loopback: see
redirect_probe.py. The rows are committed (a transactional test) so the sender, another
process, reads them through PostgreSQL's Unix socket.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from desk import alerts
from desk.models import AlertChannel, AlertDelivery

ROOT = Path(__file__).resolve().parents[2]


def send_in_namespace(delivery_ids: list[int]) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW unix_socket_directories")
        socket_dir = cursor.fetchone()[0].split(",")[0].strip()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{quote(socket_dir, safe='')}/{db['NAME']}",
        "FETCH_ALLOW_PRIVATE": "false",
        "FETCH_ALLOW_HOSTS": "",
    }
    script = (
        "ip link set lo up && ip addr add 11.11.11.11/32 dev lo && "
        f'exec "{sys.executable}" -m tests.desk.redirect_probe ' + " ".join(map(str, delivery_ids))
    )
    done = subprocess.run(
        ["unshare", "-n", "sh", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_it_never_follows_a_webhooks_redirect_to_where_the_guard_has_not_looked(make_user):
    watcher = make_user("walt", "Analysts")
    channels = [
        alerts.alert_channel_add(label=f"{status}", url=url, actor=watcher)
        for status, url in [
            (302, "json://11.11.11.11:8080/302/hook"),
            (307, "json://11.11.11.11:8080/307/hook"),
            (308, "json://11.11.11.11:8080/308/hook"),
            (303, "form://11.11.11.11:8080/303/hook"),
            (301, "json://11.11.11.11:8080/301/asks"),
        ]
    ]
    # A URL that asks apprise to follow redirects is not obeyed either.
    asks = channels[-1]
    AlertChannel.objects.filter(pk=asks.pk).update(
        url=asks.url + ("&" if "?" in asks.url else "?") + "redirect=yes"
    )
    deliveries = alerts.alerts_queue(channels=channels, title="T", body="B")

    heard = send_in_namespace([d.pk for d in deliveries])

    assert sorted(heard["hook"]) == [
        "/301/asks",
        "/302/hook",
        "/303/hook",
        "/307/hook",
        "/308/hook",
    ]  # each webhook was reached once, on its public address
    assert heard["receiver"] == []  # and nothing followed it to the private one
    assert heard["sent"] == [False] * 5  # a redirect is a failed send, retried later
    for delivery in AlertDelivery.objects.all():
        assert delivery.sent_at is None and delivery.attempts == 1
        assert delivery.last_error
