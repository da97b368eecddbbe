"""Real pages, read as outlets write them: notices in the desk's languages and never from a
verb alone, datelines in any language, the article's own headline, charsets, big pages,
paywalls and script shells. Pure reads (sources.pages, sources.changes) on the corpus of
tests/sources/real_pages/; the check's whole path is in tests/monitoring/test_read_pages.py.
"""

import gzip
import sys
from pathlib import Path

import pytest

from sources import changes, charsets, notices, pages

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import real_pages  # noqa: E402

URL = "https://news.example.org/article"


def page(name: str) -> str:
    return gzip.decompress((real_pages.CORPUS / f"{name}.html.gz").read_bytes()).decode()


def test_the_bench_runs_on_two_pages_and_meets_its_aims():
    summary = real_pages.run(names=["readability-heise", "readability-nytimes-1"])
    assert summary["cases"] > 300
    assert summary["misses"] == []
    assert summary["false_retractions"] == 0 and summary["notices_missed"] == 0


@pytest.mark.parametrize(
    ("name", "language", "headline"),
    [
        # og:title is Yahoo's site-wide "Yahoo News - Latest News & Headlines"
        ("readability-yahoo-2", "en", "Russia: Space ship malfunctions, breaks up over Siberia"),
        # the section's <h1> is "Allergies Health Center"
        ("readability-webmd-1", "en", "Babies Who Eat Peanuts Early May Avoid Allergy"),
        # "| Eleanor Ainge Roy" and "| eHow" are an author and a site, not the headline
        (
            "readability-guardian-1",
            "en",
            "'What is the sea telling us?': Māori tribes fearful over whale strandings",
        ),
        ("readability-ehow-1", "en", "How to Build a Terrarium"),
        ("readability-heise", "de", "1Password für Mac generiert Einmal-Passwörter"),
        ("scrapinghub-c82b3d1d540b", "ru", None),
        ("newspaper-arabic_article", "ar", "معارضون يسيطرون على مخازن للصواريخ بريف دمشق"),
        ("newspaper-chinese_article", "zh", "港特首梁振英就住宅违建事件道歉"),
        ("readability-hukumusume", "ja", None),
    ],
)
def test_it_reads_the_articles_own_headline_and_language(name, language, headline):
    got = pages.read(page(name), url=URL)
    assert got.language == language
    if headline:
        assert got.title == headline
    assert len(got.text) > 300 and not got.scripted


def test_a_renamed_site_suffix_is_no_headline_change():
    assert not changes.headline_changed("Ministers to meet | eHow", "Ministers to meet | eHow.com")
    assert not changes.headline_changed("Ministers to meet | Example News", "Ministers to meet")
    assert changes.headline_changed("Trump - Kim summit", "Trump - Kim summit off")
    assert not changes.headline_changed("UPDATE 1-Ministers to meet", "UPDATE 2-Ministers to meet")


@pytest.mark.parametrize(
    ("language", "notice", "kind"),
    [
        ("tr", "Düzeltme: Haberin önceki halinde tarih yanlış verilmişti.", "correction"),
        ("ur", "تصحیح: اس خبر کے پہلے ورژن میں تاریخ غلط تھی۔", "correction"),
        ("hi", "सुधार: इस खबर के पिछले संस्करण में तारीख गलत थी।", "correction"),
        ("zh", "更正：本文此前版本中的日期有误。", "correction"),
        ("zh", "【訂正】日付に誤りがありました。", "correction"),
        ("ar", "تصحيح: ورد التاريخ خطأ في نسخة سابقة.", "correction"),
        ("ru", "Исправление: в предыдущей версии была неверная дата.", "correction"),
        (
            "de",
            "Anmerkung der Redaktion: In einer früheren Version stand ein falsches Datum.",
            "correction",
        ),
        (
            "fr",
            "Rectificatif : une précédente version de cet article donnait une date erronée.",
            "correction",
        ),
        ("es", "Fe de errores: la fecha era incorrecta.", "correction"),
        ("pt", "Erramos: a data estava errada.", "correction"),
        ("en", "A previous version of this article misstated the date.", "correction"),
        ("en", "Editor’s note: this story was updated with the ministry’s reply.", "correction"),
        ("en", "(Corrects paragraph 3 to show the meeting is on Wednesday)", "correction"),
        ("tr", "Bu haber yayından kaldırılmıştır.", "retraction"),
        ("ur", "یہ خبر واپس لے لی گئی ہے۔", "retraction"),
        ("hi", "यह खबर वापस ले ली गई है।", "retraction"),
        ("zh", "撤稿声明：本文已撤回。", "retraction"),
        ("de", "Wir haben diesen Artikel zurückgezogen.", "retraction"),
        ("en", "This article has been retracted because its sourcing was wrong.", "retraction"),
    ],
)
def test_it_finds_notices_in_the_desks_languages(language, notice, kind):
    base = changes.Extracted("Ministers to meet", real_pages.STAMPS["en"][0] + "\n" + LOREM)
    after = changes.Extracted(base.title, base.text + "\n" + notice, language=language)
    detected, found = changes.classify(base, after)
    assert detected == kind
    assert found.sentence.startswith(notice[:12])  # the event names the sentence it rests on


LOREM = page("readability-heise") and pages.read(page("readability-heise")).text


@pytest.mark.parametrize("sentence", real_pages.NEVER_NOTICES)
def test_sentences_that_are_never_a_retraction_or_a_correction(sentence):
    before = changes.Extracted("Ministers to meet", LOREM)
    paragraphs = LOREM.split("\n")
    middle = len(paragraphs) // 2
    after = changes.Extracted(
        before.title, "\n".join(paragraphs[:middle] + [sentence] + paragraphs[middle:])
    )
    assert changes.classify(before, after)[0] == changes.EDITED


