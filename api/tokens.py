"""API tokens: the page where a user makes or revokes theirs, and the token sign-in that
feeds and exports accept beside a session (for feed readers and scripts)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from claimwatch import perms


def session_or_token(view):
    """Let a signed-in session or an `Authorization: Token <key>` header through, for
    feed readers and scripts; either way the user needs the claims' view permission."""

    @login_not_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            try:
                found = TokenAuthentication().authenticate(Request(request))
            except AuthenticationFailed:
                found = None
            if found is None:
                response = HttpResponse(
                    "Sign in, or send your API token: Authorization: Token <key>\n",
                    status=401,
                    content_type="text/plain; charset=utf-8",
                )
                response["WWW-Authenticate"] = 'Token realm="Claimwatch"'
                return response
            request.user = found[0]
        if not request.user.has_perm(perms.VIEW_CLAIM):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


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
        return redirect("claims:api_token")
    token = Token.objects.filter(user=request.user).first()
    return render(request, "claims/token.html", {"token": token})
