"""Which part of a page a request gets: one convention for every view.

A page is one template; its parts are `{% partialdef NAME %}` blocks of it, and each part's
outer element has `id="NAME"`. An htmx request names the element it will swap in its
`HX-Target` header; when that is one of the `fragments` the view offers, the request gets
that part alone, otherwise the whole page (plain links and forms work without JavaScript).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def fragment(request: HttpRequest, fragments: tuple[str, ...]) -> str:
    """The part an htmx request asks for, or "" for the whole page."""
    target = request.htmx.target if request.htmx else None
    return target if target in fragments else ""


def render_page(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    fragments: tuple[str, ...] = (),
    status: int = 200,
) -> HttpResponse:
    part = fragment(request, fragments)
    return render(request, f"{template}#{part}" if part else template, context, status=status)
