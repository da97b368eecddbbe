"""Every write to claims, evidence, verdicts and the timeline.

Each service takes keyword arguments, checks the actor's permission (``actor=None`` is
the system: tasks and imports), validates, and writes its change together with its
``ClaimEvent`` in one transaction. Bad input raises ``ValidationError`` and writes nothing.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from claimwatch import perms
from sources.models import Source, SourceFingerprint
from sources.selectors import near_duplicates
from sources.services import (
    source_get_or_create,
    source_url_clean,
    sources_get_or_create_many,
)

from . import chain, origins, public_cache
from .models import (
    CLAIMANT_MAX,
    COMMENT_MAX,
    CONTEXT_MAX,
    NOTE_MAX,
    ORIGIN_REASON_MAX,
    QUOTE_MAX,
    RATIONALE_MAX,
    REASON_MAX,
    STATEMENT_MAX,
    TAG_MAX,
    TAGS_MAX,
    Assignment,
    Claim,
    ClaimEvent,
    Evidence,
    Origin,
    Tag,
    Watch,
)


class VersionConflict(Exception):
    """The claim changed since the caller read it; `current` is the claim as it is now."""

    def __init__(self, current: Claim):
        super().__init__("This claim was changed by someone else meanwhile.")
        self.current = current


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
        .only("pk", "code", "timeline_head", "timeline_length", "last_activity_at")
    )


def _event(
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
    # Every change a public page could show comes with an event: drop the cached page.
    public_cache.claim_changed(claim)
    return event


def _text(field: str, value: str | None, limit: int) -> str:
    """Typed text, stripped and checked against its limit (never cut)."""
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError({field: f"Keep this under {limit} characters (it has {len(value)})."})
    if "\x00" in value:
        raise ValidationError({field: "This text contains a NUL character; remove it."})
    return value


# One UPDATE that stores each claim's evidence counts from the evidence as it is now.
# Plain SQL (the same on PostgreSQL and SQLite): it runs on every evidence write and on
# every source change, where building the same query with the ORM cost more than running it.
_RECOUNT = """
UPDATE claims_claim SET
  supports_count = (SELECT count(*) FROM claims_evidence e
                    WHERE e.claim_id = claims_claim.id AND e.stance = 'supports'),
  denies_count = (SELECT count(*) FROM claims_evidence e
                  WHERE e.claim_id = claims_claim.id AND e.stance = 'denies'),
  neutral_count = (SELECT count(*) FROM claims_evidence e
                   WHERE e.claim_id = claims_claim.id AND e.stance = 'neutral'),
  source_count = (SELECT count(*) FROM claims_evidence e WHERE e.claim_id = claims_claim.id),
  review_count = (SELECT count(*) FROM claims_evidence e
                  WHERE e.claim_id = claims_claim.id AND e.needs_review)
  {search}
WHERE id IN ({ids})
"""
# The search vector: statement, context and the quotes of its evidence (PostgreSQL).
_SEARCH = """,
  search_vector = to_tsvector('english'::regconfig,
    COALESCE(statement, '') || ' ' || COALESCE(context, '') || ' ' ||
    COALESCE((SELECT string_agg(quote, ' ' ORDER BY id) FROM claims_evidence e
              WHERE e.claim_id = claims_claim.id AND e.quote <> ''), ''))
