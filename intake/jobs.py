"""Spreadsheet imports from the editors' page, run by the worker, not the web server.

1. The page stores the upload under var/imports/ (whole or not at all), reads its first
   rows to map the columns, and starts a job: a preview (the import run as a dry run) or
   the import itself. `job_start` records it (ImportJob) and queues
   intake.tasks.run_import; a broker that refuses leaves the job failed with a message.
2. `job_run` (the task) reads the whole file within the page's limits (ImportLimits.page:
   bytes, rows, seconds) and runs intake.imports.import_claims, reporting how far it is to
   the cache. A committed import marks its job done in the same transaction, so the job
   says "done" exactly when the claims are there.
3. `job_cancel` stops a job: a queued one at once, a running one at its next progress
   report (every few hundred rows, every claim written), which rolls everything back.
   The time limit stops a job the same way.
4. A job that stops reporting (its worker was killed) is "stalled" after STALLED_AFTER:
   its transaction died with the worker, so nothing was written, and it can be run again.

The worker reads the upload from VAR_DIR, so the web server and the worker share it, as
they share the captures' storage (docs/import.md).
"""

import logging
import os
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from claimwatch import perms

from .imports import CHECKING, PAGE, WRITING, import_claims
from .mapping import ColumnMapping
from .models import ImportJob
from .spreadsheets import ImportFileError, ImportLimits, read_table

log = logging.getLogger(__name__)

IMPORT_DIR = settings.VAR_DIR / "imports"
# What the web server reads of an upload: its first rows, to map the columns and show how
# they read. The worker reads it whole.
HEAD_ROWS = 200
UPLOAD_KEEP_SECONDS = 24 * 3600
JOBS_KEEP = timedelta(days=30)
RUN_IMPORT = "intake.tasks.run_import"
READING = "reading"
# A running job reports at least this often (reading a file at the page's size limit
# takes seconds); silent for longer, its worker is gone.
STALLED_AFTER = timedelta(minutes=2)
# A job no worker has taken for this long: the page asks whether the worker runs.
WAITING_LONG = timedelta(minutes=1)
# Progress is written to the cache at most this often (seconds).
REPORT_EVERY = 0.5
PROGRESS_KEEP_SECONDS = 24 * 3600
PHASES = {
    READING: "Reading the file",
    CHECKING: "Checking rows",
    WRITING: "Writing claims",
}
# A preview writes too, to see what the database says, and rolls it all back.
PREVIEW_PHASES = {**PHASES, WRITING: "Trying the writes (all rolled back)"}
NOT_QUEUED = (
    "The task queue is not answering, so this could not start; nothing was written. "
    "Try again in a minute, or tell whoever runs Claimwatch."
)
CANCELLED = "Cancelled; nothing was written."
UNEXPECTED = (
    "It stopped on an unexpected error; nothing was written. Try again, and if it happens "
    "again tell whoever runs Claimwatch (the worker's log has the details)."
)
UPLOAD_GONE = "The uploaded file is gone (uploads are kept for a day): upload it again."


class ImportStopped(Exception):
    """Raised from a job's progress report to stop it: cancelled, or over its time."""

    def __init__(self, state: str, message: str):
        super().__init__(message)
        self.state = state


@dataclass(frozen=True)
class JobProgress:
    phase: str
    done: int
    total: int
    at: float  # time.time() of the report

    def label(self, kind: str) -> str:
        phases = PREVIEW_PHASES if kind == ImportJob.Kind.PREVIEW else PHASES
        return phases.get(self.phase, self.phase)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


# ---- uploads --------------------------------------------------------------------------


def upload_path(token: str) -> Path:
    return IMPORT_DIR / f"{token}.upload"


