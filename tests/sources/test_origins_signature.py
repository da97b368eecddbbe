"""The MinHash signature computed in one numpy step (sources.origins.signature) is the one
datasketch computes, value for value: the signatures already stored must stay comparable
with the new ones. Pure; the corpus is tests/sources/real_pages/ and the seed article."""

import gzip
from pathlib import Path

import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from sources import changes, origins

HERE = Path(__file__).resolve().parent
PAGES = sorted((HERE / "real_pages").glob("*.html.gz"))
SEED_ARTICLE = HERE.parents[2] / "shared" / "seed-article.txt"


def datasketch_signature(text: str) -> bytes:
    """The signature as it was computed before: the set of str shingles, MinHash with
    datasketch's defaults."""
    words = changes.normalise(text).split()
    if not words:
        return b""
    k = origins.SHINGLE_WORDS
    if len(words) <= k:
        grams = {" ".join(words)}
    else:
        grams = {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}
    minhash = MinHash(num_perm=origins.NUM_PERM, seed=origins.SEED)
    minhash.update_batch([g.encode() for g in grams])
    return minhash.hashvalues.astype("<u8").tobytes()


def page_texts() -> list[tuple[str, str]]:
    texts = []
    for path in PAGES:
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        read = changes.extract(html, url="https://news.example.org/article")
        texts.append((path.name, read.text))
    return texts


@pytest.mark.parametrize(("name", "text"), page_texts())
def test_it_signs_real_pages_as_datasketch_does(name, text):
    assert text, name
    sig = origins.signature(text)
    assert len(sig) == origins.NUM_PERM * 8
    assert sig == datasketch_signature(text), name
    # Given the normalised text (as the check passes it), the same signature.
    assert origins.signature(text, normalised=changes.normalise(text)) == sig


def test_it_signs_the_seed_article_and_its_edit_as_datasketch_does():
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    edited = article.replace(" the ", " a ", 5) + " Officials later denied it."
    for text in (article, edited, article[:300]):
        assert origins.signature(text) == datasketch_signature(text)
    similarity = origins.similarity(origins.signature(article), origins.signature(edited))
    assert 0.8 < similarity < 1.0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "!!! ...",
        "one",
        "two words",
        "exactly four words here",
        "five words are here now",
        "repeated words repeated words repeated words repeated words",
        "Çarşamba günü İstanbul'da toplantı yapıldı, ajans bildirdi",
        "وقال وزير الدفاع إن الاجتماع لن يعقد",
        "国防部长表示会议不会举行",
        "On 3 December 2026 at 10:42, 132 comments",
    ],
)
def test_it_signs_short_and_odd_texts_as_datasketch_does(text):
    assert origins.signature(text) == datasketch_signature(text)
    assert origins.band_hashes(origins.signature(text)) == origins.band_hashes(
        datasketch_signature(text)
    )


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from(" \n\t.,")), max_size=400))
def test_it_signs_any_text_as_datasketch_does(text):
    assert origins.signature(text) == datasketch_signature(text)


def test_it_shingles_the_normalised_words_in_utf8():
    assert origins.shingles("") == []
    assert origins.shingles("a b c") == [b"a b c"]
    assert origins.shingles("a b c d e f") == [b"a b c d", b"b c d e", b"c d e f"]
    assert origins.shingles("é ü ö ä ß") == ["é ü ö ä".encode(), "ü ö ä ß".encode()]


def test_it_draws_the_permutations_datasketch_draws():
    """Drawn without importing datasketch (whose package pulls in scipy): the same (a, b)."""
    a, b = MinHash(num_perm=origins.NUM_PERM, seed=origins.SEED, scheme="affine32").permutations
    assert (a == origins._PERM_A).all() and (b == origins._PERM_B).all()
    assert origins._PERM_A.dtype == a.dtype and origins._PERM_B.dtype == b.dtype
