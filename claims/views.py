"""The analyst and editor pages. Each view parses with a form, calls a service or a
selector, and renders one template: the whole page, or one of its partials for htmx.

Write views answer a plain POST with a redirect (pages work without JavaScript) and an
htmx POST with the partial it changed. Bad input is shown next to the fields with
status 422, a stale verdict or edit with 409; PermissionDenied from a service is 403.
"""

from functools import cached_property

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from sources.models import Outlet

from . import selectors, services
from .forms import (
    ClaimEditForm,
    ClaimFilterForm,
    ClaimForm,
    CommentForm,
    EvidenceForm,
    EvidenceRemoveForm,
    EvidenceUpdateForm,
    MergeForm,
    TimelineFilterForm,
    VerdictForm,
)
from .models import Claim, Evidence
from .strip import evidence_strip

view_required = permission_required("claims.view_claim", raise_exception=True)
PAGE_SIZE = 25
TIMELINE_PAGE = 50
# Sent with every htmx answer that changed a claim: the timeline reloads itself.
CLAIM_CHANGED = "claim-changed"


def _add_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the form's fields (or above them)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def _claim(code) -> Claim:
    claim = selectors.claim_for_page(code)
    if claim is None:
        raise Http404("No such claim.")
    return claim


def _live_claim(code) -> Claim:
    """A claim that can still be changed: a merged duplicate cannot."""
    claim = _claim(code)
    if claim.merged_into_id:
        raise Http404("This claim was merged into another.")
    return claim


@view_required
@require_GET
def claim_list(request):
    form = ClaimFilterForm(request.GET)
    filters = form.filters()
    claims = selectors.claim_list(**filters)
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "outlets": Outlet.objects.only("code", "name", "domain").order_by("name"),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "claims/list.html#results", context)
    return render(request, "claims/list.html", context)


@view_required
def claim_create(request):
    if request.method == "POST":
        form = ClaimForm(request.POST)
        if form.is_valid():
            try:
                claim = services.claim_create(**form.cleaned_data, actor=request.user)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return redirect(claim)
        status = 422
    else:
        form = ClaimForm(initial={"first_seen_at": timezone.now()})
        status = 200
    statement = request.POST.get("statement") or request.GET.get("statement", "")
    context = {"form": form, "similar": selectors.claims_similar(statement)}
    if request.htmx and request.htmx.target == "similar":
        return render(request, "claims/new.html#similar", context)
    return render(request, "claims/new.html", context, status=status)


class ClaimPage:
    """What the claim page shows, each part read once and only when a template asks."""

    def __init__(self, request, claim: Claim, *, timeline: TimelineFilterForm, **forms):
        self.request = request
        self.claim = claim
        self.timeline_form = timeline
        user = request.user
        self.evidence_form = forms.get("evidence_form") or EvidenceForm()
        self.comment_form = forms.get("comment_form") or CommentForm()
        self.verdict_form = forms.get("verdict_form")
        if self.verdict_form is None and user.has_perm("claims.set_verdict"):
            self.verdict_form = VerdictForm(
                initial={
                    "status": claim.status,
                    "confidence": claim.confidence,
                    "version": claim.version,
                }
            )
        self.conflict = forms.get("conflict")

    @cached_property
    def evidence(self) -> list[Evidence]:
        return selectors.claim_evidence(self.claim)

    @cached_property
    def evidence_groups(self) -> list[tuple[str, str, list[Evidence]]]:
        return [
            (stance.value, stance.label, [ev for ev in self.evidence if ev.stance == stance])
            for stance in Evidence.Stance
        ]

    @cached_property
    def _events(self):
        form = self.timeline_form
        kind = form.cleaned_data["kind"] if form.is_valid() else ""
        return selectors.claim_events(
            self.claim, kind=kind, before=form.cursor(), limit=TIMELINE_PAGE
        )

    @property
    def events(self):
        return self._events[0]

    @property
    def next_cursor(self) -> str:
        events, more = self._events
        if not more:
            return ""
        last = events[-1]
        return f"{last.created_at.isoformat()}_{last.pk}"

    @cached_property
    def strip(self):
        evidence, verdicts, changes = selectors.claim_strip_points(self.claim)
        return evidence_strip(self.claim, evidence, verdicts, changes, now=timezone.now())


def _claim_page(request, claim: Claim, *, partial: str = "", status: int = 200, **forms):
    page = ClaimPage(request, claim, timeline=TimelineFilterForm(request.GET), **forms)
    template = "claims/detail.html" + (f"#{partial}" if partial else "")
    return render(request, template, {"claim": claim, "page": page}, status=status)


@view_required
@require_GET
def claim_detail(request, code):
    claim = _claim(code)
    if claim.merged_into_id:
        return redirect(claim.merged_into)
    if request.htmx and request.GET.get("before"):
        return _claim_page(request, claim, partial="events")
    if request.htmx and request.htmx.target in ("timeline", "evidence"):
        return _claim_page(request, claim, partial=request.htmx.target)
    return _claim_page(request, claim)


