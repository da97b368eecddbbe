"""Small files written as LibreOffice, Excel and Google Sheets write them, all holding the
same three claims and four links, for tests/intake/test_import_real_mess.py.

Each writer reproduces what its program does by default (or with the named option):
BOM or none, line endings, quoting (RFC 4180 doubled quotes always), delimiter of the
locale, dates as the program shows them, trailing empty columns, merged header cells,
formulas with their cached values.
"""

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

import openpyxl


@dataclass(frozen=True)
class Link:
    claim_id: str
    claim: str
    claimant: str
    verdict: str
    url: str
    headline: str
    stance: str
    day: date


SCO = "Pakistan's and India's defence ministers will meet at the SCO meeting in Qingdao"
PUMPKIN = 'A "giant" pumpkin from Ohio broke the world record'
CAFE = "Café Zürich – the old one on the lake – will close"

LINKS = [
    Link(
        "c1",
        SCO,
        "Turkish media",
        "unknown",
        "https://www.trtworld.com/asia/sco-ministers",
        'Ministers to meet in "Qingdao", officials say',
        "for",
        date(2025, 6, 24),
    ),
    Link(
        "c1",
        SCO,
        "Turkish media",
        "unknown",
        "https://www.dawn.com/news/1920000",
        'FO: "No meeting planned", spokesperson says',
        "against",
        date(2025, 6, 25),
    ),
    Link(
        "c2",
        PUMPKIN,
        "",
        "false",
        "https://example.org/pumpkin",
        "Record pumpkin?\nNot quite, say the judges",
        "against",
        date(2017, 2, 25),
    ),
    Link(
        "c3",
        CAFE,
        "Le Matin",
        "true",
        "https://www.lematin.ch/cafe-zurich",
        "Café Zürich ferme; fin d’une ère",
        "for",
        date(2017, 2, 3),
    ),
]

HEADERS = ["Claim ID", "Claim", "Claimed by", "Verdict", "Article URL", "Headline", "Stance"]


def expected_state() -> list:
    """What every file must import to: (statement, claimant, status, links) per claim."""
    status = {"unknown": "unverified", "false": "denied", "true": "confirmed"}
    stance = {"for": "supports", "against": "denies"}
    claims: dict[str, tuple] = {}
    for link in LINKS:
        statement, claimant, verdict, links = claims.get(
            link.claim_id, (link.claim, link.claimant, status[link.verdict], [])
        )
        links.append((link.url, stance[link.stance], link.headline, link.day))
        claims[link.claim_id] = (statement, claimant, verdict, links)
    return sorted((s, c, v, sorted(links)) for s, c, v, links in claims.values())


def _rows(date_format: str, extra: list[str] = ()) -> list[list[str]]:
    return [HEADERS + ["Published", *extra]] + [
        [
            link.claim_id,
            link.claim,
            link.claimant,
            link.verdict,
            link.url,
            link.headline,
            link.stance,
            _strftime(link.day, date_format),
            *[""] * len(extra),
        ]
        for link in LINKS
    ]


def _strftime(day: date, date_format: str) -> str:
    # Spreadsheets show 2/3/2017, not 02/03/2017: %-m/%-d without zero padding.
    return day.strftime(date_format.replace("%-", "%")).lstrip("0").replace("/0", "/")


def _csv(rows, *, delimiter=",", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting)
    writer.writerows(rows)
    return buffer.getvalue()


def google_sheets_csv() -> bytes:
    """File > Download > CSV: UTF-8 without BOM, comma, CRLF, quotes where needed, dates
    as shown (2/25/17), and the sheet's empty columns on the right as trailing commas."""
    return _csv(_rows("%m/%d/%y", extra=["", ""])).encode()


def excel_csv_utf8() -> bytes:
    """Excel (US) "CSV UTF-8": BOM, comma, CRLF, dates as 2/25/2017."""
    return codecs.BOM_UTF8 + _csv(_rows("%m/%d/%Y")).encode()


def excel_unicode_text() -> bytes:
    """Excel "Unicode Text": UTF-16 little-endian with BOM, tab separated, CRLF."""
    return _csv(_rows("%m/%d/%Y"), delimiter="\t").encode("utf-16")


