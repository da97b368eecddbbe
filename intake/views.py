"""Spreadsheets in (editors): upload a file, map its columns and values, preview the dry
run, confirm. The web server reads only the first rows of a file; the preview and the
import run in the worker as jobs (intake.jobs) whose progress the page polls, and
which the editor can cancel. The import itself is intake.imports, shared with
`manage.py import_claims`."""

import logging
import secrets

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from claimwatch import perms

from . import jobs
from .forms import MappingForm, UploadForm, pairs_text
from .imports import preview
from .jobs import HEAD_ROWS
from .mapping import DEFAULT_STANCES, DEFAULT_VERDICTS, ColumnMapping
from .models import ImportJob
from .spreadsheets import ImportFileError, ImportLimits, read_table

log = logging.getLogger(__name__)
STORE_FAILED = (
    "The server could not keep this file (its storage is full or read-only), so nothing was "
    "uploaded or imported. Try again later, or tell whoever runs Claimwatch."
)
BUSY = "A {kind} of this file is running: wait for it, or cancel it first."


@require_http_methods(["GET", "POST"])
@perms.required(perms.IMPORT, perms.ADD_CLAIM)
def import_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        name, data, options = form.cleaned_data["upload"]
        token = secrets.token_hex(16)
        try:
            jobs.upload_store(token, data)
        except OSError:
            log.exception("Could not store an upload in %s", jobs.IMPORT_DIR)
            form.add_error(None, STORE_FAILED)
            return render(request, "intake/import.html", {"form": form}, status=507)
        # Only the uploader may use the file: the session lists their uploads, with how
        # to read them (delimiter, encoding, sheet).
        request.session["imports"] = {
            **request.session.get("imports", {}),
            token: {"name": name, **options},
        }
        return redirect("intake:import_review", token=token)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "limits": ImportLimits.page()}
    return render(request, "intake/import.html", context, status=status)


def _distinct(rows, column: str, limit: int = 30) -> list[str]:
    values = []
    for _, row in rows:
        value = (row.get(column) or "").strip().lower()
        if value and value not in values:
            values.append(value)
            if len(values) >= limit:
                break
    return values


def _upload(request, token: str) -> tuple[str, dict]:
    """The uploader's file name and reading options; 404 when the upload is not theirs
    (only the session that uploaded a file lists it)."""
    upload = request.session.get("imports", {}).get(token)
    if not isinstance(upload, dict) or not token.isalnum():
        raise Http404("This upload is gone: upload the file again.")
    options = dict(upload)
    return options.pop("name"), options


def _forget_upload(request, token: str) -> None:
    request.session["imports"] = {
        k: v for k, v in request.session.get("imports", {}).items() if k != token
    }


def _initial(job: ImportJob | None, rows, guess: ColumnMapping) -> dict:
    """The mapping form as the last job ran it, or as guessed from the headers, with every
    verdict and stance value of the first rows listed to map."""
    if job is not None:
        mapping = job.mapping
        return {
            **{f"col_{name}": column for name, column in mapping["columns"].items()},
            "verdicts": pairs_text(mapping["verdicts"]),
            "stances": pairs_text(mapping["stances"]),
            "date_format": mapping["date_format"],
            "check": job.check_sources,
        }
    verdict_values = _distinct(rows, guess.columns.get("verdict", ""))
    stance_values = _distinct(rows, guess.columns.get("stance", ""))
    return {
        **{f"col_{name}": column for name, column in guess.columns.items()},
        "verdicts": pairs_text(
            {v: DEFAULT_VERDICTS.get(v, "") for v in verdict_values}
            or {k: v for k, v in DEFAULT_VERDICTS.items() if k != v}
        ),
        "stances": pairs_text(
            {v: DEFAULT_STANCES.get(v, "") for v in stance_values}
            or {k: v for k, v in DEFAULT_STANCES.items() if k != v}
        ),
    }


