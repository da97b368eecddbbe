"""Evidence: sources linked to a claim with a stance, changed, reviewed and removed."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from claimwatch import perms
from sources.models import Outlet, Snapshot, Source, SourceFingerprint
from sources.selectors import latest_snapshots
from sources.services import (
    source_get_or_create,
    source_url_clean,
    sources_get_or_create_many,
)

from .. import signals
from ..models import NOTE_MAX, QUOTE_MAX, REASON_MAX, Claim, ClaimEvent, Evidence
from .counts import claims_recount
from .origins import origins_regroup
from .text import text_clean
from .timeline import event_append, events_append, events_append_across, payload_value


def _check_stance(stance: str) -> None:
    if stance not in Evidence.Stance.values:
        raise ValidationError({"stance": "Choose supports, denies or neutral."})


def judged_payload(snapshot: Snapshot | None) -> dict | None:
    """The snapshot a stance was given for, as the events that give or renew a stance
    keep it (the hash chain covers it): its id, headline, text hash, time and capture."""
    if snapshot is None:
        return None
    return {
        "id": snapshot.pk,
        "title": snapshot.title,
        "content_hash": snapshot.content_hash,
        "taken_at": payload_value(snapshot.created_at),
        "capture": snapshot.capture_sha256,
    }


def _judged_fields(snapshot: Snapshot | None, source: Source) -> dict:
    """`title` (the headline as judged: the snapshot's, else the title typed with the
    link) and `judged_snapshot`, for an event's payload."""
    return {
        "title": (snapshot.title if snapshot is not None else "") or source.title,
        "judged_snapshot": judged_payload(snapshot),
    }


def _latest_snapshot(source: Source) -> Snapshot | None:
    return latest_snapshots([source.pk], text=False).get(source.pk)


@transaction.atomic
def evidence_judge_pending(*, source_ids: Iterable[int], at: datetime | None = None) -> int:
    """Give the evidence of these sources that has no judged snapshot (linked before the
    source was first fetched) the snapshot that was the source's latest when it was
    linked, or else its first, and say so on each claim's timeline.

    1. One UPDATE whatever the number of sources (the same rule set existing evidence,
       migration 0015).
    2. One `evidence_judged` event per evidence, naming the snapshot and its capture: the
       hash chain then binds the first copy a stance relies on, which no other event
       names (a source's first fetch is not a change), so `verify_timeline` and
       `verify_bundle` check its bytes too.
    """
    ids = list(source_ids)
    if not ids:
        return 0
    pending = list(
        Evidence.objects.filter(source_id__in=ids, judged_snapshot=None).values_list(
            "pk", flat=True
        )
    )
    if not pending:
        return 0
    snapshots = Snapshot.objects.filter(source=OuterRef("source_id"))
    before = snapshots.filter(created_at__lte=OuterRef("added_at")).order_by("-created_at", "-id")
    first = snapshots.order_by("created_at", "id")
    Evidence.objects.filter(pk__in=pending, judged_snapshot=None).update(
        judged_snapshot=Coalesce(
            Subquery(before.values("pk")[:1]), Subquery(first.values("pk")[:1])
        )
    )
    judged = list(
        Evidence.objects.filter(pk__in=pending, judged_snapshot__isnull=False)
        .select_related("source", "judged_snapshot")
        .order_by("claim_id", "pk")
    )
    at = at or timezone.now()
    events_append_across(
        [
            (
                ev.claim_id,
                ClaimEvent.Kind.EVIDENCE_JUDGED,
                None,
                {
                    "url": ev.source.url,
                    "stance": ev.stance,
                    **_judged_fields(ev.judged_snapshot, ev.source),
                },
                ev.source_id,
                at,
            )
            for ev in judged
        ]
    )
    return len(judged)


def _fingerprinted(source: Source) -> bool:
    return SourceFingerprint.objects.filter(source=source).exists()


