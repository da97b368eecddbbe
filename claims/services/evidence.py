"""Evidence: sources linked to a claim with a stance, changed, reviewed and removed."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claimwatch import perms
from sources.models import Source, SourceFingerprint
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
from .timeline import event_append, events_append


def _check_stance(stance: str) -> None:
    if stance not in Evidence.Stance.values:
        raise ValidationError({"stance": "Choose supports, denies or neutral."})


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
) -> Evidence:
    """Link a source (found or created by normalised URL) to a claim with a stance.

    A new source is due for its first check at once; linked by a person (the claim page,
    the API), `evidence_linked` lets monitoring check it within seconds of the commit.
    With `monitor=False` (imports without --check) a new source is not scheduled until
    someone asks.
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
        quote=text_clean("quote", quote, QUOTE_MAX),
        quote_internal=bool(quote_internal),
        note=text_clean("note", note, NOTE_MAX),
        added_by=actor,
        added_at=added_at or timezone.now(),
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
            quote=text_clean("quote", link.quote, QUOTE_MAX),
            note=text_clean("note", link.note, NOTE_MAX),
            added_by=actor,
            added_at=link.added_at or now,
        )
        for url, link in zip(urls, links, strict=True)
    )
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
    evidence.save(update_fields=changed)
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
    """Clear `needs_review` once someone has looked at what the source changed."""
    perms.require(actor, perms.CHANGE_EVIDENCE)
    if not evidence.needs_review:
        return evidence
    Evidence.objects.filter(pk=evidence.pk).update(needs_review=False)
    evidence.needs_review = False
    claims_recount([evidence.claim_id])
    event_append(
        evidence.claim,
        ClaimEvent.Kind.EVIDENCE_REVIEWED,
        actor,
        {"url": evidence.source.url},
        source=evidence.source,
    )
    return evidence
