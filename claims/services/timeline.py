"""The timeline: every ClaimEvent is written here, as the next link of its claim's hash
chain (claims.chain), and the apps above the core are told (claims.signals).

1. Lock the claims' rows and read the ends of their chains (`_locked_heads`).
2. Hash each new event over its content and the previous event's hash (`_link`).
3. Insert the events, move the heads on, and send `timeline_written` after them.
"""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claimwatch import perms
from sources.models import Source

from .. import chain, signals
from ..models import COMMENT_MAX, Claim, ClaimEvent, Evidence
from .counts import claims_recount
from .text import text_clean


def _link(
    claim: Claim,
    kind: str,
    actor_id: int | None,
    payload: dict,
    *,
    source_id: int | None,
    at: datetime,
) -> ClaimEvent:
    """The next link of `claim`'s hash chain, from the head the caller locked and read;
    moves `claim.timeline_head` and `timeline_length` on (the caller saves them)."""
    seq = claim.timeline_length + 1
    payload = chain.jsonable(payload)
    rec = chain.record(
        claim_code=claim.code,
        seq=seq,
        kind=kind,
        actor_id=actor_id,
        created_at=at,
        payload=payload,
        source_id=source_id,
        prev=claim.timeline_head,
    )
    event = ClaimEvent(
        claim_id=claim.pk,
        kind=kind,
        actor_id=actor_id,
        payload=payload,
        source_id=source_id,
        created_at=at,
        seq=seq,
        prev_hash=claim.timeline_head,
        hash=chain.event_hash(rec),
    )
    claim.timeline_head, claim.timeline_length = event.hash, seq
    return event


def _locked_heads(claim_ids: Iterable[int]) -> list[Claim]:
    """Lock the claims' rows (in id order, so two writers never deadlock) and read the
    ends of their chains: one writer at a time extends a chain."""
    return list(
        Claim.objects.select_for_update()
        .filter(pk__in=claim_ids)
        .order_by("pk")
        .only("pk", "code", "timeline_head", "timeline_length", "last_activity_at", "published_at")
    )


def event_append(
    claim: Claim,
    kind: str,
    actor: AbstractBaseUser | None,
    payload: dict | None = None,
    *,
    source: Source | None = None,
    at: datetime | None = None,
) -> ClaimEvent:
    """Append an event to `claim`'s timeline as the next link of its hash chain."""
    at = at or timezone.now()
    (head,) = _locked_heads([claim.pk])
    event = _link(
        head,
        kind,
        actor.pk if actor is not None else None,
        payload or {},
        source_id=source.pk if source is not None else None,
        at=at,
    )
    event.save(force_insert=True)
    Claim.objects.filter(pk=claim.pk).update(
        timeline_head=head.timeline_head,
        timeline_length=head.timeline_length,
        last_activity_at=max(head.last_activity_at, at),
    )
    claim.timeline_head, claim.timeline_length = head.timeline_head, head.timeline_length
    signals.timeline_written.send(sender=ClaimEvent, claims=[claim])
    return event


def events_append(claim: Claim, events: Iterable[tuple]) -> list[ClaimEvent]:
    """Append several events to one claim's timeline in one insert (imports).

    `events` are (kind, actor id, payload, source id, at) in the order they happened."""
    (head,) = _locked_heads([claim.pk])
    written = ClaimEvent.objects.bulk_create(
        _link(head, kind, actor_id, payload, source_id=source_id, at=at)
        for kind, actor_id, payload, source_id, at in events
    )
    if not written:
        return []
    latest = max(head.last_activity_at, *(event.created_at for event in written))
    Claim.objects.filter(pk=claim.pk).update(
        timeline_head=head.timeline_head,
        timeline_length=head.timeline_length,
        last_activity_at=latest,
    )
    claim.timeline_head, claim.timeline_length = head.timeline_head, head.timeline_length
    signals.timeline_written.send(sender=ClaimEvent, claims=[claim])
    return written


def events_append_across(rows: list[tuple]) -> list[ClaimEvent]:
    """Append events to several claims' timelines in one insert, each claim's in the
    order given. `rows` are (claim id, kind, actor id, payload, source id, at)."""
    if not rows:
        return []
    heads = {head.pk: head for head in _locked_heads({row[0] for row in rows})}
    written = ClaimEvent.objects.bulk_create(
        _link(heads[claim_id], kind, actor_id, payload, source_id=source_id, at=at)
        for claim_id, kind, actor_id, payload, source_id, at in rows
    )
    for claim_id, *_, at in rows:
        heads[claim_id].last_activity_at = max(heads[claim_id].last_activity_at, at)
    Claim.objects.bulk_update(
        list(heads.values()), ["timeline_head", "timeline_length", "last_activity_at"]
    )
    signals.timeline_written.send(sender=ClaimEvent, claims=list(heads.values()))
    return written


def payload_value(value):
    """A value as event payloads keep it: times in ISO 8601."""
    return value.isoformat() if isinstance(value, datetime) else value


@transaction.atomic
def source_event_record(
    *,
    source: Source,
    kind: str,
    payload: dict | None = None,
    at: datetime | None = None,
) -> list[ClaimEvent]:
    """Write a source event to the timeline of every claim citing the source
    (`source_events_record`)."""
    return source_events_record(events=[(source, kind, payload, at or timezone.now())])


@transaction.atomic
def source_events_record(
    *, events: list[tuple[Source, str, dict | None, datetime]]
) -> list[ClaimEvent]:
    """Write source events (source, kind, payload, at) to the timeline of every claim
    citing their sources, each claim's in the order given, in a constant number of
    queries whatever their number (a check's batch writes all of its events here).

    1. Find the claims citing the sources; lock their heads, all at once.
    2. Link and insert the events; move the heads on; send `timeline_written`.
    3. Changes that alter what a source says (edited, headline, correction, retraction,
       gone, moved) also flag each citing evidence `needs_review`, and the claims'
       counts are stored again.
    """
    for _, kind, _, _ in events:
        if kind not in ClaimEvent.SOURCE_KINDS:
            raise ValueError(f"{kind!r} is not a source event.")
    if not events:
        return []
    citing: dict[int, list[int]] = {}
    for source_id, claim_id in (
        Evidence.objects.filter(source__in={source.pk for source, *_ in events})
        .order_by("claim_id")
        .values_list("source_id", "claim_id")
    ):
        citing.setdefault(source_id, []).append(claim_id)
    rows = []
    for source, kind, payload, at in events:
        # The source as it was named when this happened: the timeline shows the event
        # from its payload, never from today's row.
        payload = {"url": source.url, "title": source.title, **(payload or {})}
        rows.extend(
            (claim_id, kind, None, payload, source.pk, at) for claim_id in citing.get(source.pk, ())
        )
    written = events_append_across(rows)
    review = {source.pk for source, kind, *_ in events if kind in ClaimEvent.REVIEW_KINDS}
    if review:
        Evidence.objects.filter(source__in=review).update(needs_review=True)
        claims_recount({claim_id for pk in review for claim_id in citing.get(pk, ())})
    return written


@transaction.atomic
def comment_add(*, claim: Claim, text: str, actor: AbstractBaseUser | None) -> ClaimEvent:
    perms.require(actor, perms.COMMENT)
    text = text_clean("text", text, COMMENT_MAX)
    if not text:
        raise ValidationError({"text": "Write something to comment."})
    return event_append(claim, ClaimEvent.Kind.COMMENT, actor, {"text": text})
