"""The claim page: evidence by stance, verdict, timeline with paging and filter, the strip."""

import uuid

import pytest
from django.urls import reverse

from claims import services
from claims.models import ClaimEvent, Evidence
from sources.models import Source
from tests.hostile import XSS, XSS_ESCAPED

pytestmark = pytest.mark.django_db


def url(claim, **query) -> str:
    return reverse("claims:detail", args=[claim.code])


def test_it_needs_login(client, claim):
    response = client.get(url(claim))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_it_refuses_an_outsider(client, outsider, claim):
    client.force_login(outsider)
    assert client.get(url(claim)).status_code == 403


def test_it_answers_404_for_an_unknown_code(analyst_client):
    response = analyst_client.get(reverse("claims:detail", args=[uuid.uuid4()]))
    assert response.status_code == 404


def test_it_shows_the_evidence_grouped_by_stance(analyst_client, make_claims):
    (claim,) = make_claims(1, evidence=4)
    response = analyst_client.get(url(claim))
    groups = {stance: items for stance, _, items in response.context["page"].evidence_groups}
    assert [len(groups[s]) for s in ("supports", "denies", "neutral")] == [2, 1, 1]
    body = response.content.decode()
    assert "Report 0 on claim 0" in body
    assert 'class="badge state-new"' in body  # sources/_state.html
    assert "outlet0.example.com" in body  # the outlet, matched by domain
    assert 'class="grade grade-F"' in body


def test_it_redirects_a_merged_claim_to_its_target(analyst_client, editor, make_claims):
    keep, dup = make_claims(2)
    services.claim_merge(duplicate=dup, target=keep, actor=editor)
    response = analyst_client.get(url(dup))
    assert response.status_code == 302
    assert response["Location"] == keep.get_absolute_url()


def test_it_shows_verdict_changes_with_before_and_after(analyst_client, editor, claim):
    services.verdict_set(
        claim=claim,
        status="denied",
        rationale="The ministry denied it.",
        confidence="high",
        expected_version=claim.version,
        actor=editor,
    )
    body = analyst_client.get(url(claim)).content.decode()
    assert '<td class="before">Unverified</td><td class="after">Denied</td>' in body
    assert "The ministry denied it." in body
    assert "by erin" in body
    assert 'class="verdict-line status-denied"' in body  # marked on the strip


def test_it_shows_the_verdict_form_to_editors_only(client, analyst, editor, claim):
    client.force_login(analyst)
    assert 'name="rationale"' not in client.get(url(claim)).content.decode()
    client.force_login(editor)
    assert 'name="rationale"' in client.get(url(claim)).content.decode()


def test_it_pages_the_timeline_by_fifty_newest_first(analyst_client, make_claims, htmx):
    (claim,) = make_claims(1, evidence=0, comments=60)
    page = analyst_client.get(url(claim)).context["page"]
    assert len(page.events) == 50
    assert page.events[0].payload["text"] == "Comment 59"
    assert page.next_cursor
    more = analyst_client.get(
        url(claim), {"before": page.next_cursor}, headers=htmx("older_events")
    )
    body = more.content.decode()
    assert body.lstrip().startswith('<li class="event')
    # 10 comments and the "created" event remain, and nothing to load after them
    assert body.count('<li class="event') == 11
    assert "Load older events" not in body
    assert "Comment 9<" in body and "Comment 10<" not in body


def test_it_keeps_a_load_more_link_that_works_without_javascript(analyst_client, make_claims):
    (claim,) = make_claims(1, evidence=0, comments=55)
    body = analyst_client.get(url(claim)).content.decode()
    assert "Load older events" in body
    href = body.split('class="more">')[1].split('href="')[1].split('"')[0]
    older = analyst_client.get(href.replace("&amp;", "&"))
    assert older.status_code == 200
    assert len(older.context["page"].events) == 6


