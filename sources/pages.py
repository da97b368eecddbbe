"""Reading a fetched page as its outlet wrote it: headline, article text, language.

Pure: no database, no network. `read(body, url=..., content_type=...)` gives an
`Extracted` (sources.changes):

1. Parse the HTML once (lxml, through trafilatura's loader) and note what the page says
   about itself: JSON-LD articles (headline, articleBody, authors, publisher,
   isAccessibleForFree), <title>, <h1>s, og:title, the site's name, how much of it is
   script.
2. Extract the article text with trafilatura (no navigation, adverts, boxes).
3. Drop paywall prompts ("Subscribe to continue reading", page_words.toml): they are the
   outlet asking for money, not the article; a page that showed one is `paywalled`.
4. A script-rendered shell (little text, mostly script, or "enable JavaScript") is
   `scripted`; its text is read from the page's JSON-LD articleBody when it carries one,
   else it has none (the shell's own words are not the article). A page whose
   articleBody is much longer than what trafilatura found is read from articleBody too.
5. The headline (`headline`): the article's own, not the site's.
6. The language, by py3langid on the headline and the first TEXT_FOR_LANGUAGE
   characters (the page's <html lang> when there is too little text).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from rapidfuzz import fuzz
from trafilatura.utils import load_html

from .changes import MAX_TEXT, Extracted

log = logging.getLogger(__name__)
# trafilatura logs an ERROR for every page it finds no article in ("empty HTML tree");
# for a monitor that is an outcome (no text), not an error of ours.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

PAGE_WORDS = Path(__file__).with_name("page_words.toml")
TITLE_MAX = 500
TEXT_FOR_LANGUAGE = 2000
# A JSON-LD block larger than this is not read (a page's data dump, not its article).
JSONLD_MAX = 1_000_000
# A line of at most this many words can be a paywall prompt; longer lines are article.
PROMPT_MAX_WORDS = 40
# A shell: fewer characters of text than this (characters, not words: Chinese has no
# spaces), and script SHELL_SCRIPT_RATIO times the text.
SHELL_MAX_CHARS = 400
SHELL_SCRIPT_RATIO = 20
SHELL_HINTS = ("javascript", "enable js", "browser is not supported", "loading...")
ARTICLE_TYPES = re.compile(r"(?:Article|BlogPosting|Report|LiveBlogPosting)$")
# Title separators: a site or author name hangs off the headline after one of these.
SEPARATORS = re.compile(r"\s+[|\-–—:·•»~]\s+|\s+::\s+|\s*\|\s*")


@dataclass
class Facts:
    """What a page says about itself, read once from the parsed tree."""

    title: str = ""
    h1s: list[str] = field(default_factory=list)
    og_title: str = ""
    names: set[str] = field(default_factory=set)  # site, publisher, authors, domain
    ld_headline: str = ""
    ld_body: str = ""
    ld_free: bool | None = None
    script_chars: int = 0
    lang: str = ""


def read(
    body: str | None, *, url: str = "", content_type: str = "text/html", replacements: int = 0
) -> Extracted:
    """The headline, article text and language of a fetched body (steps 1-6 above);
    plain text and JSON are kept whole."""
    if not body:
        return Extracted("", "", replacements=replacements)
    if content_type not in ("text/html", "application/xhtml+xml"):
        text = body.strip()[:MAX_TEXT]
        return Extracted("", text, language=language(text), replacements=replacements)
    try:
        tree = load_html(body)
    except Exception:  # lxml refuses some bytes; such a page has no readable article
        tree = None
    if tree is None:
        return Extracted(_regex_title(body), "", replacements=replacements)
    facts = page_facts(tree, url)
    document = trafilatura.bare_extraction(tree, url=url or None, favor_recall=True)
    text = (document.text or "").strip() if document is not None else ""
    text, paywalled = drop_prompts(text)
    scripted = len(text) < SHELL_MAX_CHARS and (
        facts.script_chars > SHELL_SCRIPT_RATIO * max(len(text), 1)
        or any(hint in text.lower() for hint in SHELL_HINTS)
    )
    read_from = "page"
    body_text = facts.ld_body
    if body_text and (scripted or len(body_text) > 2 * len(text)):
        text, read_from = body_text, "structured_data"
    elif scripted:
        text = ""
    title = headline(facts)
    return Extracted(
        title,
        text[:MAX_TEXT],
        language=language(f"{title}\n{text}", fallback=facts.lang),
        read_from=read_from,
        paywalled=paywalled,
        scripted=scripted,
        replacements=replacements,
    )


def _regex_title(body: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", body, re.IGNORECASE | re.DOTALL)
    return " ".join(match.group(1).split())[:TITLE_MAX] if match else ""


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def page_facts(tree, url: str = "") -> Facts:
    facts = Facts()
    facts.title = _clean(tree.findtext(".//title"))
    facts.h1s = [_clean(h.text_content()) for h in tree.iterfind(".//h1")][:5]
    facts.lang = (tree.get("lang") or "").split("-")[0].lower()
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        value = _clean(meta.get("content"))
        if not value:
            continue
        if key == "og:title":
            facts.og_title = value
        elif key in ("og:site_name", "application-name", "author", "article:author"):
            facts.names.add(value)
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    if host:
        facts.names.add(host.split(".")[0])
    for script in tree.iterfind(".//script"):
        kind = (script.get("type") or "").lower()
        content = script.text or ""
        if kind == "application/ld+json":
            if len(content) <= JSONLD_MAX:
                _read_jsonld(content, facts)
        elif kind in ("", "text/javascript", "module", "application/javascript"):
            facts.script_chars += len(content)
    return facts


def _read_jsonld(content: str, facts: Facts) -> None:
    try:
        data = json.loads(content)
    except ValueError:
        return
    for item in _objects(data):
        kinds = item.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if item.get("name") and any(k in ("Organization", "NewsMediaOrganization") for k in kinds):
            facts.names.add(_clean(str(item["name"])))
        if not any(isinstance(k, str) and ARTICLE_TYPES.search(k) for k in kinds):
            continue
        if not facts.ld_headline and isinstance(item.get("headline"), str):
            facts.ld_headline = _clean(item["headline"])
        body = item.get("articleBody")
        if isinstance(body, str) and len(body) > len(facts.ld_body):
            facts.ld_body = _body_text(body)
        if "isAccessibleForFree" in item:
            facts.ld_free = str(item["isAccessibleForFree"]).lower() not in ("false", "0")
        for key in ("author", "publisher"):
            for person in _objects(item.get(key)):
                if isinstance(person.get("name"), str):
                    facts.names.add(_clean(person["name"]))


def _objects(data, depth: int = 0):
    """Every JSON object in a JSON-LD document (lists and @graph included), bounded."""
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data[:200]:
            yield from _objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _objects(data["@graph"], depth + 1)


def _body_text(body: str) -> str:
    if "<" in body and ">" in body:  # some sites put HTML in articleBody
        with contextlib.suppress(Exception):  # not HTML after all: kept as it is
            body = lxml.html.fromstring(body).text_content()
    paragraphs = [" ".join(p.split()) for p in body.replace("\r", "").split("\n")]
    return "\n".join(p for p in paragraphs if p).strip()


# --- the headline --------------------------------------------------------------------------


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", unicodedata.normalize("NFKC", text).lower()).split())


def strip_names(title: str, names: set[str]) -> str:
    """`title` without the site or author names hanging off its ends ("... | eHow",
    "Yahoo News - ...", "... | Eleanor Ainge Roy")."""
    keys = {_key(n) for n in names if n}
    keys.discard("")
    parts = [p for p in SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title.strip()

    def named(part: str) -> bool:
        key = _key(part)
        return any(key == k or (len(k) >= 4 and k in key.split()) for k in keys)

    while len(parts) > 1 and named(parts[-1]):
        parts.pop()
    while len(parts) > 1 and named(parts[0]):
        parts.pop(0)
    if len(parts) == len(SEPARATORS.split(title)):
        return title.strip()
    # Put the headline back together with its own separators.
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if start >= 0 and end > start else " ".join(parts)


def _agrees(h1: str, title: str) -> bool:
    """An <h1> that is the page's <title> (or its first part): the article's headline,
    not a section's name."""
    a, b = _key(h1), _key(title)
    if not a or not b:
        return False
    return b.startswith(a) or a.startswith(b) or fuzz.ratio(a, b) >= 85


