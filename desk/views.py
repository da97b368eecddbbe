"""The desk's pages and its parts of the claim page.

- who works on a claim (assign, unassign: plain forms back to the claim page), and the
  Watch button (htmx swaps it in place; it reloads itself after any change of the claim);
- the alert channels page: a user's own channels and their desks' (editors), added,
  tested and removed. Permissions are checked by the services (desk.services, desk.alerts).
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from claims.views import claim_view
from claimwatch import perms
from claimwatch.forms import add_service_errors

from . import alerts, selectors, services, tasks
from .forms import AssignForm, ChannelForm, UnassignForm
from .models import AlertChannel


def _channel(request, code) -> AlertChannel:
    channel = alerts.channels_visible_to(request.user).filter(code=code).first()
    if channel is None:
        raise Http404("No such channel of yours.")
    return channel


@require_http_methods(["GET", "POST"])
@perms.required(perms.WATCH)
def channel_list(request):
    desks = list(alerts.desks_of(request.user))
    form = ChannelForm(request.POST or None, desks=desks)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                alerts.alert_channel_add(
                    label=form.cleaned_data["label"],
                    url=form.cleaned_data["url"],
                    desk=form.desk(),
                    suggestions=form.cleaned_data["suggestions"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Channel added. Send a test to see it arrive.")
                return redirect("desk:alerts")
        status = 422
    channels = alerts.channels_visible_to(request.user)
    context = {"form": form, "channels": channels, "desks": desks}
    return render(request, "desk/alerts.html", context, status=status)


@require_POST
@perms.required(perms.WATCH)
def channel_test(request, code):
    channel = _channel(request, code)
    alerts.alert_channel_test(channel=channel, actor=request.user)
    tasks.deliver_alerts.delay_on_commit()
    messages.success(request, f"A test alert to “{channel.label}” is on its way.")
    return redirect("desk:alerts")


@require_POST
@perms.required(perms.WATCH)
def channel_remove(request, code):
    channel = _channel(request, code)
    alerts.alert_channel_remove(channel=channel, actor=request.user)
    messages.success(request, f"Channel “{channel.label}” removed.")
    return redirect("desk:alerts")


@require_POST
@perms.required(perms.WATCH)
def channel_suggestions(request, code):
    channel = _channel(request, code)
    on = request.POST.get("suggestions") == "1"
    alerts.alert_channel_suggestions_set(channel=channel, actor=request.user, on=on)
    said = "gets" if on else "no longer gets"
    messages.success(request, f"“{channel.label}” {said} new suggested sources.")
    return redirect("desk:alerts")


def _refused(request, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


@claim_view(perms.ASSIGN)
@require_POST
def assign(request, claim):
    form = AssignForm(request.POST, users=selectors.assignable_users())
    if form.is_valid():
        try:
            services.claim_assign(claim=claim, **form.cleaned_data, actor=request.user)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, f"Assigned to {form.cleaned_data['user'].get_username()}.")
    else:
        messages.error(request, "Choose an analyst or an editor to assign.")
    return redirect(claim)


@claim_view(perms.ASSIGN)
@require_POST
def unassign(request, claim):
    form = UnassignForm(request.POST)
    if not form.is_valid():
        raise Http404("No such user.")
    user = get_object_or_404(get_user_model(), username=form.cleaned_data["user"])
    services.claim_unassign(claim=claim, user=user, actor=request.user)
    return redirect(claim)


@claim_view(live=False)
@require_POST
def watch(request, claim):
    """Watch or stop watching (`watch` 1 or 0); or opt in to or out of new suggested
    sources (`suggestions` 1 or 0), which watches the claim."""
    if request.POST.get("suggestions") in ("0", "1"):
        services.watch_suggestions_set(
            claim=claim, actor=request.user, on=request.POST["suggestions"] == "1"
        )
    elif request.POST.get("watch") == "1":
        services.watch_add(claim=claim, actor=request.user)
    else:
        services.watch_remove(claim=claim, actor=request.user)
    if request.htmx:
        context = {"claim": claim, **watch_context(request, claim)}
        return render(request, "desk/claim_parts.html#watch", context)
    return redirect(claim)


def watch_context(request, claim) -> dict:
    """The Watch button's part of the claim page (claims.hooks)."""
    watch = selectors.watch_of(claim, request.user)
    return {"watching": watch is not None, "watch": watch}


def assignees_context(request, claim) -> dict:
    """Who works on the claim, and the assign form for those who may (claims.hooks)."""
    may_assign = request.user.has_perm(perms.ASSIGN)
    return {
        "assignments": selectors.claim_assignments(claim),
        "assign_form": AssignForm(users=selectors.assignable_users()) if may_assign else None,
    }
