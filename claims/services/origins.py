"""Origins: which of a claim's sources repeat one report (claims.origins groups them)."""

import uuid
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from claimwatch import perms
from sources.models import Source
from sources.selectors import near_duplicates_within

from .. import origins
from ..models import ORIGIN_REASON_MAX, Claim, ClaimEvent, Evidence, Origin
from .timeline import event_append


def _origin_member(ev: Evidence) -> origins.Member:
    source = ev.source
    outlet = source.outlet
    fingerprint = getattr(source, "fingerprint", None)
    return origins.Member(
        evidence_id=ev.pk,
        source_id=source.pk,
        url=source.url,
        stance=ev.stance,
        label=(outlet.name if outlet else "") or source.title or source.url,
        at=source.published_at or ev.added_at,
        outlet_id=outlet.pk if outlet else None,
        outlet_keys=origins.outlet_keys(outlet.name, outlet.domain) if outlet else (),
        checked=fingerprint is not None,
        names=tuple(fingerprint.names) if fingerprint else (),
        canonical=fingerprint.canonical if fingerprint else "",
        links=tuple(fingerprint.links) if fingerprint else (),
    )


@transaction.atomic
def origins_regroup(*, claim: Claim) -> list[Origin]:
    """Group the claim's evidence into origins again (`origins_regroup_claims`)."""
    origins_regroup_claims(claim_ids=[claim.pk])
    return list(Origin.objects.filter(claim=claim))


