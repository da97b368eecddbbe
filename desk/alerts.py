"""Alerts where desks already talk: Slack, Microsoft Teams, Telegram, Matrix, Discord or
any JSON/form webhook, through apprise, besides the watchers' mail.

A channel is an apprise URL owned by a user or by a desk (a group). Apprise makes its own
HTTP requests, outside sources/fetch.py, so the guard is applied around it:

1. When a channel is saved (`alert_channel_add`), apprise parses the URL (no network);
   only the services above are accepted, and the host the message will go to is checked
   with the fetcher's `check_url` (scheme, credentials, literal and local addresses).
   Slack, Telegram and Discord always post to their fixed public API hosts; webhooks,
   Matrix and Teams (Power Automate workflows) post to the URL's own host.
2. `notify_watchers` (desk.notifications) writes one `AlertDelivery` per channel and
   batch into an outbox, in the same run that mails the digest.
3. `alerts_claim_due` (beat, every minute) takes the due deliveries with
   `select_for_update(skip_locked=True)`, moves each one's next attempt a lease ahead (a
   lost task message heals itself) and returns them; one task per delivery sends it, so
   a slow or failing channel never holds up another.
4. `alert_send` checks the channel again (the same `check_url`, then every address its
   host resolves to with the fetcher's `address_refusal`), and sends with the fetcher's
   connect and read timeouts, never following a redirect: the guard checked one host,
   and a 3xx could send the alert anywhere (a 3xx answer is a failed send). Success
   marks it sent; a failure is retried after 1, 2, 4 ... minutes (at most
   ALERT_MAX_BACKOFF_SECONDS), and given up after ALERT_MAX_ATTEMPTS; the channel keeps
   its last error for its owner's page.
"""

import ipaddress
import logging
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import apprise
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from claimwatch import perms
from sources.fetch import NAME_NOT_FOUND, FetchBlocked, FetchFailed, address_refusal, check_url

from .models import CHANNEL_LABEL_MAX, CHANNEL_URL_MAX, AlertChannel, AlertDelivery

log = logging.getLogger(__name__)

# apprise's plugin class -> (the service's name, the fixed hosts it posts to, or None
# when it posts to the host in the URL).
SERVICES = {
    "NotifySlack": ("Slack", ("hooks.slack.com", "slack.com")),
    "NotifyTelegram": ("Telegram", ("api.telegram.org",)),
    "NotifyDiscord": ("Discord", ("discord.com",)),
    "NotifyWorkflows": ("Microsoft Teams", None),
    "NotifyMatrix": ("Matrix", None),
    "NotifyJSON": ("JSON webhook", None),
    "NotifyForm": ("Form webhook", None),
}
SCHEMES = (
    "slack://, msteams via workflows://, tgram://, matrix(s)://, discord://, json(s)://, form(s)://"
)
LEASE = timedelta(minutes=10)
BATCH = 200
BODY_MAX = 20_000
GUARD_REFUSAL = "Refused by the outgoing-request guard: {reason}"
MAIL_REFUSAL = (
    "Mail already comes through Watch: watchers get their digest at their account's e-mail "
    f"address. Channels are for the other places a desk talks: {SCHEMES}."
)
# Every plugin offered here speaks HTTP through requests with allow_redirects=self.redirects.
_ASSET = apprise.AppriseAsset(http_redirects=False)


def _plugin(url: str):
    """apprise's plugin for `url`, or None; it never follows a redirect, whatever the URL
    says (`redirect=yes` in it is overridden: the guard checked only the first host)."""
    plugin = apprise.Apprise.instantiate(url, asset=_ASSET, suppress_exceptions=True)
    if plugin is not None:
        plugin.redirects = False
    return plugin


@dataclass(frozen=True)
class ParsedChannel:
    url: str  # as apprise writes it back
    redacted: str  # the same, secrets hidden: what pages show
    service: str
    host: str  # where messages go, as a URL the fetcher's guard can check


