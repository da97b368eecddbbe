from django import forms

from claims.models import EvidenceStance


class SuggestionLinkForm(forms.Form):
    """Link: the stance is pre-selected (the suggested one) and the person may change it."""

    stance = forms.ChoiceField(label="Stance", choices=EvidenceStance.choices)
