"""Spreadsheet imports run by the worker."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ImportJobKind(models.TextChoices):
    PREVIEW = "preview", "Preview"
    IMPORT = "import", "Import"


class ImportJobState(models.TextChoices):
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ImportJob(models.Model):
    """One preview or import of an uploaded spreadsheet, run by the worker
    (intake.jobs). The row holds what was asked and how it ended; how far a running
    job is, and a request to cancel it, pass through the cache, because the import's
    transaction hides its own writes until it commits."""

    Kind = ImportJobKind
    State = ImportJobState

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    # The upload (var/imports/<upload>.upload) and how to read it.
    upload = models.CharField(max_length=32)
    name = models.CharField(max_length=255)
    options = models.JSONField(default=dict)
    mapping = models.JSONField(default=dict)
    check_sources = models.BooleanField(default=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    # ImportReport.as_data() once it ran; why it failed or was cancelled otherwise.
    report = models.JSONField(null=True, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "claims_importjob"  # made by the claims app, before this app had its own room
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["upload", "-created_at"], name="importjob_upload")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ImportJobKind.values), name="importjob_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=ImportJobState.values), name="importjob_state_valid"
            ),
        ]

    def __str__(self):
        return f"{self.kind} of {self.name} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED, self.State.CANCELLED)

    @property
    def committed(self) -> bool:
        """An import that ran to the end and wrote its claims."""
        return bool(self.report and self.report.get("committed"))
