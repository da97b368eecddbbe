"""API tokens: the page where a user makes or revokes theirs (/claims/token/). Feeds and
exports accept the same tokens beside a session (claimwatch.tokens)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token


@require_http_methods(["GET", "POST"])
def api_token(request):
    """Create, replace or revoke your own API token."""
    if request.method == "POST":
        Token.objects.filter(user=request.user).delete()
        if request.POST.get("action") == "create":
            Token.objects.create(user=request.user)
            messages.success(
                request, "Your new API token is below. The old one, if any, no longer works."
            )
        else:
            messages.success(request, "Your API token was revoked.")
        return redirect("api_token")
    token = Token.objects.filter(user=request.user).first()
    return render(request, "claims/token.html", {"token": token})
