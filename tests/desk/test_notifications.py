from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from claims import services
from desk.models import Watch
from desk.notifications import notify_watchers
from desk.services import watch_add, watch_remove
from desk.tasks import notify_watchers as notify_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def watcher(make_user):
    return make_user("walt", "Analysts", email="walt@example.org")


@pytest.fixture
def evidence(claim):
    return services.evidence_add(
        claim=claim, url="https://dawn.com/a", stance="supports", actor=None
    )


def later(minutes: int):
    return timezone.now() + timedelta(minutes=minutes)


def test_it_mails_one_message_for_a_burst_of_changes(watcher, claim, evidence, editor):
    watch_add(claim=claim, actor=watcher)
    services.verdict_set(
        claim=claim, status="denied", rationale="FO denied it.", expected_version=1, actor=editor
    )
    services.source_event_record(source=evidence.source, kind="source_headline_changed")
    services.source_event_record(source=evidence.source, kind="source_correction")
    services.comment_add(claim=claim, text="Not mailed: a comment.", actor=editor)

    assert notify_watchers(now=later(1)) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["walt@example.org"]
    assert claim.statement[:40] in message.subject
    assert "Verdict set: Denied (FO denied it.)" in message.body
    assert "Source headline changed" in message.body
    assert "Correction notice on source" in message.body
    assert "Not mailed" not in message.body
    assert str(claim.code) in message.body

    # Nothing new: nothing sent.
    assert notify_watchers(now=later(2)) == 0
    assert len(mail.outbox) == 1


def test_it_mails_again_for_changes_after_the_last_mail(watcher, claim, evidence):
    watch_add(claim=claim, actor=watcher)
    services.source_event_record(source=evidence.source, kind="source_gone")
    assert notify_watchers(now=later(1)) == 1
    services.source_event_record(source=evidence.source, kind="source_back", at=later(2))
    assert notify_watchers(now=later(3)) == 1
    assert "Source back" in mail.outbox[1].body
    assert "Source gone" not in mail.outbox[1].body


def test_it_groups_every_watched_claim_in_one_mail(watcher, claim, evidence, analyst):
    other = services.claim_create(statement="A second claim citing Dawn.", actor=analyst)
    services.evidence_add(claim=other, url="https://dawn.com/a", stance="denies", actor=None)
    watch_add(claim=claim, actor=watcher)
    watch_add(claim=other, actor=watcher)
    services.source_event_record(source=evidence.source, kind="source_changed")
    assert notify_watchers(now=later(1)) == 1
    assert "2 claims you watch changed" in mail.outbox[0].subject
    assert "A second claim citing Dawn." in mail.outbox[0].body


def test_it_skips_what_happened_before_watching_and_own_changes(claim, editor):
    editor.email = "erin@example.org"
    editor.save()
    services.verdict_set(
        claim=claim, status="denied", rationale="Before.", expected_version=1, actor=None
    )
    watch_add(claim=claim, actor=editor)
    services.verdict_set(
        claim=claim, status="confirmed", rationale="Mine.", expected_version=2, actor=editor
    )
    assert notify_watchers(now=later(1)) == 0
    assert mail.outbox == []


def test_it_stops_after_unwatching(watcher, claim, evidence):
    watch_add(claim=claim, actor=watcher)
    watch_remove(claim=claim, actor=watcher)
    services.source_event_record(source=evidence.source, kind="source_gone")
    assert notify_watchers(now=later(1)) == 0
    assert not Watch.objects.exists()


def test_it_refuses_outsiders_watching(outsider, claim):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        watch_add(claim=claim, actor=outsider)


def test_it_runs_as_a_celery_task(watcher, claim, evidence):
    watch_add(claim=claim, actor=watcher)
    services.source_event_record(source=evidence.source, kind="source_moved")
    # The task is what beat runs; called in process, with the real clock.
    Watch.objects.update(notified_until=timezone.now() - timedelta(minutes=5))
    assert notify_task.apply().get() == 1
    assert len(mail.outbox) == 1


def test_it_keeps_the_events_of_a_mail_that_failed(watcher, claim, evidence, monkeypatch):
    from desk import notifications

    watch_add(claim=claim, actor=watcher)
    services.source_event_record(source=evidence.source, kind="source_gone")

    def refuse(*args, **kwargs):  # the SMTP server cannot run here
        raise ConnectionRefusedError("SMTP is down")

    monkeypatch.setattr(notifications, "send_mail", refuse)
    assert notify_watchers(now=later(1)) == 0
    monkeypatch.undo()
    assert notify_watchers(now=later(2)) == 1
    assert "Source gone" in mail.outbox[0].body
