"""Issue 9, items 6 and 9: the review queue shows each source change once, with every
claim citing it to restance and mark reviewed in place; the strip stays readable."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from claims import services
from claims.models import Claim, Evidence
from claims.strip import CLUSTER_PX, PAD_X, WIDTH, evidence_strip

pytestmark = pytest.mark.django_db
URL = reverse("claims:review")


def test_it_groups_the_queue_by_source_change(analyst_client, analyst):
    first = services.claim_create(statement="The ministers will meet in Qingdao.", actor=analyst)
    second = services.claim_create(statement="Asif arrived in Qingdao.", actor=analyst)
    for claim in (first, second):
        services.evidence_add(
            claim=claim, url="https://aa.com.tr/a", stance="supports", actor=analyst
        )
    source = Evidence.objects.filter(claim=first).get().source
    services.source_event_record(
        source=source,
        kind="source_headline_changed",
        payload={"before": {"title": "May meet"}, "after": {"title": "No meeting planned"}},
    )
    response = analyst_client.get(URL)
    (change,) = response.context["changes"]
    assert {ev.claim for ev in change.evidence} == {first, second}
    assert response.content.decode().count("<strong>Source headline changed</strong>") == 1


def test_it_restances_and_marks_reviewed_in_place(analyst_client, analyst):
    claim = services.claim_create(statement="The ministers will meet in Qingdao.", actor=analyst)
    ev = services.evidence_add(
        claim=claim, url="https://aa.com.tr/a", stance="supports", actor=analyst
    )
    services.source_event_record(source=ev.source, kind="source_retraction", payload={})
    response = analyst_client.post(
        reverse("claims:evidence_review", args=[claim.code, ev.source.code]),
        {"from": "review", "stance": "denies"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'class="review-item done"' in response.content.decode()
    ev.refresh_from_db()
    assert ev.stance == "denies" and not ev.needs_review
    kinds = list(claim.events.values_list("kind", flat=True)[:2])
    assert kinds == ["evidence_reviewed", "evidence_restanced"]


def _at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2025, 6, day, hour, minute, tzinfo=UTC)


def test_it_gives_a_busy_day_room_after_months_of_silence(analyst):
    """A claim first seen in January, worked on one day in June: the June marks must not
    all sit in the last pixels, and same-time marks of one stance show their count."""
    claim = Claim(
        statement="x",
        created_at=datetime(2025, 1, 5, tzinfo=UTC),
        first_seen_at=datetime(2025, 1, 5, tzinfo=UTC),
    )
    evidence = [
        Evidence(stance="supports", added_at=_at(24, 9)),
        Evidence(stance="supports", added_at=_at(24, 9, 1)),
        Evidence(stance="supports", added_at=_at(24, 9, 2)),
        Evidence(stance="denies", added_at=_at(24, 15)),
        Evidence(stance="neutral", added_at=_at(24, 21)),
    ]
    strip = evidence_strip(claim, evidence, [], [], now=_at(28))
    xs = {dot.kind: dot.x for dot in strip.dots}
    # The June day spans a good part of the axis, not a few pixels at its end.
    assert xs["neutral"] - xs["supports"] > (WIDTH - 2 * PAD_X) / 5
    assert strip.breaks, "months of silence show as a break"
    supports = [dot for dot in strip.dots if dot.kind == "supports"]
    assert [dot.count for dot in supports] == [3]
    assert all(
        abs(a.x - b.x) >= CLUSTER_PX or a.kind != b.kind
        for a in strip.dots
        for b in strip.dots
        if a is not b
    )
