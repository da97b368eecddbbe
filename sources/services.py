"""Writes for outlets and sources. The monitoring writes (leases, check requests,
pruning) are monitoring.services'."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from claimwatch import perms

from .changes import Extracted
from .fetch import FetchBlocked, check_url
from .models import TITLE_MAX, URL_MAX, Outlet, Snapshot, Source, SourceBand, SourceFingerprint
from .origins import Fingerprint
from .urlnorm import domain_of, normalize_url


def outlet_create(
    *,
    name: str,
    domain: str,
    kind: str = Outlet.Kind.OTHER,
    country: str = "",
    reliability: str = Outlet.Reliability.F,
    actor: AbstractBaseUser | None,
) -> Outlet:
    perms.require(actor, perms.ADD_OUTLET)
    domain = (domain or "").strip().lower().removeprefix("www.").rstrip(".")
    outlet = Outlet(
        name=(name or "").strip() or domain,
        domain=domain,
        kind=kind,
        country=(country or "").strip(),
        reliability=reliability,
    )
    outlet.full_clean()
    outlet.save()
    return outlet


def outlet_update(*, outlet: Outlet, actor: AbstractBaseUser | None, **fields) -> Outlet:
    """Change an outlet's name, kind, country or reliability grade (editors)."""
    perms.require(actor, perms.GRADE_OUTLET)
    allowed = {"name", "kind", "country", "reliability"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            f"These outlet fields cannot be changed: {', '.join(sorted(unknown))}."
        )
    for name, value in fields.items():
        setattr(outlet, name, value.strip() if isinstance(value, str) else value)
    outlet.full_clean()
    outlet.save(update_fields=[*fields])
    return outlet


def outlet_for_url(url: str) -> Outlet:
    """The outlet publishing at a normalised URL's domain, created (grade F) when new."""
    domain = domain_of(url)
    outlet = Outlet.objects.filter(domain=domain).first()
    if outlet is None:
        try:
            with transaction.atomic():
                outlet = outlet_create(name=domain, domain=domain, actor=None)
        except IntegrityError:  # created meanwhile by another request
            outlet = Outlet.objects.get(domain=domain)
    return outlet


def source_get_or_create(
    *, url: str, title: str = "", actor: AbstractBaseUser | None, monitor: bool = True
) -> tuple[Source, bool]:
    """Find a source by its normalised URL, or create it with its outlet.

    A new source is due for its first check at once; with `monitor=False` it is not
    scheduled (imports without --check: nothing is fetched unless asked).

    Raises ValidationError with a clear message for a URL that cannot be a source.
    """
    try:
        normalised = normalize_url(url)
    except ValidationError as exc:
        raise ValidationError({"url": exc.messages}) from None
    try:  # refused at link time, not first at the first check (FETCH_ALLOW_PRIVATE honoured)
        check_url(normalised)
    except FetchBlocked as exc:
        raise ValidationError({"url": [f"This URL cannot be monitored: {exc.reason}"]}) from None
    title = (title or "").strip()
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": f"Keep the title under {TITLE_MAX} characters."})
    source = Source.objects.filter(url=normalised).first()
    if source is not None:
        if title and not source.title:
            source.title = title
            source.save(update_fields=["title"])
        return source, False
    perms.require(actor, perms.ADD_SOURCE)
    try:
        with transaction.atomic():
            source = Source.objects.create(
                url=normalised,
                title=title,
                outlet=outlet_for_url(normalised),
                added_by=actor,
                next_check_at=timezone.now() if monitor else None,
            )
    except IntegrityError:  # the same URL was added meanwhile
        return Source.objects.get(url=normalised), False
    return source, True


@transaction.atomic
def snapshot_record(
    *, source: Source, extracted: Extracted, outlet: Outlet | None = None, at: datetime
) -> Snapshot:
    """Store what a source said at `at` as its first snapshot, without fetching it (the demo
    retells June 2025): the next check compares the live page with it. The outlet may be
    named, for a page that stands in for another outlet's article."""
    snapshot = Snapshot.objects.create(
        source=source,
        created_at=at,
        title=extracted.title[:TITLE_MAX],
        text=extracted.text,
        content_hash=extracted.content_hash,
        change_kind=Snapshot.ChangeKind.FIRST,
    )
    Source.objects.filter(pk=source.pk).update(
        content_hash=extracted.content_hash,
        title=extracted.title[:TITLE_MAX] or source.title,
        outlet=outlet or source.outlet,
    )
    return snapshot


@transaction.atomic
def source_fingerprint_store(
    *, source: Source, fingerprint: Fingerprint, snapshot: Snapshot | None = None
) -> SourceFingerprint:
    """Keep a source's fingerprint of its newest snapshot, and its LSH band hashes.

    Constant work per call: one upsert, one delete and one insert of BANDS rows."""
    stored, _ = SourceFingerprint.objects.update_or_create(
        source=source,
        defaults={
            "snapshot": snapshot,
            "signature": fingerprint.signature,
            "names": list(fingerprint.names),
            "canonical": fingerprint.canonical[:URL_MAX],
            "links": [link for link in fingerprint.links if len(link) <= URL_MAX],
            "updated_at": timezone.now(),
        },
    )
    SourceBand.objects.filter(source=source).delete()
    SourceBand.objects.bulk_create(
        SourceBand(source=source, band=band, hash=value)
        for band, value in enumerate(fingerprint.bands)
    )
    return stored
