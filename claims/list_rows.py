"""The claim list's rows (issue 24): each is claims/_list_row.html, rendered from values made
ready here and kept in this process by what it shows.

A row was ~20 template lookups on a model instance, a `{% url %}` per tag, two `|date`
filters and a `reverse()` per claim: half of the list's CPU. Here a page costs one
`reverse()` for the addresses, one query for the tags (not prefetch_related's per-instance
machinery), and a row is rendered only when what it shows has changed.

A row's HTML depends only on its key: the claim's shown fields, its tags, the scope's time
and label, the addresses' prefixes, the language, the time zone and the row template
itself (a reloaded template starts afresh). It is rendered without the request, so nothing
per viewer (permissions, the CSRF token) can reach it. Kept: the ROWS_KEPT rows used last,
per process (about 1-2 KB each).
"""

import threading
from collections import OrderedDict
from urllib.parse import quote

from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import DateFormat
from django.utils.safestring import SafeString

from .models import Claim

ROW_TEMPLATE = "claims/_list_row.html"
# The fields a row shows, for `.only()` (the list's annotations come along by themselves).
# `source_count` is not shown but read from the page's claims (tests, the API's sort).
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
# The dates as the rows show them: `datetime` attribute and text (as the `date` filter).
MACHINE_DATE = "c"
HUMAN_DATE = "j M Y, H:i"
# Rows kept per process: 40 pages of 25.
ROWS_KEPT = 1000
_CODE = "00000000-0000-0000-0000-000000000000"

_lock = threading.Lock()
_kept: OrderedDict = OrderedDict()
_kept_for = [None]  # the row template the kept rows were rendered with


def _when(value) -> dict | None:
    if value is None:
        return None
    formatter = DateFormat(timezone.localtime(value) if timezone.is_aware(value) else value)
    return {"machine": formatter.format(MACHINE_DATE), "human": formatter.format(HUMAN_DATE)}


def _tag_names(claims: list[Claim]) -> dict[int, tuple[str, ...]]:
    """Each claim's tag names in Tag's order (by name), in one query."""
    names: dict[int, list[str]] = {claim.pk: [] for claim in claims}
    through = Claim.tags.through.objects.filter(claim_id__in=list(names))
    for claim_id, name in through.order_by("tag__name").values_list("claim_id", "tag__name"):
        names[claim_id].append(name)
    return {pk: tuple(found) for pk, found in names.items()}


def list_rows(claims: list[Claim], *, time_label: str = "", scope_time: bool = False):
    """Each claim's row (an <li>), in order. `scope_time` is annotated on the claims when
    the list's scope has one (claims.hooks.Scope), shown under `time_label`."""
    template = get_template(ROW_TEMPLATE)
    with _lock:
        # The loaders keep one compiled template until its file changes (then a new one).
        if _kept_for[0] is not template.template:
            _kept.clear()
            _kept_for[0] = template.template
    detail = reverse("claims:detail", args=[_CODE])
    before, after = detail.split(_CODE)
    by_tag = reverse("claims:list") + "?tag="
    where = (translation.get_language(), timezone.get_current_timezone_name(), detail, by_tag)
    time_label = str(time_label)
    labels = dict(Claim.Status.choices)
    tags = _tag_names(claims)
    rows: list[SafeString] = []
    for claim in claims:
        when = claim.scope_time if scope_time else None
        key = (
            where,
            time_label,
            claim.code,
            claim.statement,
            claim.status,
            claim.last_activity_at,
            when,
            tags[claim.pk],
            claim.review_count,
            claim.supports_count,
            claim.denies_count,
            claim.neutral_count,
            claim.supports_origins,
            claim.denies_origins,
        )
        with _lock:
            row = _kept.get(key)
            if row is not None:
                _kept.move_to_end(key)
        if row is None:
            values = {
                "url": f"{before}{claim.code}{after}",
                "status": claim.status,
                "status_label": labels.get(claim.status, claim.status),
                "statement": claim.statement,
                "tags": [{"name": n, "url": by_tag + quote(n, safe="/")} for n in tags[claim.pk]],
                "time_label": time_label,
                "scope_time": _when(when),
                "last_activity": _when(claim.last_activity_at),
                "review_count": claim.review_count,
                "supports": claim.supports_count,
                "denies": claim.denies_count,
                "neutral": claim.neutral_count,
                "supports_origins": claim.supports_origins,
                "denies_origins": claim.denies_origins,
            }
            # Rendered without the request: a plain context, no context processors.
            row = template.render(values)
            with _lock:
                _kept[key] = row
                if len(_kept) > ROWS_KEPT:
                    _kept.popitem(last=False)
        rows.append(row)
    return rows
