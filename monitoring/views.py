"""The sources and outlets pages: what monitoring found, and "Refresh now".

They sit above claims (they show the claims citing a source and what an outlet's sources
said) and call monitoring's services. Each view parses, calls a selector or a service and
renders one template, or one of its parts for htmx (claimwatch.htmx). Fetched titles and
text are data: templates escape them like anything typed.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from claims import selectors as claim_selectors
from claimwatch import perms
from claimwatch.forms import add_service_errors
from claimwatch.htmx import render_page
from claimwatch.paging import get_page
from sources import selectors
from sources import services as source_services
from sources.forms import (
    DiffForm,
    FeedForm,
    OutletFilterForm,
    OutletForm,
    RenderForm,
    SourceFilterForm,
)
from sources.models import Source

from . import selectors as monitoring_selectors
from . import services

PAGE_SIZE = 50
# htmx stops polling an element when its answer has this status.
STOP_POLLING = 286
# Sent when a pending check has finished: the claim page's evidence and timeline and the
# source page reload themselves.
SOURCE_CHECKED = "source-checked"

source_view_required = perms.required(perms.VIEW_SOURCE)
outlet_view_required = perms.required(perms.VIEW_OUTLET)


def _source(code) -> Source:
    source = selectors.source_for_page(code)
    if source is None:
        raise Http404("No such source.")
    return source


@source_view_required
@require_GET
def source_list(request):
    form = SourceFilterForm(request.GET)
    filters = form.filters()
    page = get_page(selectors.source_list(**filters), request.GET.get("page"), PAGE_SIZE)
    context = {"form": form, "filters": filters, "page": page}
    return render_page(request, "sources/list.html", context, fragments=("results",))


@source_view_required
@require_GET
def source_detail(request, code):
    source = _source(code)
    diff_form = DiffForm(request.GET)
    old, new = diff_form.ids()
    before, after, diff = selectors.snapshot_diff(source, old=old, new=new)
    snapshots = selectors.source_snapshots(source)
    # Each snapshot with the one before it (newest first; the oldest has none).
    older = [s.pk for s in snapshots[1:]] + [None] if snapshots else []
    attempts = selectors.source_attempts(source)
    context = {
        "source": source,
        "latest_snapshot": snapshots[0] if snapshots else None,
        "before": before,
        "after": after,
        "diff": diff,
        "snapshots": snapshots,
        "snapshot_rows": list(zip(snapshots, older, strict=True)),
        "attempts": attempts,
        "facts": monitoring_selectors.check_facts(source, attempts),
        "evidence": claim_selectors.source_citations(source),
        "can_render": request.user.has_perm(perms.RENDER_SOURCE),
    }
    return render_page(request, "sources/detail.html", context, fragments=("diff", "source_page"))


@source_view_required
@require_GET
def source_state(request, code):
    """The state badge; polled by htmx while a check is pending, 286 once it is done, with
    SOURCE_CHECKED for the parts of the page that show what the check found."""
    source = _source(code)
    context = {"source": source, "facts": _facts(source)}
    if source.check_pending:
        return render(request, "sources/_state.html", context)
    response = render(request, "sources/_state.html", context, status=STOP_POLLING)
    return trigger_client_event(response, SOURCE_CHECKED)


def _facts(source: Source) -> monitoring_selectors.CheckFacts:
    """What the latest attempt came to, as the source page's check history says it."""
    return monitoring_selectors.check_facts(source, selectors.source_attempts(source))


@require_POST
@perms.required(perms.REFRESH_SOURCE)
def source_refresh(request, code):
    """Queue a check now (analysts and editors)."""
    source = _source(code)
    try:
        services.source_request_check(source=source, actor=request.user)
    except services.CheckNotQueued as exc:
        failed = str(exc)
    else:
        failed = ""
    if request.htmx:
        context = {"source": source, "refresh_failed": failed, "facts": _facts(source)}
        return render(request, "sources/_state.html", context)
    if failed:
        messages.error(request, failed)
    else:
        messages.success(request, "A check of this source is on its way.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = source.get_absolute_url()
    return redirect(back)


@require_POST
@perms.required(perms.RENDER_SOURCE)
def source_render(request, code):
    """Read the source through a headless browser from its next check on, or stop (editors)."""
    source = _source(code)
    form = RenderForm(request.POST)
    form.is_valid()  # a checkbox: anything but a true value is off
    on = bool(form.cleaned_data.get("render"))
    services.source_render_set(source=source, render=on, actor=request.user)
    if on:
        messages.success(request, "From its next check this page is read through a browser.")
    else:
        messages.success(request, "This page is read as it is sent, without a browser.")
    return redirect(source.get_absolute_url())


@outlet_view_required
@require_GET
def outlet_list(request):
    form = OutletFilterForm(request.GET)
    filters = form.filters()
    outlets = claim_selectors.with_stance_counts(selectors.outlet_list(**filters))
    page = get_page(outlets, request.GET.get("page"), PAGE_SIZE)
    context = {"form": form, "filters": filters, "page": page}
    return render_page(request, "sources/outlet_list.html", context, fragments=("results",))


@outlet_view_required
@require_POST
def outlet_feed_add(request, code):
    """An editor adds a feed to the outlet; discovery polls it from the next minute."""
    outlet = selectors.outlet_for_page(code)
    if outlet is None:
        raise Http404("No such outlet.")
    perms.require(request.user, perms.GRADE_OUTLET)
    form = FeedForm(request.POST)
    if form.is_valid():
        try:
            source_services.feed_add(outlet=outlet, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Feed added: it is read within a few minutes.")
            return redirect(outlet.get_absolute_url() + "#feeds-h")
    return render(
        request,
        "sources/outlet_detail.html#feeds",
        {"outlet": outlet, "feeds": selectors.outlet_feeds(outlet), "feed_form": form},
        status=422,
    )


@outlet_view_required
@require_http_methods(["GET", "POST"])
def outlet_detail(request, code):
    """The outlet, its sources and what they said; editors change its grade here."""
    outlet = selectors.outlet_for_page(code)
    if outlet is None:
        raise Http404("No such outlet.")
    status = 200
    form = OutletForm(instance_values=outlet)
    if request.method == "POST":
        perms.require(request.user, perms.GRADE_OUTLET)  # 403 before any 422
        form = OutletForm(request.POST)
        if form.is_valid():
            try:
                source_services.outlet_update(
                    outlet=outlet, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if not request.htmx:
                    messages.success(request, "Outlet saved.")
                    return redirect(outlet.get_absolute_url())
                form = OutletForm(instance_values=outlet)
        if form.errors:
            outlet.refresh_from_db()
            status = 422
    context = {
        "outlet": outlet,
        "form": form,
        "sources": selectors.outlet_sources(outlet),
        "feeds": selectors.outlet_feeds(outlet),
        "feed_form": FeedForm(),
        "evidence": claim_selectors.outlet_citations(outlet),
        "record": claim_selectors.outlet_record(outlet),
        "record_history": claim_selectors.outlet_record_by_quarter(outlet),
    }
    return render_page(
        request, "sources/outlet_detail.html", context, fragments=("outlet",), status=status
    )