def _job_context(job: ImportJob | None, token: str) -> dict:
    now = timezone.now()
    progress = jobs.job_progress(job) if job else None
    stalled = bool(job) and jobs.job_stalled(job, progress, now)
    return {
        "job": job,
        "progress": progress,
        "phase": progress.label(job.kind) if progress else "",
        "stalled": stalled,
        "active": jobs.job_active(job, progress, now),
        "report": job.report if job and job.report else None,
        "can_import": bool(
            job
            and job.kind == ImportJob.Kind.PREVIEW
            and job.state == ImportJob.State.DONE
            and job.report
            and job.report["ok"]
        ),
        "stalled_after": int(jobs.STALLED_AFTER.total_seconds() // 60),
        "waiting_long": bool(job)
        and job.state == ImportJob.State.QUEUED
        and now - job.created_at > jobs.WAITING_LONG,
        "limits": ImportLimits.page(),
        "token": token,
    }


def _imported(request, job: ImportJob, token: str):
    """After an import was committed: the upload is used up; to the list, which says so."""
    _forget_upload(request, token)
    messages.success(request, f"Imported {job.name}: {job.report['summary']}.")
    return redirect("claims:list")


@require_http_methods(["GET", "POST"])
@perms.required(perms.IMPORT, perms.ADD_CLAIM)
def import_review(request, token):
    """Map the columns, start a preview or the import, and follow it."""
    name, options = _upload(request, token)
    job = jobs.job_latest(upload=token, owner=request.user)
    if job and job.committed:
        return _imported(request, job, token)
    try:
        data = jobs.upload_path(token).read_bytes()
    except FileNotFoundError:
        raise Http404(
            "This upload is gone (uploads are kept for a day): upload it again."
        ) from None
    limits = ImportLimits.page()
    table = read_table(data, limits=limits, head=HEAD_ROWS, **options)
    del data
    guess = ColumnMapping.guess(table.headers)
    # The rows below the form read as the last job read them, or as guessed.
    mapping = ColumnMapping(**job.mapping) if job else guess
    status = 200
    if request.method == "POST":
        form = MappingForm(request.POST, headers=table.headers)
        if form.is_valid():
            mapping = form.mapping()
            kind = (
                ImportJob.Kind.IMPORT
                if request.POST.get("action") == "import"
                else ImportJob.Kind.PREVIEW
            )
            try:
                mapping.check(table.headers)
            except ImportFileError as exc:
                form.add_error(None, str(exc))
            else:
                progress = jobs.job_progress(job) if job else None
                if jobs.job_active(job, progress, timezone.now()):
                    form.add_error(None, BUSY.format(kind=job.get_kind_display().lower()))
                    status = 409
                else:
                    jobs.job_start(
                        owner=request.user,
                        upload=token,
                        name=name,
                        options=options,
                        mapping=mapping,
                        check=form.cleaned_data["check"],
                        kind=kind,
                    )
                    return redirect("intake:import_review", token=token)
        if status == 200:
            status = 422
    else:
        form = MappingForm(headers=table.headers, initial=_initial(job, table.rows, guess))
    context = {
        "form": form,
        "name": name,
        "headers": table.headers,
        "rows": len(table.rows),
        "complete": table.complete,
        "head_rows": HEAD_ROWS,
        "sample": [[row.get(h, "") for h in table.headers] for _, row in table.rows[:5]],
        "dialect": table.dialect,
        "parsed": preview(table, mapping),
        **_job_context(job, token),
    }
    return render(request, "intake/import_review.html", context, status=status)


def _own_job(request, token: str, job_id) -> ImportJob:
    _upload(request, token)
    return get_object_or_404(ImportJob, pk=job_id, upload=token, owner=request.user)


def _job_part(request, job: ImportJob, token: str):
    return render(request, "intake/_job.html", _job_context(job, token))


@require_http_methods(["GET"])
@perms.required(perms.IMPORT, perms.ADD_CLAIM)
def import_job(request, token, job_id):
    """The job's part of the review page, which polls it while the job runs."""
    job = _own_job(request, token, job_id)
    if not request.htmx:
        return redirect("intake:import_review", token=token)
    if job.committed:
        _imported(request, job, token)
        return HttpResponseClientRedirect(reverse("claims:list"))
    return _job_part(request, job, token)


@require_POST
@perms.required(perms.IMPORT, perms.ADD_CLAIM)
def import_job_cancel(request, token, job_id):
    job = jobs.job_cancel(job=_own_job(request, token, job_id), actor=request.user)
    if request.htmx:
        return _job_part(request, job, token)
    return redirect("intake:import_review", token=token)
