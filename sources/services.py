"""Writes for outlets and sources. The monitoring writes (leases, check requests,
pruning) are monitoring.services'."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from claimwatch import perms

from .captures import capture_page
from .changes import Extracted
from .fetch import FetchBlocked, check_url
from .models import (
    TITLE_MAX,
    URL_MAX,
    Feed,
    Outlet,
    Snapshot,
    Source,
    SourceBand,
    SourceFingerprint,
)
from .origins import Fingerprint
from .pages import language
from .urlnorm import domain_of, normalize_domain, normalize_url


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
    if reliability in Outlet.Reliability.values and reliability != Outlet.Reliability.F:
        perms.require(actor, perms.GRADE_OUTLET)  # grading is an editor's act, even at creation
    domain = normalize_domain(domain)
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
        except (IntegrityError, ValidationError):
            # Created meanwhile by another request: seen by full_clean's unique check
            # (ValidationError) or, when both inserted at once, by the constraint.
            outlet = Outlet.objects.filter(domain=domain).first()
            if outlet is None:  # a real validation error of the domain itself
                raise
    return outlet


def source_url_clean(url: str) -> str:
    """The normalised URL a source would have, or ValidationError({"url": ...}) for a URL
    that cannot be a source. Refused at link time, not first at the first check
    (FETCH_ALLOW_PRIVATE honoured)."""
    try:
        normalised = normalize_url(url)
    except ValidationError as exc:
        raise ValidationError({"url": exc.messages}) from None
    try:
        check_url(normalised)
    except FetchBlocked as exc:
        raise ValidationError({"url": [f"This URL cannot be monitored: {exc.reason}"]}) from None
    return normalised


@transaction.atomic
def sources_get_or_create_many(
    *,
    titles: dict[str, str],
    actor: AbstractBaseUser | None,
    monitor: bool = True,
    published: dict[str, datetime] | None = None,
) -> dict[str, tuple[Source, bool]]:
    """source_get_or_create for many URLs at once (imports): `titles` maps normalised
    URLs (source_url_clean) to titles, `published` to the article's own date where the
    file gives one (kept on a source that has none). Outlets and sources are found and
    created in sets, a few queries whatever the number; returns url -> (source, created).
    A new source is due at once unless `monitor=False`."""
    titles = {url: (title or "").strip() for url, title in titles.items()}
    published = published or {}
    if any(len(title) > TITLE_MAX for title in titles.values()):
        raise ValidationError({"title": f"Keep the title under {TITLE_MAX} characters."})
    found = {s.url: s for s in Source.objects.filter(url__in=list(titles))}
    for url, source in found.items():
        title = titles[url]
        if title and not source.title:
            source.title = title
            source.save(update_fields=["title"])
    dated = [s for url, s in found.items() if s.published_at is None and published.get(url)]
    for source in dated:
        source.published_at = published[source.url]
    Source.objects.bulk_update(dated, ["published_at"])
    missing = [url for url in titles if url not in found]
    if not missing:
        return {url: (source, False) for url, source in found.items()}
    perms.require(actor, perms.ADD_SOURCE)
    domains = {url: domain_of(url) for url in missing}
    outlets = {o.domain: o for o in Outlet.objects.filter(domain__in=set(domains.values()))}
    new_outlets = []
    for domain in sorted(set(domains.values()) - set(outlets)):
        outlet = Outlet(name=domain, domain=domain)
        outlet.full_clean(validate_unique=False, validate_constraints=False)
        new_outlets.append(outlet)
    now = timezone.now()
    if new_outlets:  # another request may create one meanwhile: keep theirs
        Outlet.objects.bulk_create(new_outlets, ignore_conflicts=True)
        outlets = {o.domain: o for o in Outlet.objects.filter(domain__in=set(domains.values()))}
    Source.objects.bulk_create(
        [
            Source(
                url=url,
                title=titles[url],
                published_at=published.get(url),
                outlet=outlets[domains[url]],
                added_by=actor,
                next_check_at=now if monitor else None,
            )
            for url in missing
        ],
        ignore_conflicts=True,
    )
    result = {url: (source, False) for url, source in found.items()}
    for source in Source.objects.filter(url__in=missing).select_related("outlet"):
        result[source.url] = (source, True)
    return result


def source_get_or_create(
    *,
    url: str,
    title: str = "",
    actor: AbstractBaseUser | None,
    monitor: bool = True,
    outlet: Outlet | None = None,
) -> tuple[Source, bool]:
    """Find a source by its normalised URL, or create it with its outlet: `outlet` when
    the caller knows who publishes it (an article read from an outlet's feed), else the
    outlet of the URL's domain. A source already known keeps its outlet.

    A new source is due for its first check at once; with `monitor=False` it is not
    scheduled (imports without --check: nothing is fetched unless asked).

    Raises ValidationError with a clear message for a URL that cannot be a source.
    """
    normalised = source_url_clean(url)
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
                outlet=outlet or outlet_for_url(normalised),
                added_by=actor,
                next_check_at=timezone.now() if monitor else None,
            )
    except IntegrityError:  # the same URL was added meanwhile
        return Source.objects.get(url=normalised), False
    return source, True


@transaction.atomic
@transaction.atomic
def snapshot_record(
    *,
    source: Source,
    extracted: Extracted,
    outlet: Outlet | None = None,
    at: datetime,
    page: str = "",
    page_origin: str = "",
) -> Snapshot:
    """Store what a source said at `at` as its first snapshot, without fetching it (the demo
    retells June 2025): the next check compares the live page with it. The outlet may be
    named, for a page that stands in for another outlet's article. `page` is the page's
    HTML the snapshot was read from: it is kept as the snapshot's capture, marked as not
    fetched (`page_origin` says by whom), so the record holds a capture of every source."""
    capture = None
    if page:
        capture = capture_page(source=source, html=page, at=at, origin=page_origin)
    snapshot = Snapshot.objects.create(
        source=source,
        created_at=at,
        title=extracted.title[:TITLE_MAX],
        text=extracted.text,
        content_hash=extracted.content_hash,
        # What a check would have recorded of that page: its capture's status, and the
        # language found as a check finds it.
        http_status=capture.http_status if capture else None,
        language=(extracted.language or language(f"{extracted.title}\n{extracted.text}"))[:16],
        read_from=extracted.read_from,
        change_kind=Snapshot.ChangeKind.FIRST,
        capture=capture,
        capture_sha256=capture.sha256 if capture else "",
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
    """Keep a source's fingerprint of its newest snapshot, and its LSH band hashes."""
    return source_fingerprints_store(fingerprints=[(source, fingerprint, snapshot)])[0]


def source_fingerprints_store(
    *, fingerprints: list[tuple[Source, Fingerprint, Snapshot | None]]
) -> list[SourceFingerprint]:
    """Keep each source's fingerprint of its newest snapshot, and its LSH band hashes
    (source, fingerprint, snapshot; one per source).

    Three queries whatever their number: one upsert, one delete and one insert of the
    band rows."""
    if not fingerprints:
        return []
    now = timezone.now()
    stored = SourceFingerprint.objects.bulk_create(
        [
            SourceFingerprint(
                source=source,
                snapshot=snapshot,
                signature=fingerprint.signature,
                names=list(fingerprint.names),
                canonical=fingerprint.canonical[:URL_MAX],
                links=[link for link in fingerprint.links if len(link) <= URL_MAX],
                updated_at=now,
            )
            for source, fingerprint, snapshot in fingerprints
        ],
        update_conflicts=True,
        unique_fields=["source"],
        update_fields=["snapshot", "signature", "names", "canonical", "links", "updated_at"],
    )
    SourceBand.objects.filter(source__in=[source.pk for source, _, _ in fingerprints]).delete()
    _bands_insert(
        [
            (source.pk, band, value)
            for source, fingerprint, _ in fingerprints
            for band, value in enumerate(fingerprint.bands)
        ]
    )
    return stored


def _bands_insert(rows: list[tuple[int, int, int]]) -> None:
    """Insert SourceBand rows (source id, band, hash). On PostgreSQL one INSERT ... SELECT
    FROM unnest() of three arrays: a batch's thousands of rows (32 per source) without a
    model object, a placeholder and a parameter each (which cost more than the signatures)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        SourceBand.objects.bulk_create(
            SourceBand(source_id=source_id, band=band, hash=value)
            for source_id, band, value in rows
        )
        return
    source_ids, bands, hashes = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {SourceBand._meta.db_table} (source_id, band, hash)
            SELECT * FROM unnest(%s::bigint[], %s::smallint[], %s::bigint[])""",  # noqa: S608
            [source_ids, bands, hashes],
        )


