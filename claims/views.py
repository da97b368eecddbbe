"""The analyst and editor pages. Each view parses with a form, calls a service or a
selector, and renders one template: the whole page, or one of its partials for htmx.

Write views answer a plain POST with a redirect (pages work without JavaScript) and an
htmx POST with the part it changed (claimwatch.htmx). Bad input is shown next to the fields
with status 422 (claimwatch.forms), a stale verdict or edit with 409; PermissionDenied from
a service is 403. A view that must refuse before it reads a form declares its permission
(claimwatch.perms.required).
"""

from functools import cached_property, wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from claimwatch import perms
from claimwatch.forms import add_service_errors
from claimwatch.htmx import fragment, render_page
from claimwatch.paging import get_page

from . import hooks, selectors, services
from .event_rows import event_rows
from .forms import (
    ClaimEditForm,
    ClaimFilterForm,
    ClaimForm,
    CommentForm,
    EvidenceForm,
    EvidenceRemoveForm,
    EvidenceUpdateForm,
    MergeForm,
    OriginJoinForm,
    TimelineFilterForm,
    VerdictForm,
)
from .list_rows import ROW_FIELDS, list_rows
from .models import Claim, Evidence
from .strip import evidence_strip

view_required = perms.required(perms.VIEW_CLAIM)
PAGE_SIZE = 25
TIMELINE_PAGE = 50
# Suggested sources waiting, drawn on the strip (claims.hooks.arrivals).
STRIP_ARRIVALS = 50
# Sent with every htmx answer that changed a claim: the timeline reloads itself.
CLAIM_CHANGED = "claim-changed"
# Sent by another app's part that linked evidence (claims.hooks): the evidence panel, which
# does not listen to CLAIM_CHANGED (it is the part its own writes send), reloads itself.
EVIDENCE_CHANGED = "evidence-changed"


def claim_view(*required: str, live: bool = True):
    """A view of the claim named by the `code` in its URL, called as view(request, claim).

    404 for no such claim (or, when `live`, a merged one, which cannot change), then 403
    without the `required` permissions (claimwatch.perms), before any input is read."""

    def decorator(view):
        @view_required
        @wraps(view)
        def wrapper(request, code, *args, **kwargs):
            claim = selectors.claim_or_404(code, live=live)
            perms.require(request.user, *required)
            return view(request, claim, *args, **kwargs)

        return wrapper

    return decorator


@view_required
@require_GET
def claim_list(request):
    form = ClaimFilterForm(request.GET)
    filters = form.filters()
    scope = hooks.scope_chosen(request.GET)
    within = scope.claim_ids(request.user) if scope else None
    # Only what a row shows is loaded (claims.list_rows), and the rows come ready to print.
    # The rows' tags come in one query of their own (list_rows), not prefetched.
    # Origin counts are asked for the page's rows only (one grouped query, not 3 subqueries).
    claims = selectors.claim_list(**filters, within=within, origins=False).only(*ROW_FIELDS)
    claims = claims.prefetch_related(None)
    scope_time = bool(scope and scope.time)
    if scope_time:
        claims = claims.annotate(scope_time=scope.time(request.user))
    page = get_page(claims, request.GET.get("page"), PAGE_SIZE)
    selectors.page_origin_counts(page.object_list)
    context = {
        "form": form,
        "filters": filters,
        "scope": scope,
        "scopes": hooks.scopes(),
        "page": page,
        "rows": list_rows(
            page.object_list,
            time_label=scope.time_label if scope else "",
            scope_time=scope_time,
        ),
    }
    return render_page(request, "claims/list.html", context, fragments=("results",))


def _warn_if_due(request, claim: Claim) -> None:
    """A resolves-at that has passed is allowed (a claim logged after the fact), but said."""
    if claim.resolves_at and claim.resolves_at <= timezone.now() and not claim.has_verdict:
        messages.warning(
            request,
            f"Resolves-at ({claim.resolves_at:%d %b %Y, %H:%M} UTC) has already passed: "
            "this claim is due for a verdict and is listed on the review queue.",
        )