@transaction.atomic
def evidence_add(
    *,
    claim: Claim,
    url: str,
    stance: str,
    quote: str = "",
    quote_internal: bool = False,
    note: str = "",
    title: str = "",
    actor: AbstractBaseUser | None,
    added_at: datetime | None = None,
    monitor: bool = True,
    suggested: dict | None = None,
    outlet: Outlet | None = None,
) -> Evidence:
    """Link a source (found or created by normalised URL) to a claim with a stance.

    A new source is due for its first check at once; linked by a person (the claim page,
    the API), `evidence_linked` lets monitoring check it within seconds of the commit.
    With `monitor=False` (imports without --check) a new source is not scheduled until
    someone asks. `suggested` is the stance a suggestion pre-selected ({"stance": ...,
    "confidence": ...}): the event keeps it, so the timeline tells whether the person took
    it or changed it. `outlet` is who publishes a new source, when the caller knows it (a
    suggestion's article, from its outlet's feed); otherwise the URL's domain says.
    """
    perms.require(actor, perms.ADD_EVIDENCE)
    _check_stance(stance)
    source, created = source_get_or_create(
        url=url, title=title, actor=actor, monitor=monitor, outlet=outlet
    )
    if Evidence.objects.filter(claim=claim, source=source).exists():
        raise ValidationError({"url": "This source is already linked to this claim."})
    judged = None if created else _latest_snapshot(source)
    evidence = Evidence.objects.create(
        claim=claim,
        source=source,
        stance=stance,
        quote=text_clean("quote", quote, QUOTE_MAX),
        quote_internal=bool(quote_internal),
        note=text_clean("note", note, NOTE_MAX),
        added_by=actor,
        added_at=added_at or timezone.now(),
        judged_snapshot=judged,
    )
    claims_recount([claim.pk], search=bool(evidence.quote))
    event_append(
        claim,
        ClaimEvent.Kind.EVIDENCE_ADDED,
        actor,
        {
            "url": source.url,
            "stance": stance,
            "quote": evidence.quote,
            "quote_internal": evidence.quote_internal,
            "new_source": created,
            **_judged_fields(judged, source),
            **({"suggested": suggested} if suggested else {}),
        },
        source=source,
        at=evidence.added_at,
    )
    if not created and _fingerprinted(source):  # already checked: group it now
        origins_regroup(claim=claim)
    if monitor and actor is not None:  # linked by a person, who waits to see it checked
        signals.evidence_linked.send(sender=Evidence, evidence=evidence)
    return evidence


@dataclass(frozen=True)
class EvidenceLink:
    """One source to link, for evidence_add_many."""

    url: str
    stance: str
    title: str = ""
    quote: str = ""
    note: str = ""
    added_at: datetime | None = None
    # The article's own date (kept as Source.published_at), never the time of linking.
    published_at: datetime | None = None


@transaction.atomic
def evidence_add_many(
    *,
    claim: Claim,
    links: list[EvidenceLink],
    actor: AbstractBaseUser | None,
    monitor: bool = True,
    imported_from: str = "",
) -> list[Evidence]:
    """evidence_add for many sources of one claim (imports), with the same guarantees:
    every link is checked first, and one bad link (stance, URL, a source linked twice)
    raises ValidationError and writes nothing. Sources and outlets are resolved in sets
    and evidence and events bulk created: a few queries whatever the number of links.
    New sources are due at once unless `monitor=False`, as with evidence_add.

    `imported_from` names the file: each event says the link was made by that import,
    then, and carries the article's own date (`EvidenceLink.published_at`) beside it.
    """
    perms.require(actor, perms.ADD_EVIDENCE)
    if not links:
        return []
    urls = []
    for link in links:
        _check_stance(link.stance)
        urls.append(source_url_clean(link.url))
    if len(set(urls)) < len(urls):
        raise ValidationError({"url": "This source is already linked to this claim."})
    titles: dict[str, str] = {}
    published = {}
    for url, link in zip(urls, links, strict=True):
        titles[url] = link.title
        if link.published_at is not None:
            published[url] = link.published_at
    sources = sources_get_or_create_many(
        titles=titles, actor=actor, monitor=monitor, published=published
    )
    source_ids = [sources[url][0].pk for url in urls]
    if Evidence.objects.filter(claim=claim, source_id__in=source_ids).exists():
        raise ValidationError({"url": "This source is already linked to this claim."})
    now = timezone.now()
    judged = latest_snapshots(
        (pk for url, pk in zip(urls, source_ids, strict=True) if not sources[url][1]),
        text=False,
    )
    evidence = Evidence.objects.bulk_create(
        Evidence(
            claim=claim,
            source=sources[url][0],
            stance=link.stance,
            quote=text_clean("quote", link.quote, QUOTE_MAX),
            note=text_clean("note", link.note, NOTE_MAX),
            added_by=actor,
            added_at=link.added_at or now,
            judged_snapshot=judged.get(sources[url][0].pk),
        )
        for url, link in zip(urls, links, strict=True)
    )
    imported = {"imported_from": imported_from} if imported_from else {}
    article_dates = {
        url: payload_value(link.published_at) for url, link in zip(urls, links, strict=True)
    }
    events_append(
        claim,
        (
            (
                ClaimEvent.Kind.EVIDENCE_ADDED,
                actor.pk if actor is not None else None,
                {
                    "url": ev.source.url,
                    "stance": ev.stance,
                    "quote": ev.quote,
                    "new_source": sources[ev.source.url][1],
                    **_judged_fields(ev.judged_snapshot, ev.source),
                    **imported,
                    "article_date": article_dates[ev.source.url],
                },
                ev.source.pk,
                ev.added_at,
            )
            for ev in evidence
        ),
    )
    claims_recount([claim.pk], search=any(ev.quote for ev in evidence))
    return evidence


