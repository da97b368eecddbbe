"""Forms of publishing."""

from django import forms

from claims.models import REASON_MAX
from claimwatch.forms import BoundedCharField


class UnpublishForm(forms.Form):
    reason = BoundedCharField(label="Why take it down?", required=False, max_length=REASON_MAX)
