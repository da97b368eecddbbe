"""What a fetched page says, and what kind of change it made since the last snapshot.

Pure functions on text: no database, no network. The check (monitoring.checks) calls them.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from functools import cached_property

import trafilatura
from rapidfuzz.distance import Indel

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

    @cached_property  # compared more than once per check; normalising costs ms
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
    # 2 * LCS / (len(a) + len(b)), as difflib's ratio, bit-parallel: O(n*m/64), O(n) memory.
    return Indel.normalized_similarity(a, b)


@dataclass(frozen=True)
class DiffPart:
    op: str  # "equal", "insert", "delete"
    text: str


# Cap on the work of one word-level block: words before x words after. Past it the block
# is shown as deleted and inserted whole (a coarse diff) rather than aligned word by word.
DIFF_MAX_CELLS = 25_000_000
# Words with their trailing white space; white space at the start of a block is a token.
_TOKEN = re.compile(r"\S+\s*|\s+")


def _opcodes(a: list[str], b: list[str]):
    """(op, i1, i2, j1, j2) aligning two sequences of hashable items: difflib's opcodes,
    computed by rapidfuzz's bit-parallel LCS (Indel)."""
    if a == b:
        return [("equal", 0, len(a), 0, len(b))] if a else []
    ops: list[list] = []
    for o in Indel.opcodes(a, b):
        # Indel has no substitution: a deletion next to an insertion is one replaced run.
        if o.tag != "equal" and ops and ops[-1][0] != "equal":
            ops[-1] = ["replace", ops[-1][1], o.src_end, ops[-1][3], o.dest_end]
        else:
            ops.append([o.tag, o.src_start, o.src_end, o.dest_start, o.dest_end])
    return [tuple(op) for op in ops]


def _words_diff(a: list[str], b: list[str], parts: list[tuple[str, str]]) -> None:
    """Word-level diff of two runs of tokens into `parts`; common ends are matched first,
    and a middle larger than DIFF_MAX_CELLS falls back to delete-all, insert-all."""
    key_a = [w.strip() for w in a]
    key_b = [w.strip() for w in b]
    head = 0
    while head < len(a) and head < len(b) and key_a[head] == key_b[head]:
        head += 1
    tail = 0
    while (
        tail < len(a) - head
        and tail < len(b) - head
        and key_a[len(a) - 1 - tail] == key_b[len(b) - 1 - tail]
    ):
        tail += 1
    if head:
        parts.append(("equal", "".join(b[:head])))
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    if len(mid_a) * len(mid_b) > DIFF_MAX_CELLS:
        parts.append(("delete", "".join(mid_a)))
        parts.append(("insert", "".join(mid_b)))
    else:
        keys_a, keys_b = key_a[head : len(a) - tail], key_b[head : len(b) - tail]
        for op, i1, i2, j1, j2 in _opcodes(keys_a, keys_b):
            if op == "equal":
                parts.append(("equal", "".join(mid_b[j1:j2])))
                continue
            if op in ("delete", "replace"):
                parts.append(("delete", "".join(mid_a[i1:i2])))
            if op in ("insert", "replace"):
                parts.append(("insert", "".join(mid_b[j1:j2])))
    if tail:
        parts.append(("equal", "".join(b[len(b) - tail :])))


def word_diff(before: str, after: str) -> list[DiffPart]:
    """A word-level diff: runs of equal, deleted and inserted words (white space kept).

    Linear in practice: lines (paragraphs) are aligned first (a few hundred items,
    hashed), and words are aligned only inside the lines that changed, with rapidfuzz's
    bit-parallel LCS and a cap on the work of each block (DIFF_MAX_CELLS).
    """
    # Every line, the last one too, ends with a line break, so that no two words run
    # together when an equal run (which carries the new text's spacing) meets a deletion.
    la = (before + "\n").splitlines(keepends=True)
    lb = (after + "\n").splitlines(keepends=True)
    keys_a = [" ".join(line.split()) for line in la]
    keys_b = [" ".join(line.split()) for line in lb]
    raw: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in _opcodes(keys_a, keys_b):
        if op == "equal":
            raw.append(("equal", "".join(lb[j1:j2])))
        elif op == "delete":
            raw.append(("delete", "".join(la[i1:i2])))
        elif op == "insert":
            raw.append(("insert", "".join(lb[j1:j2])))
        else:
            a = _TOKEN.findall("".join(la[i1:i2]))
            b = _TOKEN.findall("".join(lb[j1:j2]))
            _words_diff(a, b, raw)
    raw = [(op, text) for op, text in raw if text]
    for index in range(len(raw) - 1, -1, -1):  # the line break added above
        op, text = raw[index]
        if op != "delete":
            # a space where deleted words follow, so that they do not run together
            end = "" if index == len(raw) - 1 else " "
            raw[index] = (op, text.removesuffix("\n") + end)
            if not raw[index][1].strip():
                del raw[index]
            break
    # Adjacent runs of one kind read as one; deletions before insertions, as difflib.
    parts: list[DiffPart] = []
    for op, text in raw:
        if not text:
            continue
        if parts and parts[-1].op == op:
            parts[-1] = DiffPart(op, parts[-1].text + text)
        elif op == "delete" and parts and parts[-1].op == "insert":
            if len(parts) > 1 and parts[-2].op == "delete":
                parts[-2] = DiffPart("delete", parts[-2].text + text)
            else:
                parts.insert(len(parts) - 1, DiffPart("delete", text))
        else:
            parts.append(DiffPart(op, text))
    return parts


def diff_summary(before: str, after: str, limit: int = 300) -> dict:
    """Removed and added words of a change, short enough for a timeline event."""
    parts = word_diff(before, after)
    removed = " … ".join(p.text.strip() for p in parts if p.op == "delete")
    added = " … ".join(p.text.strip() for p in parts if p.op == "insert")
    return {"removed": removed[:limit], "added": added[:limit]}
