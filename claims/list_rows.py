"""The claim list's rows, prepared in Python so the template only prints them (issue 24).

A row was ~20 template lookups on a model instance, a `{% url %}` per tag, two `|date`
filters and a `reverse()` per row: about half of the list's CPU. Here each row is one dict
of ready values: its address from one `reverse()` per page, its dates formatted from one
local time, its tags' links joined once. The template escapes every value as before, so
the page is the same text (tests/claims/views/test_list_view.py compares it with the
instance's own `get_absolute_url` and Django's `date` filter).
"""

from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import DateFormat

from .models import Claim

# The fields a row shows, for `.only()` (the list's annotations come along by themselves).
# `source_count` is not shown but read by callers of the page's claims (the API's sort).
ROW_FIELDS = (
    "code",
    "statement",
    "status",
    "last_activity_at",
    "review_count",
    "supports_count",
    "denies_count",
    "neutral_count",
    "source_count",
)
# The date as the rows show it: `datetime` attribute and text (the `date` filter's formats).
MACHINE_DATE = "c"
HUMAN_DATE = "j M Y, H:i"
_CODE = "00000000-0000-0000-0000-000000000000"


def _when(value) -> dict | None:
    if value is None:
        return None
    formatter = DateFormat(timezone.localtime(value) if timezone.is_aware(value) else value)
    return {"machine": formatter.format(MACHINE_DATE), "human": formatter.format(HUMAN_DATE)}


def list_rows(claims: list[Claim], *, scope_time: bool = False) -> list[dict]:
    """One dict per claim (`scope_time` annotated when asked), with its tags' names in one
    query (Tag's order, by name), not through prefetch_related's per-instance machinery."""
    tags: dict[int, list[str]] = {claim.pk: [] for claim in claims}
    through = Claim.tags.through.objects.filter(claim_id__in=list(tags))
    for claim_id, name in through.order_by("tag__name").values_list("claim_id", "tag__name"):
        tags[claim_id].append(name)
    detail = reverse("claims:detail", args=[_CODE])
    before, after = detail.split(_CODE)
    by_tag = reverse("claims:list") + "?tag="
    labels = dict(Claim.Status.choices)
    rows = []
    for claim in claims:
        rows.append(
            {
                "claim": claim,
                "url": f"{before}{claim.code}{after}",
                "status": claim.status,
                "status_label": labels.get(claim.status, claim.status),
                "statement": claim.statement,
                "tags": [
                    {"name": name, "url": by_tag + quote(name, safe="/")}
                    for name in tags[claim.pk]
                ],
                "last_activity": _when(claim.last_activity_at),
                "scope_time": _when(claim.scope_time) if scope_time else None,
                "review_count": claim.review_count,
                "supports": claim.supports_count,
                "denies": claim.denies_count,
                "neutral": claim.neutral_count,
                "supports_origins": claim.supports_origins,
                "denies_origins": claim.denies_origins,
            }
        )
    return rows