def channel_parse(url: str) -> ParsedChannel:
    """Read an apprise URL and check where it would send; ValidationError when it can't
    be used. No network: the addresses are checked again before each send."""
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": "Paste the channel's apprise URL."})
    if len(url) > CHANNEL_URL_MAX:
        raise ValidationError({"url": f"Keep the URL under {CHANNEL_URL_MAX:,} characters."})
    if url.lower().startswith(("mailto:", "mailtos:")):
        raise ValidationError({"url": MAIL_REFUSAL})
    plugin = _plugin(url)
    if plugin is None:
        raise ValidationError(
            {"url": f"apprise cannot read this URL. Use one of: {SCHEMES} (docs/api.md)."}
        )
    service, fixed = SERVICES.get(type(plugin).__name__, (None, None))
    if service is None:
        raise ValidationError(
            {"url": f"{plugin.service_name} is not offered here. Use one of: {SCHEMES}."}
        )
    if fixed:
        host = f"https://{fixed[0]}/"
    else:
        # Services with only a secure scheme (Teams' workflows) always post over https.
        scheme = "https" if plugin.secure or not getattr(plugin, "protocol", None) else "http"
        port = f":{plugin.port}" if plugin.port else ""
        host = f"{scheme}://{plugin.host}{port}/"
    try:
        check_url(host)
    except FetchBlocked as exc:
        raise ValidationError({"url": GUARD_REFUSAL.format(reason=exc.reason)}) from None
    return ParsedChannel(
        url=plugin.url(privacy=False),
        redacted=plugin.url(privacy=True),
        service=service,
        host=host,
    )


