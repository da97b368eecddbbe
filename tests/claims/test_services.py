"""The claim services: each write comes with its event; bad input writes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from claims import services
from claims.models import Claim, ClaimEvent, Evidence, Tag
from sources.models import Outlet, Source

pytestmark = pytest.mark.django_db

URL = "https://www.aa.com.tr/en/asia-pacific/sco-meeting/1?utm_source=x"


def kinds(claim):
    return list(claim.events.order_by("created_at", "id").values_list("kind", flat=True))


def test_it_creates_a_claim_with_its_event(analyst):
    claim = services.claim_create(
        statement="  The ministers   will meet. ", tags="SCO, defence, sco", actor=analyst
    )
    assert claim.statement == "The ministers will meet."
    assert sorted(claim.tags.values_list("name", flat=True)) == ["defence", "sco"]
    event = claim.events.get()
    assert (event.kind, event.actor) == (ClaimEvent.Kind.CREATED, analyst)
    assert event.payload["statement"] == "The ministers will meet."


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"statement": "   "}, "statement"),
        ({"statement": "x" * 1001}, "statement"),
        ({"statement": "ok", "tags": ["x" * 51]}, "tags"),
        (
            {"statement": "ok", "first_seen_at": timezone.now() + timedelta(days=1)},
            "first_seen_at",
        ),
        (
            {
                "statement": "ok",
                "first_seen_at": timezone.now() - timedelta(days=1),
                "resolves_at": timezone.now() - timedelta(days=2),
            },
            "resolves_at",
        ),
    ],
)
def test_it_refuses_a_bad_claim_and_writes_nothing(analyst, fields, field):
    with pytest.raises(ValidationError) as exc:
        services.claim_create(actor=analyst, **fields)
    assert field in exc.value.message_dict
    assert not Claim.objects.exists()
    assert not ClaimEvent.objects.exists()
    assert not Tag.objects.exists()


def test_it_refuses_a_user_outside_the_groups(outsider):
    with pytest.raises(PermissionDenied):
        services.claim_create(statement="x", actor=outsider)
    assert not Claim.objects.exists()


def test_it_edits_a_claim_keeping_before_and_after(claim, analyst):
    services.claim_update(
        claim=claim,
        expected_version=1,
        statement="The ministers will not meet.",
        tags=["sco"],
        actor=analyst,
    )
    claim.refresh_from_db()
    assert claim.version == 2
    event = claim.events.get(kind=ClaimEvent.Kind.EDITED)
    assert event.payload["before"]["statement"].startswith("The two defence")
    assert event.payload["after"] == {"statement": "The ministers will not meet.", "tags": ["sco"]}


def test_it_writes_no_event_for_an_edit_that_changes_nothing(claim, analyst):
    services.claim_update(claim=claim, expected_version=1, statement=claim.statement, actor=analyst)
    assert kinds(claim) == ["created"]


def test_it_refuses_a_stale_edit(claim, analyst):
    services.claim_update(claim=claim, expected_version=1, context="new", actor=analyst)
    stale = Claim.objects.get(pk=claim.pk)
    stale.version = 1
    with pytest.raises(services.VersionConflict):
        services.claim_update(claim=stale, expected_version=1, context="other", actor=analyst)
    assert Claim.objects.get(pk=claim.pk).context == "new"


def test_it_links_a_source_creating_source_and_outlet(claim, analyst):
    evidence = services.evidence_add(
        claim=claim, url=URL, stance="supports", quote=" They will meet. ", actor=analyst
    )
    source = evidence.source
    assert source.url == "https://www.aa.com.tr/en/asia-pacific/sco-meeting/1"
    assert source.outlet.domain == "aa.com.tr"
    assert source.outlet.reliability == Outlet.Reliability.F
    assert evidence.quote == "They will meet."
    event = claim.events.get(kind=ClaimEvent.Kind.EVIDENCE_ADDED)
    assert event.payload["stance"] == "supports"
    assert event.source == source


def test_it_reuses_a_known_source_and_outlet(claim, analyst):
    other = services.claim_create(statement="Another claim", actor=analyst)
    services.evidence_add(claim=claim, url=URL, stance="supports", actor=analyst)
    services.evidence_add(
        claim=other,
        url="https://WWW.aa.com.tr/en/asia-pacific/sco-meeting/1#x",
        stance="denies",
        actor=analyst,
    )
    assert Source.objects.count() == 1
    assert Outlet.objects.count() == 1


def test_it_refuses_the_same_source_twice_on_one_claim(claim, analyst):
    services.evidence_add(claim=claim, url=URL, stance="supports", actor=analyst)
    with pytest.raises(ValidationError, match="already linked"):
        services.evidence_add(claim=claim, url=URL + "&fbclid=1", stance="denies", actor=analyst)
    assert Evidence.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "stance", "field"),
    [
        ("ftp://x.org/a", "supports", "url"),
        ("not a url", "supports", "url"),
        (URL, "maybe", "stance"),
    ],
)
def test_it_refuses_bad_evidence_and_writes_nothing(claim, analyst, url, stance, field):
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(claim=claim, url=url, stance=stance, actor=analyst)
    assert field in exc.value.message_dict
    assert not Source.objects.exists()
    assert kinds(claim) == ["created"]


def test_it_restances_and_edits_evidence_with_distinct_events(claim, analyst):
    evidence = services.evidence_add(claim=claim, url=URL, stance="supports", actor=analyst)
    services.evidence_update(evidence=evidence, stance="denies", actor=analyst)
    services.evidence_update(evidence=evidence, note="Checked with the ministry.", actor=analyst)
    assert kinds(claim)[-2:] == ["evidence_restanced", "evidence_edited"]
    restanced = claim.events.get(kind="evidence_restanced")
    assert restanced.payload["before"] == {"stance": "supports"}
    assert restanced.payload["after"] == {"stance": "denies"}


def test_it_lets_only_editors_remove_evidence(claim, analyst, editor):
    evidence = services.evidence_add(claim=claim, url=URL, stance="supports", actor=analyst)
    with pytest.raises(PermissionDenied):
        services.evidence_remove(evidence=evidence, actor=analyst)
    services.evidence_remove(evidence=evidence, actor=editor, reason="Wrong article")
    assert not Evidence.objects.exists()
    assert Source.objects.count() == 1  # the source stays
    removed = claim.events.get(kind="evidence_removed")
    assert removed.payload["reason"] == "Wrong article"


def test_it_sets_a_verdict_with_before_and_after(claim, editor):
    services.verdict_set(
        claim=claim,
        status="denied",
        rationale="The Foreign Office said no meeting is scheduled.",
        confidence="medium",
        expected_version=1,
        actor=editor,
    )
    claim.refresh_from_db()
    assert (claim.status, claim.confidence, claim.version) == ("denied", "medium", 2)
    assert claim.verdict_by == editor
    event = claim.events.get(kind="verdict_set")
    assert event.payload["before"]["status"] == "unverified"
    assert event.payload["after"]["status"] == "denied"


def test_it_refuses_a_stale_verdict_and_changes_nothing(claim, editor):
    services.verdict_set(
        claim=claim, status="denied", rationale="First", expected_version=1, actor=editor
    )
    with pytest.raises(services.VersionConflict) as exc:
        services.verdict_set(
            claim=claim, status="confirmed", rationale="Second", expected_version=1, actor=editor
        )
    assert exc.value.current.status == "denied"
    claim.refresh_from_db()
    assert (claim.status, claim.rationale, claim.version) == ("denied", "First", 2)
    assert claim.events.filter(kind="verdict_set").count() == 1


@pytest.mark.parametrize(
    ("status", "rationale", "confidence", "field"),
    [
        ("true", "x", "", "status"),
        ("denied", "  ", "", "rationale"),
        ("denied", "x", "sure", "confidence"),
    ],
)
def test_it_refuses_a_bad_verdict(claim, editor, status, rationale, confidence, field):
    with pytest.raises(ValidationError) as exc:
        services.verdict_set(
            claim=claim,
            status=status,
            rationale=rationale,
            confidence=confidence,
            expected_version=1,
            actor=editor,
        )
    assert field in exc.value.message_dict
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("unverified", 1)


def test_it_refuses_a_verdict_from_an_analyst(claim, analyst):
    with pytest.raises(PermissionDenied):
        services.verdict_set(
            claim=claim, status="confirmed", rationale="x", expected_version=1, actor=analyst
        )
    assert Claim.objects.get(pk=claim.pk).status == "unverified"


def test_it_adds_comments(claim, analyst):
    services.comment_add(claim=claim, text="Asked the embassy.", actor=analyst)
    with pytest.raises(ValidationError):
        services.comment_add(claim=claim, text=" ", actor=analyst)
    assert claim.events.get(kind="comment").payload == {"text": "Asked the embassy."}


def test_it_merges_a_duplicate_moving_evidence_and_showing_its_timeline(claim, analyst, editor):
    duplicate = services.claim_create(
        statement="Asif and Singh to meet in Qingdao", tags=["qingdao"], actor=analyst
    )
    services.evidence_add(claim=duplicate, url=URL, stance="supports", actor=analyst)
    services.evidence_add(claim=claim, url=URL, stance="supports", actor=analyst)
    services.evidence_add(
        claim=duplicate, url="https://mofa.gov.pk/statement", stance="denies", actor=analyst
    )
    services.claim_merge(duplicate=duplicate, target=claim, actor=editor)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == claim
    assert sorted(claim.evidence.values_list("source__url", flat=True)) == [
        "https://mofa.gov.pk/statement",
        "https://www.aa.com.tr/en/asia-pacific/sco-meeting/1",
    ]
    assert "qingdao" in claim.tags.values_list("name", flat=True)
    # The duplicate's events stay in its own chain; the target's timeline reads them.
    assert claim.timeline().filter(kind="created").count() == 2
    assert duplicate.events.order_by("-seq").first().kind == "merged"
    assert [e.kind for e in duplicate.events.order_by("seq")][:1] == ["created"]


def test_it_refuses_to_merge_for_analysts_or_into_itself(claim, analyst, editor):
    with pytest.raises(PermissionDenied):
        services.claim_merge(duplicate=claim, target=claim, actor=analyst)
    with pytest.raises(ValidationError):
        services.claim_merge(duplicate=claim, target=claim, actor=editor)


def test_it_writes_a_source_event_to_every_citing_claim_and_flags_review(claim, analyst):
    other = services.claim_create(statement="Another claim", actor=analyst)
    evidence = services.evidence_add(claim=claim, url=URL, stance="supports", actor=analyst)
    services.evidence_add(claim=other, url=URL, stance="denies", actor=analyst)
    events = services.source_event_record(
        source=evidence.source,
        kind=ClaimEvent.Kind.SOURCE_HEADLINE_CHANGED,
        payload={"before": {"title": "a"}, "after": {"title": "b"}},
    )
    assert len(events) == 2
    assert {e.claim_id for e in events} == {claim.pk, other.pk}
    assert all(e.actor is None for e in events)
    assert Evidence.objects.filter(needs_review=True).count() == 2


def test_it_does_not_flag_review_when_a_source_comes_back(claim, analyst):
    evidence = services.evidence_add(claim=claim, url=URL, stance="supports", actor=analyst)
    services.source_event_record(source=evidence.source, kind=ClaimEvent.Kind.SOURCE_BACK)
    assert not Evidence.objects.filter(needs_review=True).exists()
    services.evidence_mark_reviewed(evidence=evidence, actor=analyst)  # nothing to review
    assert not claim.events.filter(kind="evidence_reviewed").exists()


def test_it_never_edits_a_timeline_event(claim):
    event = claim.events.get()
    event.payload = {"forged": True}
    with pytest.raises(ValueError, match="append-only"):
        event.save()
