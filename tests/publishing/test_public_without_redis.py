"""Issue 23 item 3: the public pages and password reset while Redis is away.

The cache is pointed at a closed port (what a stopped Redis looks like to a client): the
reader still gets every public page, read from the database; a reset says why it cannot
send a mail rather than answering 500.
"""

import pytest
from django.urls import reverse

from claims import services

pytestmark = pytest.mark.django_db


def test_it_serves_every_public_page_from_the_database_while_redis_is_away(
    client, published, editor, redis_away
):
    pages = {
        "/p/": published.statement,
        "/p/?q=Qingdao": "",
        f"/p/{published.code}/": "The Foreign Office said no meeting was planned.",
        f"/p/{published.code}/embed/": "Denied",
        "/p/feed/": str(published.code),
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url

    # A change to the published claim is saved meanwhile, and shown at once (nothing kept).
    services.evidence_add(
        claim=published,
        url="https://www.dawn.com/news/1",
        stance="denies",
        title="No meeting planned, FO says",
        actor=editor,
    )
    assert "No meeting planned, FO says" in client.get(f"/p/{published.code}/").content.decode()


def test_it_says_why_a_password_reset_cannot_be_sent_while_redis_is_away(
    client, make_user, redis_away, mailoutbox
):
    make_user("mia", email="mia@example.org")
    response = client.post(reverse("password_reset"), {"email": "mia@example.org"})
    assert response.status_code == 503
    assert "Password reset is unavailable for a moment" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert mailoutbox == []
    # The form itself still opens.
    assert client.get(reverse("password_reset")).status_code == 200
