"""The alert channels page: a user's own channels and their desks' (editors), added,
tested and removed here. Permissions are checked by the services in claims.alerts."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import alerts, tasks
from .models import AlertChannel

watcher_required = permission_required("claims.add_watch", raise_exception=True)


class ChannelForm(forms.Form):
    label = forms.CharField(label="Name", max_length=100)
    url = forms.CharField(
        label="apprise URL",
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="e.g. slack://TokenA/TokenB/TokenC/#channel, tgram://bot-token/chat-id, "
        "discord://webhook-id/webhook-token, workflows://host/workflow/signature (Teams), "
        "matrixs://token@matrix.example.org/#room, jsons://hooks.example.org/alerts",
    )
    owner = forms.ChoiceField(label="For", required=False)

    def __init__(self, *args, desks, **kwargs):
        super().__init__(*args, **kwargs)
        self.desks = {str(desk.pk): desk for desk in desks}
        self.fields["owner"].choices = [("", "me")] + [
            (pk, f"the {desk.name} desk") for pk, desk in self.desks.items()
        ]

    def desk(self):
        return self.desks.get(self.cleaned_data.get("owner") or "")


def _channel(request, code) -> AlertChannel:
    channel = alerts.channels_visible_to(request.user).filter(code=code).first()
    if channel is None:
        raise Http404("No such channel of yours.")
    return channel


@watcher_required
@require_http_methods(["GET", "POST"])
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
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Channel added. Send a test to see it arrive.")
                return redirect("claims:alerts")
        status = 422
    channels = alerts.channels_visible_to(request.user)
    context = {"form": form, "channels": channels, "desks": desks}
    return render(request, "claims/alerts.html", context, status=status)


@watcher_required
@require_POST
def channel_test(request, code):
    channel = _channel(request, code)
    alerts.alert_channel_test(channel=channel, actor=request.user)
    tasks.deliver_alerts.delay_on_commit()
    messages.success(request, f"A test alert to “{channel.label}” is on its way.")
    return redirect("claims:alerts")


@watcher_required
@require_POST
def channel_remove(request, code):
    channel = _channel(request, code)
    alerts.alert_channel_remove(channel=channel, actor=request.user)
    messages.success(request, f"Channel “{channel.label}” removed.")
    return redirect("claims:alerts")
