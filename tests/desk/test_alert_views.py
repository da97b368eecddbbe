"""The alert channels page: add, test and remove channels; desks for editors; outsiders
and other users' channels refused on the server; everything typed is escaped."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from desk import alerts
from desk.models import AlertChannel, AlertDelivery
from tests.hostile import XSS, XSS_ESCAPED

pytestmark = pytest.mark.django_db
URL = reverse("desk:alerts")
SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general"


def test_it_adds_a_channel_and_shows_it_escaped_and_redacted(analyst_client, analyst):
    response = analyst_client.post(URL, {"label": XSS, "url": SLACK})
    assert response.status_code == 302
    channel = AlertChannel.objects.get()
    assert channel.user == analyst and channel.desk is None
    page = analyst_client.get(URL).content.decode()
    assert XSS_ESCAPED in page
    assert XSS not in page
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in page  # the token stays on the server
    assert "Slack" in page


def test_it_keeps_the_input_and_says_why_a_url_is_refused(analyst_client):
    response = analyst_client.post(URL, {"label": "Mine", "url": "json://127.0.0.1:9/x"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "loopback" in body
    assert 'value="json://127.0.0.1:9/x"' in body
    assert not AlertChannel.objects.exists()


def test_it_lets_editors_add_channels_for_their_desk_only(editor_client, analyst):
    analyst_client = Client()
    analyst_client.force_login(analyst)
    editors = Group.objects.get(name="Editors")
    analysts = Group.objects.get(name="Analysts")
    assert (
        editor_client.post(URL, {"label": "Room", "url": SLACK, "owner": editors.pk}).status_code
        == 302
    )
    assert AlertChannel.objects.get().desk == editors
    # Not a desk of theirs: the choice does not exist.
    assert (
        editor_client.post(URL, {"label": "X", "url": SLACK, "owner": analysts.pk}).status_code
        == 422
    )
    assert (
        analyst_client.post(URL, {"label": "X", "url": SLACK, "owner": analysts.pk}).status_code
        == 422
    )
    assert AlertChannel.objects.count() == 1
    # Every editor sees and manages the desk's channel; analysts do not.
    assert "Room" in editor_client.get(URL).content.decode()
    assert "Room" not in analyst_client.get(URL).content.decode()


def test_it_queues_a_test_and_removes_a_channel(analyst_client, analyst):
    channel = alerts.alert_channel_add(label="Mine", url=SLACK, actor=analyst)
    response = analyst_client.post(reverse("desk:alert_test", args=[channel.code]))
    assert response.status_code == 302
    assert AlertDelivery.objects.get().title == "Claimwatch: test alert"
    response = analyst_client.post(reverse("desk:alert_remove", args=[channel.code]))
    assert response.status_code == 302
    assert not AlertChannel.objects.exists()


def test_it_refuses_other_peoples_channels_and_outsiders(client, make_user, analyst, outsider):
    channel = alerts.alert_channel_add(label="Alice's", url=SLACK, actor=analyst)
    client.force_login(make_user("bob", "Analysts"))
    for name in ("desk:alert_test", "desk:alert_remove"):
        assert client.post(reverse(name, args=[channel.code])).status_code == 404
    assert "Alice's" not in client.get(URL).content.decode()
    client.force_login(outsider)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"label": "x", "url": SLACK}).status_code == 403
    assert client.post(reverse("desk:alert_remove", args=[channel.code])).status_code == 403
    assert AlertChannel.objects.count() == 1
    assert not AlertDelivery.objects.exists()


def test_it_lists_channels_in_a_constant_number_of_queries(
    client, editor, make_user, django_assert_max_num_queries
):
    client.force_login(editor)
    desk = Group.objects.get(name="Editors")
    alerts.alert_channel_add(label="Mine", url=SLACK, actor=editor)
    alerts.alert_channel_add(label="Desk", url=SLACK, desk=desk, actor=editor)
    client.get(URL)  # warm the session and permission caches
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    for n in range(5):
        alerts.alert_channel_add(label=f"Desk {n}", url=SLACK, desk=desk, actor=editor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "Desk 4" in client.get(URL).content.decode()
