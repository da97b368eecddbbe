"""The desk's actions on a claim page: who works on it, and publishing it.

Plain forms: each POST calls one service and goes back to the claim page with a message
(pages work without JavaScript). The permission is checked before any input is read
(`claim_view`), and again by the service.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from claimwatch import perms

from . import selectors, services
from .forms import AssignForm, UnassignForm, UnpublishForm
from .views import claim_view


def _refused(request, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


@claim_view(perms.ASSIGN)
@require_POST
def assign(request, claim):
    form = AssignForm(request.POST, users=selectors.assignable_users())
    if form.is_valid():
        try:
            services.claim_assign(claim=claim, **form.cleaned_data, actor=request.user)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, f"Assigned to {form.cleaned_data['user'].get_username()}.")
    else:
        messages.error(request, "Choose an analyst or an editor to assign.")
    return redirect(claim)


@claim_view(perms.ASSIGN)
@require_POST
def unassign(request, claim):
    form = UnassignForm(request.POST)
    if not form.is_valid():
        raise Http404("No such user.")
    user = get_object_or_404(get_user_model(), username=form.cleaned_data["user"])
    services.claim_unassign(claim=claim, user=user, actor=request.user)
    return redirect(claim)


@claim_view(perms.PUBLISH)
@require_POST
def publish(request, claim):
    try:
        services.claim_publish(claim=claim, actor=request.user)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, "Published: anyone can read its public page now.")
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
