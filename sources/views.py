"""Sources and outlets pages. Each view parses, calls a selector or a service, renders one
template (the whole page, or one of its partials for htmx). Fetched titles and text are
data: templates escape them like anything typed."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .forms import DiffForm, OutletFilterForm, OutletForm, SourceFilterForm
from .models import Source

PAGE_SIZE = 50
# htmx stops polling an element when its answer has this status.
STOP_POLLING = 286

source_view_required = permission_required("sources.view_source", raise_exception=True)
outlet_view_required = permission_required("sources.view_outlet", raise_exception=True)


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
    page = Paginator(selectors.source_list(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "sources/list.html#results" if request.htmx else "sources/list.html"
    return render(request, template, {"form": form, "filters": filters, "page": page})


@source_view_required
@require_GET
def source_detail(request, code):
    source = _source(code)
    diff_form = DiffForm(request.GET)
    old, new = diff_form.ids()
    before, after, diff = selectors.snapshot_diff(source, old=old, new=new)
    context = {
        "source": source,
        "before": before,
        "after": after,
        "diff": diff,
    }
    if request.htmx and request.GET.get("partial") == "diff":
        return render(request, "sources/detail.html#diff", context)
    snapshots = selectors.source_snapshots(source)
    older = [s.pk for s in snapshots[1:]] + [None]
    context.update(
        snapshots=snapshots,
        snapshot_rows=list(zip(snapshots, older, strict=True)),
        attempts=selectors.source_attempts(source),
        evidence=selectors.source_evidence(source),
    )
    return render(request, "sources/detail.html", context)


@source_view_required
@require_GET
def source_state(request, code):
    """The state badge; polled by htmx while a check is pending, 286 once it is done."""
    source = _source(code)
    status = 200 if source.check_pending else STOP_POLLING
    return render(request, "sources/_state.html", {"source": source}, status=status)


@require_POST
def source_refresh(request, code):
    """Queue a check now (analysts and editors: sources.change_source)."""
    source = _source(code)
    services.source_request_check(source=source, actor=request.user)
    if request.htmx:
        return render(request, "sources/_state.html", {"source": source})
    messages.success(request, "A check of this source is on its way.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = source.get_absolute_url()
    return redirect(back)


@outlet_view_required
@require_GET
def outlet_list(request):
    form = OutletFilterForm(request.GET)
    filters = form.filters()
    page = Paginator(selectors.outlet_list(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "sources/outlet_list.html#results" if request.htmx else "sources/outlet_list.html"
    return render(request, template, {"form": form, "filters": filters, "page": page})


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
        services.require_perm(request.user, "sources.change_outlet")  # 403 before any 422
        form = OutletForm(request.POST)
        if form.is_valid():
            try:
                services.outlet_update(outlet=outlet, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                if not request.htmx:
                    messages.success(request, "Outlet saved.")
                    return redirect(outlet.get_absolute_url())
                form = OutletForm(instance_values=outlet)
        if form.errors:
            outlet.refresh_from_db()
            status = 422
    context = {"outlet": outlet, "form": form}
    if request.htmx and request.method == "POST":
        return render(request, "sources/outlet_detail.html#outlet", context, status=status)
    context.update(
        sources=selectors.outlet_sources(outlet),
        evidence=selectors.outlet_evidence(outlet),
    )
    return render(request, "sources/outlet_detail.html", context, status=status)
