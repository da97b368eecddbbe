"""Web views for data in and out: CSV import, exports, ClaimReview, feeds, watching, and
the API token page. Short views: parse, call imports/exports/services, render."""

import secrets
import time
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from . import exports, feeds, selectors, services
from .forms import ClaimFilterForm
from .imports import (
    DEFAULT_STANCES,
    DEFAULT_VERDICTS,
    FIELDS,
    MAX_BYTES,
    ColumnMapping,
    ImportFileError,
    import_claims,
    read_csv,
)
from .models import Claim, Evidence

IMPORT_DIR = settings.VAR_DIR / "imports"
IMPORT_PERM = "claims.set_verdict"  # imports set verdicts: editors
UPLOAD_KEEP_SECONDS = 24 * 3600


# ---- reading with a session or an API token -----------------------------------------


def session_or_token(view):
    """Let a signed-in session or an `Authorization: Token <key>` header through, for
    feed readers and scripts; either way the user needs the claims' view permission."""

    @login_not_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            try:
                found = TokenAuthentication().authenticate(Request(request))
            except AuthenticationFailed:
                found = None
            if found is None:
                response = HttpResponse(
                    "Sign in, or send your API token: Authorization: Token <key>\n",
                    status=401,
                    content_type="text/plain; charset=utf-8",
                )
                response["WWW-Authenticate"] = 'Token realm="Claimwatch"'
                return response
            request.user = found[0]
        if not request.user.has_perm("claims.view_claim"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


@session_or_token
@require_GET
def export_csv(request):
    claims = selectors.claim_list(**ClaimFilterForm(request.GET).filters())
    response = HttpResponse(
        exports.claims_csv(claims, _base_url(request)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="claims.csv"'
    return response


@session_or_token
@require_GET
def export_json(request):
    claims = selectors.claim_list(**ClaimFilterForm(request.GET).filters())
    response = JsonResponse(
        {"claims": exports.claims_json(claims, _base_url(request))},
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Disposition"] = 'attachment; filename="claims.json"'
    return response


@session_or_token
@require_GET
def claim_review(request, code):
    claim = selectors.claim_for_page(code)
    review = exports.claim_review(claim, _base_url(request)) if claim else None
    if review is None:
        raise Http404("This claim has no verdict to publish.")
    return JsonResponse(
        review, content_type="application/ld+json", json_dumps_params={"ensure_ascii": False}
    )


verdict_feed = session_or_token(feeds.VerdictFeed())
source_feed = session_or_token(feeds.SourceFeed())


# ---- watching ---------------------------------------------------------------------------


@require_POST
def watch(request, code):
    claim = selectors.claim_for_page(code)
    if claim is None:
        raise Http404("No such claim.")
    if request.POST.get("watch") == "1":
        services.watch_add(claim=claim, actor=request.user)
    else:
        services.watch_remove(claim=claim, actor=request.user)
    if request.htmx:
        return render(request, "claims/_watch.html", {"claim": claim})
    return redirect(claim)


# ---- the API token ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def api_token(request):
    """Create, replace or revoke your own API token."""
    if request.method == "POST":
        Token.objects.filter(user=request.user).delete()
        if request.POST.get("action") == "create":
            Token.objects.create(user=request.user)
            messages.success(
                request, "Your new API token is below. The old one, if any, no longer works."
            )
        else:
            messages.success(request, "Your API token was revoked.")
        return redirect("claims:api_token")
    token = Token.objects.filter(user=request.user).first()
    return render(request, "claims/token.html", {"token": token})


# ---- CSV import -------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, one row per claim and source.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(f"Keep the file under {MAX_BYTES // (1024 * 1024)} MB.")
        data = upload.read()
        try:
            read_csv(data)
        except ImportFileError as exc:
            raise ValidationError(str(exc)) from None
        return upload.name, data


def _pairs_text(pairs: dict[str, str]) -> str:
    return "\n".join(f"{value} = {target}" for value, target in pairs.items())


def _parse_pairs(text: str, choices: list[str], label: str) -> dict[str, str]:
    pairs = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        value, sep, target = line.partition("=")
        value, target = value.strip(), target.strip()
        if not sep or not value:
            raise ValidationError(f"{label} line {number}: write it as “value = {choices[0]}”.")
        if target not in choices:
            raise ValidationError(
                f"{label} line {number}: “{target}” is not one of {', '.join(choices)}."
            )
        pairs[value.lower()] = target
    return pairs


class MappingForm(forms.Form):
    """Which column is which field, and how the file's words map to verdicts and stances."""

    verdicts = forms.CharField(
        label="Verdict values", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    stances = forms.CharField(
        label="Stance values", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    check = forms.BooleanField(label="Queue a first check of each new source", required=False)

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "(none)"), *[(h, h) for h in headers]]
        columns = {
            f"col_{name}": forms.ChoiceField(label=label, choices=choices, required=False)
            for name, label in FIELDS.items()
        }
        self.fields = {**columns, **self.fields}

    def clean_verdicts(self):
        return _parse_pairs(self.cleaned_data["verdicts"], Claim.Status.values, "Verdicts")

    def clean_stances(self):
        return _parse_pairs(self.cleaned_data["stances"], Evidence.Stance.values, "Stances")

    def mapping(self) -> ColumnMapping:
        data = self.cleaned_data
        columns = {name: data[f"col_{name}"] for name in FIELDS if data.get(f"col_{name}")}
        return ColumnMapping(columns=columns, verdicts=data["verdicts"], stances=data["stances"])


def _require_importer(user) -> None:
    if not user.has_perm(IMPORT_PERM) or not user.has_perm("claims.add_claim"):
        raise PermissionDenied("Only editors can import claims.")


def _forget_old_uploads() -> None:
    """Uploads nobody imported within a day are deleted."""
    cutoff = time.time() - UPLOAD_KEEP_SECONDS
    for path in IMPORT_DIR.glob("*.csv"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_importer(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        name, data = form.cleaned_data["file"]
        token = secrets.token_hex(16)
        IMPORT_DIR.mkdir(parents=True, exist_ok=True)
        _forget_old_uploads()
        (IMPORT_DIR / f"{token}.csv").write_bytes(data)
        # Only the uploader may use the file: the session lists their uploads.
        request.session["imports"] = {**request.session.get("imports", {}), token: name}
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
def import_review(request, token):
    """Map the columns, preview the dry run, and confirm."""
    _require_importer(request.user)
    name = request.session.get("imports", {}).get(token)
    path = IMPORT_DIR / f"{token}.csv"
    if not name or not token.isalnum() or not path.exists():
        raise Http404("This upload is gone: upload the file again.")
    data = path.read_bytes()
    headers, rows = read_csv(data)
    report = None
    status = 200
    if request.method == "POST":
        form = MappingForm(request.POST, headers=headers)
        if form.is_valid():
            confirm = request.POST.get("action") == "import"
            try:
                report = import_claims(
                    data,
                    name=name,
                    mapping=form.mapping(),
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
        guess = ColumnMapping.guess(headers)
        verdict_values = _distinct(rows, guess.columns.get("verdict", ""))
        stance_values = _distinct(rows, guess.columns.get("stance", ""))
        form = MappingForm(
            headers=headers,
            initial={
                **{f"col_{name}": column for name, column in guess.columns.items()},
                "verdicts": _pairs_text(
                    {v: DEFAULT_VERDICTS.get(v, "") for v in verdict_values}
                    or {k: v for k, v in DEFAULT_VERDICTS.items() if k != v}
                ),
                "stances": _pairs_text(
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
        "report": report,
        "token": token,
    }
    return render(request, "claims/import_review.html", context, status=status)
