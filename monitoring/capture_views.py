"""A capture as the page looked: its stored body served from our own origin, inert.

`capture_page` is what a person opens: a banner ("Archived copy of URL, taken at TIME"),
the way back to the source, and the body in `<iframe sandbox>`. `capture_view` serves
the body itself; the source page frames it too. Its response carries a CSP with
`sandbox` (no scripts, no forms, no same-origin rights even when opened on its own),
`default-src 'none'` (nothing is loaded from the source's site or anywhere else: a
reader's browser never calls the source), and `frame-ancestors 'self'`.

The public side serves the captures a published claim relies on the same way
(publishing.public_views): `serves_capture` and `capture_response` are the one home of
those headers and of reading a body back.
"""

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET

from claimwatch import perms
from sources.captures import CaptureError, capture_load
from sources.models import Capture

# Served as a page: anything else is offered as a download, never rendered.
RENDERED_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
CAPTURE_CSP = {
    "sandbox": True,
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "img-src": ["data:"],
    "font-src": ["data:"],
    "form-action": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.SELF],
}


def _capture(code, sha256) -> Capture:
    capture = (
        Capture.objects.select_related("revisit_of", "source")
        .filter(source__code=code, sha256=sha256)
        .first()
    )
    if capture is None:
        raise Http404("No such capture.")
    return capture


@permission_required(perms.VIEW_SOURCE, raise_exception=True)
@require_GET
def capture_page(request, code, sha256):
    capture = _capture(code, sha256)
    return render(
        request,
        "sources/capture.html",
        {"capture": capture, "source": capture.source},
        status=410 if capture.is_pruned else 200,
    )


def serves_capture(view):
    """A view that answers with a capture's body: framed only by our own pages, inside
    the CAPTURE_CSP sandbox (its error answers too)."""
    return xframe_options_sameorigin(csp_override(CAPTURE_CSP)(view))


def capture_response(
    capture: Capture, *, cache_control: str = "private, max-age=86400, immutable"
) -> HttpResponse:
    """The capture's body as it was received (a pruned capture: 410 with its hash; a file
    missing or altered: 409); a type a browser should not render comes as a download.
    The caller's view is wrapped in `serves_capture`."""
    if capture.is_pruned:
        return HttpResponse(
            f"This capture was pruned; its hash stays on the record: {capture.sha256}",
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    try:
        loaded = capture_load(capture)
    except CaptureError as exc:
        return HttpResponse(
            f"This capture cannot be shown: {exc}.",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    content_type = loaded.header("Content-Type") or "application/octet-stream"
    media_type = content_type.split(";", 1)[0].strip().lower()
    response = HttpResponse(loaded.body, content_type=content_type)
    if media_type not in RENDERED_TYPES:
        response["Content-Type"] = "application/octet-stream"
        response["Content-Disposition"] = f'attachment; filename="{capture.sha256}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = cache_control
    return response


@permission_required(perms.VIEW_SOURCE, raise_exception=True)
@require_GET
@serves_capture
def capture_view(request, code, sha256):
    return capture_response(_capture(code, sha256))
