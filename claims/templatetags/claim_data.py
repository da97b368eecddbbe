"""Template tags for the claim page's data parts: ClaimReview JSON-LD and watching."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from claims import exports
from claims.models import Claim, Watch

register = template.Library()
# The escapes json_script uses, so that no typed text can close the <script> element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def claimreview_jsonld(claim: Claim, request) -> str:
    """`<script type="application/ld+json">` with the ClaimReview, or nothing."""
    review = exports.claim_review(claim, request.build_absolute_uri("/"))
    if review is None:
        return ""
    data = json.dumps(review, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    # Escaped like json_script above; a JSON-LD data block is never executed, so CSP allows it.
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(data))  # noqa: S308


@register.simple_tag
def is_watching(claim: Claim, user) -> bool:
    return user.is_authenticated and Watch.objects.filter(claim=claim, user=user).exists()
