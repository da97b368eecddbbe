"""Typed text, checked before any service writes it."""

from django.core.exceptions import ValidationError


def text_clean(field: str, value: str | None, limit: int) -> str:
    """Typed text, stripped and checked against its limit (never cut)."""
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError({field: f"Keep this under {limit} characters (it has {len(value)})."})
    if "\x00" in value:
        raise ValidationError({field: "This text contains a NUL character; remove it."})
    return value
