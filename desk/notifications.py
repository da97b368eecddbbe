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
"""

import logging
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from claims.models import ClaimEvent

from .alerts import alerts_queue
from .models import AlertChannel, Watch

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
