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
    assert classify(before, after) == ("", None)


def test_it_classifies_a_first_version_edits_and_headlines():
    before = Extracted("Ministers to meet", LOREM)
    assert classify(None, before) == (changes.FIRST, None)
    edited = Extracted("Ministers to meet", LOREM.replace("Tuesday", "Wednesday"))
    assert classify(before, edited) == (changes.EDITED, None)
    retitled = Extracted("No meeting, ministry says", LOREM)
    assert classify(before, retitled) == (changes.HEADLINE, None)


def test_it_finds_new_correction_and_retraction_notices_only():
    before = Extracted("T", LOREM)
    corrected = Extracted("T", LOREM + "\nCorrection: the forum lasts two days.")
    kind, notice = classify(before, corrected)
    assert kind == changes.CORRECTION and notice.sentence.startswith("Correction:")
    retracted = Extracted("T", "This article has been retracted.\n" + LOREM)
    assert classify(before, retracted)[0] == changes.RETRACTION
    # A notice that was already there is no news: the edit is just an edit.
    later = Extracted("T", corrected.text.replace("Tuesday", "Monday"))
    assert classify(corrected, later) == (changes.EDITED, None)


def test_it_diffs_word_by_word():
    parts = word_diff("the ministers will meet", "the ministers will not meet")
    assert [(p.op, p.text.strip()) for p in parts if p.op != "equal"] == [("insert", "not")]
    summary = changes.diff_summary(
        "Kept. They will meet. Kept too.", "Kept. They will not meet. Kept too."
    )
    assert summary == {"removed": "They will meet.", "added": "They will not meet."}


def _rebuild(parts, keep: str) -> str:
    return "".join(p.text for p in parts if p.op in ("equal", keep))


def test_it_diffs_paragraphs_then_words_and_keeps_both_texts():
    before = "Title\n\nThe ministers will meet in Qingdao.\nNothing else.\nLast line here"
    after = (
        "Title\n\nThe ministers will not meet in Qingdao.\nNothing else.\nA new line\n"
        "Last line here"
    )
    parts = word_diff(before, after)
    assert [(p.op, p.text.strip()) for p in parts if p.op != "equal"] == [
        ("insert", "not"),
        ("insert", "A new line"),
    ]
    assert _rebuild(parts, "delete") == before
    assert _rebuild(parts, "insert") == after


def test_it_rebuilds_both_texts_from_any_diff():
    import random

    rng = random.Random(4)
    words = ["the", "a", "minister", "said", "Qingdao", "not", "\n", "summit", "on"]
    for _ in range(200):
        before = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 40)))
        after = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 40)))
        parts = word_diff(before, after)
        # equal runs carry the white space of the new text, as they always did
        assert _rebuild(parts, "delete").split() == before.split()
        assert _rebuild(parts, "insert").rstrip(" ") == after.rstrip(" ")
        assert all(p.text for p in parts)
        assert all(x.op != y.op for x, y in zip(parts, parts[1:], strict=False))


def test_it_caps_the_work_of_a_huge_diff(monkeypatch):
    """200,000 words rewritten in one paragraph: the capped block is shown whole,
    in well under a second (difflib took minutes on such input)."""
    import time

    before = " ".join(f"w{i % 5000}" for i in range(200_000))
    after = " ".join(f"w{(i * 7) % 5000}" for i in range(200_000))
    started = time.perf_counter()
    parts = word_diff("Head\n" + before + "\nTail", "Head\n" + after + "\nTail")
    assert time.perf_counter() - started < 3
    assert [p.op for p in parts] == ["equal", "delete", "insert", "equal"]
    summary = changes.diff_summary(before, after)
    assert len(summary["removed"]) <= 500 and len(summary["added"]) <= 500


def test_it_keeps_word_alignment_below_the_cap(monkeypatch):
    monkeypatch.setattr(changes, "DIFF_MAX_CELLS", 4)
    parts = word_diff("a b c d e", "a x y z e")
    assert [p.op for p in parts] == ["equal", "delete", "insert", "equal"]
    monkeypatch.setattr(changes, "DIFF_MAX_CELLS", 1000)
    parts = word_diff("a b c d e", "a b y d e")
    assert [(p.op, p.text.strip()) for p in parts if p.op != "equal"] == [
        ("delete", "c"),
        ("insert", "y"),
    ]


def test_it_finds_a_label_below_share_buttons_and_bylines():
    # As a Reuters page reads once extracted: headline, dateline, share buttons, the lead.
    top = "Bodies pulled from sea\nSURABAYA, Indonesia\n- Tweet\n- Link this\n- Share this\n"
    lead = "\n".join(f"Paragraph {n} of the article, long enough to be text." for n in range(20))
    before = Extracted("T", top + lead)
    after = Extracted("T", top + "Correction: 3 December 2026.\n" + lead)
    kind, notice = classify(before, after)
    assert kind == changes.CORRECTION and notice.sentence.startswith("Correction:")
    # Deep in the article the same words are an edit, not a notice label.
    middle = lead.split("\n")
    deep = Extracted("T", top + "\n".join(middle[:7] + ["Correction: none."] + middle[7:]))
    assert classify(before, deep)[0] == changes.EDITED
