"""Spreadsheets in (editors): upload a file, map its columns and values, preview the dry
run, confirm. The import itself is claims.imports, shared with `manage.py import_claims`."""

import logging
import os
import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from claimwatch import perms

from .forms import MappingForm, UploadForm, pairs_text
from .imports import (
    DEFAULT_STANCES,
    DEFAULT_VERDICTS,
    ColumnMapping,
    ImportFileError,
    import_claims,
    preview,
    read_table,
)

log = logging.getLogger(__name__)
IMPORT_DIR = settings.VAR_DIR / "imports"
UPLOAD_KEEP_SECONDS = 24 * 3600
STORE_FAILED = (
    "The server could not keep this file (its storage is full or read-only), so nothing was "
    "uploaded or imported. Try again later, or tell whoever runs Claimwatch."
)


def _store_upload(token: str, data: bytes) -> None:
    """Write the upload whole or not at all: a temporary file renamed into place, removed
    when the disk is full or read-only (OSError, raised on)."""
    part = IMPORT_DIR / f"{token}.part"
    try:
        IMPORT_DIR.mkdir(parents=True, exist_ok=True)
        with open(part, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, IMPORT_DIR / f"{token}.upload")
    except OSError:
        part.unlink(missing_ok=True)
        raise


def _forget_old_uploads() -> None:
    """Uploads nobody imported within a day are deleted."""
    cutoff = time.time() - UPLOAD_KEEP_SECONDS
    for path in IMPORT_DIR.glob("*.upload"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


@require_http_methods(["GET", "POST"])
@perms.required(perms.IMPORT, perms.ADD_CLAIM)
def import_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        name, data, options = form.cleaned_data["upload"]
        token = secrets.token_hex(16)
        try:
            _store_upload(token, data)
            _forget_old_uploads()
        except OSError:
            log.exception("Could not store an upload in %s", IMPORT_DIR)
            form.add_error(None, STORE_FAILED)
            return render(request, "claims/import.html", {"form": form}, status=507)
        # Only the uploader may use the file: the session lists their uploads, with how
        # to read them (delimiter, encoding, sheet).
        request.session["imports"] = {
            **request.session.get("imports", {}),
            token: {"name": name, **options},
        }
        return redirect("claims:import_review", token=token)
    status = 422 if request.method == "POST" else 200
    return render(request, "claims/import.html", {"form": form}, status=status)


def _distinct(rows, column: str, limit: int = 30) -> list[str]:
    values = []
    for _, row in rows:
        value = (row.get(column) or "").strip().lower()
        if value and value not in values:
            values.append(value)
            if len(values) >= limit:
                break
    return values


@require_http_methods(["GET", "POST"])
@perms.required(perms.IMPORT, perms.ADD_CLAIM)
def import_review(request, token):
    """Map the columns, preview the dry run, and confirm."""
    upload = request.session.get("imports", {}).get(token)
    path = IMPORT_DIR / f"{token}.upload"
    if not isinstance(upload, dict) or not token.isalnum() or not path.exists():
        raise Http404("This upload is gone: upload the file again.")
    options = dict(upload)
    name = options.pop("name")
    table = read_table(path.read_bytes(), **options)
    headers, rows = table.headers, table.rows
    mapping = ColumnMapping.guess(headers)
    report = None
    status = 200
    if request.method == "POST":
        form = MappingForm(request.POST, headers=headers)
        if form.is_valid():
            confirm = request.POST.get("action") == "import"
            mapping = form.mapping()
            try:
                report = import_claims(
                    table,
                    name=name,
                    mapping=mapping,
                    actor=request.user,
                    dry_run=not confirm,
                    check=form.cleaned_data["check"],
                )
            except ImportFileError as exc:
                form.add_error(None, str(exc))
            else:
                if report.committed:
                    path.unlink(missing_ok=True)
                    request.session["imports"] = {
                        k: v for k, v in request.session["imports"].items() if k != token
                    }
                    messages.success(request, f"Imported {name}: {report.summary()}.")
                    return redirect("claims:list")
        if not form.is_valid() or (report and not report.ok):
            status = 422
    else:
        guess = mapping
        verdict_values = _distinct(rows, guess.columns.get("verdict", ""))
        stance_values = _distinct(rows, guess.columns.get("stance", ""))
        form = MappingForm(
            headers=headers,
            initial={
                **{f"col_{name}": column for name, column in guess.columns.items()},
                "verdicts": pairs_text(
                    {v: DEFAULT_VERDICTS.get(v, "") for v in verdict_values}
                    or {k: v for k, v in DEFAULT_VERDICTS.items() if k != v}
                ),
                "stances": pairs_text(
                    {v: DEFAULT_STANCES.get(v, "") for v in stance_values}
                    or {k: v for k, v in DEFAULT_STANCES.items() if k != v}
                ),
            },
        )
    context = {
        "form": form,
        "name": name,
        "headers": headers,
        "rows": len(rows),
        "sample": [[row.get(h, "") for h in headers] for _, row in rows[:5]],
        "dialect": table.dialect,
        "parsed": preview(table, mapping),
        "report": report,
        "token": token,
    }
    return render(request, "claims/import_review.html", context, status=status)
