"""Token sign-in beside a session, for feed readers and scripts that read the desk's feeds
and exports with an API token (made on /claims/token/, api.tokens)."""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from . import perms


def _a_person(request) -> bool:
    """A browser asking for a page, not a script: no token sent and HTML accepted."""
    return "HTTP_AUTHORIZATION" not in request.META and "text/html" in request.headers.get(
        "Accept", ""
    )


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
            if found is None and _a_person(request):
                # A browser without a token: the sign-in page, then back here.
                return redirect_to_login(request.get_full_path())
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
