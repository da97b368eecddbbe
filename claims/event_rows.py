"""The timeline's rows as HTML, each rendered once per event and kept in Django's cache.

An event is written once and never changed (append-only, claims.models.ClaimEvent) and is
shown from its own payload, so its row is the same for every reader and every visit. A
row is rendered by claims/_event.html alone, with the event as its only context: nothing
per viewer (permissions, forms, the CSRF token) and nothing relative to the time it is
read can reach it.

A row's key is the event's chain hash, which covers all the event holds (claims.chain),
and what else the row shows: the actor's name (a user can be renamed), the active
language and time zone, and a version made of the row template's text and of the labels
and filters it uses (claims.templatetags.claim_tags), so a changed template or label never
serves an old row. Without a cache (Redis away, claimwatch.cache_safe) rows are rendered
as before.
"""

import hashlib
from functools import cache
from pathlib import Path

from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from claimwatch import cache_safe

from .models import ClaimEvent, EventKind
from .templatetags import claim_tags

ROW_TEMPLATE = "claims/_event.html"
# Rows are small and never wrong for their key; the time bounds what an unused one costs.
ROW_SECONDS = 7 * 24 * 3600


@cache
def _version() -> str:
    """What a row's HTML is made from, besides the event: the template and its labels."""
    digest = hashlib.sha256()
    digest.update(get_template(ROW_TEMPLATE).template.source.encode())
    digest.update(Path(claim_tags.__file__).read_bytes())
    digest.update(repr((claim_tags.FIELD_LABELS, claim_tags.CHOICE_LABELS)).encode())
    digest.update(repr(EventKind.choices).encode())
    return digest.hexdigest()[:16]


def _key(event: ClaimEvent, where: str) -> str:
    # select_related("actor"): the name is read from the row already loaded.
    actor = event.actor.get_username() if event.actor_id else ""
    named = hashlib.sha256(actor.encode()).hexdigest()[:12] if actor else "-"
    # The event's chain hash names its content (claims.chain), where its id would name
    # another event in another database that shares the cache (a restored backup, tests).
    return f"event-row:{_version()}:{where}:{event.hash}:{named}"


def event_rows(events: list[ClaimEvent]) -> list[SafeString]:
    """Each event's row (an <li>), in the order given: from the cache, the rest rendered
    and stored in one round trip each way."""
    where = f"{translation.get_language()}:{timezone.get_current_timezone_name()}"
    keys = [_key(event, where) for event in events]
    found = cache_safe.get_many(keys)
    rendered = {
        key: render_to_string(ROW_TEMPLATE, {"e": event})
        for key, event in zip(keys, events, strict=True)
        if key not in found
    }
    if rendered:
        cache_safe.set_many(rendered, ROW_SECONDS)
    # Rendered by the row template, which escaped everything it printed.
    return [mark_safe(found.get(key) or rendered[key]) for key in keys]  # noqa: S308
