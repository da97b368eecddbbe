"""Which claims a text speaks of: one ranking for look-alikes, merges and article matching.

Log a claim's look-alikes and the merge page (claims.selectors.claims_similar) and the
matching of new articles to open claims (discovery.matching) all rank here, so that rare
words (names, places, numbers) weigh more than common ones. A text is ranked against the
claims in four steps:

1. Terms (`terms`): words, lower-cased, English stop words dropped, Snowball-stemmed (the
   stemmer PostgreSQL's `english` configuration uses). A number, or a word written with a
   capital is an *entity* ("Asif", "Qingdao", "2015"), except in Title Case headlines.
2. Candidates (`candidates`): the live claims sharing one of the text's rarest terms.
   PostgreSQL answers from the full-text index on statement and context (claim_fts_idx,
   migration claims/0003), ordered by the IDF of the terms each shares, at most
   CANDIDATES; SQLite (the embedded default, a laptop's few claims) reads the newest
   SQLITE_SCAN claims.
3. Weights (`TermStats`): a term's IDF over the claims, counted on the same index (capped
   at DF_CAP, cached for STATS_TTL), smoothed with PRIOR pseudo-claims so that a small
   database does not make an everyday word look rare: in the prior an entity is rare
   (ENTITY_PRIOR) and a word common (WORD_PRIOR).
4. Score (`score`, 0..1): LEXICAL x the IDF-weighted cosine of the two term sets +
   ENTITIES x the share of the text's entities that the claim names too + TRIGRAM x the
   trigram similarity of the whole texts (pg_trgm's, claims_similar's old measure: it
   keeps word forms the stemmer misses). The shared words, entities first, are the "why".

The figures behind the weights and thresholds are in docs/discovery.md ("Ranking").
"""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import snowballstemmer
from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL

from .models import Claim

# Weights of the three parts of a score (they add up to 1), and how much more an entity
# weighs than its IDF says (docs/discovery.md, "Ranking", has the grid they come from).
LEXICAL = 0.4
ENTITIES = 0.2
TRIGRAM = 0.4
ENTITY_BOOST = 1.0
# The prior: PRIOR pseudo-claims, in which an entity appears in ENTITY_PRIOR of them and
# any other word in WORD_PRIOR (see step 3).
PRIOR = 200
ENTITY_PRIOR = 0.002
WORD_PRIOR = 0.02
# Candidates ranked in Python per text; terms used to find them (the rarest first).
CANDIDATES = 200
CANDIDATE_TERMS = 6
# Document frequencies are counted up to this many claims (above it a word is common
# anyway) and kept this many seconds per process.
DF_CAP = 2000
STATS_TTL = 600
EXACT_UNDER = 10_000  # below this many claims, any new claim renews the statistics
SQLITE_SCAN = 20_000
# At most this many characters of a text are ranked (a headline and a lead fit easily).
TEXT_MAX = 4000

