"""Three rules every response follows, kept in one place (settings.MIDDLEWARE):

1. `RefuseNulMiddleware`: a NUL in the path or the query string (`%00`) is answered 400
   before any view runs. No URL of the site has one, and PostgreSQL refuses NUL in text,
   so a view that looked it up would answer 500.
2. `PrivateCacheMiddleware`: a response that does not say how it may be cached gets
   `Cache-Control: private` (desk pages, exports, evidence bundles, the API: a shared
   cache or proxy must never keep them for the next person). The public pages set their
   own (publishing.public_views), as do static files and captures.
3. `MethodPageMiddleware`: a browser that opens an action's address (a form's target,
   POST only) gets the site's page saying so, not the empty 405 that browsers show as
   "This page isn't working". The API keeps its JSON.
"""

from django.http import HttpResponseBadRequest
from django.shortcuts import render

PRIVATE = "private"


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return HttpResponseBadRequest(
                "A URL with a NUL character (%00) is never valid here.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class PrivateCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = PRIVATE
        return response


class MethodPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not response.content
            and not request.path.startswith("/api/")
            and "text/html" in request.headers.get("Accept", "")
        ):
            page = render(request, "405.html", status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response
