"""Issue 21, item 4: watchers and alert channels that opted in are told of new suggested
sources (claims.signals.suggestions_made, which the desk hears), by mail and through the
alerts outbox to a local webhook receiver; nobody else is."""

import json

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from claims import services as claim_services
from claims.management.commands.seed_demo import MEETING
from claimwatch.celery import app
from desk import alerts
from desk.models import AlertChannel, AlertDelivery, Watch
from desk.services import watch_add, watch_suggestions_set
from discovery import services
from discovery.models import Article
from sources.services import outlet_create

pytestmark = pytest.mark.django_db

TITLE = "Singh to skip bilateral with Asif at Qingdao, officials say"


@pytest.fixture(autouse=True)
def eager_tasks(settings):
    """Tasks queued after the commit run at once, in this process."""
    settings.FETCH_ALLOW_PRIVATE = True  # the webhook receiver is on 127.0.0.1
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def meeting(analyst):
    return claim_services.claim_create(statement=MEETING, actor=analyst)


@pytest.fixture
def article(db):
    outlet = outlet_create(name="Hindustan Times", domain="hindustantimes.com", actor=None)
    return Article.objects.create(
        url="https://www.hindustantimes.com/india-news/singh-to-skip-101.html",
        title=TITLE,
        summary="No bilateral meeting with Pakistan's Khawaja Asif is planned, officials said.",
        outlet=outlet,
    )


@pytest.fixture
def suggest(django_capture_on_commit_callbacks):
    def run(*articles):
        with django_capture_on_commit_callbacks(execute=True):
            return services.suggestions_make(articles=list(articles))

    return run


def hook(httpserver, path: str) -> str:
    httpserver.expect_request(path, method="POST").respond_with_data("ok")
    return f"json://127.0.0.1:{httpserver.port}{path}"


def received(httpserver, path: str) -> list[dict]:
    return [json.loads(request.get_data()) for request, _ in httpserver.log if request.path == path]


def test_it_mails_a_watcher_who_opted_in_each_new_suggestion(make_user, meeting, article, suggest):
    walt = make_user("walt", "Analysts", email="walt@example.org")
    watch_suggestions_set(claim=meeting, actor=walt, on=True)
    bea = make_user("bea", "Analysts", email="bea@example.org")
    watch_add(claim=meeting, actor=bea)  # watches, did not opt in

    (made,) = suggest(article)

    [message] = mail.outbox
    assert message.to == ["walt@example.org"]
    assert message.subject == f"Claimwatch: New suggested source for “{MEETING[:60]}”"
    assert (
        f"Suggested source: {TITLE} (Hindustan Times), suggested stance denies "
        f"{made.stance_confidence:.2f}"
    ) in message.body
    assert meeting.site_url() in message.body and article.url in message.body
    # Matched again, the pair is not new: nobody is told twice.
    suggest(article)
    assert len(mail.outbox) == 1


def test_it_alerts_opted_in_channels_through_the_outbox(
    httpserver, make_user, editor, meeting, article, suggest
):
    walt = make_user("walt", "Analysts")
    watch_add(claim=meeting, actor=walt)
    alerts.alert_channel_add(
        label="Walt's hook", url=hook(httpserver, "/walt"), suggestions=True, actor=walt
    )
    alerts.alert_channel_add(label="Walt's other", url=hook(httpserver, "/other"), actor=walt)
    desk = Group.objects.get(name="Editors")
    alerts.alert_channel_add(
        label="Editors' room",
        url=hook(httpserver, "/desk"),
        desk=desk,
        suggestions=True,
        actor=editor,
    )
    watch_add(claim=meeting, actor=editor)

    suggest(article)

    [message] = received(httpserver, "/walt")
    assert message["title"] == f"Claimwatch: New suggested source for “{MEETING[:60]}”"
    assert f"Suggested source: {TITLE} (Hindustan Times)" in message["message"]
    [message] = received(httpserver, "/desk")
    assert message["title"].startswith("Claimwatch (Editors): New suggested source for ")
    assert received(httpserver, "/other") == []  # not opted in
    assert AlertDelivery.objects.filter(sent_at__isnull=False).count() == 2
    assert AlertDelivery.objects.count() == 2
    assert mail.outbox == []  # walt opted in his channel, not his mail


def test_it_tells_nobody_who_did_not_opt_in_or_does_not_watch(
    httpserver, make_user, meeting, article, suggest
):
    walt = make_user("walt", "Analysts", email="walt@example.org")
    watch_add(claim=meeting, actor=walt)
    alerts.alert_channel_add(label="Walt's hook", url=hook(httpserver, "/walt"), actor=walt)
    nina = make_user("nina", "Analysts", email="nina@example.org")  # watches nothing
    alerts.alert_channel_add(
        label="Nina's hook", url=hook(httpserver, "/nina"), suggestions=True, actor=nina
    )
    assert suggest(article)
    assert mail.outbox == [] and AlertDelivery.objects.count() == 0
    assert httpserver.log == []


def test_it_lets_a_watcher_opt_in_on_the_claim_page(client, analyst, outsider, meeting):
    client.force_login(analyst)
    url = reverse("desk:watch", args=[meeting.code])
    response = client.post(url, {"suggestions": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert "Suggested sources ✓" in response.content.decode()
    watch = Watch.objects.get(user=analyst, claim=meeting)  # opting in watches the claim
    assert watch.suggestions is True
    client.post(url, {"suggestions": "0"})
    watch.refresh_from_db()
    assert watch.suggestions is False
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Get a mail for each new suggested source of this claim" in page
    client.force_login(outsider)
    assert client.post(url, {"suggestions": "1"}).status_code == 403
    assert not Watch.objects.filter(user=outsider).exists()


def test_it_lets_a_channels_owner_opt_it_in(client, httpserver, make_user):
    walt = make_user("walt", "Analysts")
    nina = make_user("nina", "Analysts")
    client.force_login(walt)
    response = client.post(
        reverse("desk:alerts"),
        {"label": "Hook", "url": hook(httpserver, "/h"), "suggestions": "on"},
    )
    assert response.status_code == 302
    channel = AlertChannel.objects.get()
    assert channel.suggestions is True
    url = reverse("desk:alert_suggestions", args=[channel.code])
    client.post(url, {"suggestions": "0"})
    channel.refresh_from_db()
    assert channel.suggestions is False
    assert "turn on for “Hook”" in client.get(reverse("desk:alerts")).content.decode()
    client.force_login(nina)
    assert client.post(url, {"suggestions": "1"}).status_code == 404
    channel.refresh_from_db()
    assert channel.suggestions is False