def headline(facts: Facts) -> str:
    """The article's own headline: JSON-LD headline, else an <h1> agreeing with <title>,
    else <title>, else og:title, else the first <h1>; site and author names stripped."""
    names = facts.names
    title = strip_names(facts.title, names)
    site_wide = {_key(n) for n in names}
    candidates = []
    if facts.ld_headline and _key(facts.ld_headline) not in site_wide:
        candidates.append(strip_names(facts.ld_headline, names))
    candidates += [h for h in facts.h1s if _agrees(h, title) or _agrees(h, facts.title)]
    candidates += [title, strip_names(facts.og_title, names)] + facts.h1s[:1]
    for candidate in candidates:
        if candidate and _key(candidate) not in site_wide:
            return candidate[:TITLE_MAX]
    return (facts.title or facts.og_title)[:TITLE_MAX]


def same_headline(a: str, b: str) -> bool:
    """Two headlines that differ at most by what hangs off their ends after a separator
    ("Ministers to meet | Example News" and "Ministers to meet - Example"): a site that
    renames its suffix has not rewritten the headline. The part kept must be the longer
    one (at least 3 words), so "Trump - Kim summit" and "Trump - Kim summit off" differ."""
    ka, kb = _key(a), _key(b)
    if ka == kb:
        return True
    heads_a = _heads(a)
    heads_b = _heads(b)
    return bool(heads_a & heads_b)


