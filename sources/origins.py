"""Which sources repeat one report: the pure part (text and HTML in, fingerprints out).

A source's fingerprint is taken from each snapshot the check stores:

1. A MinHash signature (datasketch's, computed in one numpy step) of the word shingles
   of its normalised text, and the LSH band hashes of that signature. Two sources sharing
   a band hash are candidates; the signature's estimated Jaccard similarity decides
   (NEAR_DUPLICATE).
2. Who it says it is reporting: names after "according to", "citing", "reported by",
   before "reported" ... (`attributed_names`).
3. From the HTML: `rel=canonical`, `og:url` and syndication metadata pointing elsewhere
   (`canonical`), and the outgoing links of the page (`links`), so that a page linking
   to another source of the same claim can be grouped under it.

The grouping of a claim's evidence into origins is claims.origins'; storing a
fingerprint is sources.services'. No database, no network here.
"""

import bisect
import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
import numpy as np
from django.core.exceptions import ValidationError

from .changes import normalise
from .urlnorm import normalize_url

# Words per shingle. Four words keep a rewrite with the same facts apart from a copy,
# and survive the small edits (headline, a sentence added) wire copies carry.
SHINGLE_WORDS = 4
NUM_PERM = 128
# LSH: BANDS x ROWS = NUM_PERM. Two texts with Jaccard similarity s share a band with
# probability 1 - (1 - s^ROWS)^BANDS: 0.9 at s = 0.5, 0.999+ at s = 0.7 (so near-duplicates
# are found), and 0.03 at s = 0.2 (so the candidates stay few).
BANDS = 32
ROWS = NUM_PERM // BANDS
# Estimated Jaccard similarity of the shingles from which two texts are one report. Chosen
# on the test corpus (tests/claims/test_origins_corpus.py, docs/origins.md): full wire
# copies score 0.68-0.74 there, an excerpt 0.36-0.41 (its canonical link groups it),
# rewrites and independent reports 0.06 at most; every pair above 0.5 is a true copy.
NEAR_DUPLICATE = 0.5
SEED = 1
# Outgoing links kept per page: enough for an article body, bounded for a link farm.
LINKS_MAX = 500
NAMES_MAX = 20

_NAME_WORD = r"[A-Z][\w&'’-]*"
_NAME = rf"{_NAME_WORD}(?:\s+(?:of|for|de|al|{_NAME_WORD}))*"
# Filler between the verb and the name: "according to the state-run Anadolu Agency".
_FILLER = (
    r"(?:(?:the|a|an|its|state-run|state-owned|official|news|agency|wire|service|"
    r"reports?|report(?:ing)?\s+(?:by|from|in)|newspaper|broadcaster|channel|outlet|"
    r"Turkish|Pakistani|Indian|Chinese|Russian|British|American|French)\s+)*"
)
ATTRIBUTION_PATTERNS = [
    rf"\baccording to\s+{_FILLER}(?P<name>{_NAME})",
    rf"\b(?:citing|cited by|quoting|quoted by|reported by|as reported by|via)\s+{_FILLER}"
    rf"(?P<name>{_NAME})",
    rf"\b(?:told|tells)\s+(?P<name>{_NAME})\b",
    rf"(?P<name>{_NAME})\s+(?:reported|reports|first reported|said in a report|"
    r"news agency reported|agency reported)\b",
]
# Every match of a pattern lies in one run of word characters, &, apostrophes, hyphens
# and spaces (a clause: no full stop, comma or quote inside), and holds one of the
# pattern's words: each pattern is run only on the clauses holding one of its words
# (on the whole text, the regexes cost more than the rest of the fingerprint).
_CLAUSE = re.compile(r"[\w&'’\s-]+")
_ATTRIBUTION = [
    (re.compile(pattern), re.compile("|".join(needles)))
    for pattern, needles in zip(
        ATTRIBUTION_PATTERNS,
        (
            ("according to",),
            ("citing", "cited by", "quoting", "quoted by", "reported by", "via"),
            ("told", "tells"),
            ("report",),
        ),
        strict=True,
    )
]
# Capitalised words that start sentences or name times, never who is being reported.
_NOT_NAMES = (
    "the a an it he she they we this that these those officials sources media reports "
    "report monday tuesday wednesday thursday friday saturday sunday january february "
    "march april may june july august september october november december earlier later "
    "today yesterday on in at as but and"
)
NOT_NAMES = frozenset(_NOT_NAMES.split())
# The wire agencies, by the names they go by: two reports citing "AFP" and
# "Agence France-Presse" cite one origin even when no AFP page is among the sources.
WIRE_ALIASES = {
    "reuters": "Reuters",
    "afp": "AFP",
    "agence france-presse": "AFP",
    "agence france presse": "AFP",
    "associated press": "Associated Press",
    "ap": "Associated Press",
    "anadolu": "Anadolu Agency",
    "anadolu agency": "Anadolu Agency",
    "anadolu ajansı": "Anadolu Agency",
    "aa": "Anadolu Agency",
    "xinhua": "Xinhua",
    "xinhua news agency": "Xinhua",
    "tass": "TASS",
    "ria novosti": "RIA Novosti",
    "interfax": "Interfax",
    "dpa": "dpa",
    "efe": "EFE",
    "ansa": "ANSA",
    "kyodo": "Kyodo",
    "yonhap": "Yonhap",
    "pti": "Press Trust of India",
    "press trust of india": "Press Trust of India",
    "ani": "ANI",
    "app": "Associated Press of Pakistan",
    "associated press of pakistan": "Associated Press of Pakistan",
    "irna": "IRNA",
    "bernama": "Bernama",
    "bloomberg": "Bloomberg",
}


