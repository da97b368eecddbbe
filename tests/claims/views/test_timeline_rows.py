"""The claim page's timeline rows, rendered once per event and kept in the cache
(claims.event_rows): the same page from the cache, never a stale or another's row."""

import pytest
from django.urls import reverse

from claims import services
from tests.hostile import XSS, XSS_ESCAPED

pytestmark = pytest.mark.django_db

ROW = "claims/_event.html"


def url(claim) -> str:
    return reverse("claims:detail", args=[claim.code])


def rows_rendered(response) -> int:
    return sum(1 for template in response.templates if template.name == ROW)


def timeline(response) -> str:
    page = response.content.decode()
    start = page.index('<ol class="events">')
    return page[start : page.index("</ol>", start)]


def test_it_renders_each_row_once_and_then_serves_it_from_the_cache(analyst_client, claim, analyst):
    services.comment_add(claim=claim, text="First look", actor=analyst)
    first = analyst_client.get(url(claim))
    assert rows_rendered(first) == 2  # created, comment

    services.comment_add(claim=claim, text="Second look", actor=analyst)
    second = analyst_client.get(url(claim))
    assert rows_rendered(second) == 1  # only the new comment
    assert timeline(second).count('<li class="event') == 3
    assert "First look" in timeline(second) and "Second look" in timeline(second)


def test_a_cached_row_is_the_row_rendered(analyst_client, editor_client, claim, analyst):
    services.comment_add(claim=claim, text=f"Look {XSS}", actor=analyst)
    rendered = timeline(analyst_client.get(url(claim)))
    cached = editor_client.get(url(claim))
    assert rows_rendered(cached) == 0
    assert timeline(cached) == rendered
    assert XSS_ESCAPED in timeline(cached) and XSS not in timeline(cached)


def test_it_names_the_actor_by_the_name_they_have_now(analyst_client, claim, analyst):
    services.comment_add(claim=claim, text="Seen", actor=analyst)
    assert f"by {analyst.username}" in timeline(analyst_client.get(url(claim)))
    analyst.username = "alice-renamed"
    analyst.save()
    page = timeline(analyst_client.get(url(claim)))
    assert "by alice-renamed" in page and "by alice," not in page


def test_it_renders_the_rows_while_redis_is_away(analyst_client, claim, analyst, redis_away):
    services.comment_add(claim=claim, text="Still shown", actor=analyst)
    response = analyst_client.get(url(claim))
    assert response.status_code == 200
    assert rows_rendered(response) == 2
    assert "Still shown" in timeline(response)