def _guard_resolved(host_url: str) -> None:
    """The send-time check: the URL again, then every address its host resolves to.
    FetchBlocked when the guard refuses; FetchFailed when the name is not found."""
    check_url(host_url)
    parts = urlsplit(host_url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchFailed("connection", f"{NAME_NOT_FOUND}: {host}.", url=host_url) from None
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        reason = address_refusal(ip, allow_private=bool(settings.FETCH_ALLOW_PRIVATE))
        if reason:
            raise FetchBlocked(f"{host} resolves to {ip}; {reason}", url=host_url)


# ---- who may manage which channels --------------------------------------------------------


def desks_of(user: AbstractBaseUser) -> QuerySet[Group]:
    """The desks whose channels `user` may manage: their groups, if they set verdicts."""
    if not user.has_perm(perms.SET_VERDICT):
        return Group.objects.none()
    return user.groups.order_by("name")


def channels_visible_to(user: AbstractBaseUser) -> QuerySet[AlertChannel]:
    return AlertChannel.objects.filter(Q(user=user) | Q(desk__in=desks_of(user))).select_related(
        "desk"
    )


@transaction.atomic
def alert_channel_add(
    *,
    label: str,
    url: str,
    desk: Group | None = None,
    suggestions: bool = False,
    actor: AbstractBaseUser,
) -> AlertChannel:
    """Add a channel for the actor, or for one of their desks (editors); with
    `suggestions`, it also gets each new suggested source of the claims it reports."""
    perms.require(actor, perms.WATCH)
    if desk is not None and not desks_of(actor).filter(pk=desk.pk).exists():
        raise PermissionDenied("You can add channels only to your own desks, as an editor.")
    label = " ".join((label or "").split())
    if not label:
        raise ValidationError({"label": "Name the channel, e.g. “#sco-desk on Slack”."})
    if len(label) > CHANNEL_LABEL_MAX:
        raise ValidationError({"label": f"Keep the name under {CHANNEL_LABEL_MAX} characters."})
    parsed = channel_parse(url)
    return AlertChannel.objects.create(
        user=None if desk else actor,
        desk=desk,
        label=label,
        service=parsed.service,
        url=parsed.url,
        url_redacted=parsed.redacted,
        suggestions=suggestions,
        created_by=actor,
    )


@transaction.atomic
def alert_channel_suggestions_set(
    *, channel: AlertChannel, actor: AbstractBaseUser, on: bool
) -> AlertChannel:
    """Opt a channel in to (or out of) new suggested sources."""
    if not channels_visible_to(actor).filter(pk=channel.pk).exists():
        raise PermissionDenied("This is not your channel.")
    AlertChannel.objects.filter(pk=channel.pk).update(suggestions=on)
    channel.suggestions = on
    return channel


@transaction.atomic
def alert_channel_remove(*, channel: AlertChannel, actor: AbstractBaseUser) -> None:
    if not channels_visible_to(actor).filter(pk=channel.pk).exists():
        raise PermissionDenied("This is not your channel.")
    channel.delete()


@transaction.atomic
def alert_channel_test(*, channel: AlertChannel, actor: AbstractBaseUser) -> AlertDelivery:
    """Queue a test message to the channel (sent like any alert)."""
    if not channels_visible_to(actor).filter(pk=channel.pk).exists():
        raise PermissionDenied("This is not your channel.")
    return alerts_queue(
        channels=[channel],
        title="Claimwatch: test alert",
        body=f"{actor.get_username()} sent this test from {settings.SITE_URL}/claims/alerts/.",
    )[0]


# ---- queueing and sending -----------------------------------------------------------------


def alerts_queue(*, channels, title: str, body: str) -> list[AlertDelivery]:
    """One delivery per channel, due now. The caller's task (or beat, within a minute)
    runs claims.tasks.deliver_alerts to send them."""
    now = timezone.now()
    deliveries = AlertDelivery.objects.bulk_create(
        AlertDelivery(channel=channel, title=title[:250], body=body[:BODY_MAX], next_attempt_at=now)
        for channel in channels
    )
    return deliveries


def alerts_claim_due(*, now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Take the due deliveries and move each a lease ahead; return their ids."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            AlertDelivery.objects.filter(sent_at=None, failed_at=None, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        AlertDelivery.objects.filter(id__in=ids).update(next_attempt_at=now + LEASE)
    return ids


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after the 1st, 2nd, 3rd failure, up to the maximum."""
    seconds = 60 * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.ALERT_MAX_BACKOFF_SECONDS))


def _notify(url: str, title: str, body: str) -> str:
    """Send with apprise; '' on success, else what apprise logged about the failure."""
    plugin = _plugin(url)
    if plugin is None:
        return "apprise can no longer read this URL."
    plugin.socket_connect_timeout = float(settings.FETCH_CONNECT_TIMEOUT)
    plugin.socket_read_timeout = float(settings.FETCH_READ_TIMEOUT)
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = plugin.notify(title=title, body=body)
        logged = captured.getvalue().strip()
    if ok:
        return ""
    return logged.splitlines()[-1][:1000] if logged else "the service refused the message."


def alert_send(*, delivery_id: int, now: datetime | None = None) -> bool:
    """Send one delivery now (see the module docstring); True when it went out."""
    delivery = (
        AlertDelivery.objects.filter(pk=delivery_id, sent_at=None, failed_at=None)
        .select_related("channel")
        .first()
    )
    if delivery is None:
        return False
    channel = delivery.channel
    try:
        parsed = channel_parse(channel.url)
        _guard_resolved(parsed.host)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except FetchBlocked as exc:
        error = GUARD_REFUSAL.format(reason=exc.reason)
    except FetchFailed as exc:
        error = exc.message
    else:
        error = _notify(channel.url, delivery.title, delivery.body)
    now = now or timezone.now()
    if not error:
        AlertDelivery.objects.filter(pk=delivery.pk).update(sent_at=now, last_error="")
        AlertChannel.objects.filter(pk=channel.pk).update(
            last_sent_at=now, last_error="", failures=0
        )
        return True
    attempts = delivery.attempts + 1
    gave_up = attempts >= settings.ALERT_MAX_ATTEMPTS
    log.warning(
        "Alert %s to channel %s failed (try %s): %s", delivery.pk, channel.pk, attempts, error
    )
    AlertDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts,
        last_error=error,
        next_attempt_at=now + backoff(attempts),
        failed_at=now if gave_up else None,
    )
    AlertChannel.objects.filter(pk=channel.pk).update(
        last_error=error + (" (gave up on one message)" if gave_up else ""),
        failures=channel.failures + 1,
    )
    return False
