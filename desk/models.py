"""Who works on what: assignments, watches, and the alert channels watchers are told on."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from claims.models import Claim

CHANNEL_LABEL_MAX = 100
CHANNEL_URL_MAX = 2000


class Watch(models.Model):
    """A user watching a claim, to be mailed when its verdict or sources change."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="watches")
    claim = models.ForeignKey(Claim, models.CASCADE, related_name="watches")
    created_at = models.DateTimeField(default=timezone.now)
    # Events after this one are not yet mailed to the watcher.
    notified_until = models.DateTimeField(default=timezone.now)
    # Also mail the watcher each new suggested source of the claim (discovery), as it comes.
    suggestions = models.BooleanField(default=False)

    class Meta:
        db_table = "claims_watch"  # made by the claims app, before this app had its own room
        verbose_name_plural = "watches"
        constraints = [
            models.UniqueConstraint(fields=["user", "claim"], name="watch_once_per_user"),
        ]

    def __str__(self):
        return f"{self.user} watches {self.claim_id}"


class AlertChannel(models.Model):
    """Where a watcher's alerts go besides mail: an apprise URL (Slack, Teams, Telegram,
    Matrix, Discord, a JSON or form webhook), owned by one user or by a desk (a group,
    whose members' watched claims it reports). desk.alerts checks and sends."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_channels",
    )
    desk = models.ForeignKey(
        "auth.Group", models.CASCADE, null=True, blank=True, related_name="alert_channels"
    )
    label = models.CharField(max_length=CHANNEL_LABEL_MAX)
    service = models.CharField(max_length=50)
    # The apprise URL holds the channel's secret (token, password): shown redacted.
    url = models.TextField()
    url_redacted = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)
    # Also alert each new suggested source (discovery) of the claims the channel reports.
    suggestions = models.BooleanField(default=False)

    class Meta:
        db_table = "claims_alertchannel"  # made by the claims app, before this app had its own room
        ordering = ["label", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, desk__isnull=True)
                | Q(user__isnull=True, desk__isnull=False),
                name="alertchannel_user_or_desk",
            ),
            models.CheckConstraint(condition=~Q(url=""), name="alertchannel_url_not_empty"),
        ]

    def __str__(self):
        return self.label


class AlertDelivery(models.Model):
    """One message for one channel, kept until it is sent or given up on (an outbox):
    a failing channel is retried with backoff on its own and holds up nobody else."""

    channel = models.ForeignKey(AlertChannel, models.CASCADE, related_name="deliveries")
    title = models.CharField(max_length=250)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = (
            "claims_alertdelivery"  # made by the claims app, before this app had its own room
        )
        ordering = ["created_at", "id"]
        verbose_name_plural = "alert deliveries"
        indexes = [
            # Due deliveries: AlertDelivery.objects.filter(sent_at=None, failed_at=None,
            # next_attempt_at__lte=now) (desk.alerts.alerts_claim_due)
            models.Index(
                fields=["next_attempt_at"],
                name="alertdelivery_due_idx",
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.title} -> {self.channel}"


class Assignment(models.Model):
    """Who on the desk works on a claim, and by when."""

    claim = models.ForeignKey(Claim, models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="assignments")
    due_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "claims_assignment"  # made by the claims app, before this app had its own room
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "claim"], name="assignment_once_per_user"),
        ]
        # "My claims": Assignment.objects.filter(user=user) is answered by the unique
        # index's leading column.

    def __str__(self):
        return f"{self.user} on {self.claim_id}"
