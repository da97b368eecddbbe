"""Small helpers for showing timeline events (everything they return is escaped by the
template as usual), and the parts other apps add to the claim page."""

from django import template
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe

from claims import hooks
from claims.models import Claim, Evidence

register = template.Library()

FIELD_LABELS = {
    "statement": "Statement",
    "context": "Context",
    "tags": "Tags",
    "first_seen_at": "First seen",
    "resolves_at": "Resolves at",
    "status": "Status",
    "rationale": "Rationale",
    "confidence": "Confidence",
    "stance": "Stance",
    "quote": "Quote",
    "note": "Note",
    "title": "Title",
    "url": "URL",
    "quote_internal": "Internal quote",
    "due_at": "Due",
}
CHOICE_LABELS = {
    "status": dict(Claim.Status.choices),
    "confidence": dict(Claim.Confidence.choices),
    "stance": dict(Evidence.Stance.choices),
}


def _shown(name: str, value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(CHOICE_LABELS.get(name, {}).get(value, value))


@register.filter
def changes(payload) -> list[tuple[str, str, str]]:
    """(label, before, after) for each field of a payload's `before`/`after` dicts that
    changed: a field sent again with its old value is no change to show."""
    if not isinstance(payload, dict):
        return []
    before = payload.get("before") or {}
    after = payload.get("after") or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    names = list(dict.fromkeys([*before, *after]))
    return [
        (
            FIELD_LABELS.get(name, name.replace("_", " ").capitalize()),
            _shown(name, before.get(name)),
            _shown(name, after.get(name)),
        )
        for name in names
        if before.get(name) != after.get(name)
    ]


@register.filter
def stance_label(value: str) -> str:
    return CHOICE_LABELS["stance"].get(value, value or "")


@register.filter
def status_label(value: str) -> str:
    return CHOICE_LABELS["status"].get(value, value or "")


@register.filter
def iso_date(value):
    """A datetime from the ISO text a payload keeps (for the `date` filter)."""
    return parse_datetime(value) if isinstance(value, str) else value


def _render_parts(context, parts, *args) -> str:
    """Each part rendered by its own template with the page's context and the part's own
    (`part.context(*args)`)."""
    rendered = []
    for part in parts:
        template = context.template.engine.get_template(part.template)
        with context.push(part.context(*args)):
            rendered.append(template.render(context))
    # Rendered by templates, which escaped every value they printed.
    return mark_safe("".join(rendered))  # noqa: S308


@register.simple_tag(takes_context=True)
def claim_parts(context, slot: str) -> str:
    """The parts other apps add to the claim page in `slot` (claims.hooks)."""
    return _render_parts(context, hooks.parts(slot), context["request"], context["claim"])


@register.simple_tag(takes_context=True)
def review_parts(context) -> str:
    """The panels other apps add to the review queue (claims.hooks.QueuePart)."""
    return _render_parts(context, hooks.queue_parts(), context["request"], context.get("scope"))