@transaction.atomic
def evidence_update(
    *,
    evidence: Evidence,
    actor: AbstractBaseUser | None,
    stance: str | None = None,
    quote: str | None = None,
    quote_internal: bool | None = None,
    note: str | None = None,
) -> Evidence:
    """Change a stance (event `evidence_restanced`) or the quote, whether the quote is
    internal, and the note (`evidence_edited`)."""
    perms.require(actor, perms.CHANGE_EVIDENCE)
    if stance is not None:
        _check_stance(stance)
    before = {
        "stance": evidence.stance,
        "quote": evidence.quote,
        "quote_internal": evidence.quote_internal,
        "note": evidence.note,
    }
    after = {
        "stance": stance if stance is not None else evidence.stance,
        "quote": text_clean("quote", quote, QUOTE_MAX) if quote is not None else evidence.quote,
        "quote_internal": (
            bool(quote_internal) if quote_internal is not None else evidence.quote_internal
        ),
        "note": text_clean("note", note, NOTE_MAX) if note is not None else evidence.note,
    }
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        return evidence
    for name in changed:
        setattr(evidence, name, after[name])
    fields = list(changed)
    if "stance" in changed:  # a new stance is a judgement of what the source says now
        evidence.judged_snapshot = _latest_snapshot(evidence.source) or evidence.judged_snapshot
        fields.append("judged_snapshot")
    evidence.save(update_fields=fields)
    # The headline the stance is (now) given for, so the event reads as it was.
    judged = (
        _judged_fields(evidence.judged_snapshot, evidence.source)
        if "stance" in changed
        else {"title": evidence.title_when_linked}
    )
    if "stance" in changed or "quote" in changed:
        claims_recount([evidence.claim_id], search="quote" in changed)
    kind = (
        ClaimEvent.Kind.EVIDENCE_RESTANCED
        if "stance" in changed
        else ClaimEvent.Kind.EVIDENCE_EDITED
    )
    event_append(
        evidence.claim,
        kind,
        actor,
        {
            "url": evidence.source.url,
            "before": {name: before[name] for name in changed},
            "after": {name: after[name] for name in changed},
            **judged,
        },
        source=evidence.source,
    )
    if "stance" in changed:  # attribution and links group sources of one stance
        origins_regroup(claim=evidence.claim)
    return evidence


@transaction.atomic
def evidence_remove(
    *, evidence: Evidence, actor: AbstractBaseUser | None, reason: str = ""
) -> None:
    """Unlink a source from a claim (editors). The source itself stays."""
    perms.require(actor, perms.REMOVE_EVIDENCE)
    event_append(
        evidence.claim,
        ClaimEvent.Kind.EVIDENCE_REMOVED,
        actor,
        {
            "url": evidence.source.url,
            "title": evidence.title_when_linked,
            "stance": evidence.stance,
            "quote": evidence.quote,
            "reason": text_clean("reason", reason, REASON_MAX),
        },
        source=evidence.source,
    )
    evidence.delete()
    origins_regroup(claim=evidence.claim)
    claims_recount([evidence.claim_id], search=bool(evidence.quote))


@transaction.atomic
def evidence_mark_reviewed(*, evidence: Evidence, actor: AbstractBaseUser | None) -> Evidence:
    """Confirm the stance for what the source says now: clear `needs_review` and record
    the source's current snapshot as the one judged. Nothing to do (no event) when the
    evidence is not flagged and already judged on the current snapshot."""
    perms.require(actor, perms.CHANGE_EVIDENCE)
    current = _latest_snapshot(evidence.source)
    rejudged = current is not None and current.pk != evidence.judged_snapshot_id
    if not evidence.needs_review and not rejudged:
        return evidence
    judged = current if rejudged else evidence.judged_snapshot
    Evidence.objects.filter(pk=evidence.pk).update(needs_review=False, judged_snapshot=judged)
    evidence.needs_review, evidence.judged_snapshot = False, judged
    claims_recount([evidence.claim_id])
    event_append(
        evidence.claim,
        ClaimEvent.Kind.EVIDENCE_REVIEWED,
        actor,
        {"url": evidence.source.url, **_judged_fields(judged, evidence.source)},
        source=evidence.source,
    )
    return evidence