@dataclass(frozen=True)
class Fingerprint:
    """What a snapshot says about where it comes from."""

    signature: bytes = b""  # NUM_PERM little-endian uint64 MinHash values; empty: no text
    bands: tuple[int, ...] = ()  # BANDS signed 64-bit hashes, band i at index i
    names: tuple[str, ...] = ()  # attributed names, normalised (name_key)
    canonical: str = ""  # canonical or syndication URL pointing elsewhere, normalised
    links: tuple[str, ...] = field(default=())  # outgoing links, normalised


def shingles(normalised: str, k: int = SHINGLE_WORDS) -> list[bytes]:
    """The k-word shingles of a normalised text (sources.changes.normalise: words joined by
    single spaces), UTF-8 encoded; the whole text when shorter. A shingle repeated in
    the text comes back as often (the minimum of the signature does not mind)."""
    data = normalised.encode()
    if not data:
        return []
    # A space in UTF-8 is a space: the words are the bytes between them.
    spaces = np.flatnonzero(np.frombuffer(data, np.uint8) == 0x20).tolist()
    if len(spaces) < k:
        return [data]
    starts = [0, *(at + 1 for at in spaces)]
    ends = [*spaces, len(data)]
    return [data[start:end] for start, end in zip(starts, ends[k - 1 :], strict=False)]


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch's affine32 scheme mixes each hash."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def _permutations(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The permutations (a, b) of datasketch's MinHash(num_perm=NUM_PERM, seed=seed), whose
    signatures are stored: its "affine32" scheme (the default since datasketch 2.0.0) maps
    each shingle's hash h to a * fmix32(h) + b mod 2^32, with an odd a. Drawn as datasketch
    draws them (tests/sources/test_origins_signature.py compares them), without importing
    datasketch: its package imports its LSH classes and scipy, 44 MB of every worker
    process for nothing the check uses."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


_PERM_A, _PERM_B = _permutations(SEED)


def signature(text: str, *, normalised: str | None = None) -> bytes:
    """The MinHash signature of the text's shingles, as bytes; b"" for no text.

    The same values as datasketch's MinHash(num_perm=NUM_PERM, seed=SEED).update_batch
    over the shingles (tests/sources/test_origins_signature.py), in one numpy step:
    SHA-1 of each shingle (its first 4 bytes, little-endian: datasketch's sha1_hash32),
    mixed, permuted NUM_PERM ways, the minimum of each permutation. `normalised` is
    `normalise(text)` when the caller has it already (the check: for the content hash).
    """
    grams = shingles(normalise(text) if normalised is None else normalised)
    if not grams:
        return b""
    digests = b"".join([hashlib.sha1(gram).digest()[:4] for gram in grams])  # noqa: S324
    hashes = _fmix32(np.frombuffer(digests, "<u4").astype(np.uint32))
    values = (hashes[:, np.newaxis] * _PERM_A + _PERM_B).min(axis=0)
    return values.astype("<u8").tobytes()


