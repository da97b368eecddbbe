"""Alert channels through apprise, against a local webhook receiver (pytest-httpserver):
delivery, retries with backoff, one failing channel holding up nobody, desks, and the
outgoing-request guard at save and at send time."""

import json
import socket
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from claims import services
from desk import alerts, tasks
from desk.models import AlertChannel, AlertDelivery
from desk.notifications import notify_watchers
from desk.services import watch_add

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.FETCH_ALLOW_PRIVATE = True  # the receiver is on 127.0.0.1


@pytest.fixture
def watcher(make_user):
    return make_user("walt", "Analysts")  # no e-mail address: channels only


def hook(httpserver, path: str = "/hook") -> str:
    return f"json://127.0.0.1:{httpserver.port}{path}"


def received(httpserver, path: str = "/hook") -> list[dict]:
    return [json.loads(request.get_data()) for request, _ in httpserver.log if request.path == path]


def send_due(now) -> list[bool]:
    return [alerts.alert_send(delivery_id=i, now=now) for i in alerts.alerts_claim_due(now=now)]


def later(minutes: float):
    return timezone.now() + timedelta(minutes=minutes)


def test_it_sends_a_watchers_digest_to_their_webhook(httpserver, watcher, claim, editor):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    alerts.alert_channel_add(label="My hook", url=hook(httpserver), actor=watcher)
    watch_add(claim=claim, actor=watcher)
    services.verdict_set(
        claim=claim, status="denied", rationale="FO denied it.", expected_version=1, actor=editor
    )

    assert notify_watchers(now=later(1)) == 0  # no mail: walt has no address
    assert send_due(later(1)) == [True]
    [message] = received(httpserver)
    assert message["title"] == f"Claimwatch: {claim.statement[:60]}"
    assert "Verdict set: Denied (FO denied it.)" in message["message"]
    assert str(claim.code) in message["message"]
    channel = AlertChannel.objects.get()
    assert channel.last_sent_at is not None and channel.failures == 0
    # Sent once: nothing is due any more.
    assert send_due(later(30)) == []


def test_it_retries_a_failing_channel_with_backoff_and_never_holds_up_the_others(
    httpserver, watcher, claim, settings
):
    settings.ALERT_MAX_ATTEMPTS = 3
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    httpserver.expect_request("/broken", method="POST").respond_with_data("down", status=503)
    broken = alerts.alert_channel_add(
        label="Broken", url=hook(httpserver, "/broken"), actor=watcher
    )
    alerts.alert_channel_add(label="Fine", url=hook(httpserver), actor=watcher)
    alerts.alerts_queue(channels=AlertChannel.objects.order_by("id"), title="T", body="B")
    start = timezone.now()

    assert send_due(start) == [False, True]  # the broken one first, the fine one still sent
    assert len(received(httpserver)) == 1
    delivery = AlertDelivery.objects.get(channel=broken)
    assert delivery.attempts == 1
    assert delivery.next_attempt_at == start + timedelta(minutes=1)
    assert "503" in delivery.last_error
    broken.refresh_from_db()
    assert broken.failures == 1 and "503" in broken.last_error

    assert send_due(start + timedelta(seconds=59)) == []  # waiting out its backoff
    assert send_due(start + timedelta(minutes=1)) == [False]
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == start + timedelta(minutes=1 + 2)
    assert send_due(start + timedelta(minutes=3)) == [False]
    delivery.refresh_from_db()
    assert delivery.failed_at is not None  # gave up after ALERT_MAX_ATTEMPTS
    assert send_due(start + timedelta(days=1)) == []
    assert len(received(httpserver, "/broken")) == 3


def test_it_sends_a_retry_once_the_channel_is_back(httpserver, watcher):
    httpserver.expect_oneshot_request("/hook").respond_with_data("down", status=500)
    httpserver.expect_request("/hook").respond_with_data("ok")
    channel = alerts.alert_channel_add(label="Flaky", url=hook(httpserver), actor=watcher)
    alerts.alerts_queue(channels=[channel], title="T", body="B")
    now = timezone.now()
    assert send_due(now) == [False]
    assert send_due(now + timedelta(minutes=1)) == [True]
    channel.refresh_from_db()
    assert channel.failures == 0 and channel.last_error == ""


def test_it_lets_a_lost_send_heal_after_its_lease(httpserver, watcher):
    channel = alerts.alert_channel_add(label="Hook", url=hook(httpserver), actor=watcher)
    alerts.alerts_queue(channels=[channel], title="T", body="B")
    now = timezone.now()
    assert len(alerts.alerts_claim_due(now=now)) == 1  # taken; its send task is lost
    assert alerts.alerts_claim_due(now=now + timedelta(minutes=9)) == []
    assert len(alerts.alerts_claim_due(now=now + alerts.LEASE)) == 1


def test_it_sends_one_digest_per_desk_of_what_its_members_watch(
    httpserver, make_user, editor, claim, analyst
):
    httpserver.expect_request("/desk", method="POST").respond_with_data("ok")
    desk = Group.objects.get(name="Editors")
    alerts.alert_channel_add(
        label="Editors' room", url=hook(httpserver, "/desk"), desk=desk, actor=editor
    )
    other = services.claim_create(statement="The summit moves to Beijing.", actor=analyst)
    colleague = make_user("ed2", "Editors")
    watch_add(claim=claim, actor=editor)
    watch_add(claim=claim, actor=colleague)
    watch_add(claim=other, actor=colleague)
    services.comment_add(claim=claim, text="Not alerted.", actor=analyst)
    evidence = services.evidence_add(
        claim=claim, url="https://dawn.com/a", stance="supports", actor=None
    )
    services.evidence_add(claim=other, url="https://dawn.com/a", stance="supports", actor=None)
    services.source_event_record(source=evidence.source, kind="source_gone")

    notify_watchers(now=later(1))
    assert send_due(later(1)) == [True]
    [message] = received(httpserver, "/desk")
    assert message["title"] == "Claimwatch (Editors): 2 watched claims changed"
    assert message["message"].count("Source gone") == 2  # once per claim, not per member
    assert claim.statement in message["message"] and other.statement in message["message"]


