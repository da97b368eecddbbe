"""Claims out: CSV and JSON exports (filtered like the list), ClaimReview JSON-LD and Atom
feeds. Signed-in users or an API token (api.tokens.session_or_token) may read them."""

from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from api.tokens import session_or_token

from . import exports, feeds, selectors
from .forms import ClaimFilterForm


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
