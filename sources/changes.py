"""What a fetched page says, and what kind of change it made since the last snapshot.

Pure functions on text: no database, no network. The check (monitoring.checks) calls them.
"""

import difflib
import hashlib
import logging
import re
from dataclasses import dataclass

import trafilatura

from .models import ChangeKind

# trafilatura logs an ERROR for every page it finds no article in ("empty HTML tree");
# for a monitor that is an outcome (no text), not an error of ours.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

# Change kinds (stored on Snapshot.change_kind; monitoring maps them to ClaimEvent kinds).
FIRST = ChangeKind.FIRST
EDITED = ChangeKind.EDITED
HEADLINE = ChangeKind.HEADLINE
CORRECTION = ChangeKind.CORRECTION
RETRACTION = ChangeKind.RETRACTION

# Wording that announces a correction or a retraction. Matched on normalised text, and
# only when it is new: a notice that was already there is no change.
CORRECTION_PATTERNS = [
    r"\bcorrection\s*:",
    r"\bcorrections?\s+(?:appended|notice)\b",
    r"\bthis (?:article|story|report|post) (?:has been|was) (?:updated|corrected|amended)\b",
    r"\ban earlier version of this (?:article|story|report)\b",
    r"\beditor'?s note\b",
    r"\bclarification\s*:",
]
RETRACTION_PATTERNS = [
    r"\bretracted\b",
    r"\bretraction\s*:",
    r"\bthis (?:article|story|report|post) has been (?:withdrawn|removed|taken down)\b",
    r"\bwe have (?:withdrawn|removed) this (?:article|story|report)\b",
]
_CORRECTION = re.compile("|".join(CORRECTION_PATTERNS), re.IGNORECASE)
_RETRACTION = re.compile("|".join(RETRACTION_PATTERNS), re.IGNORECASE)

# Things that change on every visit without the article changing: clocks, dates,
# relative times, counters. Removed before hashing, never from the stored text.
_VOLATILE = [
    r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*(?:utc|gmt|[a-z]{2,4}t))?\b",
    r"\b\d{4}-\d{2}-\d{2}(?:t[\d:.]+z?)?\b",
    r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b",
    r"\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?:\s+\d{4})?\b",
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?(?:\s+\d{4})?\b",
    r"\b(?:\d+|an?|one)\s+(?:second|minute|hour|day|week|month|year)s?\s+ago\b",
    r"\b(?:just now|today|yesterday)\b",
    r"\b\d[\d,.]*\s*(?:views?|comments?|shares?|likes?|reads?)\b",
]
_VOLATILE_RE = re.compile("|".join(_VOLATILE), re.IGNORECASE)
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
MAX_TEXT = 200_000


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str

    @property
    def content_hash(self) -> str:
        return content_hash(self.title, self.text)


def extract(body: str | None, *, url: str = "", content_type: str = "text/html") -> Extracted:
    """The article title and text of a fetched body; plain text and JSON are kept whole."""
    if not body:
        return Extracted("", "")
    if content_type in ("text/html", "application/xhtml+xml"):
        document = trafilatura.bare_extraction(
            body, url=url or None, with_metadata=True, favor_recall=True
        )
        if document is not None:
            return Extracted(
                " ".join((document.title or "").split())[:500],
                (document.text or "").strip()[:MAX_TEXT],
            )
        return Extracted(_html_title(body), "")
    return Extracted("", body.strip()[:MAX_TEXT])


def _html_title(body: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", body, re.IGNORECASE | re.DOTALL)
    return " ".join(match.group(1).split())[:500] if match else ""


def normalise(text: str) -> str:
    """Lower-case words only, without clocks, dates, relative times and counters."""
    text = _VOLATILE_RE.sub(" ", text.lower())
    return " ".join(_PUNCT.sub(" ", text).split())


def content_hash(title: str, text: str) -> str:
    normalised = normalise(title) + "\n" + normalise(text)
    return hashlib.sha256(normalised.encode()).hexdigest()


def _new_match(pattern: re.Pattern, before: str, after: str) -> str:
    """The first match of `pattern` in `after` that `before` does not have, or ''."""
    seen = {m.group(0).lower() for m in pattern.finditer(before)}
    for match in pattern.finditer(after):
        if match.group(0).lower() not in seen:
            return _sentence_around(after, match.start())
    return ""


def _sentence_around(text: str, index: int, limit: int = 300) -> str:
    start = max(text.rfind("\n", 0, index), text.rfind(". ", 0, index) + 1, 0)
    end_candidates = [i for i in (text.find("\n", index), text.find(". ", index)) if i != -1]
    end = min(end_candidates) + 1 if end_candidates else len(text)
    return text[start:end].strip()[:limit]


def classify(before: Extracted | None, after: Extracted) -> tuple[str, str]:
    """(kind, notice) of the change from `before` to `after`, or ("", "") for none.

    1. No earlier snapshot: FIRST.
    2. Same normalised hash: no change.
    3. New retraction wording: RETRACTION; new correction wording: CORRECTION
       (`notice` is the sentence that says so).
    4. A different headline: HEADLINE; otherwise EDITED.
    """
    if before is None:
        return FIRST, ""
    if before.content_hash == after.content_hash:
        return "", ""
    notice = _new_match(
        _RETRACTION, before.text + "\n" + before.title, after.text + "\n" + after.title
    )
    if notice:
        return RETRACTION, notice
    notice = _new_match(_CORRECTION, before.text, after.text)
    if notice:
        return CORRECTION, notice
    if normalise(before.title) != normalise(after.title):
        return HEADLINE, ""
    return EDITED, ""


def similarity(before: Extracted, after: Extracted) -> float:
    """How much of the wording two versions share (0..1), on normalised words."""
    a = normalise(before.title + " " + before.text).split()
    b = normalise(after.title + " " + after.text).split()
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class DiffPart:
    op: str  # "equal", "insert", "delete"
    text: str


def word_diff(before: str, after: str) -> list[DiffPart]:
    """A word-level diff: runs of equal, deleted and inserted words (white space kept)."""
    a = re.findall(r"\S+\s*", before)
    b = re.findall(r"\S+\s*", after)
    key_a = [w.strip() for w in a]
    key_b = [w.strip() for w in b]
    parts: list[DiffPart] = []
    matcher = difflib.SequenceMatcher(None, key_a, key_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(DiffPart("equal", "".join(b[j1:j2])))
            continue
        if op in ("delete", "replace"):
            parts.append(DiffPart("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(DiffPart("insert", "".join(b[j1:j2])))
    return parts


def diff_summary(before: str, after: str, limit: int = 300) -> dict:
    """Removed and added words of a change, short enough for a timeline event."""
    parts = word_diff(before, after)
    removed = " … ".join(p.text.strip() for p in parts if p.op == "delete")
    added = " … ".join(p.text.strip() for p in parts if p.op == "insert")
    return {"removed": removed[:limit], "added": added[:limit]}
