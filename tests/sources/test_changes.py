"""Change detection on given text: extraction, normalised hashing, classification, diff."""

from sources import changes
from sources.changes import Extracted, classify, content_hash, extract, word_diff

from ..sites import LOREM, article


def test_it_extracts_the_article_title_and_text_without_the_trimmings():
    got = extract(article("Ministers to meet"), url="https://example.com/a")
    assert got.title == "Ministers to meet"
    assert "Qingdao" in got.text
    assert "Advertisement" not in got.text and "Home" not in got.text


def test_it_keeps_plain_text_whole():
    assert extract("just words", content_type="text/plain") == Extracted("", "just words")
    assert extract(None) == Extracted("", "")


def test_it_hashes_away_clocks_dates_counters_and_spacing():
    a = content_hash("Title", "Updated 28 November 2026 09:14 UTC. The text. 1,024 views")
    b = content_hash("Title", "Updated 29 Nov 2026 17:02 UTC.   The text!  2,048 views")
    assert a == b
    assert content_hash("Title", "The text.") != content_hash("Title", "The other text.")


def test_it_ignores_a_page_whose_date_and_advert_changed():
    before = extract(article("Ministers to meet", stamp="28 November 2026 09:14"))
    after = extract(article("Ministers to meet", stamp="30 November 2026 11:00"))
    assert classify(before, after) == ("", "")


def test_it_classifies_a_first_version_edits_and_headlines():
    before = Extracted("Ministers to meet", LOREM)
    assert classify(None, before) == (changes.FIRST, "")
    edited = Extracted("Ministers to meet", LOREM.replace("Tuesday", "Wednesday"))
    assert classify(before, edited) == (changes.EDITED, "")
    retitled = Extracted("No meeting, ministry says", LOREM)
    assert classify(before, retitled) == (changes.HEADLINE, "")


def test_it_finds_new_correction_and_retraction_notices_only():
    before = Extracted("T", LOREM)
    corrected = Extracted("T", LOREM + "\nCorrection: the forum lasts two days.")
    kind, notice = classify(before, corrected)
    assert kind == changes.CORRECTION and notice.startswith("Correction:")
    retracted = Extracted("T", "This article has been retracted.\n" + LOREM)
    assert classify(before, retracted)[0] == changes.RETRACTION
    # A notice that was already there is no news: the edit is just an edit.
    later = Extracted("T", corrected.text.replace("Tuesday", "Monday"))
    assert classify(corrected, later) == (changes.EDITED, "")


def test_it_diffs_word_by_word():
    parts = word_diff("the ministers will meet", "the ministers will not meet")
    assert [(p.op, p.text.strip()) for p in parts if p.op != "equal"] == [("insert", "not")]
    summary = changes.diff_summary("a b c", "a x c")
    assert summary == {"removed": "b", "added": "x"}
