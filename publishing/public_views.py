"""The public side: pages anyone can open, without a login, for published claims.

`/p/` the index with search, `/p/<code>/` a claim's page (with its ClaimReview JSON-LD),
`/p/<code>/embed/` a script-free card partners can frame, `/p/feed/` an Atom feed of
publications, `/p/<code>/captures/<sha256>/` an archived copy a published claim relies on
(with `raw/`, its body, sandboxed as the desk's: monitoring.capture_views). Each view:

1. counts the request against the address's limit (PUBLIC_RATE_LIMIT a minute) and
   answers 429 in the site's layout past it;
2. answers from the cache when it can (publishing.cache says when it is emptied);
3. else reads the public record (publishing.public: an allow-list, no model instances reach
   the templates), renders it without the request (no user, no CSRF token, no nonce:
   the same bytes for everyone), and caches the bytes.
While the cache (Redis) is away, requests are not counted and pages are read from the
database every time (claimwatch.cache_safe): readers still get them.
"""

import time
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET

from claimwatch import cache_safe
from claimwatch.client_ip import client_ip
from monitoring.capture_views import capture_response, serves_capture
from sources.models import Capture

from . import cache as public_cache
from . import exports, public
from .feeds import atom_id

PAGE_SIZE = 25
FEED_SIZE = 50
# Browsers and proxies revalidate: an unpublished page must go at once.
CACHE_CONTROL = "public, max-age=0, must-revalidate"


def _now() -> float:
    return time.time()


def _over_limit(request) -> bool:
    """A fixed one-minute window per client address (claimwatch.client_ip: the proxy's
    header only from TRUSTED_PROXIES), counted in the cache (atomic on Redis); never over
    while the cache is away (nothing can be counted)."""
    window = int(_now() // 60)
    count = cache_safe.count(f"public:rate:{client_ip(request)}:{window}", 90)
    return count is not None and count > settings.PUBLIC_RATE_LIMIT


def _page(template: str, context: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(render_to_string(template, context), status=status)
    response["Cache-Control"] = CACHE_CONTROL
    return response


def public_view(view):
    """No login, GET only, rate-limited."""

    @login_not_required
    @require_GET
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if _over_limit(request):
            response = _page("public/429.html", {}, status=429)
            response["Retry-After"] = str(60 - int(_now()) % 60)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _cached(key: str | None, build, content_type: str = "text/html; charset=utf-8") -> HttpResponse:
    """The cached bytes under `key`, or `build()`'s 200 response, cached (a None key, or
    the cache away: built and not kept)."""
    content = cache_safe.get(key) if key is not None else None
    if content is None:
        response = build()
        if response.status_code != 200:
            return response
        content = response.content
        if key is not None:
            cache_safe.set(key, content, public_cache.seconds())
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = CACHE_CONTROL
    return response


def _not_found() -> HttpResponse:
    return _page("public/404.html", {}, status=404)


@public_view
def index(request):
    q = request.GET.get("q", "")[:200].strip()
    number = request.GET.get("page", "1")[:10]

    def build():
        page = Paginator(public.published_claims(q), PAGE_SIZE).get_page(number)
        return _page("public/index.html", {"page": page, "q": q})

    return _cached(public_cache.list_key("index", q, number), build)


def _claim_response(code, kind: str, template: str) -> HttpResponse:
    def build():
        claim = public.published_claim(code)
        if claim is None:
            target = public.moved_to(code)
            if target is not None:
                return redirect(exports.public_path(target))
            return _not_found()
        record = public.public_claim(claim, settings.SITE_URL)
        return _page(template, {"claim": record, "site_url": settings.SITE_URL})

    return _cached(public_cache.page_key(kind, code), build)


@public_view
def claim_page(request, code):
    return _claim_response(code, "page", "public/claim.html")


@xframe_options_exempt
@csp_override({**settings.SECURE_CSP, "frame-ancestors": settings.PUBLIC_EMBED_ANCESTORS})
@public_view
def claim_embed(request, code):
    """The card partners put in an iframe: the verdict, a link to the page, no script."""
    return _claim_response(code, "embed", "public/embed.html")


def _captures(code) -> dict[str, public.PublicCapture] | None:
    """The captures the claim `code` relies on while it is published (cached with its
    page), else None."""
    key = public_cache.page_key("captures", code)
    captures = cache_safe.get(key)
    if captures is None:
        claim = public.published_claim(code)
        if claim is None:
            return None
        captures = public.claim_captures(claim)
        cache_safe.set(key, captures, public_cache.seconds())
    return captures


@public_view
def claim_capture(request, code, sha256):
    """An archived copy a published claim relies on: a banner (what, when, scripts off),
    the way back to the claim, and the body in a sandboxed frame; 410 once pruned. Any
    other capture, or an unpublished claim: 404 for everyone."""
    capture = (_captures(code) or {}).get(sha256)
    if capture is None:
        return _not_found()
    context = {"capture": capture, "site_name": settings.SITE_NAME}
    return _page("public/capture.html", context, status=410 if capture.pruned_at else 200)


@serves_capture
@public_view
def claim_capture_raw(request, code, sha256):
    """The body of `claim_capture`'s copy, from our origin, inert (CAPTURE_CSP)."""
    if sha256 not in (_captures(code) or {}):
        return HttpResponse("No such capture.", status=404, content_type="text/plain")
    capture = Capture.objects.select_related("revisit_of").get(sha256=sha256)
    return capture_response(capture, cache_control=CACHE_CONTROL)


class PublicationFeed(Feed):
    """Published claims, newest publication first: unpublishing takes one out."""

    feed_type = Atom1Feed
    title = "Claimwatch: published verdicts"
    subtitle = f"The latest {FEED_SIZE} claims the desk published."
    author_name = "The desk"

    def link(self):
        return reverse("public:index")

    def items(self):
        return public.published_claims()[:FEED_SIZE]

    def item_title(self, claim):
        return f"{claim.get_status_display()}: {claim.statement}"

    # Atom summaries are HTML: typed text is escaped so readers show it as text.
    def item_description(self, claim):
        return escape(claim.rationale)

    def item_link(self, claim):
        return exports.public_path(claim)

    def feed_guid(self):
        return atom_id("feed", "publications")

    def item_guid(self, claim):
        return atom_id("claim", claim.code, "published", claim.published_at.isoformat())

    item_guid_is_permalink = False

    def item_pubdate(self, claim):
        return claim.published_at

    def item_updateddate(self, claim):
        return max(d for d in (claim.published_at, claim.verdict_at) if d)

    def item_author_name(self, claim):
        return "The desk"


_feed = PublicationFeed()


@public_view
def feed(request):
    return _cached(
        public_cache.list_key("feed"),
        lambda: _feed(request),
        content_type="application/atom+xml; charset=utf-8",
    )
