"""`changes.sentences` (lines first, then full stops within a line) cuts where the single
regex split it replaced cut, sentence for sentence: the timeline's removed/added sentences
of a change stay as they were. Pure; the corpus is tests/sources/real_pages/, the seed
article and hypothesis texts of full stops, line breaks and every kind of white space."""

import gzip
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sources import changes

HERE = Path(__file__).resolve().parent
PAGES = sorted((HERE / "real_pages").glob("*.html.gz"))
SEED_ARTICLE = HERE.parents[2] / "shared" / "seed-article.txt"

# The split `sentences` was before.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？۔।])\s+|\s*\n\s*")


def reference(text: str) -> list[str]:
    return [s for s in (" ".join(part.split()) for part in _SENTENCE_END.split(text)) if s]


def corpus() -> list[str]:
    texts = [SEED_ARTICLE.read_text(encoding="utf-8")]
    for path in PAGES:
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        read = changes.extract(html, url="https://news.example.org/article")
        texts += [read.text, read.body, html]
    return texts


def test_the_same_sentences_on_real_pages():
    texts = corpus()
    assert len(texts) > 40
    for text in texts:
        assert changes.sentences(text) == reference(text)
    assert sum(len(reference(text)) for text in texts) > 1000  # the corpus has sentences


def test_the_same_sentences_on_edge_cases():
    for text in [
        "",
        " ",
        "\n",
        "One.",
        "One. Two",
        "One.Two. Three",
        "One.\nTwo",
        "One. \n \nTwo.  Three!\tFour?",
        "Wait... what?  Yes.",
        "..  ..",
        "\n\n.\n \n",
        "一。二！三？ 四",
        "ایک۔ دو",
        "एक। दो",
        "a.\u00a0b.\u2003c\u2028d.\u3000e\r\nf",
        "end with a stop. ",
    ]:
        assert changes.sentences(text) == reference(text), text


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("ab .!?。！？۔।\n\r\t\x0b\x0c\x1c\x1d\x1e\x1f\x85\u00a0\u2003\u2028\u2029\u3000")
        )
    )
)
def test_the_same_sentences_on_any_mix_of_stops_and_white_space(text):
    assert changes.sentences(text) == reference(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_the_same_sentences_on_any_text(text):
    assert changes.sentences(text) == reference(text)
