"""Stance suggestion: does a headline support, deny or merely report a claim?

A multinomial logistic regression over features of the (claim, headline) pair, trained by
`manage.py train_stance` on the Emergent data set and kept as plain JSON weights in
`discovery/stance_model.json`, so that predicting needs neither scikit-learn nor pickle:

1. Features (`features`, shared by training and prediction): the headline's words and
   word pairs; hedging words ("reportedly", "may", "claims"), refuting words ("fake",
   "hoax", "denies", "not"), a question mark; how much of the claim's wording the
   headline repeats, and whether the headline negates where the claim does not.
2. Scores: for each stance, its intercept plus the weights of the features present.
3. Softmax: the probabilities; the stance is the likeliest, the confidence its probability.

The suggestion pre-selects a stance in the form; a person always decides.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path

MODEL_PATH = Path(__file__).resolve().parent / "stance_model.json"
# Emergent's labels -> Claimwatch's stances.
LABELS = {"for": "supports", "against": "denies", "observing": "neutral"}
HEDGING = frozenset(
    """alleged allegedly apparently appear appears claim claims claimed could may might
    possibly purportedly rumor rumored rumors rumour rumoured rumours reportedly report
    reported reports says suggest suggests unconfirmed unverified whether""".split()  # noqa: SIM905
)
REFUTING = frozenset(
    """fake fraud hoax false deny denies denied refute refutes refuted not no despite nope
    doubt doubts bogus debunk debunked debunks prank pranks retract retracts retracted
    isn't aren't wasn't won't doesn't didn't never myth untrue satire satirical skip skips
    skipped cancel cancels cancelled canceled reject rejects rejected dismiss dismisses
    dismissed""".split()  # noqa: SIM905
)
NEGATIONS = frozenset("not no never isn't aren't wasn't won't doesn't didn't".split())  # noqa: SIM905
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
TEXT_MAX = 2000


def _words(text: str) -> list[str]:
    return _WORD.findall((text or "")[:TEXT_MAX].lower().replace("’", "'"))


def features(claim: str, headline: str, lead: str = "") -> dict[str, float]:
    """Step 1: the features of a (claim, headline) pair, as name -> value."""
    words = _words(f"{headline} {lead}" if lead else headline)
    claim_words = set(_words(claim))
    found: dict[str, float] = {"bias": 1.0}
    for i, word in enumerate(words):
        found[f"w:{word}"] = 1.0
        if i:
            found[f"b:{words[i - 1]}_{word}"] = 1.0
    present = set(words)
    hedges = present & HEDGING
    refutes = present & REFUTING
    if hedges:
        found["hedging"] = 1.0
        found["hedging:many"] = float(len(hedges) > 1)
    if refutes:
        found["refuting"] = 1.0
        found["refuting:many"] = float(len(refutes) > 1)
    if "?" in headline:
        found["question"] = 1.0
    if present & NEGATIONS and not claim_words & NEGATIONS:
        found["negates"] = 1.0
    content = {w for w in claim_words if len(w) > 3}
    if content:
        share = len(content & present) / len(content)
        found[f"overlap:{min(int(share * 4), 3)}"] = 1.0
        found["overlap"] = share
    return found


@functools.cache
def model() -> dict:
    """The trained model (discovery/stance_model.json), read once per process."""
    return json.loads(MODEL_PATH.read_text(encoding="utf-8"))


def probabilities(claim: str, headline: str, lead: str = "") -> dict[str, float]:
    """Steps 2 and 3: stance -> probability."""
    m = model()
    weights = m["weights"]
    scores = list(m["intercept"])
    for name, value in features(claim, headline, lead).items():
        row = weights.get(name)
        if row is not None:
            for k, w in enumerate(row):
                scores[k] += w * value
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return {stance: e / total for stance, e in zip(m["classes"], exps, strict=True)}


def stance_suggest(claim_statement: str, headline: str, lead: str = "") -> tuple[str, float]:
    """The likeliest stance of `headline` (and its lead) toward the claim, and how sure the
    model is (0..1): ("supports" | "denies" | "neutral", confidence)."""
    if not (headline or lead).strip():
        return "neutral", 0.0
    probs = probabilities(claim_statement, headline, lead)
    stance = max(probs, key=probs.get)
    return stance, round(probs[stance], 3)
