"""The database refuses what the services refuse, even for a write that skips them."""

import pytest
from django.db import IntegrityError, transaction

from claims.models import Claim, ClaimEvent, Evidence
from sources.models import CheckAttempt, Outlet, Source

pytestmark = pytest.mark.django_db


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_it_keeps_one_source_per_normalised_url():
    Source.objects.create(url="https://e.com/a")
    refused(lambda: Source.objects.create(url="https://e.com/a"))


def test_it_keeps_one_evidence_per_claim_and_source():
    claim = Claim.objects.create(statement="x")
    source = Source.objects.create(url="https://e.com/a")
    Evidence.objects.create(claim=claim, source=source, stance="supports")
    refused(lambda: Evidence.objects.create(claim=claim, source=source, stance="denies"))


def test_it_refuses_values_outside_the_choices():
    source = Source.objects.create(url="https://e.com/a")
    claim = Claim.objects.create(statement="x")
    refused(lambda: Claim.objects.create(statement="x", status="true"))
    refused(lambda: Claim.objects.create(statement="x", confidence="sure"))
    refused(lambda: Claim.objects.create(statement=""))
    refused(lambda: Evidence.objects.create(claim=claim, source=source, stance="for"))
    refused(lambda: Outlet.objects.create(name="x", domain="x.org", reliability="G"))
    refused(lambda: Outlet.objects.create(name="x", domain="y.org", kind="blog"))
    refused(lambda: Source.objects.create(url="https://e.com/b", state="dead"))
    refused(lambda: ClaimEvent.objects.create(claim=claim, kind="deleted"))
    refused(lambda: CheckAttempt.objects.create(source=source, outcome="fine"))


def test_it_keeps_one_outlet_per_domain():
    Outlet.objects.create(name="Dawn", domain="dawn.com")
    refused(lambda: Outlet.objects.create(name="Dawn News", domain="dawn.com"))


def test_it_refuses_a_claim_merged_into_itself():
    claim = Claim.objects.create(statement="x")
    refused(lambda: Claim.objects.filter(pk=claim.pk).update(merged_into=claim))


def test_it_keeps_a_source_that_evidence_cites():
    claim = Claim.objects.create(statement="x")
    source = Source.objects.create(url="https://e.com/a")
    Evidence.objects.create(claim=claim, source=source, stance="supports")
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        source.delete()