_WORD = re.compile(r"\w+", re.UNICODE)
# Numbers keep their separators ("4,999", "1.5"); words their apostrophes; then sentence ends.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[\w][\w'’]*|[.!?:;]", re.UNICODE)
_SENTENCE_END = frozenset(".!?:;")
# PostgreSQL's english stop words (tsearch_data/english.stop) and a few headline fillers.
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now d ll m o re ve y ain aren couldn didn doesn hadn hasn haven isn ma
    mightn mustn needn shan shouldn wasn weren won wouldn says said say could would may might
    also new""".split()  # noqa: SIM905 (a list of 150 words reads better as text)
)
_stemmer = snowballstemmer.stemmer("english")


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


@functools.lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


@dataclass(frozen=True)
class Terms:
    """A text as ranking sees it: its stemmed terms, which of them are entities, and a
    readable word for each term (the "why" a match shows)."""

    terms: frozenset[str]
    entities: frozenset[str]
    words: dict[str, str] = field(compare=False, hash=False)


def terms(text: str) -> Terms:
    """Step 1: the terms and entities of `text`."""
    text = (text or "")[:TEXT_MAX].replace("’", "'")
    found: set[str] = set()
    entities: set[str] = set()
    words: dict[str, str] = {}
    starts = True  # the next word starts a sentence
    small_words = small_capitals = 0  # stop words inside sentences, and those capitalised
    for token in _TOKEN.findall(text):
        if token in _SENTENCE_END:
            starts = True
            continue
        word = token.split("'", 1)[0]  # Pakistan's -> Pakistan
        lower = word.lower()
        if not word or lower in STOP_WORDS or (len(lower) < 2 and not lower.isdigit()):
            if word and not starts and len(word) > 1:
                small_words += 1
                small_capitals += word[0].isupper()
            starts = False
            continue
        term = lower.replace(",", "") if any(ch.isdigit() for ch in lower) else _stem(lower)
        found.add(term)
        words.setdefault(term, word)
        if any(ch.isdigit() for ch in word) or word[0].isupper():
            entities.add(term)
        starts = False
    title_case = (
        small_capitals * 2 > small_words
        if small_words
        else len(found) > 3 and len(entities) >= 0.8 * len(found)
    )
    if title_case:
        # "Would You Take A Bite Out Of The World's Oldest Burger": capitals say nothing,
        # only numbers and acronyms are entities there.
        entities = {t for t in entities if any(ch.isdigit() for ch in t) or words[t].isupper()}
    return Terms(frozenset(found), frozenset(entities), words)


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(a, b), in Python: shared trigrams of the words (each padded as
    pg_trgm pads them) over all trigrams of both. 1.0 for the same words in any case."""
    first, second = _trigrams(a), _trigrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def _trigrams(text: str) -> set[str]:
    grams = set()
    for word in _WORD.findall((text or "")[:TEXT_MAX].lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


# --- step 3: weights ---------------------------------------------------------------------


@dataclass
class TermStats:
    """Document frequencies of terms over the claims (step 3), filled as terms are met."""

    n: int
    df: dict[str, int] = field(default_factory=dict)
    made_at: float = field(default_factory=time.monotonic)

    def idf(self, term: str, *, entity: bool) -> float:
        prior = PRIOR * (ENTITY_PRIOR if entity else WORD_PRIOR)
        return math.log((self.n + 1 + PRIOR) / (self.df.get(term, 0) + 0.5 + prior))


_stats_cache: dict[tuple, TermStats] = {}


def _claims_key() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), COALESCE(max(id), 0) FROM claims_claim")
        n, top = cursor.fetchone()
    return int(n), int(top)


def term_stats() -> TermStats:
    """The statistics of the claims as they are now: kept for STATS_TTL while no claim is
    added or deleted (the count and the largest id stay the same)."""
    n, top = _claims_key()
    # A few claims more do not change the weights of a large database: its statistics
    # last STATS_TTL however many are added meanwhile (within 1%).
    epoch = (n, top) if n < EXACT_UNDER else (round(math.log(n, 1.01)),)
    key = (connection.alias, connection.settings_dict.get("NAME"), *epoch)
    stats = _stats_cache.get(key)
    if stats is None or time.monotonic() - stats.made_at > STATS_TTL:
        _stats_cache.clear()
        stats = _stats_cache[key] = TermStats(n=n)
    return stats


# PostgreSQL: the expression of claim_fts_idx (migration claims/0003), so the index answers.
_FTS = (
    "to_tsvector('english'::regconfig, COALESCE(claims_claim.statement, '') || ' ' || "
    "COALESCE(claims_claim.context, ''))"
)


def _fill_df(stats: TermStats, wanted: Iterable[tuple[str, str]]) -> None:
    """Count the claims holding each (term, word) not counted yet, up to DF_CAP: one
    query for all of them (PostgreSQL); SQLite's are counted by `_sqlite_candidates`."""
    missing = [(t, w) for t, w in wanted if t not in stats.df]
    if not missing or not _is_postgres():
        return
    parts = []
    params: list = []
    for _term, word in missing:
        parts.append(
            f"(SELECT count(*) FROM (SELECT 1 FROM claims_claim WHERE {_FTS} @@ "  # noqa: S608
            "plainto_tsquery('english'::regconfig, %s) LIMIT %s) AS d)"
        )
        params += [word, DF_CAP]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)  # noqa: S608 (fixed text)
        counts = cursor.fetchone()
    for (term, _word), count in zip(missing, counts, strict=True):
        stats.df[term] = int(count)


# --- step 2: candidates ------------------------------------------------------------------


def candidates(
    text_terms: Terms,
    stats: TermStats,
    claims: QuerySet[Claim],
    *,
    limit: int = CANDIDATES,
) -> list[tuple[int, str]]:
    """(id, statement) of the claims in `claims` most likely to match (step 2)."""
    if not text_terms.terms:
        return []
    if not _is_postgres():
        return _sqlite_candidates(text_terms, stats, claims)
    _fill_df(stats, text_terms.words.items())
    weight = {
        t: stats.idf(t, entity=t in text_terms.entities) * (1 + (t in text_terms.entities))
        for t in text_terms.terms
    }
    rarest = sorted(text_terms.terms, key=lambda t: -weight[t])[:CANDIDATE_TERMS]
    rarest = [t for t in rarest if stats.df.get(t, 0) > 0] or rarest[:1]
    score_sql = " + ".join(
        f"(CASE WHEN {_FTS} @@ plainto_tsquery('english'::regconfig, %s) THEN %s ELSE 0 END)"
        for _ in rarest
    )
    score_params: list = []
    for t in rarest:
        score_params += [text_terms.words[t], round(weight[t], 4)]
    any_of = " OR ".join(f"{_FTS} @@ plainto_tsquery('english'::regconfig, %s)" for _ in rarest)
    rows = (
        claims.filter(
            # Fixed SQL text; the words go as parameters.
            RawSQL(f"({any_of})", [text_terms.words[t] for t in rarest], BooleanField())  # noqa: S611
        )
        .annotate(hit=RawSQL(score_sql, score_params, FloatField()))  # noqa: S611
        .order_by("-hit", "-pk")
        .values_list("pk", "statement")[:limit]
    )
    return list(rows)