def test_a_notice_label_inside_the_article_is_no_notice():
    long = pages.read(page("readability-nytimes-1")).text
    paragraphs = long.split("\n")
    middle = len(paragraphs) // 2
    text = "\n".join(paragraphs[:middle] + ["Retraction: the word he used."] + paragraphs[middle:])
    assert len(paragraphs) > 20
    kind, _ = changes.classify(changes.Extracted("T", long), changes.Extracted("T", text))
    assert kind == changes.EDITED


def test_reuters_corrected_prefix_is_a_correction_and_update_is_not():
    before = changes.Extracted("Ministers to meet", LOREM)
    corrected = changes.Extracted(
        "CORRECTED-Ministers to meet",
        "(Corrects paragraph 3 to show the meeting is on Wednesday)\n" + LOREM,
    )
    kind, notice = changes.classify(before, corrected)
    assert kind == changes.CORRECTION and notice.sentence.startswith("(Corrects")
    update = changes.Extracted("UPDATE 2-Ministers to meet", LOREM)
    assert changes.classify(changes.Extracted("UPDATE 1-Ministers to meet", LOREM), update) == (
        "",
        None,
    )


@pytest.mark.parametrize("language", ["de", "fr", "tr", "ur", "hi", "ja", "zh", "ru", "ar", "es"])
def test_datelines_clocks_and_counters_in_any_language_are_no_edit(language):
    today, tomorrow = real_pages.STAMPS[language]
    one = changes.Extracted("T", today + "\n" + LOREM)
    two = changes.Extracted("T", tomorrow + "\n" + LOREM)
    assert one.content_hash == two.content_hash
    # ...while a number in the article is still an edit
    three = changes.Extracted("T", today + "\n" + LOREM.replace("1Password", "2Password", 1))
    assert three.content_hash != one.content_hash


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("scrapinghub-c82b3d1d540b", "windows-1251"),
        ("readability-aktualne", "windows-1250"),
        ("readability-hukumusume", "shift_jis"),
        ("readability-lemonde-1", "iso-8859-1"),
    ],
)
def test_a_charset_declared_late_decodes_without_replacement_characters(name, encoding):
    html = real_pages._META.sub("", page(name))
    end = html.lower().find("</head>")
    late = html[:end] + " " * 3000 + f'<meta charset="{encoding}">' + html[end:]
    body = late.encode(encoding, errors="xmlcharrefreplace")
    decoded = charsets.decode(body, None, "text/html")
    assert decoded.replacements == 0
    assert pages.read(decoded.text).content_hash == pages.read(late).content_hash


def test_undeclared_legacy_bytes_are_detected():
    text = pages.read(page("scrapinghub-c82b3d1d540b")).text[:1500]
    decoded = charsets.decode(text.encode("windows-1251"), None, "text/plain")
    assert decoded.how == "detected" and decoded.text == text


def test_a_proper_decode_of_a_garbled_page_is_read_again_not_edited():
    html = page("scrapinghub-c82b3d1d540b")
    body = real_pages._META.sub("", html).encode("windows-1251", errors="xmlcharrefreplace")
    garbled = charsets.decode(body, "utf-8", "text/html")  # a server that names the wrong one
    assert garbled.replacements > 100
    before = pages.read(garbled.text, replacements=garbled.replacements)
    right = charsets.decode(body, "windows-1251", "text/html")
    after = pages.read(right.text, replacements=right.replacements)
    assert changes.classify(before, after)[0] == changes.REREAD


def test_paywall_prompts_are_not_text_and_a_snippet_is_paywalled():
    long = pages.read(page("readability-nytimes-1")).text
    full = changes.Extracted("Ministers to meet", long)
    snippet_text = "\n".join(long.split("\n")[2:4])
    html = (
        "<html><head><title>Ministers to meet</title></head><body><article>"
        "<h1>Ministers to meet</h1>"
        + "".join(f"<p>{p}</p>" for p in snippet_text.split("\n"))
        + "<p>Subscribe to continue reading. Already a subscriber? Log in.</p>"
        "</article></body></html>"
    )
    snippet = pages.read(html)
    assert snippet.paywalled and "Subscribe" not in snippet.text
    assert changes.classify(full, snippet)[0] == changes.PAYWALLED
    assert changes.classify(snippet, full)[0] == changes.REREAD


def test_a_script_shell_is_said_and_read_from_its_json_ld():
    shell = (
        "<html><head><title>Ministers to meet | App</title>"
        '<script type="application/ld+json">{"@context": "https://schema.org",'
        ' "@type": "NewsArticle", "headline": "Ministers to meet",'
        ' "articleBody": "The two ministers will meet in Qingdao.\\nOfficials said so."}'
        "</script></head><body><div id=root></div>"
        "<noscript>You need to enable JavaScript to run this app.</noscript>"
        "<script>" + "var a=1;" * 2000 + "</script></body></html>"
    )
    got = pages.read(shell)
    assert got.scripted and got.read_from == "structured_data"
    assert got.title == "Ministers to meet" and "Qingdao" in got.text
    bare = pages.read(shell.replace('"articleBody"', '"description"'))
    assert bare.scripted and bare.text == ""  # the shell's words are not the article


def test_the_notice_table_names_a_source_for_every_entry_and_covers_the_desk():
    table = notices.rules()
    for language in ("en", "tr", "ur", "hi", "zh", "ar", "ru", "de", "fr", "es", "pt"):
        kinds = {rule.kind for rule in table[language]}
        assert "correction" in kinds and "retraction" in kinds, language
    assert notices.languages_in_order("tr")[:2] == ["tr", "en"]
