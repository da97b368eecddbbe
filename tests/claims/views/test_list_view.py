"""The claim list: search, filters, sorts, counts, pagination and its fragment."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from claims import selectors, services
from claims.models import Evidence
from tests.hostile import XSS, XSS_ESCAPED

pytestmark = pytest.mark.django_db
URL = reverse("claims:list")


def statements(response) -> list[str]:
    return [claim.statement for claim in response.context["page"].object_list]


def test_it_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_refuses_an_outsider(client, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 403


def test_it_lists_claims_with_their_stance_counts(analyst_client, make_claims):
    make_claims(2, evidence=5)
    response = analyst_client.get(URL)
    assert response.status_code == 200
    claim = response.context["page"].object_list[0]
    # stances in turn: supports, denies, neutral, supports, denies
    assert (claim.supports_count, claim.denies_count, claim.neutral_count) == (2, 2, 1)
    assert 'aria-label="2 supporting, 2 denying, 1 neutral sources"' in response.content.decode()


def test_it_leaves_merged_claims_out(analyst_client, editor, make_claims):
    keep, dup = make_claims(2)
    services.claim_merge(duplicate=dup, target=keep, actor=editor)
    assert statements(analyst_client.get(URL)) == [keep.statement]


def test_it_searches_statement_context_and_quotes_as_you_type(analyst_client, make_claims):
    make_claims(2)
    other = services.claim_create(
        statement="Tariffs on steel rise in July",
        context="Reported by trade press",
        actor=None,  # the system
    )
    services.evidence_add(
        claim=other,
        url="https://steel.example.com/a",
        stance="supports",
        quote="A spokeswoman confirmed the ministry's decision",
        actor=None,
    )
    assert statements(analyst_client.get(URL, {"q": "tarif"})) == [other.statement]
    assert statements(analyst_client.get(URL, {"q": "trade pre"})) == [other.statement]
    assert statements(analyst_client.get(URL, {"q": "spokeswom"})) == [other.statement]
    assert len(statements(analyst_client.get(URL, {"q": "ministers Qingdao"}))) == 2


def test_it_searches_safely_with_tsquery_syntax(analyst_client, make_claims):
    make_claims(1)
    for q in ["&", "!(", "a:*|b", "'", "\\", "<->", XSS]:
        assert analyst_client.get(URL, {"q": q}).status_code == 200


def test_it_filters_by_status_tag_outlet_and_review(
    analyst_client, editor, make_claims, source_event
):
    first, second, third = make_claims(3)
    services.verdict_set(
        claim=second,
        status="confirmed",
        rationale="Seen",
        expected_version=second.version,
        actor=editor,
    )
    evidence = Evidence.objects.filter(claim=third).select_related("source__outlet").first()
    source_event(evidence.source)
    assert statements(analyst_client.get(URL, {"status": "confirmed"})) == [second.statement]
    assert statements(analyst_client.get(URL, {"tag": "tag0"})) == [first.statement]
    assert statements(analyst_client.get(URL, {"needs_review": "on"})) == [third.statement]
    outlet = evidence.source.outlet
    assert len(statements(analyst_client.get(URL, {"outlet": str(outlet.code)}))) == 3
    assert len(statements(analyst_client.get(URL, {"outlet": outlet.domain}))) == 3
    assert statements(analyst_client.get(URL, {"outlet": "nowhere.example"})) == []


def test_it_keeps_stance_counts_right_under_an_outlet_filter(analyst_client, make_claims):
    make_claims(1, evidence=4)
    outlet = Evidence.objects.select_related("source__outlet").first().source.outlet
    claim = analyst_client.get(URL, {"outlet": str(outlet.code)}).context["page"][0]
    assert claim.source_count == 4


def test_it_sorts_newest_active_and_by_sources(analyst_client, make_claims):
    few, many = make_claims(1, evidence=1, prefix="Few") + make_claims(1, evidence=3)
    services.comment_add(claim=few, text="Bump", actor=None)
    assert statements(analyst_client.get(URL, {"sort": "newest"}))[0] == many.statement
    assert statements(analyst_client.get(URL, {"sort": "active"}))[0] == few.statement
    assert statements(analyst_client.get(URL, {"sort": "sources"}))[0] == many.statement


def test_it_ignores_bad_filter_values(analyst_client, make_claims):
    make_claims(2)
    response = analyst_client.get(URL, {"status": "nonsense", "sort": "drop table"})
    assert response.status_code == 200
    assert len(statements(response)) == 2


def test_it_paginates_and_keeps_filters_in_links(analyst_client, make_claims):
    make_claims(30, evidence=0)
    response = analyst_client.get(URL, {"tag": "sco"})
    assert len(statements(response)) == 25
    assert "?tag=sco&amp;page=2" in response.content.decode()
    assert len(statements(analyst_client.get(URL, {"tag": "sco", "page": 2}))) == 5


def test_it_answers_htmx_with_the_results_fragment(analyst_client, make_claims, htmx):
    make_claims(1)
    response = analyst_client.get(URL, {"q": "ministers"}, headers=htmx("results"))
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body


def test_it_runs_a_constant_number_of_queries(
    analyst_client, make_claims, count_queries, django_assert_max_num_queries
):
    """3 claims and 30 claims (each with sources of every stance): the same count."""
    make_claims(3, evidence=3)
    count_queries(analyst_client, URL)  # warm the per-process caches
    with_3 = {
        sort: count_queries(analyst_client, URL, query_params={"sort": sort})
        for sort in ("newest", "active", "sources", "independent")
    }
    with_3_search = count_queries(analyst_client, URL, query_params={"q": "ministers"})
    make_claims(27, evidence=3, prefix="More")
    for sort, count in with_3.items():
        assert count_queries(analyst_client, URL, query_params={"sort": sort}) == count
    assert count_queries(analyst_client, URL, query_params={"q": "ministers"}) == with_3_search
    with django_assert_max_num_queries(12):
        analyst_client.get(URL, {"tag": "sco", "needs_review": "on", "page": 2})


def test_it_shows_typed_text_as_text(analyst_client, analyst):
    services.claim_create(statement=f"Claim {XSS}", tags=[f"t{XSS}"[:50]], actor=analyst)
    body = analyst_client.get(URL).content.decode()
    assert XSS not in body
    assert XSS_ESCAPED in body
    assert "<img src=x" not in body


def test_it_shows_the_query_string_as_text(analyst_client, analyst):
    services.claim_create(statement="Claim about script alert", actor=analyst)
    body = analyst_client.get(URL, {"q": XSS, "tag": XSS, "outlet": XSS}).content.decode()
    assert XSS not in body
    assert "<img src=x" not in body
    assert XSS_ESCAPED in body


def test_the_selector_keeps_its_signature_for_the_api():
    claims = selectors.claim_list(
        q="", status="", tag="", outlet="", needs_review=False, sort="newest"
    )
    assert list(claims) == []


def test_it_falls_back_to_substring_search_off_postgresql(analyst_client, make_claims, monkeypatch):
    make_claims(2)
    monkeypatch.setattr(selectors, "_is_postgres", lambda: False)
    assert len(statements(analyst_client.get(URL, {"q": "Qingdao"}))) == 2
    assert len(statements(analyst_client.get(URL, {"q": "Quote 1 of claim 0"}))) == 1
    assert statements(analyst_client.get(URL, {"q": "nowhere"})) == []


def test_it_never_counts_the_whole_list(analyst_client, make_claims):
    """Pages read one row more than they show instead of a COUNT(*) over the table."""
    make_claims(26, evidence=0)
    with CaptureQueriesContext(connection) as queries:
        response = analyst_client.get(URL, {"sort": "sources"})
    # No count over the list (a paginator's SELECT COUNT(*)); the origin counts are one
    # grouped query over the rows shown only.
    assert not [q for q in queries if q["sql"].upper().lstrip().startswith("SELECT COUNT(")]
    (listed,) = [q for q in queries if 'FROM "claims_claim"' in q["sql"] and "LIMIT 26" in q["sql"]]
    body = response.content.decode()
    assert "Claims 1–25" in body
    assert 'rel="next"' in body
    last = analyst_client.get(URL, {"page": 2}).content.decode()
    assert "Claims 26–26" in last
    assert 'rel="next"' not in last


def test_it_offers_no_export_of_an_empty_search(analyst_client, claim):
    empty = analyst_client.get(reverse("claims:list"), {"q": "nothing-matches-this"}).content
    assert b"No claims" in empty and b"export these" not in empty
    full = analyst_client.get(reverse("claims:list")).content
    assert b"export these" in full


def test_it_shows_a_rows_change_at_once_though_rows_are_kept(analyst_client, make_claims):
    """Rows are kept per process by what they show (claims.list_rows): a changed claim
    (its counts, its last activity, its tags) is rendered again, never served stale."""
    (claim,) = make_claims(1, evidence=1)
    before = analyst_client.get(URL).content.decode()
    assert "+1</span>" in before
    services.evidence_add(
        claim=claim, url="https://www.dawn.com/news/y2", stance="supports", actor=None
    )
    services.comment_add(claim=claim, text="Bump", actor=None)
    after = analyst_client.get(URL).content.decode()
    assert "+2</span>" in after
    claim.refresh_from_db()
    shown = timezone.localtime(claim.last_activity_at)
    assert f'datetime="{date_format(shown, "c")}">{date_format(shown, "j M Y, H:i")}<' in after
    assert after != before


def test_it_renders_a_row_as_the_instance_would(analyst_client, make_claims):
    """A row's address is the claim's own, its tag links go back to the list."""
    (claim,) = make_claims(1)
    body = analyst_client.get(URL).content.decode()
    assert f'<a class="statement" href="{claim.get_absolute_url()}">' in body
    for tag in claim.tags.all():
        assert f'href="{URL}?tag={tag.name}">{tag.name}</a>' in body
