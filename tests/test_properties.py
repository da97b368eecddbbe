"""Property-based tests (hypothesis): no input to the URL normaliser, the import, the forms
or the API gives a 500, and a refused input writes nothing (issue 10)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim, ClaimEvent, Evidence, Tag
from intake.imports import import_claims
from intake.mapping import ColumnMapping
from intake.spreadsheets import ImportFileError
from sources.models import Source
from sources.urlnorm import normalize_url

# Text as people and attackers type it: any code point (NUL, surrogates' neighbours,
# right-to-left marks), long runs, and the characters that matter to URLs and CSV.
TEXT = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from("\x00,;=\"'\n\r\t/:@?#%&<>")),
    max_size=300,
)
RUN = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@RUN
@given(
    st.one_of(
        TEXT,
        st.builds(
            lambda scheme, host, rest: f"{scheme}://{host}{rest}",
            st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", ""]),
            TEXT,
            TEXT,
        ),
    )
)
def test_it_normalises_any_url_or_refuses_it_cleanly(raw):
    try:
        url = normalize_url(raw)
    except ValidationError:
        return
    assert url.startswith(("http://", "https://"))
    assert normalize_url(url) == url  # idempotent


def counts():
    return (
        Claim.objects.count(),
        ClaimEvent.objects.count(),
        Evidence.objects.count(),
        Source.objects.count(),
        Tag.objects.count(),
    )


@pytest.mark.django_db
@RUN
@given(statement=TEXT, context=TEXT, tags=st.lists(TEXT, max_size=30))
def test_it_logs_a_claim_or_refuses_it_whole(analyst, statement, context, tags):
    before = counts()
    try:
        services.claim_create(statement=statement, context=context, tags=tags, actor=analyst)
    except ValidationError:
        assert counts() == before
    else:
        assert counts()[0] == before[0] + 1


@pytest.mark.django_db
@RUN
@given(rows=st.lists(st.lists(TEXT, min_size=4, max_size=4), max_size=6))
def test_it_imports_any_csv_or_reports_it_without_writing(rows):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["claim", "url", "stance", "verdict"])
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8", "surrogatepass")
    before = counts()
    try:
        mapping = ColumnMapping.guess(["claim", "url", "stance", "verdict"])
        report = import_claims(data, name="p.csv", mapping=mapping, actor=None, dry_run=False)
    except ImportFileError:
        assert counts() == before
        return
    if not report.ok:
        assert counts() == before  # all or nothing


ENDPOINTS = [
    ("post", "/api/claims/", ["statement", "context", "tags"]),
    ("patch", "/api/claims/{code}/", ["statement", "context", "version"]),
    ("post", "/api/claims/{code}/verdict/", ["status", "rationale", "confidence", "version"]),
    ("post", "/api/claims/{code}/comments/", ["text"]),
    ("post", "/api/claims/{code}/evidence/", ["url", "stance", "quote", "note", "title"]),
    ("post", "/api/outlets/", ["name", "domain", "kind", "reliability"]),
    ("get", "/api/claims/", ["q", "status", "tag", "outlet", "sort", "limit", "offset"]),
    ("get", "/api/sources/", ["q", "state", "outlet", "limit"]),
]
VALUE = st.one_of(
    TEXT,
    st.integers(),
    st.none(),
    st.booleans(),
    st.lists(TEXT, max_size=5),
    # JSON has no infinities or NaN: the client could not send them.
    st.floats(allow_nan=False, allow_infinity=False),
)


@pytest.mark.django_db
@RUN
@given(
    which=st.integers(0, len(ENDPOINTS) - 1),
    values=st.dictionaries(st.sampled_from(range(8)), VALUE, max_size=6),
)
def test_it_answers_any_api_input_with_less_than_500(editor, claim, which, values):
    method, url, fields = ENDPOINTS[which]
    body = {fields[i % len(fields)]: v for i, v in values.items()}
    api = APIClient()
    api.force_authenticate(editor)
    url = url.format(code=claim.code)
    before = counts()
    if method == "get":
        params = {k: str(v) for k, v in body.items()}
        response = api.get(url, params)
    else:
        response = getattr(api, method)(url, body, format="json")
    assert response.status_code < 500, (url, body, response.content[:300])
    if response.status_code >= 400:
        assert counts() == before


FORMS = [
    ("claims:new", ["statement", "context", "tags", "first_seen_at", "resolves_at"]),
    ("claims:edit", ["statement", "context", "tags", "version", "first_seen_at"]),
    ("claims:verdict", ["status", "rationale", "confidence", "version"]),
    ("claims:comment", ["text"]),
    ("claims:evidence_add", ["url", "stance", "quote", "note", "title"]),
    ("claims:merge", ["target"]),
    ("claims:list", ["q", "status", "tag", "outlet", "sort", "page", "needs_review"]),
]


@pytest.mark.django_db
@RUN
@given(
    which=st.integers(0, len(FORMS) - 1),
    values=st.dictionaries(st.sampled_from(range(8)), TEXT, max_size=6),
)
def test_it_answers_any_form_input_with_less_than_500(client, editor, claim, which, values):
    from django.urls import reverse

    name, fields = FORMS[which]
    data = {fields[i % len(fields)]: v for i, v in values.items()}
    client.force_login(editor)
    url = (
        reverse(name, args=[claim.code])
        if name not in ("claims:new", "claims:list")
        else (reverse(name))
    )
    before = counts()
    response = client.get(url, data) if name == "claims:list" else client.post(url, data)
    assert response.status_code < 500, (name, data)
    if response.status_code >= 400:
        assert counts() == before
