"""The cache of the public pages (publishing.public_views), and how a change empties it.

Keys (Django's cache: Redis when REDIS_URL is set, else files under var/cache/):
- ``public:page:<code>`` and ``public:embed:<code>``: one published claim's page and card,
  as rendered bytes, and ``public:captures:<code>``: the captures its capture pages may
  serve (publishing.public.claim_captures); deleted whenever the claim's timeline gets an
  event (unpublishing included).
- ``public:gen``: a token naming the current state of the index and the feed; list keys
  contain it, so replacing it expires every cached index page and feed at once. It is
  replaced when a published claim changes, and on every publish and unpublish.

Only published claims have anything cached, so a change to any other claim costs nothing.

While the cache is away (Redis stopped) every call here goes through claimwatch.cache_safe:
pages are read from the database and not kept, and `list_key` is None (nothing to look up).
A change made meanwhile cannot empty the cache; a page cached before it may be shown until
PUBLIC_CACHE_SECONDS after Redis is back (unless Redis came back empty).

Everything that changes a public page writes a ClaimEvent (verdict, evidence, edits,
source headline changes, publishing), and the core's one event writer sends
``claims.signals.timeline_written``, which calls `timeline_written` here. The keys are
deleted at once and again after the commit, so a reader that rendered the old page between
the two cannot keep it in the cache. What changes without an event (an outlet renamed, a
source's first title) shows within PUBLIC_CACHE_SECONDS.
"""

import hashlib
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from claimwatch import cache_safe

GEN_KEY = "public:gen"
PAGE_KINDS = ("page", "embed", "captures")


def seconds() -> int:
    return settings.PUBLIC_CACHE_SECONDS


def page_key(kind: str, code) -> str:
    return f"public:{kind}:{code}"


def generation() -> str | None:
    """The current generation's token; None while the cache is away."""
    token = cache_safe.get(GEN_KEY)
    if token is None:
        cache_safe.add(GEN_KEY, uuid.uuid4().hex, None)
        token = cache_safe.get(GEN_KEY)
    return token


def list_key(kind: str, *parts: str) -> str | None:
    """The key of an index page or the feed for these query parts, in this generation;
    None while the cache is away (the page is built and not kept)."""
    token = generation()
    if token is None:
        return None
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]
    return f"public:{kind}:{token}:{digest}"


def _forget(codes: list[str], lists: bool) -> None:
    cache_safe.delete_many([page_key(kind, code) for code in codes for kind in PAGE_KINDS])
    if lists:
        cache_safe.set(GEN_KEY, uuid.uuid4().hex, None)


def claims_changed(claims: Iterable[tuple[object, bool]]) -> None:
    """(code, is published) of claims whose public page may have changed.

    Only a published claim has anything cached; the others cost nothing."""
    codes = [str(code) for code, published in claims if published]
    if not codes:
        return
    _forget(codes, lists=True)
    transaction.on_commit(lambda: _forget(codes, lists=True))


def claim_changed(claim, *, publishing: bool = False) -> None:
    """A claim changed; `publishing`: it was just published or unpublished."""
    claims_changed([(claim.code, publishing or claim.published_at is not None)])


def timeline_written(sender, claims, **kwargs) -> None:
    """claims.signals.timeline_written: events were written to these claims' timelines."""
    claims_changed((claim.code, claim.published_at is not None) for claim in claims)
