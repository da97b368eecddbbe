"""Correction, clarification, update and retraction notices: the outlet's act on its own
article, found from the table in notices.toml.

`find_new(before, after, language=...)` gives the first notice that `after` has and
`before` did not, or None:

1. Normalise both texts the same way (`fold`): Unicode forms (NFKC), case, quotes,
   dashes, full-width punctuation and brackets, Arabic/Urdu letter variants, spacing
   before a colon.
2. Try the languages in order: the page's own, then English, then the others.
3. In each language, retractions before corrections. A `label` wording counts only as
   the opening of a paragraph among the first LABEL_HEAD or last LABEL_TAIL paragraphs of
   LABEL_COUNTS_FROM characters or more (and the short ones around them)
   (where outlets put notices); a `self` wording (its subject is this article, story or
   report) counts anywhere; a `headline` wording only at the start of the headline.
   A verb alone ("the minister retracted the remark") never matches: no wording is a
   bare verb.
4. A notice is new when its paragraph (dates and counters aside) was not in `before`,
   or for a headline prefix, when the old headline did not carry it. Paragraphs `before`
   had word for word are not matched at all (the table is long, a change is short).

The result names the sentence it rests on, the wording and its language.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import volatile

TABLE = Path(__file__).with_name("notices.toml")
KINDS = ("correction", "clarification", "update", "editors_note", "retraction")
PLACES = ("label", "self", "headline", "ignore")
LABEL_HEAD = 5
LABEL_TAIL = 8
# Paragraphs shorter than this (share buttons, bylines, a dateline on its own line) do not
# use up the label window: "- Tweet", "- Share this" before the lead left a Reuters
# correction label out of it.
LABEL_COUNTS_FROM = 40
SENTENCE_MAX = 300
# A paragraph longer than this is article text, not a notice label (bounded work too).
PARAGRAPH_MAX = 5000

_FOLD = str.maketrans(
    {
        "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"',
        "«": '"', "»": '"', "–": "-", "—": "-", "‐": "-", "‑": "-", "‒": "-", "―": "-",
        "−": "-", "【": "[", "】": "]", "〔": "[", "〕": "]", "［": "[", "］": "]",
        "「": "[", "」": "]", "《": "[", "》": "]",
        "ی": "ي", "ى": "ي", "ک": "ك", "ـ": None, "ı": "i", "\u0307": None,
    }
)  # fmt: skip
_HARAKAT = re.compile("[\u064b-\u065f\u0670]")
_COLON = re.compile(r"\s+([:;])")
_BULLET = re.compile(r"^[\s*•·>\-\"']+")


def fold(text: str) -> str:
    """Text as notices are matched: NFKC, lower case, one kind of quote, dash and bracket,
    one form of the Arabic letters Urdu writes differently, no space before a colon."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    if not text.isascii():
        text = _HARAKAT.sub("", text)
    return " ".join(_COLON.sub(r"\1", text).split())


@dataclass(frozen=True)
class Notice:
    kind: str  # one of KINDS
    language: str
    wording: str  # the wording as the table writes it
    sentence: str  # the sentence (or headline) it rests on, as the page wrote it

    @property
    def is_retraction(self) -> bool:
        return self.kind == "retraction"


@dataclass(frozen=True)
class _Rule:
    kind: str
    language: str
    at: str
    wording: str
    pattern: re.Pattern


def _compile(wording: str, at: str, language: str) -> re.Pattern:
    """A wording of the table as a pattern: {a|b} is either; the rest is literal."""
    folded = fold(wording)
    pieces = re.split(r"(\{[^}]*\})", folded)
    body = "".join(
        "(?:" + "|".join(re.escape(o.strip()) for o in p[1:-1].split("|")) + ")"
        if p.startswith("{")
        else re.escape(p)
        for p in pieces
    )
    if at in ("label", "headline", "ignore"):
        return re.compile("^" + body)
    # A wording starting with a letter starts a word (not "...nthis article").
    spaced = language not in ("zh", "ja", "th")
    return re.compile(("(?<!\\w)" if spaced and folded[:1].isalnum() else "") + body)


@cache
def rules() -> dict[str, list[_Rule]]:
    """The table by language, retractions first; read once."""
    table = tomllib.loads(TABLE.read_text(encoding="utf-8"))
    by_language: dict[str, list[_Rule]] = defaultdict(list)
    for entry in table["notice"]:
        kind, at, lang = entry["kind"], entry["at"], entry["language"]
        if kind not in KINDS or at not in PLACES:
            raise ValueError(f"notices.toml: {entry!r} has an unknown kind or place")
        if not entry.get("source"):
            raise ValueError(f"notices.toml: {entry!r} does not say where it comes from")
        for wording in entry["wordings"]:
            by_language[lang].append(_Rule(kind, lang, at, wording, _compile(wording, at, lang)))
    for lang in by_language:
        by_language[lang].sort(key=lambda r: r.kind != "retraction")
    return dict(by_language)


