"""The outlets pages: list with counts, detail with what its sources said, editors' grade."""

import pytest
from django.urls import reverse

from claims import services as claim_services
from sources.models import Outlet

pytestmark = pytest.mark.django_db


def link(claim, analyst, url, stance="supports"):
    return claim_services.evidence_add(claim=claim, url=url, stance=stance, actor=analyst)


@pytest.mark.parametrize("n", [3, 30])
def test_it_lists_outlets_with_counts_in_constant_queries(
    analyst_client, claim, analyst, n, django_assert_num_queries
):
    for i in range(n):
        link(claim, analyst, f"https://outlet{i}.example.com/a", "supports" if i % 2 else "denies")
    # session, user, permissions (2), page (no count), the header's "My claims" count
    with django_assert_num_queries(5 + 1):
        response = analyst_client.get(reverse("sources:outlet_list"))
    assert response.status_code == 200
    assert response.content.count(b'class="grade grade-F"') == n


def test_it_counts_what_an_outlet_supported_and_denied(analyst_client, claim, analyst):
    link(claim, analyst, "https://dawn.com/a", "supports")
    link(claim, analyst, "https://dawn.com/b", "denies")
    link(claim, analyst, "https://dawn.com/c", "neutral")
    outlet = Outlet.objects.get(domain="dawn.com")
    response = analyst_client.get(reverse("sources:outlet_list"), {"q": "dawn"})
    row = response.content.decode().split("dawn.com</td>")[1].split("</tr>")[0]
    assert "<td>3</td>" in row and '<td class="supports">1</td>' in row
    assert '<td class="denies">1</td>' in row
    response = analyst_client.get(outlet.get_absolute_url())
    html = response.content.decode()
    assert html.count(claim.statement[:40]) == 2  # supports and denies, not neutral


@pytest.mark.parametrize("n", [3, 30])
def test_it_shows_an_outlet_in_constant_queries(
    editor_client, claim, analyst, n, django_assert_num_queries
):
    for i in range(n):
        link(claim, analyst, f"https://dawn.com/{i}")
    outlet = Outlet.objects.get(domain="dawn.com")
    # session, user, permissions (2), outlet, sources, feeds, evidence, record, by quarter
    with django_assert_num_queries(10 + 1):  # + the header's "My claims" count
        response = editor_client.get(outlet.get_absolute_url())
    assert response.status_code == 200
    assert b"Change the outlet or its grade" in response.content


def test_it_lets_an_editor_change_the_grade(editor_client, claim, analyst):
    link(claim, analyst, "https://dawn.com/a")
    outlet = Outlet.objects.get(domain="dawn.com")
    data = {"name": "Dawn", "kind": "news", "country": "Pakistan", "reliability": "B"}
    response = editor_client.post(outlet.get_absolute_url(), data)
    assert response.status_code == 302
    outlet.refresh_from_db()
    assert (outlet.name, outlet.reliability, outlet.country) == ("Dawn", "B", "Pakistan")
    response = editor_client.post(
        outlet.get_absolute_url(),
        {**data, "reliability": "A"},
        headers={"HX-Request": "true", "HX-Target": "outlet"},
    )
    assert response.status_code == 200 and b"<html" not in response.content
    assert Outlet.objects.get(pk=outlet.pk).reliability == "A"


def test_it_keeps_what_the_editor_typed_on_bad_input(editor_client, claim, analyst):
    link(claim, analyst, "https://dawn.com/a")
    outlet = Outlet.objects.get(domain="dawn.com")
    response = editor_client.post(
        outlet.get_absolute_url(), {"name": "Dawn typed", "kind": "news", "reliability": "Z"}
    )
    assert response.status_code == 422
    assert b"Dawn typed" in response.content
    assert Outlet.objects.get(pk=outlet.pk).reliability == "F"


def test_it_refuses_a_grade_change_by_an_analyst_or_outsider(
    client, analyst_client, outsider, claim, analyst
):
    link(claim, analyst, "https://dawn.com/a")
    outlet = Outlet.objects.get(domain="dawn.com")
    data = {"name": "Dawn", "kind": "news", "reliability": "A"}
    assert b"Change the outlet" not in analyst_client.get(outlet.get_absolute_url()).content
    assert analyst_client.post(outlet.get_absolute_url(), data).status_code == 403
    client.force_login(outsider)
    assert client.post(outlet.get_absolute_url(), data).status_code == 403
    assert client.get(outlet.get_absolute_url()).status_code == 403
    assert client.get(reverse("sources:outlet_list")).status_code == 403
    assert Outlet.objects.get(pk=outlet.pk).reliability == "F"


def test_it_escapes_outlet_names(editor_client, claim, analyst):
    link(claim, analyst, "https://dawn.com/a")
    outlet = Outlet.objects.get(domain="dawn.com")
    Outlet.objects.filter(pk=outlet.pk).update(name="<script>alert(1)</script>")
    for url in (outlet.get_absolute_url(), reverse("sources:outlet_list")):
        html = editor_client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
