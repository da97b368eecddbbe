"""Which claims a text speaks of: one ranking for look-alikes, merges and article matching.

Log a claim's look-alikes and the merge page (claims.selectors.claims_similar) and the
matching of new articles to open claims (discovery.matching) all rank here, so that rare
words (names, places, numbers) weigh more than common ones. A text is ranked against the
claims in four steps:

1. Terms (`terms`): words, lower-cased, English stop words dropped, Snowball-stemmed (the
   stemmer PostgreSQL's `english` configuration uses). A number, or a word written with a
   capital is an *entity* ("Asif", "Qingdao", "2015"), except in Title Case headlines.
2. Candidates: the live claims sharing one of the text's rarest terms, at most
   CANDIDATES. `candidates` asks PostgreSQL (the stored search vector and its index,
   claim_search_idx of migration claims/0005), ordered by the IDF of the terms each
   shares; for many texts at once `ClaimIndex` holds the claims' terms in memory (one
   read of the claims, then no query per text); SQLite (the embedded default, a laptop's
   few claims) reads the newest SQLITE_SCAN claims.
3. Weights (`term_stats`): a term's IDF over the claims (ts_stat on PostgreSQL, shared
   through Django's cache for STATS_TTL), smoothed with PRIOR pseudo-claims so that a
   small database does not make an everyday word look rare: in the prior an entity is
   rare (ENTITY_PRIOR) and a word common (WORD_PRIOR).
4. Score (`score`, 0..1), first by words and names alone, then in full for the RESCORE
   best: LEXICAL x the IDF-weighted cosine of the two term sets + ENTITIES x the share of
   the text's entities that the claim names too (squared) + TRIGRAM x the trigram
   similarity of the whole texts (pg_trgm's, claims_similar's old measure) + GRAMS x the
   IDF-weighted cosine of their trigrams (word forms the stemmer misses, "Qingdao's",
   rare names written two ways). The shared words, entities first, are the "why".

The figures behind the weights and thresholds are in docs/discovery.md ("Ranking").
"""

from __future__ import annotations

import functools
import math
import re
import time
from dataclasses import dataclass, field, replace

import snowballstemmer
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL

from .models import Claim

# Weights of the four parts of a score (they add up to 1), and how much more an entity
# weighs than its IDF says (docs/discovery.md, "Ranking", has the grid they come from).
LEXICAL = 0.31
ENTITIES = 0.15
TRIGRAM = 0.15
GRAMS = 0.39
ENTITY_BOOST = 1.0
# The prior: PRIOR pseudo-claims, in which an entity appears in ENTITY_PRIOR of them and
# any other word in WORD_PRIOR (see step 3).
PRIOR = 200
ENTITY_PRIOR = 0.002
WORD_PRIOR = 0.02
GRAM_PRIOR = 0.01  # a trigram, in the same prior
# Candidates are first ordered by their words and names alone; this many best are then
# scored in full (the trigram parts cost more).
RESCORE = 40
# Candidates ranked in Python per text; terms used to find them (the rarest first).
CANDIDATES = 200
CANDIDATE_TERMS = 6
COMMON = 0.05
# Document frequencies are kept this many seconds (per process and in Django's cache).
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
    """Document frequencies of terms over the claims (step 3). On PostgreSQL a term that
    is missing is in at most one claim (ts_stat's singletons are left out)."""

    n: int
    df: dict[str, int] = field(default_factory=dict)
    missing: int = 0
    grams: dict[str, int] = field(default_factory=dict)  # trigram -> claims holding it
    made_at: float = field(default_factory=time.monotonic)
    _gram_weights: dict[str, float] = field(default_factory=dict, repr=False)

    def idf(self, term: str, *, entity: bool) -> float:
        prior = PRIOR * (ENTITY_PRIOR if entity else WORD_PRIOR)
        return math.log((self.n + 1 + PRIOR) / (self.df.get(term, self.missing) + 0.5 + prior))

    def gram_weight(self, gram: str) -> float:
        """A trigram's IDF, squared (what the cosine adds up), memoised."""
        weight = self._gram_weights.get(gram)
        if weight is None:
            df = self.grams.get(gram, self.missing)
            weight = math.log((self.n + 1 + PRIOR) / (df + 0.5 + PRIOR * GRAM_PRIOR)) ** 2
            self._gram_weights[gram] = weight
        return weight

    def grams_norm(self, grams: set[str]) -> float:
        return sum(self.gram_weight(g) for g in grams)


_stats_cache: dict[tuple, TermStats] = {}