def test_it_filters_the_timeline_by_kind(analyst_client, make_claims, htmx, source_event):
    (claim,) = make_claims(1, evidence=2, comments=2)
    source_event(Evidence.objects.filter(claim=claim).first().source)
    page = analyst_client.get(url(claim), {"kind": "comment"}).context["page"]
    assert {e.kind for e in page.events} == {"comment"}
    page = analyst_client.get(url(claim), {"kind": "source"}).context["page"]
    assert [e.kind for e in page.events] == ["source_changed"]
    fragment = analyst_client.get(url(claim), {"kind": "evidence_added"}, headers=htmx("timeline"))
    assert fragment.content.decode().lstrip().startswith('<section id="timeline"')
    assert len(fragment.context["page"].events) == 2


def test_it_ignores_a_bad_kind_or_cursor(analyst_client, claim):
    for query in ({"kind": "nope"}, {"before": "garbage"}, {"before": "2025-01-01T00:00_x"}):
        assert analyst_client.get(url(claim), query).status_code == 200


def test_it_runs_a_constant_number_of_queries(
    analyst_client, editor, make_claims, count_queries, source_event, django_assert_max_num_queries
):
    """3 and 30 each of evidence, comments, source events and verdicts: the same count."""

    def grow(claim, start, stop):
        for i in range(start, stop):
            evidence = services.evidence_add(
                claim=claim,
                url=f"https://extra{i % 5}.example.org/{claim.pk}/{i}",
                stance=["supports", "denies", "neutral"][i % 3],
                actor=None,
            )
            services.comment_add(claim=claim, text=f"c{i}", actor=None)
            source_event(evidence.source)
            claim.refresh_from_db()
            services.verdict_set(
                claim=claim,
                status=["disputed", "denied", "confirmed"][i % 3],
                rationale=f"r{i}",
                expected_version=claim.version,
                actor=editor,
            )

    (claim,) = make_claims(1, evidence=0)
    grow(claim, 0, 3)
    count_queries(analyst_client, url(claim))  # warm the per-process caches
    with_3 = count_queries(analyst_client, url(claim))
    grow(claim, 3, 30)
    assert count_queries(analyst_client, url(claim)) == with_3
    with django_assert_max_num_queries(20):
        analyst_client.get(url(claim))


@pytest.mark.parametrize(
    "field",
    ["statement", "context", "tags", "quote", "note", "comment", "rationale", "title", "kind"],
)
def test_it_shows_typed_and_fetched_text_as_text(analyst_client, analyst, editor, field):
    text = f"Plain {XSS}"
    claim = services.claim_create(
        statement=text if field == "statement" else "A statement",
        context=text if field == "context" else "",
        tags=[f"x{XSS}"[:50]] if field == "tags" else [],
        actor=analyst,
    )
    services.evidence_add(
        claim=claim,
        url="https://example.com/report",
        stance="supports",
        quote=text if field == "quote" else "",
        note=text if field == "note" else "",
        actor=analyst,
    )
    if field == "title":  # a title taken from a fetched page
        Source.objects.update(title=text)
    if field == "comment":
        services.comment_add(claim=claim, text=text, actor=analyst)
    if field == "rationale":
        services.verdict_set(
            claim=claim,
            status="denied",
            rationale=text,
            expected_version=claim.version,
            actor=editor,
        )
    query = {"kind": XSS} if field == "kind" else {}
    body = analyst_client.get(url(claim), query).content.decode()
    assert XSS not in body
    assert "<img src=x" not in body
    if field not in ("tags", "kind"):
        assert XSS_ESCAPED in body


def test_it_shows_a_changed_headline_from_the_source_as_text(analyst_client, claim, source_event):
    services.evidence_add(claim=claim, url="https://example.com/a", stance="denies", actor=None)
    source_event(
        Source.objects.get(),
        kind=ClaimEvent.Kind.SOURCE_HEADLINE_CHANGED,
        before={"title": "Old"},
        after={"title": XSS},
    )
    body = analyst_client.get(url(claim)).content.decode()
    assert XSS not in body
    assert XSS_ESCAPED in body
    assert "Needs review" in body
    assert 'class="dot source-change"' in body  # marked on the strip
