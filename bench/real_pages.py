"""How checks read real pages: a confusion table of expected x detected change, per language.

    DEBUG=true .venv/bin/python bench/real_pages.py [--pages N] [--json]

Over the corpus of real pages in tests/sources/real_pages/ (README there: provenance and
licence of each file), each page is changed the ways outlets change pages, and read and
classified by the code a check uses (sources.pages.read, sources.changes.classify):

1. every notice wording of sources/notices.toml, as its own paragraph at the end of the
   article (labels also at the start): expected correction or retraction;
2. sentences that must never be a notice ("The minister later retracted the remark."),
   in the middle of the article: expected edited;
3. a dateline, clock and counter in each language, moved on a day: expected none;
4. a rewritten headline: expected headline;
5. the page in a legacy charset of its language with its <meta charset> after 3 KB:
   expected none, and no U+FFFD.

A change whose notice the extractor does not keep (outside the article text) is counted
as "not reached", not as a miss. Prints the table, the aims and a JSON summary last; exits
1 when an aim is missed. tests/sources/test_real_pages.py runs it on two pages.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimwatch.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from sources import changes, charsets, notices, pages  # noqa: E402

CORPUS = ROOT / "tests" / "sources" / "real_pages"
KINDS = ("none", "edited", "headline", "correction", "retraction", "paywalled", "reread")
NEVER_NOTICES = [
    "The minister later retracted the remark.",
    "The ministry corrected the figure on Tuesday, officials said.",
    "The opposition demanded a retraction of the statement.",
    "He said the report had been withdrawn by the agency last year.",
    "Correction officers were deployed at the prison.",
    "The paper's editor said in a note that the story stood.",
    "Der Minister hat seine Aussage später zurückgezogen.",
    "Le ministre a ensuite retiré ses propos.",
    "Bakan açıklamasını daha sonra geri çekti.",
    "وزیر نے بعد میں اپنا بیان واپس لے لیا۔",
    "मंत्री ने बाद में अपना बयान वापस ले लिया।",
    "部长随后撤回了这一说法。",
    "وسحب الوزير تصريحه لاحقا.",
    "Министр позже отозвал своё заявление.",
]
# A dateline, a clock and a counter, today and a day later.
STAMPS = {
    "en": ("Updated Tuesday, December 3, 2026 10:42 am · 132 comments",
           "Updated Wednesday, December 4, 2026 11:05 am · 147 comments"),
    "de": ("Aktualisiert am 3. Dezember 2026, 10:42 Uhr · 132 Kommentare",
           "Aktualisiert am 4. Dezember 2026, 11:05 Uhr · 147 Kommentare"),
    "fr": ("Mis à jour le 3 décembre 2026 à 10h42 · 132 commentaires",
           "Mis à jour le 4 décembre 2026 à 11h05 · 147 commentaires"),
    "es": ("Actualizado el 3 de diciembre de 2026 a las 10:42 · 132 comentarios",
           "Actualizado el 4 de diciembre de 2026 a las 11:05 · 147 comentarios"),
    "pt": ("Atualizado em 3 de dezembro de 2026 às 10h42 · 132 comentários",
           "Atualizado em 4 de dezembro de 2026 às 11h05 · 147 comentários"),
    "tr": ("Güncelleme: 3 Aralık 2026 Çarşamba 10:42 · 132 yorum",
           "Güncelleme: 4 Aralık 2026 Perşembe 11:05 · 147 yorum"),
    "ur": ("اپ ڈیٹ: ۳ دسمبر ۲۰۲۶ · ۳ گھنٹے پہلے", "اپ ڈیٹ: ۴ دسمبر ۲۰۲۶ · ۵ گھنٹے پہلے"),
    "hi": ("अपडेटेड: 03 दिसंबर, 2026 10:42 AM IST · ३ घंटे पहले",
           "अपडेटेड: 04 दिसंबर, 2026 11:05 AM IST · ५ घंटे पहले"),
    "ja": ("12/3(木) 10:42配信 · コメント132件", "12/4(金) 11:05配信 · コメント147件"),
    "zh": ("2026年12月03日 10:42 · 阅读 132 · 3小时前",
           "2026年12月04日 11:05 · 阅读 147 · 5小时前"),
    "ru": ("3 декабря 2026 г., 10:42 · 132 просмотра", "4 декабря 2026 г., 11:05 · 150 просмотров"),
    "ar": ("3 ديسمبر 2026، 10:42 · 132 تعليقات", "4 ديسمبر 2026، 11:05 · 147 تعليقات"),
}  # fmt: skip
LEGACY = {
    "ru": "windows-1251", "cs": "windows-1250", "ja": "shift_jis", "zh": "gb18030",
    "ar": "windows-1256", "th": "cp874", "de": "windows-1252", "fr": "windows-1252",
    "es": "windows-1252", "pt": "windows-1252", "en": "windows-1252",
}  # fmt: skip
_META = re.compile(r"<meta[^>]*charset[^>]*>", re.I)


def corpus(limit: int | None = None, names: list[str] | None = None) -> list[tuple[str, str]]:
    files = sorted(CORPUS.glob("*.html.gz"))
    if names:
        files = [f for f in files if f.name.removesuffix(".html.gz") in names]
    return [
        (f.name.removesuffix(".html.gz"), gzip.decompress(f.read_bytes()).decode("utf-8"))
        for f in files[:limit]
    ]


def _expand(wording: str) -> str:
    """A wording as an outlet would print it: the first of each {a|b}."""
    return re.sub(r"\{([^}|]*)[^}]*\}", r"\1", wording).strip()


def wordings() -> list[tuple[str, str, str, str]]:
    """(language, kind, place, notice paragraph) for every wording of the table."""
    table = tomllib.loads(notices.TABLE.read_text(encoding="utf-8"))
    out = []
    for entry in table["notice"]:
        if entry["at"] not in ("label", "self"):
            continue
        for wording in entry["wordings"]:
            text = _expand(wording)
            if entry["at"] == "label":
                text = f"{text} 2026-12-03."
            else:
                text = text[:1].upper() + text[1:] + "."
            out.append((entry["language"], entry["kind"], entry["at"], text))
    return out


def insert(page: str, paragraph: str, where: str, text_lines: list[str]) -> str | None:
    """The page with `paragraph` as a <p> at the start, middle or end of its article, placed
    beside a paragraph the extractor kept; None when none is found in the HTML."""
    lines = [line for line in text_lines if len(line) >= 30]
    if where == "end":
        lines = lines[::-1]
    elif where == "middle":
        lines = lines[len(lines) // 2 :]
    for line in lines[:8]:
        snippet = html.escape(line[:24], quote=False)
        at = page.find(snippet) if where != "end" else page.rfind(snippet)
        if at < 0:
            continue
        new = f"<p>{html.escape(paragraph, quote=False)}</p>"
        if where == "end":
            close = page.find("</p>", at)
            if close < 0:
                continue
            return page[: close + 4] + new + page[close + 4 :]
        start = page.rfind("<p", 0, at)
        if start < 0 or at - start > 2000:
            continue
        return page[:start] + new + page[start:]
    return None


def _kind(before: changes.Extracted, after: changes.Extracted) -> str:
    kind, _notice = changes.classify(before, after)
    return str(kind) or "none"


def run(limit: int | None = None, names: list[str] | None = None) -> dict:
    table: dict[str, Counter] = defaultdict(Counter)  # language -> (expected, detected)
    misses: list[str] = []
    not_reached = 0
    replacement_pages = 0
    url = "https://news.example.org/article"
    for name, page in corpus(limit, names):
        base = pages.read(page, url=url)
        lang = base.language or "?"
        lines = [line for line in base.text.split("\n") if line.strip()]

        def record(expected, variant, what, needle="", base=base, lang=lang, name=name) -> None:
            nonlocal not_reached
            if variant is None:
                not_reached += 1
                return
            after = pages.read(variant, url=url)
            if needle and notices.fold(needle)[:20] not in notices.fold(after.text):
                not_reached += 1
                return
            detected = _kind(base, after)
            table[lang][(expected, detected)] += 1
            if detected != expected:
                misses.append(f"{name} [{lang}] {what}: expected {expected}, got {detected}")

        for language, kind, place, paragraph in wordings():
            expected = "retraction" if kind == "retraction" else "correction"
            for where in ("end", "start") if place == "label" else ("end",):
                variant = insert(page, paragraph, where, lines)
                record(expected, variant, f"{language} {kind} at {where}: {paragraph}", paragraph)
        for sentence in NEVER_NOTICES:
            variant = insert(page, sentence, "middle", lines)
            record("edited", variant, f"never a notice: {sentence}", sentence)
        for language, (today, tomorrow) in STAMPS.items():
            one = insert(page, today, "start", lines)
            two = insert(page, tomorrow, "start", lines)
            if one is None or two is None:
                not_reached += 1
                continue
            before, after = pages.read(one, url=url), pages.read(two, url=url)
            detected = _kind(before, after)
            table[lang][("none", detected)] += 1
            if detected != "none":
                misses.append(f"{name} [{lang}] {language} stamp: got {detected}")
        if base.title and len(base.title) > 10:
            rewritten = page.replace(html.escape(base.title, quote=False), "Ministers deny meeting")
            rewritten = rewritten.replace(base.title, "Ministers deny meeting")
            record("headline", rewritten if rewritten != page else None, "headline rewritten")
        # The page in a legacy charset of its language, declared after 3 KB.
        encoding = LEGACY.get(lang, "windows-1252")
        bare = _META.sub("", page)
        head_end = bare.lower().find("</head>")
        if head_end > 0:
            padded = bare[:head_end] + " " * 3000 + f'<meta charset="{encoding}">' + bare[head_end:]
            body = padded.encode(encoding, errors="xmlcharrefreplace")
            decoded = charsets.decode(body, None, "text/html")
            if decoded.replacements:
                replacement_pages += 1
                misses.append(f"{name} [{lang}] {encoding}: {decoded.replacements} U+FFFD")
            after = pages.read(decoded.text, url=url)
            detected = _kind(pages.read(padded, url=url), after)
            table[lang][("none", detected)] += 1
            if detected != "none":
                misses.append(f"{name} [{lang}] {encoding} decode: got {detected}")
    totals = Counter()
    for counts in table.values():
        totals.update(counts)
    false_retractions = sum(n for (e, d), n in totals.items() if d == "retraction" != e)
    false_alarms = sum(n for (e, d), n in totals.items() if e == "none" and d != "none")
    missed = sum(n for (e, d), n in totals.items() if e in ("correction", "retraction") and d != e)
    return {
        "table": {
            lang: {f"{e}>{d}": n for (e, d), n in sorted(c.items())}
            for lang, c in table.items()
        },
        "cases": sum(totals.values()),
        "not_reached": not_reached,
        "notices_missed": missed,
        "false_retractions": false_retractions,
        "false_alarms_from_noise": false_alarms,
        "pages_with_replacement_characters": replacement_pages,
        "misses": misses,
    }  # fmt: skip


def print_table(summary: dict) -> None:
    for lang, cells in sorted(summary["table"].items()):
        print(f"\n### {lang}\n")
        print("| expected \\ detected | " + " | ".join(KINDS) + " |")
        print("|---|" + "---|" * len(KINDS))
        for expected in KINDS:
            row = [cells.get(f"{expected}>{d}", 0) for d in KINDS]
            if any(row):
                print(f"| {expected} | " + " | ".join(str(n or "") for n in row) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=None, help="only the first N pages")
    args = parser.parse_args(argv)
    summary = run(args.pages)
    print_table(summary)
    for line in summary["misses"][:50]:
        print("miss:", line)
    aims = {
        "every notice detected where the text reaches it": summary["notices_missed"] == 0,
        "zero false retractions": summary["false_retractions"] == 0,
        "zero false alarms from noise": summary["false_alarms_from_noise"] == 0,
        "zero U+FFFD on declared charsets": summary["pages_with_replacement_characters"] == 0,
    }
    for aim, met in aims.items():
        print(f"{'met   ' if met else 'MISSED'} {aim}")
    print(json.dumps({k: v for k, v in summary.items() if k != "misses"}, ensure_ascii=False))
    return 0 if all(aims.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