def test_it_lets_only_editors_add_channels_to_their_own_desks(analyst, editor, httpserver):
    with pytest.raises(PermissionDenied):
        alerts.alert_channel_add(
            label="x", url=hook(httpserver), desk=Group.objects.get(name="Analysts"), actor=analyst
        )
    with pytest.raises(PermissionDenied):
        alerts.alert_channel_add(
            label="x", url=hook(httpserver), desk=Group.objects.get(name="Analysts"), actor=editor
        )
    assert not AlertChannel.objects.exists()


@pytest.mark.parametrize(
    ("url", "service", "secret"),
    [
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general", "Slack", "TIiajkdnl"),
        ("tgram://123456789:abcdefg_hijklmnop/12315544/", "Telegram", "abcdefg_hijklmnop"),
        ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", "Discord", "JHMHI8qBe7bk"),
        ("matrixs://user:s3cretpass@matrix.example.org/#room", "Matrix", "s3cretpass"),
        (
            "workflows://prod-161.westeurope.logic.azure.com/abcd1234/SiGnAtUrE99",
            "Microsoft Teams",
            "SiGnAtUrE99",
        ),
        ("jsons://hooks.example.org/alerts?token=s3cr3t", "JSON webhook", None),
        ("form://hooks.example.org/alerts", "Form webhook", None),
    ],
)
def test_it_reads_each_service_and_hides_its_secret(url, service, secret):
    parsed = alerts.channel_parse(url)
    assert parsed.service == service
    if secret:
        assert secret not in parsed.redacted
        assert secret in parsed.url


@pytest.mark.parametrize(
    ("url", "allow_private", "message"),
    [
        ("json://127.0.0.1:8080/hook", False, "loopback"),
        ("json://localhost/hook", False, "local name"),
        ("jsons://10.0.0.5/hook", False, "not a public internet address"),
        ("json://169.254.169.254/latest", True, "metadata"),
        ("matrix://user:pw@[::ffff:127.0.0.1]/#room", False, "loopback"),
        ("mailto://user:pass@example.org", False, alerts.MAIL_REFUSAL),
        ("mailto:desk@example.org", False, alerts.MAIL_REFUSAL),
        ("MAILTOS://user:pass@example.org", False, alerts.MAIL_REFUSAL),
        ("nonsense", False, "apprise cannot read this URL"),
    ],
)
def test_it_refuses_channels_the_guard_refuses(settings, watcher, url, allow_private, message):
    settings.FETCH_ALLOW_PRIVATE = allow_private
    with pytest.raises(ValidationError) as refused:
        alerts.alert_channel_add(label="x", url=url, actor=watcher)
    assert message in str(refused.value)
    assert not AlertChannel.objects.exists()


def test_it_checks_the_host_again_before_sending(httpserver, watcher, settings, monkeypatch):
    channel = alerts.alert_channel_add(label="Hook", url=hook(httpserver), actor=watcher)
    alerts.alerts_queue(channels=[channel], title="T", body="B")
    settings.FETCH_ALLOW_PRIVATE = False  # e.g. production after a local demo
    assert send_due(timezone.now()) == [False]
    assert httpserver.log == []
    channel.refresh_from_db()
    assert "Refused by the outgoing-request guard" in channel.last_error

    # A public-looking name that resolves to a private address is refused at send time.
    AlertChannel.objects.filter(pk=channel.pk).update(url="jsons://hooks.example.org/a")
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "hooks.example.org":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    alerts.alerts_queue(channels=[channel], title="T", body="B")
    assert send_due(later(60)) == [False, False]
    channel.refresh_from_db()
    assert "hooks.example.org resolves to 10.1.2.3" in channel.last_error


def test_it_says_a_name_that_is_not_found_is_not_found_not_refused(watcher, monkeypatch):
    channel = alerts.alert_channel_add(
        label="Hook", url="jsons://hooks.example.org/a", actor=watcher
    )
    real = socket.getaddrinfo

    def not_found(host, *args, **kwargs):
        if host == "hooks.example.org":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", not_found)
    alerts.alerts_queue(channels=[channel], title="T", body="B")
    assert send_due(timezone.now()) == [False]
    channel.refresh_from_db()
    assert channel.last_error.startswith("The site's name could not be found (DNS): ")
    assert "hooks.example.org" in channel.last_error
    assert "guard" not in channel.last_error


def test_it_queues_one_send_task_per_due_alert(httpserver, watcher, monkeypatch):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    channel = alerts.alert_channel_add(label="Hook", url=hook(httpserver), actor=watcher)
    alerts.alerts_queue(channels=[channel, channel], title="T", body="B")
    queued = []
    monkeypatch.setattr(tasks.send_alert, "delay", queued.append)
    assert tasks.deliver_alerts.apply().get() == 2
    assert [tasks.send_alert.apply(args=[i]).get() for i in queued] == [True, True]
    assert len(received(httpserver)) == 2
