"""A 503 with Retry-After, in the site's layout (JSON under /api/), while the database is away.

The database can fail anywhere in a request: in the view (caught by the middleware's
`process_exception`) or in another middleware (the session or the user looked up before
the view, the session saved after it), which Django turns into its 500 handler: `server_error`
(urls.py's `handler500`) answers 503 for those too and leaves every other error to Django's
500 page. The page is rendered without the request, so it needs no session, user or database.
"""

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
# What a lost or refused connection raises (psycopg2's OperationalError/InterfaceError,
# wrapped by Django); a query error (ProgrammingError, IntegrityError) is a bug, not this.
UNAVAILABLE = (OperationalError, InterfaceError)


def is_unavailable(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, UNAVAILABLE):
            return True
        if isinstance(exc, DatabaseError):
            return False
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable_response(request) -> HttpResponse:
    message = "The database is not answering; try again in a minute."
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answer a view's lost database connection with 503 + Retry-After, not a bare 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_unavailable(exception):
            log.warning("Database unavailable for %s: %s", request.path, exception)
            return unavailable_response(request)
        return None


def server_error(request, *args, **kwargs):
    """handler500: a 503 when the error was the database going away, else Django's 500."""
    if is_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    return defaults.server_error(request, *args, **kwargs)