def feed_add(*, outlet: Outlet, url: str, kind: str, actor: AbstractBaseUser | None) -> Feed:
    """An editor adds a feed to an outlet (the outlet page). Raises ValidationError with a
    clear message for a URL the guard refuses or a feed another outlet already has."""
    perms.require(actor, perms.GRADE_OUTLET)  # facts about an outlet are an editor's
    normalised = source_url_clean(url)
    if kind not in Feed.Kind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(Feed.Kind.values)}."})
    existing = Feed.objects.filter(url=normalised).select_related("outlet").first()
    if existing is not None:
        raise ValidationError({"url": f"This feed is already known, for {existing.outlet}."})
    feed = Feed(outlet=outlet, url=normalised, kind=kind, found_by=Feed.FoundBy.EDITOR)
    feed.added_by = actor
    feed.full_clean()
    try:
        with transaction.atomic():
            feed.save()
    except IntegrityError:
        raise ValidationError({"url": "This feed was added meanwhile."}) from None
    return feed


def feeds_record(*, outlet_id: int, links: list[tuple[str, str]]) -> list[Feed]:
    """Keep the feeds a page of the outlet announces (sources.feedlinks), found by the
    monitoring check: each once, under the outlet of the page that announced it first.
    A URL the guard refuses is skipped. Returns the feeds that are new."""
    wanted: dict[str, str] = {}
    for url, kind in links:
        try:
            normalised = source_url_clean(url)
        except ValidationError:
            continue
        if len(normalised) <= URL_MAX and kind in Feed.Kind.values:
            wanted.setdefault(normalised, kind)
    if not wanted:
        return []
    known = set(Feed.objects.filter(url__in=list(wanted)).values_list("url", flat=True))
    new = [
        Feed(outlet_id=outlet_id, url=url, kind=kind, found_by=Feed.FoundBy.DISCOVERED)
        for url, kind in wanted.items()
        if url not in known
    ]
    Feed.objects.bulk_create(new, ignore_conflicts=True)
    return new
