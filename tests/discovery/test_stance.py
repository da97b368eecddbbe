"""The stance model: a small JSON file, loaded without scikit-learn, predicting sensibly."""

import json

import pytest

from claims.management.commands.seed_demo import MEETING
from discovery import stance


def test_it_loads_a_small_json_model_with_its_figures():
    assert stance.MODEL_PATH.stat().st_size < 300_000
    model = json.loads(stance.MODEL_PATH.read_text())
    assert model["classes"] == ["supports", "denies", "neutral"]
    assert model["cross_validation"]["accuracy"] > 0.73  # Ferreira & Vlachos (2016): 73%


@pytest.mark.parametrize(
    "headline, expected",
    [
        ("Pakistan and India defence chiefs to meet in Qingdao", "supports"),
        ("Pakistan denies reports of Asif-Singh meeting in Qingdao", "denies"),
        ("No Singh-Asif meeting at Qingdao, India says", "denies"),
        ("Asif and Singh could meet in Qingdao, reports say", "neutral"),
    ],
)
def test_it_suggests_a_stance_with_a_confidence(headline, expected):
    suggested, confidence = stance.stance_suggest(MEETING, headline)
    assert suggested == expected
    assert 1 / 3 < confidence <= 1


def test_it_reads_the_lead_too_and_stays_neutral_on_nothing():
    probs = stance.probabilities(
        MEETING, "Singh at Qingdao", "The meeting is a hoax, officials said."
    )
    assert probs["denies"] > stance.probabilities(MEETING, "Singh at Qingdao")["denies"]
    assert stance.stance_suggest(MEETING, "  ") == ("neutral", 0.0)
