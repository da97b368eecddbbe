"""Dates, times and counters in any language: what changes on a page without the article
changing. Removed from the text before it is hashed, never from the stored text.

1. Digits of any script become ASCII (Devanagari ९, Arabic-Indic ٣, Urdu ۳, full-width ３).
2. Clock times: 10:42, 10h42, 10時42分, 10点42分, with am/pm, "Uhr" and a zone.
3. Dates: numeric (2026-12-03, 03.12.2026, 12/3, 2026年12月3日, 12/3(木)), and a day
   with a month name in any of the LOCALES below (3. Dezember 2026, 3 Aralık, 3 دسمبر
   2026, 3 दिसंबर, December 3, 2026), with the weekday before it (Mittwoch, 3. Dezember).
   Month and weekday names come from the Unicode CLDR through Babel, not from a list of
   ours.
4. Relative times: "3 hours ago" as CLDR writes it in each locale (vor 3 Stunden,
   il y a 3 heures, 3 saat önce, 3 घंटे पहले, 3小时前), and "just now", "today", "yesterday".
5. Counters: a number next to (before or after) a counter word of `page_words.toml` (132 Kommentare,
   147 commentaires, 阅读 132, コメント132).

Steps 3-5 look only beside each number: the phrases are looked up by their first (or
last) character, never tried one by one along the text, so the cost grows with the
numbers on the page, not with the number of languages (bench/checks.py measures it).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale
from babel import dates as babel_dates

# The desk's languages and the corpus's (a language not here still gets numeric dates,
# clocks and counters removed; add its CLDR code to cover its month names).
LOCALES = (
    "en", "de", "fr", "es", "pt", "it", "nl", "cs", "pl", "ru", "uk", "tr",
    "ar", "fa", "ur", "hi", "bn", "zh", "zh_Hant", "ja", "ko", "th", "id",
)  # fmt: skip
UNITS = ("second", "minute", "hour", "day", "week", "month", "year")
PAGE_WORDS = Path(__file__).with_name("page_words.toml")
MARK = "\x00"  # where a date was: a weekday just before it goes too


def _alternation(words) -> str:
    # Longest first, so that "dezember" is not cut to "dez".
    unique = sorted({w.lower().strip() for w in words if w and w.strip()}, key=len, reverse=True)
    return "|".join(re.escape(w) for w in unique)


# Month names that are also common words: read as a month only with a year or a period.
AMBIGUOUS_MONTHS = frozenset({"may", "mar", "set", "led", "mei"})


def _names() -> tuple[list[str], list[str], list[str]]:
    """(wide month names, abbreviated month names, weekday names) of every locale, in both
    CLDR contexts (format: "3. Dezember"; stand-alone: "Dezember")."""
    wide, short, days = [], [], []
    for code in LOCALES:
        locale = Locale.parse(code)
        for context in ("format", "stand-alone"):
            wide += babel_dates.get_month_names("wide", context, locale).values()
            short += babel_dates.get_month_names("abbreviated", context, locale).values()
            for width in ("wide", "abbreviated"):
                days += babel_dates.get_day_names(width, context, locale).values()
    # A "month" of digits and 月 (ja: 12月) is a numeric date, matched as one.
    numeric = re.compile(r"\d+月")
    wide = [m.rstrip(".") for m in wide if not numeric.fullmatch(m)]
    short = [m.rstrip(".") for m in short if not numeric.fullmatch(m)]
    short += [m for m in wide if m.lower() in AMBIGUOUS_MONTHS]
    wide = [m for m in wide if m.lower() not in AMBIGUOUS_MONTHS]
    return wide, short, [d.rstrip(".") for d in days]


def _relative() -> tuple[list[str], list[str]]:
    """CLDR's past relative times ("vor {0} Stunden") split at the number: the words after
    it (with the unit) for number-first forms, and the words before it for the others."""
    after, before = [], []
    for code in LOCALES:
        fields = Locale.parse(code)._data["date_fields"]
        for unit in UNITS:
            for style in (unit, f"{unit}-short"):
                past = fields.get(style, {}).get("past", {})
                for pattern in past.values():
                    head, _, tail = pattern.partition("{0}")
                    if head.strip():
                        before.append(head.strip() + " " + MARK + tail.strip())
                    else:
                        after.append(tail.strip())
    return after, before


@dataclass(frozen=True)
class _Words:
    """Phrases looked up beside each number, indexed by their first character."""

    after: dict[str, list[tuple[str, str]]]  # first char -> [(phrase, what)], longest first
    before: dict[str, list[tuple[str, str]]]  # last char -> [(phrase, what)]
    weekdays: frozenset[str]
    prefixes: frozenset[str]  # words before the number in "vor {0} Stunden"


def _index(pairs, *, last: bool = False) -> dict[str, list[tuple[str, str]]]:
    index: dict[str, list[tuple[str, str]]] = {}
    for phrase, what in sorted(set(pairs), key=lambda p: len(p[0]), reverse=True):
        index.setdefault(phrase[-1] if last else phrase[0], []).append((phrase, what))
    return index


@cache
def _words() -> _Words:
    data = tomllib.loads(PAGE_WORDS.read_text(encoding="utf-8"))
    counters = {w.lower() for entry in data["counter"] for w in entry["words"]}
    wide, short, days = _names()
    after_number, before_number = _relative()
    after = [(m.lower(), "month") for m in wide]
    after += [(m.lower() + ".", "month") for m in short]
    after += [(m.lower(), "month?") for m in short]  # a month only with a year after it
    after += [(t.lower(), "relative") for t in after_number]
    after += [(t.split(MARK)[1].lower(), "unit") for t in before_number]
    after += [(c, "counter") for c in counters]
    before = [(c, "counter") for c in counters]
    before += [(m.lower(), "month") for m in wide if m.isascii()]
    before += [(m.lower(), "month") for m in short if m.isascii()]
    before += [(m.lower() + ".", "month") for m in short if m.isascii()]
    return _Words(
        after=_index((p, w) for p, w in after if p),
        before=_index(((p, w) for p, w in before if p), last=True),
        weekdays=frozenset(d.lower() for d in days),
        prefixes=frozenset(t.split(MARK)[0].strip().lower() for t in before_number),
    )


_CLOCK_OR_NUMERIC = re.compile(
    # Every branch starts with a digit, written once in front: `re` then jumps from digit
    # to digit instead of trying each branch at every character (a third of `strip`).
    r"\d(?:"
    # clocks: 10:42, 10h42, 10時42分, 10点42分, with am/pm, Uhr and a zone
    r"\d?\s?(?::|h|時|时|点|點)\s?\d{2}(?:[:分]\d{2})?[分秒]?(?:\s*(?:[ap]\.?m\.?|uhr))?"
    r"(?:\s*(?:utc|gmt|ist|pkt|trt|msk|cet|cest|[a-z]{2,3}t)(?![a-z]))?"
    # numeric dates: 2026-12-03(T10:42Z), 2026年12月3日, 12月3日, 03.12.2026, 12/3(木)
    r"|\d{3}\s?[-/.年]\s?\d{1,2}\s?[-/.月]\s?\d{1,2}日?(?:t[\d:.]+z?)?"
    r"|\d?月\d{1,2}日|\d?[/.]\d{1,2}[/.]\d{2,4}"
    r"|\d?/\d{1,2}\s*[(（][^)）\s]{1,4}[)）]"
    r")",
    re.IGNORECASE,
)
# A digit of another script (०-९, ٠-٩, ０-９): only then are digits made ASCII.
_NOT_ASCII_DIGIT = re.compile(r"[^\D0-9]")
_NUMBER = re.compile(r"\d[\d,.]*")
_DIGITS = re.compile(r"\d+")
_ENGLISH = re.compile(
    r"\b(?:an?|one)\s+(?:second|minute|hour|day|week|month|year)\s+ago\b"
    r"|\b(?:just now|today|yesterday)\b"
)
_ENGLISH_WORDS = ("ago", "just now", "today", "yesterday")
_YEAR = re.compile(r"[,،]?\s*(?:de\s+)?\d{4}(?:\s*г\.?)?")
_GAP = re.compile(r"(?:st|nd|rd|th|er)?\.?\s*(?:de\s+)?")


def strip(text: str) -> str:
    """`text` (lower case) without its dates, times, relative times and counters."""
    if not text.isascii() and _NOT_ASCII_DIGIT.search(text):
        text = _DIGITS.sub(_ascii_digits, text)
    text = _CLOCK_OR_NUMERIC.sub(MARK, text)
    if any(word in text for word in _ENGLISH_WORDS):  # one of which every match holds
        text = _ENGLISH.sub(" ", text)
    words = _words()
    cuts: list[tuple[int, int]] = []
    for match in _NUMBER.finditer(text):
        cut = _around(text, match.start(), match.end(), words)
        if cut is not None:
            cuts.append(cut)
    if cuts:
        pieces, kept = [], 0
        for start, end in cuts:
            if start >= kept:
                pieces.append(text[kept:start])
                kept = end
        pieces.append(text[kept:])
        text = MARK.join(pieces)
    if MARK in text:
        text = _drop_weekdays(text, words.weekdays)
    return text


def _ascii_digits(match: re.Match) -> str:
    return "".join(str(unicodedata.digit(c)) for c in match.group())


def _after(text: str, at: int, words: _Words) -> tuple[str, int] | None:
    """The phrase of `words.after` that starts at `at`, as (what, end)."""
    for phrase, what in words.after.get(text[at : at + 1], ()):
        if text.startswith(phrase, at):
            end = at + len(phrase)
            # A word of a spaced script must end there (3 mars, not 3 marsupials).
            if phrase[-1].isalpha() and text[end : end + 1].isalpha() and not _cjk(phrase):
                continue
            return what, end
    return None


def _around(text: str, start: int, end: int, words: _Words) -> tuple[int, int] | None:
    """The span to remove around the number text[start:end], or None to keep it."""
    gap = _GAP.match(text, end)
    at = gap.end() if gap else end
    found = _after(text, at, words)
    if found is not None:
        what, stop = found
        year = _YEAR.match(text, stop)
        if what == "month?" and not year:
            found = None
        elif what in ("month", "month?"):
            return start, year.end() if year else stop
        elif what == "unit":  # "vor 3 Stunden": only with its word before the number
            head = text[max(0, start - 12) : start].rstrip()
            if any(head.endswith(p) for p in words.prefixes):
                return start, stop  # the word before stays: it is the same every time
        else:
            return start, stop
    # Before the number: "November 28, 2026", "阅读 132", "Kommentare (132)".
    head_end = start
    while head_end > 0 and text[head_end - 1] in " :：(（":
        head_end -= 1
    for phrase, what in words.before.get(text[head_end - 1 : head_end], ()):
        if text.endswith(phrase, 0, head_end):
            begin = head_end - len(phrase)
            if begin > 0 and text[begin - 1].isalpha() and not _cjk(phrase):
                continue
            stop = end
            if what == "month":
                year = re.match(r"(?:st|nd|rd|th)?,?\s+\d{4}", text[end : end + 12])
                stop = end + (year.end() if year else 0)
            closing = text[stop : stop + 1]
            return begin, stop + (1 if closing in ")）" else 0)
    return None


def _cjk(word: str) -> bool:
    return any(unicodedata.east_asian_width(c) == "W" for c in word)


_EDGE = " ,،-·|()（）"


def _drop_weekdays(text: str, weekdays: frozenset[str]) -> str:
    """A weekday name next to a date goes with it (Mittwoch, 3. Dezember; 3 Aralık 2026
    Çarşamba)."""
    pieces = text.split(MARK)
    for i, piece in enumerate(pieces):
        if i < len(pieces) - 1:  # the word before the next date
            head = piece.rstrip(_EDGE)
            word = head.rsplit(None, 1)[-1] if head.strip() else ""
            if word.rstrip(".") in weekdays:
                piece = head[: len(head) - len(word)]
        if i > 0:  # the word after the previous date
            tail = piece.lstrip(_EDGE)
            word = tail.split(None, 1)[0] if tail.strip() else ""
            if word.rstrip(".,،") in weekdays:
                piece = tail[len(word) :]
        pieces[i] = piece
    return " ".join(pieces)
