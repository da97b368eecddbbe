"""Mail watchers what happened to the claims they watch, one mail per batch.

`notify_watchers` runs periodically (claims.tasks, every NOTIFY_EVERY_SECONDS):

1. Take a cutoff (now) and find the watches with a verdict or source event after their
   `notified_until` and up to the cutoff.
2. Read those events in one query; leave out what the watcher did themselves.
3. Send each watcher one mail listing every new event of every claim they watch, so a
   burst of changes within one period is one mail.
4. Each watch is claimed by moving its `notified_until` to the cutoff with a conditional
   update before its mail goes, so overlapping runs never mail the same events twice; a
   watcher whose mail failed gets their mark back and the events with the next batch.
5. The same digest goes to the watcher's alert channels (Slack, Teams, ...), and one
   digest per desk, of every claim its members watch, to the desk's channels: written to
   the alerts outbox (desk.alerts), which sends each on its own with retries.

New suggested sources are no timeline events: `suggestions_notify` hears of them from
claims.signals.suggestions_made, as they are made, and tells only those who opted in
(`Watch.suggestions`, `AlertChannel.suggestions`; see its docstring).
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from claims.hooks import Arrival
from claims.models import Claim, ClaimEvent
from claimwatch import perms

from .alerts import alerts_queue
from .models import AlertChannel, AlertDelivery, Watch

log = logging.getLogger(__name__)
# Assignees watch the claims they are put on (desk.services.claim_assign), so they are
# told like any watcher, also of who else is put on or taken off.
NOTIFY_KINDS = frozenset(
    {
        ClaimEvent.Kind.VERDICT_SET,
        ClaimEvent.Kind.ASSIGNED,
        ClaimEvent.Kind.UNASSIGNED,
        *ClaimEvent.SOURCE_KINDS,
    }
)


def notify_watchers(*, now: datetime | None = None) -> int:
    """Send the mails of one batch; return how many were sent."""
    cutoff = now or timezone.now()
    new_events = ClaimEvent.objects.filter(
        claim=OuterRef("claim"),
        kind__in=NOTIFY_KINDS,
        created_at__gt=OuterRef("notified_until"),
        created_at__lte=cutoff,
    )
    watches = list(
        Watch.objects.filter(Exists(new_events), user__is_active=True).select_related(
            "user", "claim"
        )
    )
    if not watches:
        return 0
    since = min(watch.notified_until for watch in watches)
    events_by_claim = defaultdict(list)
    for event in (
        ClaimEvent.objects.filter(
            claim__in={watch.claim_id for watch in watches},
            kind__in=NOTIFY_KINDS,
            created_at__gt=since,
            created_at__lte=cutoff,
        )
        .select_related("actor", "source")
        .order_by("created_at", "id")
    ):
        events_by_claim[event.claim_id].append(event)

    by_user = defaultdict(list)
    for watch in watches:
        events = [
            event
            for event in events_by_claim[watch.claim_id]
            if event.created_at > watch.notified_until and event.actor_id != watch.user_id
        ]
        by_user[watch.user].append((watch, events))

    user_channels = defaultdict(list)
    for channel in AlertChannel.objects.filter(user__in=by_user):
        user_channels[channel.user_id].append(channel)
    desks_of_user = defaultdict(list)
    for user_id, desk_id in (
        Group.user_set.through.objects.filter(user__in=by_user, group__alert_channels__isnull=False)
        .values_list("user_id", "group_id")
        .distinct()
    ):
        desks_of_user[user_id].append(desk_id)
    # desk id -> claim id -> the claim's digest item, its events merged across members
    desk_claims: dict[int, dict] = defaultdict(dict)

    sent = 0
    for user, items in by_user.items():
        # Claim each watch with a conditional update, as a worker takes a job: zero rows
        # means an overlapping run took it, and mails it instead.
        items = [
            (watch, events)
            for watch, events in items
            if Watch.objects.filter(pk=watch.pk, notified_until=watch.notified_until).update(
                notified_until=cutoff
            )
        ]
        claims = [
            {"claim": watch.claim, "url": watch.claim.site_url(), "events": events}
            for watch, events in items
            if events
        ]
        if not claims or not user.has_perm("claims.view_claim"):
            continue
        subject = (
            f"Claimwatch: {claims[0]['claim'].statement[:60]}"
            if len(claims) == 1
            else f"Claimwatch: {len(claims)} claims you watch changed"
        )
        if user.email:
            context = {"user": user, "claims": claims, "site_url": settings.SITE_URL}
            try:
                send_mail(
                    subject,
                    render_to_string("desk/mail/watch_digest.txt", context),
                    None,
                    [user.email],
                )
            except OSError:
                log.exception("Could not mail %s; their events go with the next batch.", user)
                for watch, _ in items:
                    Watch.objects.filter(pk=watch.pk, notified_until=cutoff).update(
                        notified_until=watch.notified_until
                    )
                continue
            sent += 1
        if user_channels[user.pk]:
            alerts_queue(
                channels=user_channels[user.pk],
                title=subject,
                body=render_to_string("desk/mail/alert.txt", {"claims": claims}),
            )
        for desk_id in desks_of_user[user.pk]:
            for item in claims:
                merged = desk_claims[desk_id].setdefault(item["claim"].pk, {**item, "events": {}})
                merged["events"].update((event.pk, event) for event in item["events"])
    _queue_desk_alerts(desk_claims)
    return sent


def _queue_desk_alerts(desk_claims: dict[int, dict]) -> None:
    channels = defaultdict(list)
    for channel in AlertChannel.objects.filter(desk__in=desk_claims).select_related("desk"):
        channels[channel.desk_id].append(channel)
    for desk_id, by_claim in desk_claims.items():
        claims = [
            {**item, "events": sorted(item["events"].values(), key=lambda e: (e.created_at, e.pk))}
            for item in by_claim.values()
        ]
        desk = channels[desk_id][0].desk
        title = (
            f"Claimwatch ({desk.name}): {claims[0]['claim'].statement[:60]}"
            if len(claims) == 1
            else f"Claimwatch ({desk.name}): {len(claims)} watched claims changed"
        )
        alerts_queue(
            channels=channels[desk_id],
            title=title,
            body=render_to_string("desk/mail/alert.txt", {"claims": claims}),
        )


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def suggestions_notify(
    *, arrivals: dict[int, list[Arrival]]
) -> tuple[list[Mail], list[AlertDelivery]]:
    """Tell who opted in of new suggested sources, in the transaction that made them.

    1. Find the watches of the claims, of active users who may read claims.
    2. A watcher whose watch opted in (`Watch.suggestions`) gets one mail listing the new
       suggestions of every such claim: returned, for a task to send after the commit.
    3. Each opted-in channel of a watcher gets one alert of the claims its owner watches,
       and each opted-in desk channel one of the claims its members watch (any watch):
       written to the alerts outbox, rolled back with the suggestions if they are.
    Returns the mails and the deliveries written.
    """
    watches = [
        watch
        for watch in Watch.objects.filter(claim__in=arrivals, user__is_active=True)
        .select_related("user", "claim")
        .order_by("claim_id", "id")
        if watch.user.has_perm(perms.VIEW_CLAIM)
    ]
    if not watches:
        return [], []
    claims_of_user: dict[int, dict[int, Claim]] = defaultdict(dict)
    users = {}
    for watch in watches:
        claims_of_user[watch.user_id][watch.claim_id] = watch.claim
        users[watch.user_id] = watch.user

    def told(claims) -> tuple[str, str]:
        items = [
            {"claim": claim, "url": claim.site_url(), "arrivals": arrivals[claim.pk]}
            for claim in claims
        ]
        count = sum(len(item["arrivals"]) for item in items)
        subject = (
            f"New suggested source{'s' if count > 1 else ''} for "
            f"“{items[0]['claim'].statement[:60]}”"
            if len(items) == 1
            else f"{count} new suggested sources for {len(items)} claims"
        )
        return subject, render_to_string("desk/mail/suggestions.txt", {"claims": items})

    opted_in: dict[int, list[Claim]] = defaultdict(list)
    for watch in watches:
        if watch.suggestions and watch.user.email:
            opted_in[watch.user_id].append(watch.claim)
    mails = []
    for user_id, claims in opted_in.items():
        subject, body = told(claims)
        mails.append(Mail(users[user_id].email, f"Claimwatch: {subject}", body))
    deliveries = []
    for channel in AlertChannel.objects.filter(user__in=users, suggestions=True):
        subject, body = told(claims_of_user[channel.user_id].values())
        deliveries += alerts_queue(channels=[channel], title=f"Claimwatch: {subject}", body=body)
    claims_of_desk: dict[int, dict[int, Claim]] = defaultdict(dict)
    for user_id, desk_id in (
        Group.user_set.through.objects.filter(
            user__in=users, group__alert_channels__suggestions=True
        )
        .values_list("user_id", "group_id")
        .distinct()
    ):
        claims_of_desk[desk_id].update(claims_of_user[user_id])
    for desk_id, claims in claims_of_desk.items():
        channels = list(
            AlertChannel.objects.filter(desk_id=desk_id, suggestions=True).select_related("desk")
        )
        subject, body = told(sorted(claims.values(), key=lambda claim: claim.pk))
        title = f"Claimwatch ({channels[0].desk.name}): {subject}"
        deliveries += alerts_queue(channels=channels, title=title, body=body)
    return mails, deliveries