def band_hashes(sig: bytes) -> tuple[int, ...]:
    """One signed 64-bit hash per band of ROWS signature values (fits a bigint column)."""
    if not sig:
        return ()
    width = ROWS * 8
    return tuple(
        int.from_bytes(
            hashlib.blake2b(sig[i * width : (i + 1) * width], digest_size=8).digest(),
            "big",
            signed=True,
        )
        for i in range(BANDS)
    )


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets (0 when one is empty)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return float(np.mean(np.frombuffer(a, "<u8") == np.frombuffer(b, "<u8")))


def name_key(name: str) -> str:
    """A name as it is compared: lower case, no "the", no possessive, single spaces."""
    name = re.sub(r"['’]s\b", "", name.strip().lower())
    name = " ".join(name.replace("’", "'").split())
    return name.removeprefix("the ").strip(" .,'")


def attributed_names(text: str) -> tuple[str, ...]:
    """Who the text says it is reporting, normalised, in order of first mention."""
    text = text or ""
    found: list[str] = []
    clauses: list[tuple[int, int]] | None = None
    for pattern, needles in _ATTRIBUTION:
        hits = [hit.start() for hit in needles.finditer(text)]
        if not hits:
            continue
        if clauses is None:
            clauses = [clause.span() for clause in _CLAUSE.finditer(text)]
            starts = [start for start, _ in clauses]
        spans = dict.fromkeys(clauses[bisect.bisect_right(starts, hit) - 1] for hit in hits)
        for match in (m for start, end in spans for m in pattern.finditer(text, start, end)):
            key = name_key(match.group("name"))
            words = key.split()
            while words and words[0] in NOT_NAMES:
                words = words[1:]
            key = " ".join(words)
            if len(key) < 2 or key in NOT_NAMES or key in found:
                continue
            found.append(key)
    return tuple(found[:NAMES_MAX])


def wire_name(key: str) -> str:
    """The wire agency a normalised name stands for, or ''."""
    return WIRE_ALIASES.get(key, "")


def _normalised(url: str, base: str) -> str:
    absolute = urljoin(base, (url or "").strip())
    if urlsplit(absolute).scheme not in ("http", "https"):
        return ""
    try:
        return normalize_url(absolute)
    except ValidationError:
        return ""


def html_references(html: str, *, url: str) -> tuple[str, tuple[str, ...]]:
    """(canonical, links) of a page: where it says the original lives when that is not
    `url` itself, and its links, normalised. Navigation links are kept too: only links
    to another source of the same claim count (claims.origins), and those are few."""
    if not html or "<" not in html:
        return "", ()
    try:
        doc = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return "", ()
    own = _normalised(url, url)
    candidates = [
        *doc.xpath("//link[@rel='canonical' or @rel='original-source']/@href"),
        *doc.xpath(
            "//meta[@name='syndication-source' or @name='original-source' "
            "or @property='og:url']/@content"
        ),
    ]
    canonical = ""
    for candidate in candidates:
        normalised = _normalised(candidate, url)
        if normalised and normalised != own:
            canonical = normalised
            break
    links: list[str] = []
    for href in doc.xpath("//body//a/@href"):
        normalised = _normalised(href, url)
        if not normalised or normalised == own or normalised in links:
            continue
        links.append(normalised)
        if len(links) >= LINKS_MAX:
            break
    return canonical, tuple(links)


def fingerprint(
    *, text: str, html: str = "", url: str = "", normalised: str | None = None
) -> Fingerprint:
    """The fingerprint of one snapshot: its text (extracted) and the page's HTML;
    `normalised` is `normalise(text)` when the caller has it already."""
    sig = signature(text, normalised=normalised)
    canonical, links = html_references(html, url=url)
    return Fingerprint(
        signature=sig,
        bands=band_hashes(sig),
        names=attributed_names(text),
        canonical=canonical,
        links=links,
    )