def _changed(request, claim: Claim, partial: str, **forms) -> HttpResponse:
    """After a successful write: the changed partial for htmx, else back to the page.

    Other parts of the page refresh on the CLAIM_CHANGED event; the timeline itself
    needs no second request when it is the part sent.
    """
    if not request.htmx:
        return redirect(claim)
    response = _claim_page(request, claim, partial=partial, **forms)
    if partial == "timeline":
        return response
    return trigger_client_event(response, CLAIM_CHANGED)


def _refused(request, claim: Claim, partial: str, status: int = 422, **forms) -> HttpResponse:
    """Bad input: the partial (htmx) or the whole page with the form as it was typed."""
    return _claim_page(
        request, claim, partial=partial if request.htmx else "", status=status, **forms
    )


@view_required
def claim_edit(request, code):
    claim = _live_claim(code)
    conflict = None
    if request.method == "POST":
        form = ClaimEditForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.claim_update(
                    claim=claim, expected_version=version, actor=request.user, **data
                )
            except ValidationError as error:
                _add_errors(form, error)
            except services.VersionConflict as error:
                conflict = error.current
            else:
                return redirect(claim)
        status = 409 if conflict else 422
    else:
        if not request.user.has_perm("claims.change_claim"):
            raise PermissionDenied
        form = ClaimEditForm(
            initial={
                "statement": claim.statement,
                "context": claim.context,
                "tags": ", ".join(tag.name for tag in claim.tags.all()),
                "first_seen_at": claim.first_seen_at,
                "resolves_at": claim.resolves_at,
                "version": claim.version,
            }
        )
        status = 200
    context = {"claim": claim, "form": form, "conflict": conflict}
    return render(request, "claims/edit.html", context, status=status)


@view_required
@require_POST
def evidence_add(request, code):
    claim = _live_claim(code)
    form = EvidenceForm(request.POST)
    if form.is_valid():
        try:
            services.evidence_add(claim=claim, **form.cleaned_data, actor=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _changed(request, claim, "evidence")
    return _refused(request, claim, "evidence", evidence_form=form)


def _evidence(claim: Claim, source_code) -> Evidence:
    return get_object_or_404(
        Evidence.objects.select_related("claim", "source"), claim=claim, source__code=source_code
    )


@view_required
@require_POST
def evidence_update(request, code, source_code):
    claim = _live_claim(code)
    evidence = _evidence(claim, source_code)
    form = EvidenceUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.evidence_update(evidence=evidence, actor=request.user, **form.changes())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _changed(request, claim, "evidence")
    return _refused(request, claim, "evidence")


@view_required
@require_POST
def evidence_remove(request, code, source_code):
    claim = _live_claim(code)
    evidence = _evidence(claim, source_code)
    form = EvidenceRemoveForm(request.POST)
    form.is_valid()
    services.evidence_remove(
        evidence=evidence, actor=request.user, reason=form.cleaned_data.get("reason", "")
    )
    return _changed(request, claim, "evidence")


@view_required
@require_POST
def evidence_review(request, code, source_code):
    """Mark evidence reviewed, from the claim page or in place on the review queue."""
    claim = _live_claim(code)
    evidence = _evidence(claim, source_code)
    services.evidence_mark_reviewed(evidence=evidence, actor=request.user)
    from_queue = request.POST.get("from") == "review"
    if request.htmx and from_queue:
        return render(request, "claims/review.html#reviewed", {"ev": evidence})
    if from_queue:
        return redirect("claims:review")
    return _changed(request, claim, "evidence")


@view_required
@require_POST
def verdict_set(request, code):
    claim = _live_claim(code)
    form = VerdictForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            claim = services.verdict_set(
                claim=claim,
                expected_version=data.pop("version"),
                actor=request.user,
                **data,
            )
        except ValidationError as error:
            _add_errors(form, error)
        except services.VersionConflict as error:
            # Keep what the editor typed, but on the current version so a resubmit
            # deliberately overrides what they have now seen.
            data = {**form.data.dict(), "version": error.current.version}
            response = _refused(
                request,
                error.current,
                "verdict",
                status=409,
                verdict_form=VerdictForm(data),
                conflict=error.current,
            )
            # The timeline shows the other editor's verdict too.
            return trigger_client_event(response, CLAIM_CHANGED)
        else:
            return _changed(request, claim, "verdict")
    elif not request.user.has_perm("claims.set_verdict"):
        raise PermissionDenied
    return _refused(request, claim, "verdict", verdict_form=form)


@view_required
@require_POST
def comment_add(request, code):
    claim = _live_claim(code)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(claim=claim, text=form.cleaned_data["text"], actor=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _changed(request, claim, "timeline")
    return _refused(request, claim, "timeline", comment_form=form)


@view_required
def claim_merge(request, code):
    claim = _live_claim(code)
    if not request.user.has_perm("claims.merge_claim"):
        raise PermissionDenied
    form = MergeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                target = services.claim_merge(
                    duplicate=claim, target=form.cleaned_data["target"], actor=request.user
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return redirect(target)
        status = 422
    context = {
        "claim": claim,
        "form": form,
        "similar": selectors.claims_similar(claim.statement, exclude=claim),
    }
    return render(request, "claims/merge.html", context, status=status)


@view_required
@require_GET
def review_queue(request):
    evidence, overdue = selectors.review_queue()
    return render(request, "claims/review.html", {"evidence": evidence, "overdue": overdue})
