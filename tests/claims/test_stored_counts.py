"""The counts and search vector stored on each claim stay equal to what a full count of
its evidence gives, through every service that touches evidence."""

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db.models import Count, Q

from claims import services
from claims.models import Claim, ClaimEvent, Evidence

pytestmark = pytest.mark.django_db
FIELDS = ["supports_count", "denies_count", "neutral_count", "source_count", "review_count"]


def assert_counts_right():
    """Stored counts of every claim against a COUNT over the evidence table."""
    stance = Evidence.Stance
    counted = Claim.objects.annotate(
        s=Count("evidence", filter=Q(evidence__stance=stance.SUPPORTS)),
        d=Count("evidence", filter=Q(evidence__stance=stance.DENIES)),
        n=Count("evidence", filter=Q(evidence__stance=stance.NEUTRAL)),
        t=Count("evidence"),
        r=Count("evidence", filter=Q(evidence__needs_review=True)),
    )
    for claim in counted:
        stored = [getattr(claim, name) for name in FIELDS]
        assert stored == [claim.s, claim.d, claim.n, claim.t, claim.r], claim.statement


def found(word: str) -> set[int]:
    query = SearchQuery(f"{word}:*", search_type="raw", config="english")
    return set(Claim.objects.filter(search_vector=query).values_list("pk", flat=True))


def add(claim, url, stance, actor, quote=""):
    return services.evidence_add(
        claim=claim, url=url, stance=stance, quote=quote, actor=actor, monitor=False
    )


def test_it_keeps_stored_counts_right_through_every_service(claim, analyst, editor):
    other = services.claim_create(statement="Bananas are blue", actor=analyst)
    assert_counts_right()
    a = add(claim, "https://dawn.com/a", "supports", analyst)
    b = add(claim, "https://bbc.co.uk/b", "denies", analyst)
    add(other, "https://dawn.com/a", "neutral", analyst)
    add(other, "https://cnn.com/c", "supports", analyst)
    assert_counts_right()
    claim.refresh_from_db()
    assert (claim.supports_count, claim.denies_count, claim.source_count) == (1, 1, 2)

    services.evidence_update(evidence=a, stance="denies", actor=analyst)
    assert_counts_right()
    services.source_event_record(source=a.source, kind=ClaimEvent.Kind.SOURCE_CHANGED)
    assert_counts_right()
    assert Claim.objects.get(pk=other.pk).review_count == 1
    services.source_event_record(source=b.source, kind=ClaimEvent.Kind.SOURCE_BACK)
    assert_counts_right()
    a.refresh_from_db()
    services.evidence_mark_reviewed(evidence=a, actor=analyst)
    assert_counts_right()
    services.evidence_remove(evidence=b, actor=editor)
    assert_counts_right()
    services.claim_merge(duplicate=other, target=claim, actor=editor)
    assert_counts_right()
    claim.refresh_from_db()
    assert (claim.supports_count, claim.denies_count, claim.neutral_count) == (1, 1, 0)
    assert Claim.objects.get(pk=other.pk).source_count == 0


def test_it_keeps_the_search_vector_right_through_every_service(claim, analyst, editor):
    assert claim.pk in found("summit")
    evidence = add(claim, "https://dawn.com/a", "supports", analyst, quote="Spokeswoman agreed")
    assert claim.pk in found("spokeswom")
    services.evidence_update(evidence=evidence, quote="A minister agreed", actor=analyst)
    assert claim.pk not in found("spokeswom")
    services.claim_update(
        claim=claim, expected_version=claim.version, statement="Tariffs rise", actor=analyst
    )
    assert claim.pk in found("tariff")
    assert claim.pk not in found("summit")
    services.evidence_remove(evidence=evidence, actor=editor)
    assert claim.pk not in found("minist")
    other = services.claim_create(statement="Bananas are blue", actor=analyst)
    add(other, "https://cnn.com/c", "supports", analyst, quote="Grocer says yellow")
    services.claim_merge(duplicate=other, target=claim, actor=editor)
    assert claim.pk in found("grocer")


def test_it_links_many_sources_at_once_with_the_same_guarantees(claim, analyst, outsider):
    from django.core.exceptions import PermissionDenied, ValidationError

    from sources.models import Outlet, Source

    Link = services.EvidenceLink
    add(claim, "https://dawn.com/known", "neutral", analyst)
    links = [
        Link(url="https://dawn.com/known?utm_source=x", stance="supports"),  # linked already
        Link(url="https://bbc.co.uk/new", stance="denies"),
    ]
    with pytest.raises(ValidationError):
        services.evidence_add_many(claim=claim, links=links, actor=analyst, monitor=False)
    for bad in ["for", "maybe"]:
        with pytest.raises(ValidationError):
            services.evidence_add_many(
                claim=claim,
                links=[Link(url="https://bbc.co.uk/x", stance=bad)],
                actor=analyst,
                monitor=False,
            )
    with pytest.raises(PermissionDenied):
        services.evidence_add_many(claim=claim, links=links[1:], actor=outsider, monitor=False)
    assert Source.objects.count() == 1
    assert claim.evidence.count() == 1

    evidence = services.evidence_add_many(
        claim=claim,
        links=[
            Link(url="https://bbc.co.uk/new", stance="denies", title="BBC", quote="No meeting"),
            Link(url="https://www.dawn.com/other", stance="supports"),
        ],
        actor=analyst,
        monitor=False,
    )
    assert [e.stance for e in evidence] == ["denies", "supports"]
    assert set(Outlet.objects.values_list("domain", flat=True)) == {"dawn.com", "bbc.co.uk"}
    added = claim.events.filter(kind=ClaimEvent.Kind.EVIDENCE_ADDED).order_by("id")
    assert [e.payload["new_source"] for e in added] == [True, True, True]
    assert_counts_right()
    assert claim.pk in found("meeting")
