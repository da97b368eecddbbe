import csv
import io

import pytest
from rest_framework.authtoken.models import Token

from claims import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims(analyst, claim):
    services.evidence_add(
        claim=claim,
        url="https://dawn.com/a",
        stance="supports",
        title="=HYPERLINK(1)",
        actor=None,
    )
    services.evidence_add(claim=claim, url="https://fo.gov.pk/b", stance="denies", actor=None)
    other = services.claim_create(
        statement="Bananas are blue.", claimant="A fruit blog", tags=["fruit"], actor=analyst
    )
    services.verdict_set(
        claim=other, status="denied", rationale="No.", expected_version=1, actor=None
    )
    return claim, other


def rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_it_exports_one_csv_row_per_claim_and_source(analyst_client, claims):
    claim, other = claims
    response = analyst_client.get("/claims/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    data = rows(response)
    assert [(r["code"], r["stance"]) for r in data] == [
        (str(other.code), ""),
        (str(claim.code), "supports"),
        (str(claim.code), "denies"),
    ]
    assert data[1]["url"] == "https://dawn.com/a"
    assert data[1]["outlet"] == "dawn.com"
    assert data[1]["page"] == f"http://testserver/claims/{claim.code}/"
    # A title that a spreadsheet would run as a formula is defused.
    assert data[1]["title"] == "'=HYPERLINK(1)"


def test_it_filters_exports_like_the_list(analyst_client, claims):
    claim, other = claims
    assert {r["code"] for r in rows(analyst_client.get("/claims/export.csv?status=denied"))} == {
        str(other.code)
    }
    body = analyst_client.get("/claims/export.json?tag=sco").json()
    assert [c["code"] for c in body["claims"]] == [str(claim.code)]
    assert [e["stance"] for e in body["claims"][0]["evidence"]] == ["supports", "denies"]


def test_it_exports_in_a_constant_number_of_queries(
    analyst_client, analyst, django_assert_num_queries
):
    def make(n):
        for i in range(n):
            c = services.claim_create(statement=f"Claim {i}", tags=["t"], actor=analyst)
            services.evidence_add(claim=c, url=f"https://x.org/{i}", stance="denies", actor=None)

    make(3)
    # session, user, permissions (2), claims, tags, evidence; the CSV adds outlet records
    with django_assert_num_queries(8):
        assert len(rows(analyst_client.get("/claims/export.csv"))) == 3
    make(27)
    with django_assert_num_queries(8):
        assert len(rows(analyst_client.get("/claims/export.csv"))) == 30
    with django_assert_num_queries(7):
        assert len(analyst_client.get("/claims/export.json").json()["claims"]) == 30


def test_it_asks_for_a_session_or_a_token(client, analyst, claims):
    response = client.get("/claims/export.json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert client.get("/claims/export.csv", HTTP_AUTHORIZATION="Token wrong").status_code == 401
    token = Token.objects.create(user=analyst)
    response = client.get("/claims/export.json", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert len(response.json()["claims"]) == 2


def test_it_refuses_outsiders(client, outsider, claims):
    client.force_login(outsider)
    assert client.get("/claims/export.csv").status_code == 403
    assert client.get("/claims/export.json").status_code == 403


def test_it_exports_a_file_that_imports_back(analyst_client, claims):
    from django.db import connection

    from claims.models import Claim, Evidence
    from intake.imports import import_claims

    exported = analyst_client.get("/claims/export.csv").content
    with connection.cursor() as cursor:
        # Claims with a timeline are never deleted; start from an empty database.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE claims_claim CASCADE")
    report = import_claims(exported, name="claims.csv")
    assert report.ok, report.errors
    assert sorted(Claim.objects.values_list("statement", "status", "claimant")) == [
        ("Bananas are blue.", "denied", "A fruit blog"),
        ("The two defence ministers will meet at the SCO summit.", "unverified", ""),
    ]
    assert Evidence.objects.count() == 2
    assert import_claims(exported, name="claims.csv").claims_created == 0
