"""Forms of the claim pages: they parse and type what was posted; services decide the rest."""

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from .models import Claim, ClaimEvent, Evidence

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_LOCAL, **kwargs)


def _datetime_field(label: str, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=DateTimeLocalInput(),
    )


class ClaimFilterForm(forms.Form):
    """The claim list's query string: every filter is bookmarkable."""

    SORT_CHOICES = [
        ("newest", "Newest"),
        ("active", "Recently active"),
        ("sources", "Most sources"),
    ]

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Claim.Status.choices]
    )
    tag = forms.CharField(label="Tag", required=False, max_length=50)
    outlet = forms.CharField(label="Outlet", required=False, max_length=253)
    needs_review = forms.BooleanField(label="Needs review", required=False)
    sort = forms.ChoiceField(label="Sort", required=False, choices=SORT_CHOICES)

    def filters(self) -> dict:
        """Keyword arguments for selectors.claim_list; bad values count as not given."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": data.get("q", ""),
            "status": data.get("status", ""),
            "tag": data.get("tag", ""),
            "outlet": data.get("outlet", ""),
            "needs_review": data.get("needs_review", False),
            "sort": data.get("sort") or "newest",
        }


class ClaimForm(forms.Form):
    statement = forms.CharField(
        label="Statement",
        help_text="One clear, checkable sentence: who said or did what, where and when.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )
    context = forms.CharField(
        label="Context",
        required=False,
        help_text="Where it came from and why it matters.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tags = forms.CharField(
        label="Tags", required=False, help_text="Comma-separated, e.g. sco, defence."
    )
    first_seen_at = _datetime_field("First seen", "When the claim first appeared (UTC).")
    resolves_at = _datetime_field(
        "Resolves at", "For a claim about a future event: when it can be decided (UTC)."
    )


class ClaimEditForm(ClaimForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class EvidenceForm(forms.Form):
    url = forms.CharField(
        label="Source URL",
        max_length=2048,
        widget=forms.URLInput(attrs={"placeholder": "https://…", "inputmode": "url"}),
    )
    stance = forms.ChoiceField(
        label="Stance", choices=Evidence.Stance.choices, widget=forms.RadioSelect
    )
    quote = forms.CharField(
        label="Quote",
        required=False,
        help_text="The words of the source that bear on the claim.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceUpdateForm(forms.Form):
    stance = forms.ChoiceField(label="Stance", choices=Evidence.Stance.choices, required=False)
    quote = forms.CharField(label="Quote", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def changes(self) -> dict:
        """Only the fields that were posted: a stance-only form leaves quote and note alone."""
        return {
            name: self.cleaned_data[name]
            for name in ("stance", "quote", "note")
            if name in self.data and (name != "stance" or self.cleaned_data[name])
        }


class EvidenceRemoveForm(forms.Form):
    reason = forms.CharField(label="Why remove it?", required=False, max_length=500)


class VerdictForm(forms.Form):
    status = forms.ChoiceField(label="Verdict", choices=Claim.Status.choices)
    confidence = forms.ChoiceField(
        label="Confidence", choices=Claim.Confidence.choices, required=False
    )
    rationale = forms.CharField(
        label="Rationale",
        help_text="Why: which sources settle it, and what is still open.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,  # the service says what is missing, next to the field
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)


class MergeForm(forms.Form):
    target = forms.CharField(
        label="Claim to keep",
        help_text="Paste its link or code. This claim's evidence and timeline move there.",
        max_length=500,
    )

    def clean_target(self) -> Claim:
        match = _UUID.search(self.cleaned_data["target"])
        if not match:
            raise ValidationError("Paste the link or the code of a claim.")
        claim = Claim.objects.filter(code=uuid.UUID(match.group())).first()
        if claim is None:
            raise ValidationError("There is no claim with this code.")
        return claim


class TimelineFilterForm(forms.Form):
    KIND_CHOICES = [
        ("", "All events"),
        ("source", "Source changes (all)"),
        *[(k.value, k.label) for k in ClaimEvent.Kind if k not in ClaimEvent.SOURCE_KINDS],
    ]

    kind = forms.ChoiceField(label="Show", choices=KIND_CHOICES, required=False)
    before = forms.CharField(required=False, widget=forms.HiddenInput)

    def cursor(self):
        """The (created_at, id) after which to go on, from `before=<iso>_<id>`."""
        if not self.is_valid() or not self.cleaned_data["before"]:
            return None
        at, _, pk = self.cleaned_data["before"].rpartition("_")
        when = parse_datetime(at)
        if when is None or not pk.isdigit():
            return None
        return when, int(pk)
