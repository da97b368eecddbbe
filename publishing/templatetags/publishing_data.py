"""A filter for the claim page's ClaimReview: JSON-LD in a <script> element. It formats
what the view read; it runs no query."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()
# The escapes json_script uses, so that no typed text can close the <script> element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def jsonld(review: dict | None) -> str:
    """`<script type="application/ld+json">` with the ClaimReview, or nothing."""
    if review is None:
        return ""
    data = json.dumps(review, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    # Escaped like json_script above; a JSON-LD data block is never executed, so CSP allows it.
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(data))  # noqa: S308