def excel_csv_cp1252() -> bytes:
    """Excel (German/French locale) plain "CSV": cp1252, semicolons, dates 25/02/2017."""
    return _csv(_rows("%d/%m/%Y"), delimiter=";").encode("cp1252")


def libreoffice_csv() -> bytes:
    """LibreOffice Calc, European defaults with "Quote all text cells": UTF-8, semicolon,
    LF line ends, every text cell quoted, dates as 25.02.2017."""
    return _csv(
        _rows("%d.%m.%Y"), delimiter=";", lineterminator="\n", quoting=csv.QUOTE_ALL
    ).encode()


def excel_xlsx() -> bytes:
    """An analyst's workbook: a merged title row, a two-level header with merged cells
    (ID over two rows; "Claim" and "Source" over their columns), ids as numbers, real
    date cells, and a formula repeating the claimant above it, with the value Excel
    caches beside it."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Tracker"
    sheet.append(["Rumour tracker: desk export, June"])
    sheet.merge_cells("A1:H1")
    sheet.append(["ID", "Claim", "", "", "Source", "", "", ""])
    sheet.append(["", "Statement", "Claimed by", "Verdict", "URL", "Headline", "Stance", "Date"])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:D2")
    sheet.merge_cells("E2:H2")
    ids = {"c1": 1, "c2": 2, "c3": 3}
    cached = {}
    for number, link in enumerate(LINKS, start=4):
        claimant = link.claimant
        if number == 5:  # the second link of c1 repeats the claimant with a formula
            claimant = f"=C{number - 1}"
            cached[f"C{number}"] = link.claimant
        sheet.append(
            [
                ids[link.claim_id],
                link.claim,
                claimant,
                link.verdict,
                link.url,
                link.headline,
                link.stance,
                link.day,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return _cache_formula_values(buffer.getvalue(), cached)


def _cache_formula_values(data: bytes, values: dict[str, str]) -> bytes:
    """openpyxl writes formulas without results; Excel stores each result next to its
    formula (`<v>`), and that is what a reader sees. Write them as Excel would."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                for ref, value in values.items():
                    text, count = re.subn(
                        rf'<c r="{ref}"([^>]*)><f>([^<]*)</f><v\s*/?>(</v>)?</c>',
                        rf'<c r="{ref}"\1 t="str"><f>\2</f><v>{escape(value)}</v></c>',
                        text,
                    )
                    assert count == 1, f"no formula cell {ref}"
                content = text.encode()
            target.writestr(item, content)
    return out.getvalue()


def libreoffice_ods() -> bytes:
    """An OpenDocument spreadsheet as LibreOffice saves it: a "Read me" sheet first, the
    table on the sheet "Claims", date cells typed as dates, a line break in a cell as two
    paragraphs."""

    def cell(value) -> str:
        if isinstance(value, date):
            return (
                f'<table:table-cell office:value-type="date" office:date-value="{value}">'
                f"<text:p>{value:%d/%m/%Y}</text:p></table:table-cell>"
            )
        paragraphs = "".join(f"<text:p>{escape(p)}</text:p>" for p in str(value).split("\n"))
        return f'<table:table-cell office:value-type="string">{paragraphs}</table:table-cell>'

    def row(values) -> str:
        return "<table:table-row>" + "".join(cell(v) for v in values) + "</table:table-row>"

    claims = [row([*HEADERS, "Published"])] + [
        row(
            [
                link.claim_id,
                link.claim,
                link.claimant,
                link.verdict,
                link.url,
                link.headline,
                link.stance,
                link.day,
            ]
        )
        for link in LINKS
    ]
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        "<office:body><office:spreadsheet>"
        '<table:table table:name="Read me">'
        + row(["Exported from the desk tracker; claims on the next sheet."])
        + "</table:table>"
        '<table:table table:name="Claims">' + "".join(claims) + "</table:table>"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    return ods_package(content)


def ods_package(content: str) -> bytes:
    """An .ods file around `content.xml` as LibreOffice packs it: the stored mimetype
    first, then the content and the manifest."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()
