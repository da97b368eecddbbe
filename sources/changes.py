"""What kind of change a page made since the last snapshot, and word diffs.

Pure functions on text: no database, no network. The check (monitoring.checks) calls them;
reading a page is sources.pages, notices are sources.notices, dates and counters
sources.volatile.
"""

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from . import notices, volatile
from .models import ChangeKind, without_headline

# Change kinds (stored on Snapshot.change_kind; monitoring maps them to ClaimEvent kinds).
FIRST = ChangeKind.FIRST
EDITED = ChangeKind.EDITED
HEADLINE = ChangeKind.HEADLINE
CORRECTION = ChangeKind.CORRECTION
RETRACTION = ChangeKind.RETRACTION
REREAD = ChangeKind.REREAD
# Not stored: a snippet of the last full text behind a paywall prompt. The check says
# so; the snapshot and the claims keep the full text.
PAYWALLED = "paywalled"

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")
MAX_TEXT = 200_000
# How much of a snippet must be found in the full text, and how much of the ASCII words
# a wrong and a right decoding of one page share (the extractor sees garbled text a
# little differently).
SNIPPET_MATCH = 90
SKELETON_MATCH = 0.9


@dataclass(frozen=True)
class Extracted:
    """What a check read from a page (sources.pages.read)."""

    title: str
    text: str
    language: str = ""  # ISO 639-1, py3langid
    read_from: str = "page"  # "page", "structured_data" (JSON-LD articleBody), "browser"
    paywalled: bool = False  # a paywall prompt was on the page (and is not in `text`)
    scripted: bool = False  # the page builds its text with scripts
    replacements: int = 0  # U+FFFD the decode needed

    @cached_property  # the content hash and the fingerprint's shingles both read it
    def normalised_text(self) -> str:
        return normalise(self.text)

    @cached_property  # compared more than once per check; normalising costs ms
    def content_hash(self) -> str:
        return _hash(normalise(notices.strip_ignored(self.title)), self.normalised_text)

    @property
    def body(self) -> str:
        return without_headline(self.title, self.text)


def extract(
    body: str | None, *, url: str = "", content_type: str = "text/html", replacements: int = 0
) -> Extracted:
    """The article's headline, text and language of a fetched body (sources.pages.read)."""
    from .pages import read  # pages builds on Extracted, defined here

    return read(body, url=url, content_type=content_type, replacements=replacements)


def normalise(text: str) -> str:
    """Lower-case words only, without dates, clocks, relative times and counters, in any
    language (sources.volatile)."""
    text = volatile.strip(text.lower())
    return " ".join(_PUNCT.sub(" ", text).split())


def content_hash(title: str, text: str) -> str:
    # Reuters' "UPDATE 2-" before a headline is a take number, not the headline.
    return _hash(normalise(notices.strip_ignored(title)), normalise(text))


def _hash(normalised_title: str, normalised_text: str) -> str:
    return hashlib.sha256((normalised_title + "\n" + normalised_text).encode()).hexdigest()


def _skeleton(extracted: Extracted) -> str:
    """The ASCII words of a version: what a wrong and a right decoding share."""
    # Each run of other characters (or of U+FFFD) is one placeholder word, so the two
    # versions keep the same shape; the headline is left out (a garbled page may offer
    # its extractor other candidates).
    return normalise(_NOT_ASCII.sub(" x ", extracted.text))


def _snippet_of(part: Extracted, whole: Extracted) -> bool:
    """`part` is the start of `whole` (or all of it) under the same headline."""
    from .pages import same_headline

    short, full = normalise(part.text), normalise(whole.text)
    # The extractor may keep a line more or less around a snippet: nearly all of it must
    # be found, in order, in the full text.
    return (
        bool(short)
        and len(short) < len(full)
        and (short in full or fuzz.partial_ratio(short, full) >= SNIPPET_MATCH)
        and same_headline(part.title, whole.title)
    )


def headline_changed(before: str, after: str) -> bool:
    """A new headline, not a renamed site suffix nor a Reuters "UPDATE n-" take."""
    from .pages import same_headline

    if same_headline(before, after):
        return False
    return normalise(notices.strip_ignored(before)) != normalise(notices.strip_ignored(after))


def classify(before: Extracted | None, after: Extracted) -> tuple[str, notices.Notice | None]:
    """(kind, notice) of the change from `before` to `after`, or ("", None) for none.

    1. No earlier snapshot: FIRST.
    2. Same normalised hash: no change.
    3. A snippet of the last full text behind a paywall prompt: PAYWALLED (not stored).
    4. The same article read better: the full text after a paywalled snippet, or the same
       page decoded without the replacement characters the last one needed: REREAD
       (stored, no event).
    5. A new notice (sources.notices, the page's language first): RETRACTION for a
       retraction, CORRECTION for a correction, clarification, update or editor's note;
       the notice names the sentence it rests on.
    6. A different headline (not only its suffix): HEADLINE; otherwise EDITED.
    """
    if before is None:
        return FIRST, None
    if before.content_hash == after.content_hash:
        return "", None
    if after.paywalled and _snippet_of(after, before):
        return PAYWALLED, None
    if before.paywalled and not after.paywalled and _snippet_of(before, after):
        return REREAD, None
    if before.replacements > after.replacements and _skeleton(before) == _skeleton(after):
        return REREAD, None
    notice = notices.find_new(
        before_title=before.title,
        before_text=before.text,
        title=after.title,
        text=after.text,
        language=after.language,
    )
    if notice is not None:
        return (RETRACTION if notice.is_retraction else CORRECTION), notice
    if headline_changed(before.title, after.title):
        return HEADLINE, None
    return EDITED, None


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


# Where a sentence ends: after its full stop (Latin, CJK, Urdu, Hindi) and white space,
# or at a line break.
_FULL_STOP = re.compile(r"[.!?。！？۔।]\s+")


def sentences(text: str) -> list[str]:
    """The sentences of `text`, white space collapsed: cut after a full stop followed by
    white space and at every line break (lines first, then full stops within a line: the
    same cuts as one split on `(?<=[.!?。！？۔।])\\s+|\\s*\\n\\s*`, which tries its white space
    at every character and took twice as long)."""
    found = []
    for line in text.split("\n"):
        start = 0
        for stop in _FULL_STOP.finditer(line):
            sentence = " ".join(line[start : stop.start() + 1].split())
            if sentence:
                found.append(sentence)
            start = stop.start() + 1
        sentence = " ".join(line[start:].split())
        if sentence:
            found.append(sentence)
    return found


def diff_summary(before: str, after: str, limit: int = 500) -> dict:
    """The sentences a change removed and added, whole, short enough for a timeline event:
    words cut out of their sentences ("and … chiefs may meet on") read as gibberish. The
    word diff is on the source page."""
    a, b = sentences(before), sentences(after)
    removed: list[str] = []
    added: list[str] = []
    for op, i1, i2, j1, j2 in _opcodes(a, b):
        if op in ("delete", "replace"):
            removed += a[i1:i2]
        if op in ("insert", "replace"):
            added += b[j1:j2]
    return {"removed": _clip(" … ".join(removed), limit), "added": _clip(" … ".join(added), limit)}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
