"""Where the desk sees suggestions: the "Suggested sources" part of the claim page and the
review queue's list of claims that have some (claims.hooks; registered in apps.py).

Link and Dismiss are plain forms that work without JavaScript (back to the claim page);
with htmx the part swaps itself, and a link tells the evidence panel and the timeline to
reload. Permissions are checked before any input is read (claim_view) and again by the
services; a suggestion is found only under its own claim (404 otherwise).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from claims.models import EvidenceStance
from claims.views import CLAIM_CHANGED, EVIDENCE_CHANGED, claim_view
from claimwatch import perms

from . import selectors, services
from .forms import SuggestionLinkForm
from .models import Suggestion

PART = "discovery/claim_parts.html#suggestions"


def suggestions_context(request, claim) -> dict:
    """The "Suggested sources" part of the claim page (claims.hooks)."""
    return {
        "suggestions": selectors.claim_suggestions(claim),
        "suggestion_stances": EvidenceStance.choices,
    }


def queue_context(request, scope) -> dict:
    """The review queue's claims with suggested sources, within its scope (claims.hooks)."""
    within = scope.claim_ids(request.user) if scope else None
    return {"suggested_claims": selectors.claims_with_suggestions(within=within)}


def _suggestion(claim, code) -> Suggestion:
    return get_object_or_404(
        Suggestion.objects.select_related("article", "claim"), claim=claim, code=code
    )


def _answer(request, claim, *, done: str = "", refused: list[str] = (), status: int = 200):
    """The part again for htmx (with what happened), else back to the claim page."""
    if not request.htmx:
        for text in refused:
            messages.error(request, text)
        if done:
            messages.success(request, done)
        return redirect(claim.get_absolute_url() + "#suggestions")
    context = {
        "claim": claim,
        **suggestions_context(request, claim),
        "suggestion_done": done,
        "suggestion_refused": refused,
    }
    return render(request, PART, context, status=status)


@claim_view(perms.ADD_EVIDENCE)
@require_POST
def suggestion_link(request, claim, suggestion_code):
    suggestion = _suggestion(claim, suggestion_code)
    form = SuggestionLinkForm(request.POST)
    if not form.is_valid():
        return _answer(request, claim, refused=["Choose a stance to link it with."], status=422)
    try:
        services.suggestion_link(
            suggestion=suggestion, stance=form.cleaned_data["stance"], actor=request.user
        )
    except ValidationError as error:  # decided meanwhile, or linked by hand meanwhile
        return _answer(request, claim, refused=error.messages, status=409)
    title = suggestion.article.title or suggestion.article.url
    response = _answer(request, claim, done=f"Linked “{title}” as evidence.")
    if request.htmx:
        trigger_client_event(response, CLAIM_CHANGED)
        trigger_client_event(response, EVIDENCE_CHANGED)
    return response


@claim_view(perms.ADD_EVIDENCE)
@require_POST
def suggestion_dismiss(request, claim, suggestion_code):
    suggestion = _suggestion(claim, suggestion_code)
    try:
        services.suggestion_dismiss(suggestion=suggestion, actor=request.user)
    except ValidationError as error:
        return _answer(request, claim, refused=error.messages, status=409)
    title = suggestion.article.title or suggestion.article.url
    return _answer(
        request, claim, done=f"Dismissed “{title}”: it will not be suggested for this claim again."
    )