@view_required
def claim_create(request):
    """Log a claim. Look-alikes show while typing; a near-certain duplicate (similarity at
    least DUPLICATE_AT) is not saved until the user says "save anyway"."""
    duplicate = None
    if request.method == "POST" and fragment(request, ("similar",)):
        # Look-alikes while typing: posted, as a statement can be longer than a URL may be.
        similar = selectors.claims_similar(request.POST.get("statement", ""))
        return render(request, "claims/new.html#similar", {"similar": similar})
    if request.method == "POST":
        form = ClaimForm(request.POST)
        similar = selectors.claims_similar(request.POST.get("statement", ""))
        if form.is_valid():
            likely = similar[0] if similar else None
            if (
                likely
                and likely.similarity >= selectors.DUPLICATE_AT
                and not request.POST.get("save_anyway")
            ):
                duplicate = likely
            else:
                try:
                    claim = services.claim_create(**form.cleaned_data, actor=request.user)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(
                        request, "Claim logged. Link the sources that support or deny it."
                    )
                    _warn_if_due(request, claim)
                    return redirect(claim)
        status = 409 if duplicate else 422
    else:
        form = ClaimForm(initial={"first_seen_at": timezone.now()})
        similar = selectors.claims_similar(request.GET.get("statement", ""))
        status = 200
    context = {"form": form, "similar": similar, "duplicate": duplicate}
    return render_page(request, "claims/new.html", context, fragments=("similar",), status=status)


