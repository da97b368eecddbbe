"""claims.similarity: rare words (names, places, numbers) weigh more than common ones."""

import pytest

from claims import selectors, services, similarity
from claims.management.commands.seed_demo import CLAIMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_claims(analyst):
    return {
        spec["statement"]: services.claim_create(statement=spec["statement"], actor=analyst)
        for spec in CLAIMS
    }


def test_it_ranks_the_demo_duplicate_above_a_claim_sharing_common_words(demo_claims):
    # Issue 20, item 6: "Rajnath Singh is scheduled to hold bilateral meetings ..." was first.
    typed = "Asif and Singh will hold a bilateral meeting in Qingdao"
    found = selectors.claims_similar(typed)
    assert found[0].statement == CLAIMS[0]["statement"]
    assert found[0].similarity > found[1].similarity
    assert "Asif" in found[0].shared_words


@pytest.mark.parametrize(
    "typed, duplicate, other",
    [
        # Near-duplicate pairs of the Emergent data set, each beside a claim that differs
        # only in a number: the number decides.
        (
            "The gold Apple Watch Edition will start at 4,999 USD",
            "The gold Apple Watch Edition will cost 4,999 USD",
            "The gold Apple Watch Edition will cost 9,999 USD",
        ),
        (
            "Apple will sell 19 million Apple Watches this year",
            "Apple will sell 19 million Apple Watches in 2015",
            "Apple will sell 50 million Apple Watches in 2015",
        ),
        (
            "The Apple Watch will ship by the end of March",
            "The Apple Watch will ship in March",
            "Apple will sell 50 million Apple Watches in 2015",
        ),
    ],
)
def test_it_ranks_emergent_near_duplicates_first(analyst, typed, duplicate, other):
    services.claim_create(statement=other, actor=analyst)
    twin = services.claim_create(statement=duplicate, actor=analyst)
    found = selectors.claims_similar(typed)
    assert found[0] == twin
    assert found[0].similarity >= selectors.DUPLICATE_AT


def test_it_leaves_out_unrelated_merged_and_excluded_claims(analyst, demo_claims):
    meeting = demo_claims[CLAIMS[0]["statement"]]
    assert selectors.claims_similar("Volcanic ash grounds flights across Europe") == []
    found = selectors.claims_similar(meeting.statement, exclude=meeting)
    assert meeting not in found


def test_it_ranks_the_same_way_on_sqlite(demo_claims, monkeypatch):
    monkeypatch.setattr(similarity, "_is_postgres", lambda: False)
    found = selectors.claims_similar("Asif and Singh will hold a bilateral meeting in Qingdao")
    assert found[0].statement == CLAIMS[0]["statement"]


def test_it_finds_entities_and_ignores_title_case():
    assert similarity.terms("Asif and Singh meet in Qingdao").entities == {
        "asif",
        "singh",
        "qingdao",
    }
    title = similarity.terms("Would You Take A Bite Out Of The World's Oldest Burger From 1995")
    assert title.entities == {"1995"}
    assert similarity.terms("Gold watch to cost 4,999 USD").entities >= {"4999", "usd"}