@transaction.atomic
def origins_regroup_claims(*, claim_ids: Iterable[int]) -> None:
    """Group each claim's evidence into origins again (claims.origins), in a constant
    number of queries whatever the number of claims and of sources anywhere.

    1. Lock the claims (in id order: two checks of their sources may finish at once),
       load their evidence with sources, outlets and fingerprints.
    2. Find near-duplicate pairs within each claim through the sources' LSH buckets.
    3. Group the evidence no analyst placed; keep the origins whose key is unchanged,
       create the new ones, move the evidence that changed, drop the empty origins.
    """
    ids = list(
        Claim.objects.select_for_update()
        .filter(pk__in=list(claim_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return
    free_by_claim: dict[int, list[Evidence]] = {pk: [] for pk in ids}
    for ev in (
        Evidence.objects.filter(claim_id__in=ids, origin_pinned=False)
        .select_related("source__outlet", "source__fingerprint")
        .order_by("id")
    ):
        free_by_claim[ev.claim_id].append(ev)
    signatures = [
        {
            ev.source_id: bytes(ev.source.fingerprint.signature)
            for ev in free
            if getattr(ev.source, "fingerprint", None) is not None
        }
        for free in free_by_claim.values()
    ]
    pairs = near_duplicates_within(signatures)
    existing = {
        (o.claim_id, o.key): o for o in Origin.objects.filter(claim_id__in=ids, manual=False)
    }
    grouped = []
    for (claim_id, free), near in zip(free_by_claim.items(), pairs, strict=True):
        grouped.append((claim_id, free, origins.group([_origin_member(ev) for ev in free], near)))
    new = [
        Origin(claim_id=claim_id, key=g.key, label=g.label)
        for claim_id, _, groups in grouped
        for g in groups
        if (claim_id, g.key) not in existing
    ]
    for origin in Origin.objects.bulk_create(new):
        existing[(origin.claim_id, origin.key)] = origin
    moved, relabelled, keep = [], [], set()
    for claim_id, free, groups in grouped:
        by_id = {ev.pk: ev for ev in free}
        for g in groups:
            origin = existing[(claim_id, g.key)]
            keep.add(origin.pk)
            if origin.label != g.label:
                origin.label = g.label
                relabelled.append(origin)
            for evidence_id, reason in g.reasons.items():
                ev = by_id[evidence_id]
                reason = reason[:ORIGIN_REASON_MAX]
                if ev.origin_id != origin.pk or ev.origin_reason != reason:
                    ev.origin_id, ev.origin_reason = origin.pk, reason
                    moved.append(ev)
    Origin.objects.bulk_update(relabelled, ["label"])
    Evidence.objects.bulk_update(moved, ["origin", "origin_reason"])
    Origin.objects.filter(claim_id__in=ids, manual=False).exclude(pk__in=keep).delete()
    Origin.objects.filter(claim_id__in=ids, manual=True, evidence__isnull=True).delete()


def origins_update_for_source(*, source: Source) -> None:
    """A source got a new snapshot (and fingerprint): regroup the claims citing it."""
    origins_update_for_sources(source_ids=[source.pk])


def origins_update_for_sources(*, source_ids: Iterable[int]) -> None:
    """Sources got new snapshots (and fingerprints): regroup the claims citing them, all
    at once (`origins_regroup_claims`). Incremental: only those claims, each compared
    through its own sources' buckets."""
    ids = list(source_ids)
    if ids:
        origins_regroup_claims(
            claim_ids=Claim.objects.filter(evidence__source__in=ids, merged_into=None)
            .values_list("pk", flat=True)
            .distinct()
        )


def _origin_label(ev: Evidence) -> str:
    return ev.origin.label if ev.origin_id else (ev.source.title or ev.source.url)


@transaction.atomic
def origin_split(*, evidence: Evidence, actor: AbstractBaseUser | None) -> Origin:
    """Take a source out of its origin into one of its own, kept by hand (event
    `origin_split`). The rest of the origin is grouped again without it."""
    perms.require(actor, perms.CHANGE_EVIDENCE)
    others = Evidence.objects.filter(origin_id=evidence.origin_id).exclude(pk=evidence.pk)
    if evidence.origin_id and evidence.origin_pinned and not others.exists():
        raise ValidationError({"origin": "This source is already an origin of its own."})
    before = _origin_label(evidence)
    code = uuid.uuid4()
    origin = Origin.objects.create(
        claim=evidence.claim,
        code=code,
        key=f"manual:{code}",
        label=evidence.source.outlet.name if evidence.source.outlet else before,
        manual=True,
    )
    Evidence.objects.filter(pk=evidence.pk).update(
        origin=origin, origin_pinned=True, origin_reason="split by hand"
    )
    evidence.origin, evidence.origin_pinned = origin, True
    event_append(
        evidence.claim,
        ClaimEvent.Kind.ORIGIN_SPLIT,
        actor,
        {"url": evidence.source.url, "before": {"origin": before}},
        source=evidence.source,
    )
    origins_regroup(claim=evidence.claim)
    return origin


@transaction.atomic
def origin_join(*, evidence: Evidence, other: Evidence, actor: AbstractBaseUser | None) -> Origin:
    """Join the origin of `evidence` with the origin of `other` (same claim): one origin,
    kept by hand (event `origin_joined`)."""
    perms.require(actor, perms.CHANGE_EVIDENCE)
    if evidence.claim_id != other.claim_id:
        raise ValidationError({"other": "Both sources must be evidence of this claim."})
    if evidence.pk == other.pk or (evidence.origin_id and evidence.origin_id == other.origin_id):
        raise ValidationError({"other": "These sources are already in one origin."})
    claim = evidence.claim
    target = other.origin
    if target is None or not target.manual:
        code = uuid.uuid4()
        label = target.label if target else _origin_label(other)
        target = Origin.objects.create(
            claim=claim, code=code, key=f"manual:{code}", label=label, manual=True
        )
    ids = {evidence.pk, other.pk}
    for origin_id in {evidence.origin_id, other.origin_id} - {None}:
        ids |= set(Evidence.objects.filter(origin_id=origin_id).values_list("pk", flat=True))
    Evidence.objects.filter(pk__in=ids).update(
        origin=target, origin_pinned=True, origin_reason="joined by hand"
    )
    event_append(
        claim,
        ClaimEvent.Kind.ORIGIN_JOINED,
        actor,
        {
            "url": evidence.source.url,
            "before": {"origin": _origin_label(evidence)},
            "after": {"origin": target.label, "with": other.source.url, "sources": len(ids)},
        },
        source=evidence.source,
    )
    origins_regroup(claim=claim)
    return target
