"""The alert channels page: a user's own channels and their desks' (editors), added,
tested and removed here. Permissions are checked by the services in claims.alerts."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from claimwatch import perms
from claimwatch.forms import add_service_errors

from . import alerts, tasks
from .forms import ChannelForm
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
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Channel added. Send a test to see it arrive.")
                return redirect("claims:alerts")
        status = 422
    channels = alerts.channels_visible_to(request.user)
    context = {"form": form, "channels": channels, "desks": desks}
    return render(request, "claims/alerts.html", context, status=status)


@require_POST
@perms.required(perms.WATCH)
def channel_test(request, code):
    channel = _channel(request, code)
    alerts.alert_channel_test(channel=channel, actor=request.user)
    tasks.deliver_alerts.delay_on_commit()
    messages.success(request, f"A test alert to “{channel.label}” is on its way.")
    return redirect("claims:alerts")


@require_POST
@perms.required(perms.WATCH)
def channel_remove(request, code):
    channel = _channel(request, code)
    alerts.alert_channel_remove(channel=channel, actor=request.user)
    messages.success(request, f"Channel “{channel.label}” removed.")
    return redirect("claims:alerts")