def _heads(title: str) -> set[str]:
    parts = [p for p in SEPARATORS.split(title) if p.strip()]
    heads = {_key(title)}
    if len(parts) > 1:
        head = _key(parts[0])
        rest = _key(" ".join(parts[1:]))
        if len(head.split()) >= 3 and len(head.split()) > len(rest.split()):
            heads.add(head)
    return heads


# --- paywall prompts -------------------------------------------------------------------------


@cache
def _prompts() -> re.Pattern:
    data = tomllib.loads(PAGE_WORDS.read_text(encoding="utf-8"))
    wordings = [w for entry in data["paywall"] for w in entry["wordings"]]
    wordings = sorted({_prompt_key(w) for w in wordings}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in wordings))


def _prompt_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return " ".join(text.split())


def drop_prompts(text: str) -> tuple[str, bool]:
    """The text without its paywall prompt lines, and whether it had any."""
    if not text:
        return text, False
    prompts = _prompts()
    kept, dropped = [], False
    for line in text.split("\n"):
        if len(line.split()) <= PROMPT_MAX_WORDS and prompts.search(_prompt_key(line)):
            dropped = True
            continue
        kept.append(line)
    return ("\n".join(kept).strip(), True) if dropped else (text, False)


# --- language ----------------------------------------------------------------------------


def language_model_load() -> None:
    """Load py3langid's model now rather than at the first text (about a second and 75 MB
    of arrays): the worker loads it before its pool forks (monitoring.tasks), so that its
    pool processes share one copy instead of each reading its own."""
    language("Load the language model before the first page is read.")


def language(text: str, *, fallback: str = "") -> str:
    """ISO 639-1 code of the text's language (py3langid), or `fallback` for too little."""
    sample = " ".join(text[:TEXT_FOR_LANGUAGE].split())
    if len(sample) < 20:
        return fallback[:16]
    import py3langid  # loads its model (about a second) on first use only

    return py3langid.classify(sample)[0]
