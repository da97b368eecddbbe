"""Forms of the sources and outlets pages: they parse and validate, services write."""

from django import forms

from .models import URL_MAX, Feed, Outlet, Source


class SourceFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    state = forms.ChoiceField(required=False, choices=[("", "Any state"), *Source.State.choices])
    outlet = forms.CharField(required=False, max_length=64)

    def filters(self) -> dict:
        if not self.is_valid():
            return {"q": "", "state": "", "outlet": ""}
        return {name: self.cleaned_data.get(name) or "" for name in ("q", "state", "outlet")}


class OutletFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Outlet.Kind.choices])
    reliability = forms.ChoiceField(
        required=False, choices=[("", "Any grade"), *Outlet.Reliability.choices]
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {"q": "", "kind": "", "reliability": ""}
        return {name: self.cleaned_data.get(name) or "" for name in ("q", "kind", "reliability")}


class DiffForm(forms.Form):
    """Which two snapshots to compare (ids); missing or bad ids mean the two newest."""

    old = forms.IntegerField(required=False, min_value=1)
    new = forms.IntegerField(required=False, min_value=1)

    def ids(self) -> tuple[int | None, int | None]:
        if not self.is_valid():
            return None, None
        return self.cleaned_data.get("old"), self.cleaned_data.get("new")


class RenderForm(forms.Form):
    """Read the source through a browser or not (monitoring.services.source_render_set);
    a checkbox: absent means off."""

    render = forms.BooleanField(required=False)


class OutletForm(forms.Form):
    """What editors change on an outlet (sources.services.outlet_update)."""

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Outlet.Kind.choices)
    country = forms.CharField(max_length=100, required=False)
    reliability = forms.ChoiceField(choices=Outlet.Reliability.choices, label="Reliability grade")

    def __init__(self, *args, instance_values: Outlet | None = None, **kwargs):
        if instance_values is not None:
            kwargs["initial"] = {
                "name": instance_values.name,
                "kind": instance_values.kind,
                "country": instance_values.country,
                "reliability": instance_values.reliability,
            }
        super().__init__(*args, **kwargs)


class FeedForm(forms.Form):
    """A feed an editor adds to an outlet (sources.services.feed_add)."""

    url = forms.CharField(max_length=URL_MAX, label="Feed URL")
    kind = forms.ChoiceField(choices=Feed.Kind.choices, initial=Feed.Kind.RSS)
