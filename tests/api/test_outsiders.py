"""Every API endpoint refuses a signed-in user in neither group, and changes nothing."""

import pytest
from django.urls import reverse

from claims import services
from claims.models import ClaimEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(claim):
    evidence = services.evidence_add(
        claim=claim, url="https://dawn.com/a", stance="supports", actor=None
    )
    return claim.code, evidence.source.code, evidence.source.outlet.code


ENDPOINTS = [
    ("get", "api:claim_list", ()),
    ("post", "api:claim_list", ()),
    ("get", "api:claim_detail", ("claim",)),
    ("patch", "api:claim_detail", ("claim",)),
    ("post", "api:verdict", ("claim",)),
    ("get", "api:timeline", ("claim",)),
    ("post", "api:comments", ("claim",)),
    ("get", "api:evidence_list", ("claim",)),
    ("post", "api:evidence_list", ("claim",)),
    ("get", "api:evidence_detail", ("claim", "source")),
    ("patch", "api:evidence_detail", ("claim", "source")),
    ("delete", "api:evidence_detail", ("claim", "source")),
    ("post", "api:evidence_reviewed", ("claim", "source")),
    ("get", "api:source_list", ()),
    ("post", "api:source_list", ()),
    ("get", "api:source_detail", ("source",)),
    ("post", "api:source_refresh", ("source",)),
    ("get", "api:outlet_list", ()),
    ("post", "api:outlet_list", ()),
    ("get", "api:outlet_detail", ("outlet",)),
    ("patch", "api:outlet_detail", ("outlet",)),
]


@pytest.mark.parametrize(("method", "name", "args"), ENDPOINTS)
def test_it_refuses_outsiders_everywhere(outsider_api, objects, method, name, args):
    codes = dict(zip(("claim", "source", "outlet"), objects, strict=True))
    url = reverse(name, args=[codes[arg] for arg in args])
    events = ClaimEvent.objects.count()
    response = getattr(outsider_api, method)(url, {}, format="json")
    assert response.status_code == 403
    assert "detail" in response.json()
    assert ClaimEvent.objects.count() == events