"""


def _claims_recount(claim_ids: Iterable[int], *, search: bool = False) -> None:
    """Store each claim's evidence counts (and, with `search`, its search vector) in one
    UPDATE, from the evidence as it is now. Every service that adds, removes, moves,
    restances, flags or reviews evidence calls it, so lists read the counts from the row.
    """
    ids = [int(pk) for pk in claim_ids]
    if not ids:
        return
    search_sql = _SEARCH if search and connection.vendor == "postgresql" else ""
    sql = _RECOUNT.format(search=search_sql, ids=", ".join(["%s"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)


def _clean_statement(statement: str) -> str:
    statement = " ".join((statement or "").split())
    if not statement:
        raise ValidationError({"statement": "Write the claim as one clear statement."})
    return _text("statement", statement, STATEMENT_MAX)


def _clean_claimant(claimant: str) -> str:
    return _text("claimant", " ".join((claimant or "").split()), CLAIMANT_MAX)


def _clean_tags(tags: Iterable[str] | str) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    names = []
    for tag in tags:
        name = " ".join(tag.split()).lower()
        if not name:
            continue
        if len(name) > TAG_MAX:
            raise ValidationError({"tags": f"Keep each tag under {TAG_MAX} characters."})
        if "\x00" in name:
            raise ValidationError({"tags": "A tag contains a NUL character; remove it."})
        if name not in names:
            names.append(name)
        if len(names) > TAGS_MAX:
            raise ValidationError({"tags": f"Use at most {TAGS_MAX} tags."})
    return names


def _set_tags(claim: Claim, names: list[str]) -> None:
    tags = []
    for name in names:
        tag, _ = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    claim.tags.set(tags)


def _check_dates(first_seen_at: datetime | None, resolves_at: datetime | None) -> None:
    if first_seen_at and first_seen_at > timezone.now():
        raise ValidationError({"first_seen_at": "First seen cannot be in the future."})
    if first_seen_at and resolves_at and resolves_at < first_seen_at:
        raise ValidationError({"resolves_at": "A claim cannot resolve before it was first seen."})


@transaction.atomic
def claim_create(
    *,
    statement: str,
    context: str = "",
    claimant: str = "",
    tags: Iterable[str] | str = (),
    first_seen_at: datetime | None = None,
    resolves_at: datetime | None = None,
    external_id: str = "",
    actor: AbstractBaseUser | None,
    created_at: datetime | None = None,
) -> Claim:
    """Log a claim. `created_at` is for imports and the demo, which retell the past."""
    perms.require(actor, perms.ADD_CLAIM)
    statement = _clean_statement(statement)
    claimant = _clean_claimant(claimant)
    tag_names = _clean_tags(tags)
    _check_dates(first_seen_at, resolves_at)
    created_at = created_at or timezone.now()
    claim = Claim.objects.create(
        created_at=created_at,
        updated_at=created_at,
        last_activity_at=created_at,
        statement=statement,
        context=_text("context", context, CONTEXT_MAX),
        claimant=claimant,
        first_seen_at=first_seen_at,
        resolves_at=resolves_at,
        external_id=(external_id or "").strip(),
        created_by=actor,
    )
    _set_tags(claim, tag_names)
    _claims_recount([claim.pk], search=True)
    _event(
        claim,
        ClaimEvent.Kind.CREATED,
        actor,
        {"statement": statement, "tags": tag_names, "claimant": claimant},
        at=created_at,
    )
    return claim


def _bump_version(claim: Claim, expected_version: int, **changes) -> Claim:
    """Write `changes` only if the claim is still at `expected_version` (optimistic lock)."""
    now = timezone.now()
    updated = Claim.objects.filter(pk=claim.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now, **changes
    )
    if not updated:
        raise VersionConflict(Claim.objects.get(pk=claim.pk))
    claim.refresh_from_db()
    return claim


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    expected_version: int,
    actor: AbstractBaseUser | None,
    statement: str | None = None,
    context: str | None = None,
    claimant: str | None = None,
    tags: Iterable[str] | str | None = None,
    first_seen_at: datetime | None = None,
    resolves_at: datetime | None = None,
) -> Claim:
    """Edit a claim's statement, context, claimant, tags and dates; the event keeps before
    and after.

    Rewording a decided claim (any status but unverified) is an editor's act: its verdict and
    ClaimReview then speak of the new words, so an analyst is refused, and the `edited` event
    records that the verdict was kept (`verdict_kept`).
    """
    perms.require(actor, perms.CHANGE_CLAIM)
    before = {
        "statement": claim.statement,
        "context": claim.context,
        "claimant": claim.claimant,
        "tags": sorted(claim.tags.values_list("name", flat=True)),
        "first_seen_at": claim.first_seen_at,
        "resolves_at": claim.resolves_at,
    }
    after = {
        "statement": _clean_statement(statement) if statement is not None else claim.statement,
        "context": _text("context", context, CONTEXT_MAX) if context is not None else claim.context,
        "claimant": _clean_claimant(claimant) if claimant is not None else claim.claimant,
        "tags": sorted(_clean_tags(tags)) if tags is not None else before["tags"],
        "first_seen_at": first_seen_at,
        "resolves_at": resolves_at,
    }
    _check_dates(after["first_seen_at"], after["resolves_at"])
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        return claim
    decided = claim.status != Claim.Status.UNVERIFIED
    if decided and "statement" in changed:
        perms.require(actor, perms.SET_VERDICT)
    _bump_version(
        claim,
        expected_version,
        statement=after["statement"],
        context=after["context"],
        claimant=after["claimant"],
        first_seen_at=after["first_seen_at"],
        resolves_at=after["resolves_at"],
    )
    if "tags" in changed:
        _set_tags(claim, after["tags"])
    if "statement" in changed or "context" in changed:
        _claims_recount([claim.pk], search=True)
    _event(
        claim,
        ClaimEvent.Kind.EDITED,
        actor,
        {
            "before": {name: _jsonable(before[name]) for name in changed},
            "after": {name: _jsonable(after[name]) for name in changed},
            **({"verdict_kept": claim.status} if decided and "statement" in changed else {}),
        },
    )
    return claim


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime) else value


@transaction.atomic
def verdict_set(
    *,
    claim: Claim,
    status: str,
    rationale: str,
    confidence: str = "",
    expected_version: int,
    actor: AbstractBaseUser | None,
    at: datetime | None = None,
) -> Claim:
    """Set the claim's status with a reason; raise VersionConflict on a stale version.

    `at` is for imports and the demo, which retell the past.
    """
    perms.require(actor, perms.SET_VERDICT)
    rationale = _text("rationale", rationale, RATIONALE_MAX)
    errors = {}
    if status not in Claim.Status.values:
        errors["status"] = f"Choose one of: {', '.join(Claim.Status.values)}."
    if not rationale:
        errors["rationale"] = "Say why: a verdict needs a rationale."
    if confidence not in Claim.Confidence.values:
        errors["confidence"] = "Choose low, medium or high."
    if errors:
        raise ValidationError(errors)
    before = {
        "status": claim.status,
        "rationale": claim.rationale,
        "confidence": claim.confidence,
    }
    now = at or timezone.now()
    _bump_version(
        claim,
        expected_version,
        status=status,
        rationale=rationale,
        confidence=confidence,
        verdict_at=now,
        verdict_by=actor,
    )
    after = {"status": status, "rationale": rationale, "confidence": confidence}
    _event(
        claim,
        ClaimEvent.Kind.VERDICT_SET,
        actor,
        {"before": before, "after": after},
        at=now,
    )
    return claim


def _check_stance(stance: str) -> None:
    if stance not in Evidence.Stance.values:
        raise ValidationError({"stance": "Choose supports, denies or neutral."})


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
) -> Evidence:
    """Link a source (found or created by normalised URL) to a claim with a stance.

    A new source is due for its first check at once (the dispatcher takes it; the web
    and API ask monitoring to check it within seconds). With `monitor=False` (imports
    without --check) a new source is not scheduled until someone asks. `suggested` is the
    stance a suggestion pre-selected ({"stance": ..., "confidence": ...}): the event keeps
    it, so the timeline tells whether the person took it or changed it.
    """
    perms.require(actor, perms.ADD_EVIDENCE)
    _check_stance(stance)
    source, created = source_get_or_create(url=url, title=title, actor=actor, monitor=monitor)
    if Evidence.objects.filter(claim=claim, source=source).exists():
        raise ValidationError({"url": "This source is already linked to this claim."})
    evidence = Evidence.objects.create(
        claim=claim,
        source=source,
        stance=stance,
        quote=_text("quote", quote, QUOTE_MAX),
        quote_internal=bool(quote_internal),
        note=_text("note", note, NOTE_MAX),
        added_by=actor,
        added_at=added_at or timezone.now(),
    )
    _claims_recount([claim.pk], search=bool(evidence.quote))
    _event(
        claim,
        ClaimEvent.Kind.EVIDENCE_ADDED,
        actor,
        {
            "url": source.url,
            "stance": stance,
            "quote": evidence.quote,
            "quote_internal": evidence.quote_internal,
            "new_source": created,
            **({"suggested": suggested} if suggested else {}),
        },
        source=source,
        at=evidence.added_at,
    )
    if not created and _fingerprinted(source):  # already checked: group it now
        origins_regroup(claim=claim)
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


@transaction.atomic
def evidence_add_many(
    *,
    claim: Claim,
    links: list[EvidenceLink],
    actor: AbstractBaseUser | None,
    monitor: bool = True,
) -> list[Evidence]:
    """evidence_add for many sources of one claim (imports), with the same guarantees:
    every link is checked first, and one bad link (stance, URL, a source linked twice)
    raises ValidationError and writes nothing. Sources and outlets are resolved in sets
    and evidence and events bulk created: a few queries whatever the number of links.
    New sources are due at once unless `monitor=False`, as with evidence_add.
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
    for url, link in zip(urls, links, strict=True):
        titles[url] = link.title
    sources = sources_get_or_create_many(titles=titles, actor=actor, monitor=monitor)
    source_ids = [sources[url][0].pk for url in urls]
    if Evidence.objects.filter(claim=claim, source_id__in=source_ids).exists():
        raise ValidationError({"url": "This source is already linked to this claim."})
    now = timezone.now()
    evidence = Evidence.objects.bulk_create(
        Evidence(
            claim=claim,
            source=sources[url][0],
            stance=link.stance,
            quote=_text("quote", link.quote, QUOTE_MAX),
            note=_text("note", link.note, NOTE_MAX),
            added_by=actor,
            added_at=link.added_at or now,
        )
        for url, link in zip(urls, links, strict=True)
    )
    # One link of the claim's hash chain per event, from the head locked here.
    (head,) = _locked_heads([claim.pk])
    ClaimEvent.objects.bulk_create(
        _link(
            head,
            ClaimEvent.Kind.EVIDENCE_ADDED,
            actor.pk if actor is not None else None,
            {
                "url": ev.source.url,
                "stance": ev.stance,
                "quote": ev.quote,
                "new_source": sources[ev.source.url][1],
            },
            source_id=ev.source.pk,
            at=ev.added_at,
        )
        for ev in evidence
    )
    latest = max(head.last_activity_at, *(ev.added_at for ev in evidence))
    Claim.objects.filter(pk=claim.pk).update(
        timeline_head=head.timeline_head,
        timeline_length=head.timeline_length,
        last_activity_at=latest,
    )
    claim.timeline_head, claim.timeline_length = head.timeline_head, head.timeline_length
    _claims_recount([claim.pk], search=any(ev.quote for ev in evidence))
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
        "quote": _text("quote", quote, QUOTE_MAX) if quote is not None else evidence.quote,
        "quote_internal": (
            bool(quote_internal) if quote_internal is not None else evidence.quote_internal
        ),
        "note": _text("note", note, NOTE_MAX) if note is not None else evidence.note,
    }
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        return evidence
    for name in changed:
        setattr(evidence, name, after[name])
    evidence.save(update_fields=changed)
    if "stance" in changed or "quote" in changed:
        _claims_recount([evidence.claim_id], search="quote" in changed)
    kind = (
        ClaimEvent.Kind.EVIDENCE_RESTANCED
        if "stance" in changed
        else ClaimEvent.Kind.EVIDENCE_EDITED
    )
    _event(
        evidence.claim,
        kind,
        actor,
        {
            "url": evidence.source.url,
            "before": {name: before[name] for name in changed},
            "after": {name: after[name] for name in changed},
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
    _event(
        evidence.claim,
        ClaimEvent.Kind.EVIDENCE_REMOVED,
        actor,
        {
            "url": evidence.source.url,
            "stance": evidence.stance,
            "quote": evidence.quote,
            "reason": _text("reason", reason, REASON_MAX),
        },
        source=evidence.source,
    )
    evidence.delete()
    origins_regroup(claim=evidence.claim)
    _claims_recount([evidence.claim_id], search=bool(evidence.quote))


@transaction.atomic
def evidence_mark_reviewed(*, evidence: Evidence, actor: AbstractBaseUser | None) -> Evidence:
    """Clear `needs_review` once someone has looked at what the source changed."""
    perms.require(actor, perms.CHANGE_EVIDENCE)
    if not evidence.needs_review:
        return evidence
    Evidence.objects.filter(pk=evidence.pk).update(needs_review=False)
    evidence.needs_review = False
    _claims_recount([evidence.claim_id])
    _event(
        evidence.claim,
        ClaimEvent.Kind.EVIDENCE_REVIEWED,
        actor,
        {"url": evidence.source.url},
        source=evidence.source,
    )
    return evidence


@transaction.atomic
def comment_add(*, claim: Claim, text: str, actor: AbstractBaseUser | None) -> ClaimEvent:
    perms.require(actor, perms.COMMENT)
    text = _text("text", text, COMMENT_MAX)
    if not text:
        raise ValidationError({"text": "Write something to comment."})
    return _event(claim, ClaimEvent.Kind.COMMENT, actor, {"text": text})


@transaction.atomic
def claim_merge(*, duplicate: Claim, target: Claim, actor: AbstractBaseUser | None) -> Claim:
    """Merge a duplicate claim into `target` (editors).

    1. Move the duplicate's evidence to the target; where the target already cites the
       same source, the target's link stays and the duplicate's is dropped.
    2. Add the duplicate's tags to the target.
    3. Mark the duplicate merged, so its code redirects to the target; claims merged
       into the duplicate earlier now point at the target too.
    4. Write a `merged` event on both timelines.

    The duplicate's events stay where they are, links of the duplicate's own hash
    chain (the database refuses to move them); the target's timeline reads them
    through `merged_into` (Claim.timeline).
    """
    perms.require(actor, perms.MERGE_CLAIM)
    if duplicate.pk == target.pk:
        raise ValidationError({"target": "A claim cannot be merged into itself."})
    if target.merged_into_id is not None:
        raise ValidationError({"target": "That claim was itself merged; merge into its target."})
    if duplicate.merged_into_id is not None:
        raise ValidationError({"duplicate": "This claim was already merged."})
    cited = set(target.evidence.values_list("source_id", flat=True))
    duplicate.evidence.filter(source_id__in=cited).delete()
    moved_evidence = duplicate.evidence.update(claim=target)
    shown_events = duplicate.timeline().count()
    for tag in duplicate.tags.all():
        target.tags.add(tag)
    now = timezone.now()
    Claim.objects.filter(merged_into=duplicate).update(merged_into=target, updated_at=now)
    Claim.objects.filter(pk=duplicate.pk).update(merged_into=target, updated_at=now)
    _claims_recount([target.pk, duplicate.pk], search=True)
    duplicate.refresh_from_db()
    payload = {
        "duplicate": str(duplicate.code),
        "duplicate_statement": duplicate.statement,
        "target": str(target.code),
        "evidence_moved": moved_evidence,
        "events_shown": shown_events,
    }
    _event(target, ClaimEvent.Kind.MERGED, actor, payload)
    _event(duplicate, ClaimEvent.Kind.MERGED, actor, payload)
    # The moved evidence leaves its origins behind (they belong to the duplicate).
    Evidence.objects.filter(claim=target).exclude(origin__claim=target).update(
        origin=None, origin_pinned=False
    )
    origins_regroup(claim=target)
    return target


@transaction.atomic
def claim_withdraw(*, claim: Claim, reason: str, actor: AbstractBaseUser | None) -> Claim:
    """Withdraw a claim (editors): logged by mistake, spam, out of scope.

    A claim is never deleted once it has a timeline (the database refuses to delete its
    events); a withdrawn claim leaves the lists and searches, and its page and record
    stay, with a `withdrawn` event that says why.
    """
    perms.require(actor, perms.WITHDRAW_CLAIM)
    reason = _text("reason", reason, REASON_MAX)
    if not reason:
        raise ValidationError({"reason": "Say why the claim is withdrawn."})
    if claim.withdrawn_at is not None:
        raise ValidationError({"reason": "This claim was already withdrawn."})
    now = timezone.now()
    Claim.objects.filter(pk=claim.pk).update(withdrawn_at=now, updated_at=now)
    claim.withdrawn_at = now
    _event(claim, ClaimEvent.Kind.WITHDRAWN, actor, {"reason": reason}, at=now)
    return claim


@transaction.atomic
def source_event_record(
    *,
    source: Source,
    kind: str,
    payload: dict | None = None,
    at: datetime | None = None,
) -> list[ClaimEvent]:
    """Write a source event to the timeline of every claim citing the source.

    Changes that alter what a source says (edited, headline, correction, retraction,
    gone, moved) also flag each citing evidence `needs_review`.
    """
    if kind not in ClaimEvent.SOURCE_KINDS:
        raise ValueError(f"{kind!r} is not a source event.")
    at = at or timezone.now()
    claim_ids = Evidence.objects.filter(source=source).values_list("claim_id", flat=True)
    heads = _locked_heads(claim_ids)
    payload = {"url": source.url, **(payload or {})}
    events = ClaimEvent.objects.bulk_create(
        _link(head, kind, None, payload, source_id=source.pk, at=at) for head in heads
    )
    for head in heads:
        head.last_activity_at = max(head.last_activity_at, at)
    Claim.objects.bulk_update(heads, ["timeline_head", "timeline_length", "last_activity_at"])
    public_cache.claims_changed(
        (code, True)
        for code in Claim.objects.filter(pk__in=claim_ids, published_at__isnull=False).values_list(
            "code", flat=True
        )
    )
    if kind in ClaimEvent.REVIEW_KINDS:
        Evidence.objects.filter(source=source).update(needs_review=True)
        _claims_recount(claim_ids)
    return events


def watch_add(*, claim: Claim, actor: AbstractBaseUser) -> Watch:
    """Watch a claim: its verdict and source changes from now on are mailed to `actor`."""
    perms.require(actor, perms.WATCH)
    watch, _ = Watch.objects.get_or_create(user=actor, claim=claim)
    return watch


def watch_remove(*, claim: Claim, actor: AbstractBaseUser) -> None:
    perms.require(actor, perms.UNWATCH)
    Watch.objects.filter(user=actor, claim=claim).delete()


# --- origins: which sources repeat one report (claims.origins) ----------------------------


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


def _fingerprinted(source: Source) -> bool:
    return SourceFingerprint.objects.filter(source=source).exists()


@transaction.atomic
def origins_regroup(*, claim: Claim) -> list[Origin]:
    """Group the claim's evidence into origins again (claims.origins), in a constant
    number of queries whatever the number of sources anywhere.

    1. Lock the claim (two checks of its sources may finish at once), load its evidence
       with sources, outlets and fingerprints.
    2. Find near-duplicate pairs through the sources' LSH buckets.
    3. Group the evidence no analyst placed; keep the origins whose key is unchanged,
       create the new ones, move the evidence that changed, drop the empty origins.
    """
    Claim.objects.select_for_update().filter(pk=claim.pk).first()
    evidence = list(
        claim.evidence.select_related("source__outlet", "source__fingerprint").order_by("id")
    )
    free = [ev for ev in evidence if not ev.origin_pinned]
    members = [_origin_member(ev) for ev in free]
    signatures = {
        ev.source_id: bytes(ev.source.fingerprint.signature)
        for ev in free
        if getattr(ev.source, "fingerprint", None) is not None
    }
    groups = origins.group(members, near_duplicates(signatures))
    existing = {o.key: o for o in Origin.objects.filter(claim=claim, manual=False)}
    new = [Origin(claim=claim, key=g.key, label=g.label) for g in groups if g.key not in existing]
    for origin in Origin.objects.bulk_create(new):
        existing[origin.key] = origin
    by_id = {ev.pk: ev for ev in free}
    moved, relabelled, keep = [], [], set()
    for g in groups:
        origin = existing[g.key]
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
    Origin.objects.filter(claim=claim, manual=False).exclude(pk__in=keep).delete()
    Origin.objects.filter(claim=claim, manual=True, evidence__isnull=True).delete()
    return list(Origin.objects.filter(claim=claim))


def origins_update_for_source(*, source: Source) -> None:
    """A source got a new snapshot (and fingerprint): regroup the claims citing it.

    Incremental: only those claims, each compared through its own sources' buckets."""
    claims = Claim.objects.filter(evidence__source=source, merged_into=None).distinct()
    for claim in claims:
        origins_regroup(claim=claim)


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
    _event(
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
    _event(
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


# ---- the desk: who works on what ---------------------------------------------------------


def _live(claim: Claim, field: str) -> None:
    if claim.merged_into_id is not None:
        raise ValidationError({field: "This claim was merged into another; work on that one."})


@transaction.atomic
def claim_assign(
    *,
    claim: Claim,
    user: AbstractBaseUser,
    due_at: datetime | None = None,
    actor: AbstractBaseUser | None,
) -> Assignment:
    """Put an analyst or editor on a claim, due by `due_at` (default: `resolves_at`).

    Assigning someone again changes only the due time. The assignee watches the claim
    from now on, so the watch alerts (claims.notifications) reach them as any watcher.
    """
    perms.require(actor, perms.ASSIGN)
    _live(claim, "user")
    if not user.is_active or not user.has_perm(perms.ASSIGNABLE):
        raise ValidationError({"user": "Assign an analyst or an editor."})
    due_at = due_at or claim.resolves_at
    assignment = Assignment.objects.filter(claim=claim, user=user).first()
    payload = {"user": user.get_username(), "due_at": _jsonable(due_at)}
    if assignment is not None:
        if assignment.due_at == due_at:
            return assignment
        payload["before"] = {"due_at": _jsonable(assignment.due_at)}
        payload["after"] = {"due_at": _jsonable(due_at)}
        assignment.due_at = due_at
        assignment.save(update_fields=["due_at"])
    else:
        assignment = Assignment.objects.create(
            claim=claim, user=user, due_at=due_at, assigned_by=actor
        )
    Watch.objects.get_or_create(user=user, claim=claim)
    _event(claim, ClaimEvent.Kind.ASSIGNED, actor, payload)
    return assignment


@transaction.atomic
def claim_unassign(*, claim: Claim, user: AbstractBaseUser, actor: AbstractBaseUser | None) -> None:
    """Take someone off a claim. They keep watching it until they stop."""
    perms.require(actor, perms.ASSIGN)
    deleted, _ = Assignment.objects.filter(claim=claim, user=user).delete()
    if deleted:
        _event(claim, ClaimEvent.Kind.UNASSIGNED, actor, {"user": user.get_username()})


# ---- publishing: the public page of a decided claim --------------------------------------


@transaction.atomic
def claim_publish(*, claim: Claim, actor: AbstractBaseUser | None) -> Claim:
    """Publish a decided claim: its page /p/<code>/ answers without a login.

    Publishing twice changes nothing. The conditional update makes two editors
    publishing at once write one event.
    """
    perms.require(actor, perms.PUBLISH)
    _live(claim, "published")
    if not claim.has_verdict:
        raise ValidationError(
            {"published": "Only a decided claim can be published: set its verdict first."}
        )
    now = timezone.now()
    if not Claim.objects.filter(pk=claim.pk, published_at=None).update(published_at=now):
        claim.refresh_from_db()
        return claim
    claim.published_at = now
    _event(claim, ClaimEvent.Kind.PUBLISHED, actor, {"url": claim.get_public_url()}, at=now)
    public_cache.claim_changed(claim, publishing=True)
    return claim


@transaction.atomic
def claim_unpublish(*, claim: Claim, actor: AbstractBaseUser | None, reason: str = "") -> Claim:
    """Take a claim's public page down: it is gone from the page, the index and the feed."""
    perms.require(actor, perms.PUBLISH)
    if not Claim.objects.filter(pk=claim.pk, published_at__isnull=False).update(published_at=None):
        claim.refresh_from_db()
        return claim
    claim.published_at = None
    payload = {"url": claim.get_public_url()}
    if reason := _text("reason", reason, REASON_MAX):
        payload["reason"] = reason
    _event(claim, ClaimEvent.Kind.UNPUBLISHED, actor, payload)
    public_cache.claim_changed(claim, publishing=True)
    return claim
