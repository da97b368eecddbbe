"""Writes for outlets and sources. Monitoring writes live here too."""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .fetch import FetchBlocked, check_url
from .models import CheckAttempt, Outlet, Source
from .schedule import LEASE
from .urlnorm import domain_of, normalize_url


def require_perm(actor: AbstractBaseUser | None, perm: str) -> None:
    """Refuse a user without `perm`; None is the system (tasks, imports), which may."""
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(f"You do not have permission to do this ({perm}).")


def outlet_create(
    *,
    name: str,
    domain: str,
    kind: str = Outlet.Kind.OTHER,
    country: str = "",
    reliability: str = Outlet.Reliability.F,
    actor: AbstractBaseUser | None,
) -> Outlet:
    require_perm(actor, "sources.add_outlet")
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
    require_perm(actor, "sources.change_outlet")
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
    *, url: str, title: str = "", actor: AbstractBaseUser | None
) -> tuple[Source, bool]:
    """Find a source by its normalised URL, or create it with its outlet.

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
    source = Source.objects.filter(url=normalised).first()
    if source is not None:
        if title and not source.title:
            source.title = title.strip()[:500]
            source.save(update_fields=["title"])
        return source, False
    require_perm(actor, "sources.add_source")
    try:
        with transaction.atomic():
            source = Source.objects.create(
                url=normalised,
                title=(title or "").strip()[:500],
                outlet=outlet_for_url(normalised),
                added_by=actor,
            )
    except IntegrityError:  # the same URL was added meanwhile
        return Source.objects.get(url=normalised), False
    return source, True


# --- monitoring -------------------------------------------------------------------------


def sources_claim_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Take up to `limit` due sources for checking and lease them: their `next_check_at`
    moves LEASE ahead, so the next dispatcher run passes them by while the check runs,
    and picks them up again if the check's message was lost.

    Rows locked by another dispatcher are skipped (`skip_locked`), not waited for.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Source.objects.select_for_update(skip_locked=True)
            .filter(next_check_at__lte=now)
            .order_by("next_check_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Source.objects.filter(pk__in=ids).update(next_check_at=now + LEASE)
    return ids


def source_request_check(*, source: Source, actor: AbstractBaseUser | None) -> Source:
    """ "Refresh now": lease the source and queue a check after commit.

    `check_requested_at` makes its badge poll until the check has finished; if the
    queued message is lost, the dispatcher checks the source when the lease runs out.
    """
    from .tasks import check_sources  # tasks import services

    require_perm(actor, "sources.change_source")
    now = timezone.now()
    with transaction.atomic():
        Source.objects.filter(pk=source.pk).update(
            check_requested_at=now, next_check_at=now + LEASE
        )
        check_sources.delay_on_commit([source.pk])
    source.check_requested_at = now
    source.next_check_at = now + LEASE
    return source


def attempts_prune(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete check attempts older than `older_than`; the snapshots stay."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _ = CheckAttempt.objects.filter(started_at__lt=cutoff).delete()
    return deleted
