"""Forms of the claim pages: they parse and type what was posted; services decide the rest."""

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from claimwatch.forms import BoundedCharField
from sources.models import URL_MAX

from .models import (
    CLAIMANT_MAX,
    COMMENT_MAX,
    CONTEXT_MAX,
    NOTE_MAX,
    QUOTE_MAX,
    RATIONALE_MAX,
    REASON_MAX,
    STATEMENT_MAX,
    TAG_MAX,
    TAGS_MAX,
    Claim,
    ClaimEvent,
    Evidence,
)
from .selectors import SORT_CHOICES
from .services import RATIONALE_MISSING

# Room for TAGS_MAX tags of TAG_MAX characters with their commas; the service checks each.
TAGS_INPUT_MAX = TAGS_MAX * (TAG_MAX + 2)


def _quote_field() -> BoundedCharField:
    return BoundedCharField(
        label="Quote",
        required=False,
        max_length=QUOTE_MAX,
        help_text="The words of the source that bear on the claim.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _note_field(help_text: str = "") -> BoundedCharField:
    return BoundedCharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_LOCAL, **kwargs)


def datetime_field(label: str, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=DateTimeLocalInput(),
    )


class ClaimFilterForm(forms.Form):
    """The claim list's query string: every filter is bookmarkable."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Claim.Status.choices]
    )
    tag = forms.CharField(label="Tag", required=False, max_length=TAG_MAX)
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
    statement = BoundedCharField(
        label="Statement",
        help_text="One clear, checkable sentence: who said or did what, where and when.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=STATEMENT_MAX,
    )
    context = BoundedCharField(
        label="Context",
        max_length=CONTEXT_MAX,
        required=False,
        help_text="Where it came from and why it matters.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    claimant = BoundedCharField(
        label="Claimant",
        required=False,
        max_length=CLAIMANT_MAX,
        help_text="Who made the claim: an outlet, a person, “Turkish media”.",
    )
    tags = BoundedCharField(
        label="Tags",
        required=False,
        max_length=TAGS_INPUT_MAX,
        help_text=f"Comma-separated, e.g. sco, defence (at most {TAGS_MAX}).",
    )
    first_seen_at = datetime_field("First seen", "When the claim first appeared (UTC).")
    resolves_at = datetime_field(
        "Resolves at", "For a claim about a future event: when it can be decided (UTC)."
    )


class ClaimEditForm(ClaimForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class EvidenceForm(forms.Form):
    url = BoundedCharField(
        label="Source URL",
        max_length=URL_MAX,
        widget=forms.URLInput(attrs={"placeholder": "https://…", "inputmode": "url"}),
    )
    stance = forms.ChoiceField(
        label="Stance", choices=Evidence.Stance.choices, widget=forms.RadioSelect
    )
    quote = _quote_field()
    # Its label names no "quote": pages and tests find the quote field by that word.
    quote_internal = forms.BooleanField(
        label="Internal only",
        required=False,
        help_text="Keep the quote off the public page.",
    )
    note = _note_field(help_text="Notes are internal: the public page never shows them.")


class EvidenceUpdateForm(forms.Form):
    stance = forms.ChoiceField(label="Stance", choices=Evidence.Stance.choices, required=False)
    quote = _quote_field()
    quote_internal = forms.BooleanField(label="Internal only", required=False)
    note = _note_field()

    def changes(self) -> dict:
        """Only the fields that were posted: a stance-only form leaves quote and note alone.

        The quote form posts `quote_form=1` with its checkbox, since an unchecked box
        posts nothing."""
        changes = {
            name: self.cleaned_data[name]
            for name in ("stance", "quote", "note")
            if name in self.data and (name != "stance" or self.cleaned_data[name])
        }
        if "quote_form" in self.data:
            changes["quote_internal"] = self.cleaned_data["quote_internal"]
        return changes


class EvidenceRemoveForm(forms.Form):
    reason = BoundedCharField(label="Why remove it?", required=False, max_length=REASON_MAX)


class VerdictForm(forms.Form):
    status = forms.ChoiceField(label="Verdict", choices=Claim.Status.choices)
    confidence = forms.ChoiceField(
        label="Confidence", choices=Claim.Confidence.choices, required=False
    )
    rationale = BoundedCharField(
        label="Rationale",
        max_length=RATIONALE_MAX,
        help_text="Why: which sources settle it, and what is still open.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": RATIONALE_MISSING},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CommentForm(forms.Form):
    text = BoundedCharField(
        label="Comment",
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)


class MergeForm(forms.Form):
    target = forms.CharField(
        label="Claim to keep",
        help_text="Paste its link or code. Its evidence moves there; its timeline shows there.",
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


class OriginJoinForm(forms.Form):
    """Join a source's origin with the origin of another source of the claim (its code)."""

    with_source = forms.UUIDField()

    def __init__(self, data=None, **kwargs):
        if data is not None and "with" in data:  # the field is `with`, a Python keyword
            data = {"with_source": data.get("with")}
        super().__init__(data, **kwargs)