def _sqlite_candidates(
    text_terms: Terms, stats: TermStats, claims: QuerySet[Claim]
) -> list[tuple[int, str]]:
    """SQLite: the newest SQLITE_SCAN claims, read once per call; their terms give the
    document frequencies too (the embedded default holds a laptop's claims)."""
    rows = list(claims.order_by("-pk").values_list("pk", "statement", "context")[:SQLITE_SCAN])
    stats.df = {}
    stats.n = len(rows)
    found = []
    for pk, statement, context in rows:
        claim_terms = terms(f"{statement} {context}").terms
        for term in claim_terms:
            stats.df[term] = stats.df.get(term, 0) + 1
        if claim_terms & text_terms.terms:
            found.append((pk, statement))
    return found


# --- step 4: the score -------------------------------------------------------------------


@dataclass
class Match:
    """How well a text matches one claim, and why: `shared` are the words both use,
    entities first."""

    claim_id: int
    statement: str
    score: float
    lexical: float
    trigram: float
    shared: list[str]
    entities: list[str]


def score(
    text: str,
    text_terms: Terms,
    statement: str,
    statement_terms: Terms,
    stats: TermStats,
    *,
    claim_id: int = 0,
) -> Match:
    """Step 4: how well `text` matches a claim's `statement`, 0..1."""
    entities = text_terms.entities | statement_terms.entities

    def weight(term: str) -> float:
        entity = term in entities
        return stats.idf(term, entity=entity) * (ENTITY_BOOST if entity else 1.0)

    shared = text_terms.terms & statement_terms.terms
    lexical = 0.0
    if shared:
        top = sum(weight(t) ** 2 for t in shared)
        a = sum(weight(t) ** 2 for t in text_terms.terms)
        b = sum(weight(t) ** 2 for t in statement_terms.terms)
        lexical = top / math.sqrt(a * b)
    trigram = trigram_similarity(text, statement)
    named = text_terms.entities
    entity_part = len(named & statement_terms.entities) / len(named) if named else lexical
    total = LEXICAL * lexical + ENTITIES * entity_part + TRIGRAM * trigram
    why = sorted(shared, key=lambda t: (t not in entities, -weight(t)))

    def _word(term: str) -> str:
        return text_terms.words.get(term) or statement_terms.words[term]

    return Match(
        claim_id=claim_id,
        statement=statement,
        score=round(min(1.0, total), 4),
        lexical=round(lexical, 4),
        trigram=round(trigram, 4),
        shared=[_word(t) for t in why],
        entities=[_word(t) for t in why if t in entities],
    )


def rank(
    text: str,
    *,
    claims: QuerySet[Claim] | None = None,
    limit: int = 5,
    min_score: float = 0.0,
    stats: TermStats | None = None,
) -> list[Match]:
    """The claims of `claims` (default: the live ones) that `text` speaks of, best first:
    at most `limit`, each scoring at least `min_score`. Pass `stats` (term_stats()) to
    share the document frequencies across many texts."""
    if claims is None:
        claims = Claim.objects.filter(LIVE_CLAIMS)
    stats = stats or term_stats()
    text = " ".join((text or "").split())[:TEXT_MAX]
    text_terms = terms(text)
    found = candidates(text_terms, stats, claims)
    if _is_postgres():
        _fill_df(
            stats,
            {
                (t, w)
                for _pk, statement in found
                for t, w in terms(statement).words.items()
                if t not in stats.df
            },
        )
    matches = [
        score(text, text_terms, statement, terms(statement), stats, claim_id=pk)
        for pk, statement in found
    ]
    matches = [m for m in matches if m.score >= min_score]
    matches.sort(key=lambda m: (-m.score, -m.claim_id))
    return matches[:limit]


# Claims a text can be matched to: neither merged into another nor withdrawn.
LIVE_CLAIMS = Q(merged_into__isnull=True, withdrawn_at__isnull=True)