def _claims_key() -> tuple[int, int]:
    """How many claims there are and the largest id, cheaply: counted up to EXACT_UNDER
    (a count of a large table reads all of it), PostgreSQL's estimate above."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM (SELECT 1 FROM claims_claim LIMIT %s) AS c), "
            "(SELECT COALESCE(max(id), 0) FROM claims_claim)",
            [EXACT_UNDER],
        )
        n, top = cursor.fetchone()
        if n >= EXACT_UNDER and _is_postgres():
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'claims_claim'")
            n = max(n, cursor.fetchone()[0])
    return int(n), int(top)


def term_stats(*, refresh: bool = False) -> TermStats:
    """The statistics of the claims as they are now.

    PostgreSQL counts them with ts_stat over the stored search vectors (statement,
    context and evidence quotes: about 3 s at 100,000 claims), so they are shared through
    Django's cache and kept STATS_TTL; a small database (under EXACT_UNDER claims) counts
    again whenever a claim is added or deleted. SQLite counts in Python (`_sqlite_df`).
    `refresh` counts again whatever is cached (claims.tasks.similarity_stats_refresh keeps
    the shared copy fresh, so no web request waits for it)."""
    n, top = _claims_key()
    # A few claims more do not change the weights of a large database (within 1%).
    epoch = (n, top) if n < EXACT_UNDER else (round(math.log(max(n, 1), 1.01)),)
    key = (connection.alias, connection.settings_dict.get("NAME"), *epoch)
    stats = _stats_cache.get(key)
    if stats is not None and time.monotonic() - stats.made_at < STATS_TTL and not refresh:
        return stats
    _stats_cache.clear()
    if not _is_postgres():
        stats = _stats_cache[key] = _sqlite_df(n)
        return stats
    shared_key = "claims:similarity:df:" + ":".join(str(part) for part in key[1:])
    counted = None if refresh else cache.get(shared_key)
    if counted is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM claims_claim "
                "WHERE search_vector IS NOT NULL') WHERE ndoc > 1"
            )
            df = dict(cursor.fetchall())
            # pg_trgm's trigrams of the statements, as _trigrams makes them.
            cursor.execute(
                "SELECT g, count(*) FROM claims_claim, unnest(show_trgm(statement)) AS g "
                "GROUP BY g HAVING count(*) > 1"
            )
            grams = dict(cursor.fetchall())
        counted = (df, grams)
        cache.set(shared_key, counted, STATS_TTL)
    df, grams = counted
    stats = _stats_cache[key] = TermStats(n=n, df=df, missing=1, grams=grams)
    return stats


def _sqlite_df(n: int) -> TermStats:
    stats = TermStats(n=n)
    rows = Claim.objects.order_by("-pk").values_list("statement", "context")[:SQLITE_SCAN]
    for statement, context in rows:
        for term in terms(f"{statement} {context}").terms:
            stats.df[term] = stats.df.get(term, 0) + 1
        for gram in _trigrams(statement):
            stats.grams[gram] = stats.grams.get(gram, 0) + 1
    return stats


# PostgreSQL: the stored search vector (statement, context and evidence quotes, written by
# claims.services) and its GIN index claim_search_idx (migration claims/0005): matching a
# row costs no to_tsvector, and the quotes of a claim's sources help find it too.
_FTS = "claims_claim.search_vector"


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
        rows = claims.order_by("-pk").values_list("pk", "statement")[:SQLITE_SCAN]
        return [(pk, st) for pk, st in rows if terms(st).terms & text_terms.terms]
    weight = {t: _weight(t, text_terms.entities, stats) for t in text_terms.terms}
    rarest = sorted(text_terms.terms, key=lambda t: -weight[t])[:CANDIDATE_TERMS]
    # A word in many claims finds little the rarer ones do not, and costs a row each: ask
    # by those in at most COMMON of the claims (but at least the two rarest).
    common = max(stats.n * COMMON, 50)
    rarest = rarest[:2] + [t for t in rarest[2:] if stats.df.get(t, 0) <= common]
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


def _weight(term: str, entities: frozenset[str] | set[str], stats: TermStats) -> float:
    entity = term in entities
    return stats.idf(term, entity=entity) * (ENTITY_BOOST if entity else 1.0)


class ClaimIndex:
    """Claims held in memory for matching many texts at once (discovery's batches):
    step 2 from an inverted index of their terms instead of a query per text, the same
    weights (`term_stats`) and score. Claims with the same statement are scored once."""

    def __init__(self, claims: QuerySet[Claim], *, stats: TermStats | None = None):
        self.stats = stats or term_stats()
        self.statements: list[str] = []
        self.terms: list[Terms] = []
        self.claim_ids: list[list[int]] = []
        self.postings: dict[str, list[int]] = {}
        seen: dict[str, int] = {}
        for pk, statement in (
            claims.order_by("-pk").values_list("pk", "statement").iterator(chunk_size=5000)
        ):
            at = seen.get(statement)
            if at is None:
                at = seen[statement] = len(self.statements)
                self.statements.append(statement)
                self.claim_ids.append([])
                found = terms(statement)
                self.terms.append(found)
                for term in found.terms:
                    self.postings.setdefault(term, []).append(at)
            self.claim_ids[at].append(pk)

    def rank(self, text: str, *, limit: int = 5, min_score: float = 0.0) -> list[Match]:
        text = " ".join((text or "").split())[:TEXT_MAX]
        text_terms = terms(text)
        known = [t for t in text_terms.terms if t in self.postings]
        if not known:
            return []
        weight = {t: _weight(t, text_terms.entities, self.stats) for t in known}
        rarest = sorted(known, key=lambda t: -weight[t])[:CANDIDATE_TERMS]
        hits: dict[int, float] = {}
        for term in rarest:
            for at in self.postings[term]:
                hits[at] = hits.get(at, 0.0) + weight[term]
        best = sorted(hits, key=lambda at: -hits[at])[:CANDIDATES]
        best.sort(key=lambda at: -_quick(text_terms, self.terms[at], self.stats))
        text_grams = _trigrams(text)
        matches = []
        for at in best[:RESCORE]:
            m = score(
                text,
                text_terms,
                self.statements[at],
                self.terms[at],
                self.stats,
                text_grams=text_grams,
            )
            if m.score >= min_score:
                for pk in self.claim_ids[at]:
                    matches.append(replace(m, claim_id=pk))
        matches.sort(key=lambda m: (-m.score, -m.claim_id))
        return matches[:limit]


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


def _words_and_names(text_terms: Terms, statement_terms: Terms, stats: TermStats):
    """The word parts of a score: the IDF-weighted cosine of the terms, the share of the
    text's entities the claim names too (squared: a missing name costs much), and the
    terms both share."""
    entities = text_terms.entities | statement_terms.entities
    shared = text_terms.terms & statement_terms.terms
    lexical = 0.0
    if shared:
        top = sum(_weight(t, entities, stats) ** 2 for t in shared)
        a = sum(_weight(t, entities, stats) ** 2 for t in text_terms.terms)
        b = sum(_weight(t, entities, stats) ** 2 for t in statement_terms.terms)
        lexical = top / math.sqrt(a * b)
    named = text_terms.entities
    entity_part = (len(named & statement_terms.entities) / len(named)) ** 2 if named else lexical
    return lexical, entity_part, shared, entities


def _quick(text_terms: Terms, statement_terms: Terms, stats: TermStats) -> float:
    lexical, entity_part, _, _ = _words_and_names(text_terms, statement_terms, stats)
    return LEXICAL * lexical + ENTITIES * entity_part


def score(
    text: str,
    text_terms: Terms,
    statement: str,
    statement_terms: Terms,
    stats: TermStats,
    *,
    claim_id: int = 0,
    text_grams: set[str] | None = None,
    statement_grams: set[str] | None = None,
) -> Match:
    """Step 4: how well `text` matches a claim's `statement`, 0..1."""
    lexical, entity_part, shared, entities = _words_and_names(text_terms, statement_terms, stats)
    text_grams = _trigrams(text) if text_grams is None else text_grams
    statement_grams = _trigrams(statement) if statement_grams is None else statement_grams
    both = text_grams & statement_grams
    trigram = len(both) / len(text_grams | statement_grams) if both else 0.0
    grams = 0.0
    if both:
        norms = stats.grams_norm(text_grams) * stats.grams_norm(statement_grams)
        grams = stats.grams_norm(both) / math.sqrt(norms)
    total = LEXICAL * lexical + ENTITIES * entity_part + TRIGRAM * trigram + GRAMS * grams
    why = sorted(shared, key=lambda t: (t not in entities, -_weight(t, entities, stats)))

    def _word(term: str) -> str:
        return text_terms.words.get(term) or statement_terms.words[term]

    return Match(
        claim_id=claim_id,
        statement=statement,
        score=round(min(1.0, total), 4),
        lexical=round(lexical, 4),
        trigram=round(grams, 4),
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
    found = [
        (pk, statement, terms(statement)) for pk, statement in candidates(text_terms, stats, claims)
    ]
    found.sort(key=lambda row: -_quick(text_terms, row[2], stats))
    text_grams = _trigrams(text)
    matches = [
        score(text, text_terms, statement, found_terms, stats, claim_id=pk, text_grams=text_grams)
        for pk, statement, found_terms in found[:RESCORE]
    ]
    matches = [m for m in matches if m.score >= min_score]
    matches.sort(key=lambda m: (-m.score, -m.claim_id))
    return matches[:limit]


# Claims a text can be matched to: neither merged into another nor withdrawn.
LIVE_CLAIMS = Q(merged_into__isnull=True, withdrawn_at__isnull=True)