def languages_in_order(language: str) -> list[str]:
    """The page's language first, then English, then the rest of the table."""
    known = list(rules())
    first = [lang for lang in (language, "en") if lang in known]
    return first + sorted(set(known) - set(first))


def strip_ignored(title: str) -> str:
    """A headline without the prefixes that are no notice (Reuters "UPDATE 2-")."""
    folded = fold(title)
    for lang_rules in rules().values():
        for rule in lang_rules:
            if rule.at == "ignore":
                match = rule.pattern.match(folded)
                if match:
                    return folded[match.end() :].strip()
    return folded


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def _seen(text: str) -> set[str]:
    return {_volatile_free(p) for p in _paragraphs(text)}


def _volatile_free(paragraph: str) -> str:
    return " ".join(volatile.strip(fold(paragraph[:PARAGRAPH_MAX])).split())


def _near_ends(paragraphs: list[str]) -> set[int]:
    """Indexes of the first LABEL_HEAD and last LABEL_TAIL paragraphs of some length, and
    of the short ones before and after them."""

    def window(indexes, size: int) -> set[int]:
        taken, counted = set(), 0
        for index in indexes:
            taken.add(index)
            counted += len(paragraphs[index]) >= LABEL_COUNTS_FROM
            if counted >= size:
                break
        return taken

    count = len(paragraphs)
    return window(range(count), LABEL_HEAD) | window(range(count - 1, -1, -1), LABEL_TAIL)


def _sentence(paragraph: str, pattern: re.Pattern) -> str:
    """The sentence of `paragraph` that the pattern matched, as written."""
    for sentence in re.split(r"(?<=[.!?。！？۔।])\s+", paragraph):
        if pattern.search(fold(sentence)):
            return sentence.strip()[:SENTENCE_MAX]
    return paragraph[:SENTENCE_MAX]


def find_new(
    *, before_title: str, before_text: str, title: str, text: str, language: str = ""
) -> Notice | None:
    """The first notice in `title`/`text` that the earlier version did not have (steps 1-4)."""
    paragraphs = _paragraphs(text)
    near_ends = _near_ends(paragraphs)
    # A paragraph the earlier version had word for word holds no new notice: only the
    # others are matched against the table (one edited paragraph, not the whole page).
    unchanged = set(_paragraphs(before_text))
    folded = {
        index: fold(p[:PARAGRAPH_MAX]) for index, p in enumerate(paragraphs) if p not in unchanged
    }
    title_now, title_then = fold(title), fold(before_title)
    seen: set[str] | None = None  # the old paragraphs, folded only if something matched
    table = rules()
    for lang in languages_in_order(language):
        for rule in table[lang]:
            if rule.at == "ignore":
                continue
            if rule.at == "headline":
                if rule.pattern.match(title_now) and not rule.pattern.match(title_then):
                    return _headline_notice(rule, title, paragraphs)
                continue
            for index, paragraph in folded.items():
                if rule.at == "label":
                    if index not in near_ends or not rule.pattern.match(_BULLET.sub("", paragraph)):
                        continue
                elif not rule.pattern.search(paragraph):
                    continue
                if seen is None:
                    seen = _seen(before_text)
                if _volatile_free(paragraphs[index]) in seen:
                    continue
                sentence = (
                    paragraphs[index][:SENTENCE_MAX]
                    if rule.at == "label"
                    else _sentence(paragraphs[index], rule.pattern)
                )
                return Notice(rule.kind, rule.language, rule.wording, sentence)
    return None


def _headline_notice(rule: _Rule, title: str, paragraphs: list[str]) -> Notice:
    """A headline prefix (Reuters "CORRECTED-"): the notice is the body's "(Corrects ...)"
    paragraph when there is one, else the headline."""
    folded = [fold(p[:PARAGRAPH_MAX]) for p in paragraphs[:LABEL_HEAD]]
    for lang_rules in rules().values():
        for other in lang_rules:
            if other.at == "label" and other.kind == rule.kind:
                for index, paragraph in enumerate(folded[:LABEL_HEAD]):
                    if other.pattern.match(_BULLET.sub("", paragraph)):
                        return Notice(rule.kind, rule.language, rule.wording, paragraphs[index])
    return Notice(rule.kind, rule.language, rule.wording, title[:SENTENCE_MAX])
