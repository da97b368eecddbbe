"""The 403 and 404 pages: the site's layout with what went wrong in words (Django's own
handlers would show a class name such as "Resolver404" for an unknown address)."""

from django.http import Http404
from django.shortcuts import render
from django.urls import Resolver404


def _message(exception) -> str:
    if isinstance(exception, Resolver404) or not exception.args:
        return ""
    message = exception.args[0]
    return message if isinstance(message, str) else ""


def page_not_found(request, exception: Http404):
    return render(request, "404.html", {"exception": _message(exception)}, status=404)


def permission_denied(request, exception):
    return render(request, "403.html", {"exception": _message(exception)}, status=403)
