"""Forms of the desk: assigning claims, and alert channels."""

from django import forms

from claims.forms import datetime_field
from claimwatch.forms import BoundedCharField

from .models import CHANNEL_LABEL_MAX, CHANNEL_URL_MAX


class ChannelForm(forms.Form):
    """An alert channel: its name, apprise URL, and whose it is (mine, or a desk's)."""

    label = BoundedCharField(label="Name", max_length=CHANNEL_LABEL_MAX)
    url = BoundedCharField(
        label="apprise URL",
        max_length=CHANNEL_URL_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="e.g. slack://TokenA/TokenB/TokenC/#channel, tgram://bot-token/chat-id, "
        "discord://webhook-id/webhook-token, workflows://host/workflow/signature (Teams), "
        "matrixs://token@matrix.example.org/#room, jsons://hooks.example.org/alerts",
    )
    owner = forms.ChoiceField(label="For", required=False)
    suggestions = forms.BooleanField(
        label="Also new suggested sources",
        required=False,
        help_text="Each new article of the outlets' feeds suggested for a claim it reports.",
    )

    def __init__(self, *args, desks, **kwargs):
        super().__init__(*args, **kwargs)
        self.desks = {str(desk.pk): desk for desk in desks}
        self.fields["owner"].choices = [("", "me")] + [
            (pk, f"the {desk.name} desk") for pk, desk in self.desks.items()
        ]

    def desk(self):
        return self.desks.get(self.cleaned_data.get("owner") or "")


class AssignForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Assign to",
        queryset=None,
        to_field_name="username",
        empty_label="Choose someone",
    )
    due_at = datetime_field("Due", "When it is due (UTC). Empty: the claim's resolve date.")

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users


class UnassignForm(forms.Form):
    user = forms.CharField(max_length=150)
