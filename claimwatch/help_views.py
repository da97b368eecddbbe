"""The user guides of docs/ as pages of the site (/help/<guide>/), so a page can link to
the guide that explains it. Only the guides listed here are served."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe
from markdown import markdown

GUIDES = {
    "web": "The web app",
    "import": "Importing spreadsheets",
    "monitoring": "Source monitoring",
    "api": "The API",
    "fetch": "The outgoing-request guard",
    "evidence": "Captures, the tamper-evident record and evidence bundles",
    "origins": "Independent origins and outlet records",
    "discovery": "Suggested sources: outlets' feeds, matching and stance",
}


def guide(request, name: str):
    if name not in GUIDES:
        raise Http404("There is no such guide.")
    text = (settings.BASE_DIR / "docs" / f"{name}.md").read_text(encoding="utf-8")
    # Our own documentation from the repository, never typed or fetched text, so its
    # rendered HTML is shown as it is (the guides contain no raw HTML of their own).
    html = markdown(text, extensions=["tables", "fenced_code"], output_format="html")
    context = {"title": GUIDES[name], "html": mark_safe(html), "guides": GUIDES}  # noqa: S308
    return render(request, "help.html", context)
