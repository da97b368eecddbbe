"""Publishing's pages for the desk, and its parts of the claim page.

- claims out: CSV and JSON exports (filtered like the list), ClaimReview JSON-LD and Atom
  feeds; signed-in users or an API token (claimwatch.tokens.session_or_token) may read
  them, and the claim's evidence bundle (WACZ, publishing.bundle) alike;
- publish and unpublish (editors): forms back to the claim page. A publish the publish
  check stops (publishing.selectors) answers with the items and a "Publish anyway" form:
  the claim page's panel for htmx, a page of its own without JavaScript (409).
"""

import tempfile

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from claims import selectors
from claims.forms import ClaimFilterForm
from claims.views import claim_view
from claimwatch import perms
from claimwatch.tokens import session_or_token

from . import bundle, exports, feeds, services
from .forms import UnpublishForm


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


@session_or_token
@require_GET
def export_csv(request):
    claims = selectors.claim_list(**ClaimFilterForm(request.GET).filters())
    response = HttpResponse(
        exports.claims_csv(claims, _base_url(request)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="claims.csv"'
    return response


@session_or_token
@require_GET
def export_json(request):
    claims = selectors.claim_list(**ClaimFilterForm(request.GET).filters())
    response = JsonResponse(
        {"claims": exports.claims_json(claims, _base_url(request))},
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Disposition"] = 'attachment; filename="claims.json"'
    return response


@session_or_token
@require_GET
def claim_review(request, code):
    review = exports.claim_review(selectors.claim_or_404(code), _base_url(request))
    if review is None:
        raise Http404("This claim has no verdict to publish.")
    return JsonResponse(
        review, content_type="application/ld+json", json_dumps_params={"ensure_ascii": False}
    )


verdict_feed = session_or_token(feeds.VerdictFeed())
source_feed = session_or_token(feeds.SourceFeed())


@session_or_token
@require_GET
def evidence_bundle(request, code):
    claim = selectors.claim_or_404(code)
    if claim.merged_into_id:
        claim = claim.merged_into  # its bundle holds the duplicate's record too
    # Spooled: a small bundle stays in memory, a large one goes to a temporary file,
    # which FileResponse closes once sent.
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    bundle.build(claim, out)
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"claim-{claim.code}.wacz",
        content_type="application/wacz",
    )


def _refused(request, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


@claim_view(perms.PUBLISH)
@require_POST
def publish(request, claim):
    try:
        services.claim_publish(
            claim=claim,
            actor=request.user,
            confirm=request.POST.get("confirm") == "1",
            confirmed=request.POST.get("confirmed", "")[:64],
        )
    except services.PublishUnconfirmed as check:
        context = {"claim": claim, "check": check}
        if request.htmx:
            return render(request, "publishing/claim_parts.html#publishing", context)
        return render(request, "publishing/publish_check.html", context, status=409)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, "Published: anyone can read its public page now.")
    if request.htmx:
        return HttpResponseClientRedirect(claim.get_absolute_url())
    return redirect(claim)


@claim_view(perms.PUBLISH, live=False)
@require_POST
def unpublish(request, claim):
    form = UnpublishForm(request.POST)
    form.is_valid()
    services.claim_unpublish(
        claim=claim, actor=request.user, reason=form.cleaned_data.get("reason", "")
    )
    messages.success(request, "Unpublished: its public page is gone.")
    return redirect(claim)


def claimreview_context(request, claim) -> dict:
    """ClaimReview JSON-LD in the claim page's <head> (claims.hooks)."""
    return {"review": exports.claim_review(claim, _base_url(request))}