class ClaimPage:
    """What the claim page shows, each part read once and only when a template asks."""

    stance_choices = Evidence.Stance.choices

    def __init__(self, request, claim: Claim, *, timeline: TimelineFilterForm, **forms):
        self.request = request
        self.claim = claim
        self.timeline_form = timeline
        user = request.user
        self.evidence_form = forms.get("evidence_form") or EvidenceForm()
        self.comment_form = forms.get("comment_form") or CommentForm()
        self.verdict_form = forms.get("verdict_form")
        if self.verdict_form is None and user.has_perm(perms.SET_VERDICT):
            self.verdict_form = VerdictForm(
                initial={
                    "status": claim.status,
                    "confidence": claim.confidence,
                    # Keeping or adjusting a verdict starts from its reason, not a blank box.
                    "rationale": claim.rationale,
                    "version": claim.version,
                }
            )
        self.conflict = forms.get("conflict")
        self.refused_edit = forms.get("refused_edit")

    @cached_property
    def evidence(self) -> list[Evidence]:
        evidence = selectors.evidence_with_records(selectors.claim_evidence(self.claim))
        source_id, form = self.refused_edit or (None, None)
        for ev in evidence:
            # Set on every card: a template's lookup of a missing attribute is slow.
            ev.refused = form if ev.source_id == source_id else None
        return evidence

    @cached_property
    def evidence_groups(self) -> list[tuple[str, str, list[Evidence]]]:
        return [
            (stance.value, stance.label, [ev for ev in self.evidence if ev.stance == stance])
            for stance in Evidence.Stance
        ]

    @cached_property
    def origins(self) -> list[selectors.OriginGroup]:
        return selectors.claim_origins(self.evidence)

    @cached_property
    def origin_options(self) -> list[tuple[selectors.OriginGroup, str, str]]:
        """(origin, the code of its first source, its label cut short): the choices of
        every "join origins" form, made once rather than once per form."""
        return [
            (group, str(group.evidence[0].source.code), Truncator(group.label).chars(60))
            for group in self.origins
        ]

    @cached_property
    def origin_summary(self) -> list[tuple[str, str, int, int]]:
        """(stance, label, sources, independent origins) per stance."""
        origins = selectors.origin_counts(self.evidence)
        return [
            (stance, label, len(items), origins[stance])
            for stance, label, items in self.evidence_groups
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

    @cached_property
    def event_rows(self):
        """The events' rows as HTML, from the cache where they were rendered before."""
        return event_rows(self.events)

    @property
    def next_cursor(self) -> str:
        events, more = self._events
        if not more:
            return ""
        last = events[-1]
        return f"{last.created_at.isoformat()}_{last.pk}"

    @cached_property
    def record_break(self):
        """The first break of the claim's hash chain, or None: "record verified". The
        captures' files are re-hashed by verify_timeline, not on every page view."""
        return selectors.timeline_verify(self.claim)

    @cached_property
    def strip(self):
        # The evidence part, drawn before the timeline, has loaded every piece already.
        loaded = self.__dict__.get("evidence")
        evidence, verdicts, changes = selectors.claim_strip_points(self.claim, loaded)
        # What other apps saw arrive and a person has yet to decide (suggested sources).
        arrivals = hooks.arrivals(self.claim, limit=STRIP_ARRIVALS, waiting=True)
        return evidence_strip(self.claim, evidence, verdicts, changes, arrivals, now=timezone.now())


# The parts of the claim page an htmx request can ask for, by its target's id.
CLAIM_PARTS = ("verdict", "evidence", "timeline", "older_events", "record")


def _claim_page(request, claim: Claim, *, status: int = 200, **forms) -> HttpResponse:
    page = ClaimPage(request, claim, timeline=TimelineFilterForm(request.GET), **forms)
    context = {"claim": claim, "page": page}
    # A part another app adds (claims.hooks) reloads itself the same way as the page's own.
    part = hooks.part_named(request.htmx.target if request.htmx else "")
    if part is not None:
        context.update(part.context(request, claim))
        return render(request, part.template, context, status=status)
    return render_page(request, "claims/detail.html", context, fragments=CLAIM_PARTS, status=status)


@claim_view(live=False)
@require_GET
def claim_detail(request, claim):
    if claim.merged_into_id:
        return redirect(claim.merged_into)
    return _claim_page(request, claim)


def _changed(request, claim: Claim, **forms) -> HttpResponse:
    """After a successful write: the changed part for htmx, else back to the page.

    Other parts of the page refresh on the CLAIM_CHANGED event; the timeline itself
    needs no second request when it is the part sent.
    """
    if not request.htmx:
        return redirect(claim)
    response = _claim_page(request, claim, **forms)
    if fragment(request, CLAIM_PARTS) == "timeline":
        return response
    return trigger_client_event(response, CLAIM_CHANGED)


def _refused(request, claim: Claim, status: int = 422, **forms) -> HttpResponse:
    """Bad input: the part (htmx) or the whole page with the form as it was typed."""
    return _claim_page(request, claim, status=status, **forms)


@claim_view(perms.CHANGE_CLAIM)
def claim_edit(request, claim):
    """Edit a claim. Rewording a decided claim is an editor's act: for others the statement
    is read-only and says why, and a refusal (the claim was decided while they typed) keeps
    what they typed and names the rule (403)."""
    conflict = None
    initial = {
        "statement": claim.statement,
        "context": claim.context,
        "claimant": claim.claimant,
        "tags": ", ".join(tag.name for tag in claim.tags.all()),
        "first_seen_at": claim.first_seen_at,
        "resolves_at": claim.resolves_at,
        "version": claim.version,
    }
    form = ClaimEditForm(request.POST or None, initial=initial)
    if claim.has_verdict and not request.user.has_perm(perms.REWORD_DECIDED):
        # Read-only, not disabled: the text is still posted, so a refusal can keep it.
        form.fields["statement"].widget.attrs["readonly"] = True
        form.fields[
            "statement"
        ].help_text = f"This claim has a verdict: {perms.refusal(perms.REWORD_DECIDED)}"
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.claim_update(
                    claim=claim, expected_version=version, actor=request.user, **data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error("statement", ValidationError(str(error), code="refused"))
            except services.VersionConflict as error:
                conflict = error.current
            else:
                _warn_if_due(request, claim)
                return redirect(claim)
        status = 409 if conflict else 403 if form.has_error("statement", "refused") else 422
    context = {"claim": claim, "form": form, "conflict": conflict}
    return render(request, "claims/edit.html", context, status=status)


@claim_view()
@require_POST
def evidence_add(request, claim):
    form = EvidenceForm(request.POST)
    if form.is_valid():
        try:
            services.evidence_add(claim=claim, **form.cleaned_data, actor=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _changed(request, claim)
    return _refused(request, claim, evidence_form=form)


def _evidence(claim: Claim, source_code) -> Evidence:
    return get_object_or_404(
        Evidence.objects.select_related("claim", "source"), claim=claim, source__code=source_code
    )


@claim_view()
@require_POST
def evidence_update(request, claim, source_code):
    evidence = _evidence(claim, source_code)
    form = EvidenceUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.evidence_update(evidence=evidence, actor=request.user, **form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _changed(request, claim)
    # The item shows the message with what was typed, its editor open.
    return _refused(request, claim, refused_edit=(evidence.source_id, form))


@claim_view(perms.REMOVE_EVIDENCE)
@require_POST
def evidence_remove(request, claim, source_code):
    evidence = _evidence(claim, source_code)
    form = EvidenceRemoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, claim)
    services.evidence_remove(
        evidence=evidence, actor=request.user, reason=form.cleaned_data["reason"]
    )
    return _changed(request, claim)


@claim_view()
@require_POST
def evidence_review(request, claim, source_code):
    """Mark evidence reviewed, from the claim page or in place on the review queue, where
    the reviewer may change the stance in the same step."""
    evidence = _evidence(claim, source_code)
    from_queue = request.POST.get("from") == "review"
    stance = request.POST.get("stance", "")
    if from_queue and stance and stance != evidence.stance:
        try:
            services.evidence_update(evidence=evidence, actor=request.user, stance=stance)
        except ValidationError as error:
            return HttpResponse(" ".join(error.messages), status=422)
    services.evidence_mark_reviewed(evidence=evidence, actor=request.user)
    if request.htmx and from_queue:
        return render(request, "claims/review.html#reviewed", {"ev": evidence})
    if from_queue:
        return redirect("claims:review")
    return _changed(request, claim)


@claim_view(perms.CHANGE_EVIDENCE)
@require_POST
def origin_split(request, claim, source_code):
    """Take a source out of its origin (the automatic grouping then leaves it alone)."""
    evidence = _evidence(claim, source_code)
    try:
        services.origin_split(evidence=evidence, actor=request.user)
    except ValidationError:
        return _refused(request, claim)
    return _changed(request, claim)


@claim_view(perms.CHANGE_EVIDENCE)
@require_POST
def origin_join(request, claim, source_code):
    """Join this source's origin with the origin of the source named by `with`."""
    evidence = _evidence(claim, source_code)
    form = OriginJoinForm(request.POST)
    if not form.is_valid():
        return _refused(request, claim)
    other = _evidence(claim, form.cleaned_data["with_source"])
    try:
        services.origin_join(evidence=evidence, other=other, actor=request.user)
    except ValidationError:
        return _refused(request, claim)
    return _changed(request, claim)


@claim_view(perms.SET_VERDICT)
@require_POST
def verdict_set(request, claim):
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
            add_service_errors(form, error)
        except services.VersionConflict as error:
            # Keep what the editor typed, but on the current version so a resubmit
            # deliberately overrides what they have now seen.
            data = {**form.data.dict(), "version": error.current.version}
            response = _refused(
                request,
                error.current,
                status=409,
                verdict_form=VerdictForm(data),
                conflict=error.current,
            )
            # The timeline shows the other editor's verdict too.
            return trigger_client_event(response, CLAIM_CHANGED)
        else:
            return _changed(request, claim)
    return _refused(request, claim, verdict_form=form)


@claim_view()
@require_POST
def comment_add(request, claim):
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(claim=claim, text=form.cleaned_data["text"], actor=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _changed(request, claim)
    return _refused(request, claim, comment_form=form)


@claim_view(perms.MERGE_CLAIM)
def claim_merge(request, claim):
    form = MergeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                target = services.claim_merge(
                    duplicate=claim, target=form.cleaned_data["target"], actor=request.user
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect(target)
        status = 422
    context = {
        "claim": claim,
        "form": form,
        "similar": selectors.claims_similar(claim.statement, exclude=claim),
    }
    return render(request, "claims/merge.html", context, status=status)


@require_POST
@claim_view(perms.WITHDRAW_CLAIM)
def claim_withdraw(request, claim):
    try:
        services.claim_withdraw(
            claim=claim, reason=request.POST.get("reason", ""), actor=request.user
        )
    except ValidationError as error:
        return HttpResponse("; ".join(error.messages), status=422, content_type="text/plain")
    return redirect(claim)


@view_required
@require_GET
def review_queue(request):
    scope = hooks.scope_chosen(request.GET)
    evidence, overdue = selectors.review_queue(
        within=scope.claim_ids(request.user) if scope else None
    )
    context = {
        "evidence": evidence,
        "changes": selectors.review_changes(evidence),
        "overdue": overdue,
        "scope": scope,
        "scopes": hooks.scopes(),
    }
    return render(request, "claims/review.html", context)