def upload_store(token: str, data: bytes) -> None:
    """Write the upload whole or not at all: a temporary file renamed into place, removed
    when the disk is full or read-only (OSError, raised on). Uploads older than a day,
    and jobs older than JOBS_KEEP, are forgotten (the timeline keeps what was imported)."""
    part = IMPORT_DIR / f"{token}.part"
    try:
        IMPORT_DIR.mkdir(parents=True, exist_ok=True)
        with open(part, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, upload_path(token))
    except OSError:
        part.unlink(missing_ok=True)
        raise
    cutoff = time.time() - UPLOAD_KEEP_SECONDS
    for path in IMPORT_DIR.glob("*.upload"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
    ImportJob.objects.filter(created_at__lt=timezone.now() - JOBS_KEEP).delete()


# ---- jobs -----------------------------------------------------------------------------


def job_start(
    *,
    owner: AbstractBaseUser,
    upload: str,
    name: str,
    options: dict,
    mapping: ColumnMapping,
    check: bool,
    kind: str,
) -> ImportJob:
    """Record a preview or import of an upload and queue it for the worker."""
    perms.require(owner, perms.IMPORT)
    job = ImportJob.objects.create(
        owner=owner,
        upload=upload,
        name=name,
        options=options,
        mapping=asdict(mapping),
        check_sources=check,
        kind=kind,
    )
    transaction.on_commit(lambda: _send(job))
    return job


def _send(job: ImportJob) -> None:
    try:
        current_app.send_task(RUN_IMPORT, args=(str(job.pk),))
    except Exception:  # any broker failure: the job says so instead of waiting forever
        log.warning("Could not queue import job %s", job.pk, exc_info=True)
        _finish(job, ImportJob.State.FAILED, message=NOT_QUEUED)


def job_latest(*, upload: str, owner: AbstractBaseUser) -> ImportJob | None:
    return ImportJob.objects.filter(upload=upload, owner=owner).first()


def job_progress(job: ImportJob) -> JobProgress | None:
    """How far a running job is, as it last reported."""
    try:
        data = cache.get(_progress_key(job.pk))
    except Exception:  # the cache away: the page shows the job without its progress
        log.warning("Could not read import job %s's progress", job.pk, exc_info=True)
        return None
    return JobProgress(**data) if data else None


def job_stalled(job: ImportJob, progress: JobProgress | None, now: datetime) -> bool:
    """A running job that has not reported for STALLED_AFTER: its worker is gone."""
    if job.state != ImportJob.State.RUNNING:
        return False
    last = job.started_at or job.created_at
    if progress is not None:
        last = max(last, datetime.fromtimestamp(progress.at, tz=last.tzinfo))
    return now - last > STALLED_AFTER


def job_active(job: ImportJob | None, progress: JobProgress | None, now: datetime) -> bool:
    """Whether a job still holds its upload: queued, or running and reporting."""
    if job is None or job.finished:
        return False
    return not job_stalled(job, progress, now)


def job_cancel(*, job: ImportJob, actor: AbstractBaseUser) -> ImportJob:
    """Stop a job: a queued one at once, a running one at its next progress report."""
    perms.require(actor, perms.IMPORT)
    cache.set(_cancel_key(job.pk), True, PROGRESS_KEEP_SECONDS)
    job.refresh_from_db()
    # Only a queued job is written here: a running one may hold SQLite's write lock.
    if job.state == ImportJob.State.QUEUED:
        _finish(job, ImportJob.State.CANCELLED, message=CANCELLED, only_if=job.state)
    return job


def job_run(job_id: str) -> str:
    """Run a queued job (the task's body); the state it ended in."""
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None:  # deleted with its owner
        return "gone"
    if not claimed:  # cancelled before it started
        return job.state
    limits = ImportLimits.page()
    report = _Reporter(job, limits)
    try:
        report(READING, 0, 0)
        try:
            data = upload_path(job.upload).read_bytes()
        except FileNotFoundError:
            raise ImportFileError(UPLOAD_GONE) from None
        table = read_table(data, limits=limits, **job.options)
        del data
        with transaction.atomic():
            result = import_claims(
                table,
                name=job.name,
                mapping=ColumnMapping(**job.mapping),
                actor=job.owner,
                dry_run=job.kind == ImportJob.Kind.PREVIEW,
                check=job.check_sources,
                progress=report,
                wording=PAGE,
            )
            # In the import's transaction: "done" and the claims are written together.
            _finish(job, ImportJob.State.DONE, report=result.as_data())
        if result.committed:
            transaction.on_commit(lambda: upload_path(job.upload).unlink(missing_ok=True))
    except ImportStopped as exc:
        _finish(job, exc.state, message=str(exc))
    except ImportFileError as exc:
        _finish(job, ImportJob.State.FAILED, message=str(exc))
    except SoftTimeLimitExceeded:  # the task's backstop, for time spent between reports
        elapsed = time.monotonic() - report.started
        _finish(job, ImportJob.State.FAILED, message=str(limits.too_long(elapsed)))
    except Exception:
        log.exception("Import job %s failed", job.pk)
        _finish(job, ImportJob.State.FAILED, message=UNEXPECTED)
        raise
    return job.state


class _Reporter:
    """A job's progress callback: writes how far it is to the cache (at most every
    REPORT_EVERY seconds, and at each new phase), and stops the job when it was
    cancelled or has run over its time."""

    def __init__(self, job: ImportJob, limits: ImportLimits):
        self.job = job
        self.limits = limits
        self.started = time.monotonic()
        self.last_phase = ""
        self.last_write = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        elapsed = now - self.started
        if self.limits.max_seconds is not None and elapsed > self.limits.max_seconds:
            raise ImportStopped(ImportJob.State.FAILED, str(self.limits.too_long(elapsed)))
        try:
            cancelled = cache.get(_cancel_key(self.job.pk))
            if phase != self.last_phase or now - self.last_write >= REPORT_EVERY:
                progress = JobProgress(phase=phase, done=done, total=total, at=time.time())
                cache.set(_progress_key(self.job.pk), asdict(progress), PROGRESS_KEEP_SECONDS)
                self.last_phase, self.last_write = phase, now
        except Exception:  # the cache away: the job goes on, unseen until it is back
            log.warning("Import job %s could not report its progress", self.job.pk)
            return
        if cancelled:
            raise ImportStopped(ImportJob.State.CANCELLED, CANCELLED)


def _finish(
    job: ImportJob,
    state: str,
    *,
    report: dict | None = None,
    message: str = "",
    only_if: str | None = None,
) -> None:
    """End a job (from `only_if` only, when given: a conditional update)."""
    now = timezone.now()
    jobs = ImportJob.objects.filter(pk=job.pk)
    if only_if is not None:
        jobs = jobs.filter(state=only_if)
    if jobs.update(state=state, report=report, message=message, finished_at=now):
        job.state, job.report, job.message, job.finished_at = state, report, message, now


def _progress_key(job_id) -> str:
    return f"import-job:{job_id}:progress"


def _cancel_key(job_id) -> str:
    return f"import-job:{job_id}:cancel"
