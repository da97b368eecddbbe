"""Workbooks whose shape asks for memory (issue 23 item 2): tiny files that calamine would
open as a grid of billions of cells, a 400 MB string, zip bombs. Each is read in a child
process under a memory limit (RLIMIT_AS), as the upload page, the worker and the command
read it, so a regression is a failed test and not a machine out of memory: the test wants
a clean refusal naming the limit, where the code before the fix aborted (SIGABRT) or ran
out of memory."""

import io
import json
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import pytest

from intake.spreadsheets import ImportLimits

from .spreadsheet_corpus import ods_package

ROOT = Path(__file__).resolve().parents[2]
# Python with Django and calamine loaded maps ~350 MB; a sheet at the caps needs ~100 MB.
MEMORY_LIMIT = 1024 * 1024 * 1024
MB = 1024 * 1024

# ---- xlsx -----------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<?xml version="1.0"?><Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
        f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
        '<sheet name="Claims" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0"?><Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
}
_TABLE = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>Qingdao meeting</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>https://example.com/a</t></is></c></row>'
)


def _sheet(rows: str) -> str:
    return (
        f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><sheetData>{rows}</sheetData></worksheet>'
    )


def _strings(*texts: str, unique: int | None = None) -> str:
    items = "".join(f"<si><t>{text}</t></si>" for text in texts)
    count = len(texts) if unique is None else unique
    return f'<?xml version="1.0"?><sst xmlns="{_MAIN}" uniqueCount="{count}">{items}</sst>'


def xlsx(rows: str = _TABLE, strings: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _XLSX_PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", _sheet(rows))
        archive.writestr("xl/sharedStrings.xml", strings or _strings("claim", "url"))
    return out.getvalue()


def _xlsx_streamed(part: str, head: str, fill: bytes, size: int, tail: str) -> bytes:
    """An xlsx whose `part` is `head`, `fill` repeated to `size` bytes, `tail`, deflated
    once: after a full flush deflate forgets what came before, so one block of `fill`
    repeats as it is, and a 400 MB part takes no time to build."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    start = packer.compress(head.encode()) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(fill) + packer.flush(zlib.Z_FULL_FLUSH)
    end = packer.compress(tail.encode()) + packer.flush()
    times = size // len(fill)
    crc = zlib.crc32(head.encode())
    for _ in range(times):
        crc = zlib.crc32(fill, crc)
    crc = zlib.crc32(tail.encode(), crc)
    length = len(head) + times * len(fill) + len(tail)
    parts = {**_XLSX_PARTS, "xl/worksheets/sheet1.xml": _sheet(_TABLE)}
    parts["xl/sharedStrings.xml"] = _strings("claim", "url")
    entries = [
        (name, zlib.crc32(text.encode()), len(text.encode()), _deflate(text.encode()))
        for name, text in parts.items()
        if name != part
    ]
    entries.append((part, crc, length, start + block * times + end))
    return _zip(entries)


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _zip(entries: list[tuple[str, int, int, bytes]]) -> bytes:
    """A zip of deflated parts (name, CRC-32, size, deflated bytes), as zipfile writes it."""
    out, directory = bytearray(), bytearray()
    for name, crc, size, packed in entries:
        fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(packed), size)
        directory += b"PK\x01\x02" + struct.pack("<H", 20) + fields
        directory += struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, len(out)) + name.encode()
        out += b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name.encode() + packed
    end = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), len(out), 0
    )
    return bytes(out + directory + end)


def _understated(data: bytes, part: str, size: int) -> bytes:
    """The same zip with `part`'s uncompressed size written as `size` in its local and
    central records: a bomb whose directory looks harmless."""
    data = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(part)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    at = data.index(b"PK\x01\x02")
    while True:
        name_length, extra, comment = struct.unpack_from("<HHH", data, at + 28)
        if data[at + 46 : at + 46 + name_length] == part.encode():
            struct.pack_into("<I", data, at + 24, size)
            break
        at += 46 + name_length + extra + comment
    return bytes(data)


# ---- ods ------------------------------------------------------------------------------


def ods(rows: str) -> bytes:
    content = (
        '<?xml version="1.0"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        '<office:body><office:spreadsheet><table:table table:name="Claims">'
        f"{rows}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    return ods_package(content)


def _ods_cell(text: str) -> str:
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


_ODS_TABLE = "".join(
    f"<table:table-row>{_ods_cell(a)}{_ods_cell(b)}</table:table-row>"
    for a, b in [("claim", "url"), ("Qingdao meeting", "https://example.com/a")]
)

# ---- xls: BIFF8 records in an OLE2 compound file ---------------------------------------


def _record(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _label(row: int, column: int, text: str) -> bytes:
    return _record(0x0204, struct.pack("<HHHHB", row, column, 0, len(text), 0) + text.encode())


def _number(row: int, column: int, value: float) -> bytes:
    return _record(0x0203, struct.pack("<HHHd", row, column, 0, value))


_XLS_TABLE = (
    _label(0, 0, "claim")
    + _label(0, 1, "url")
    + _label(1, 0, "Qingdao meeting")
    + _label(1, 1, "https://example.com/a")
)


def xls(cells: bytes = _XLS_TABLE, globals_: bytes = b"") -> bytes:
    def bof(kind: int) -> bytes:
        return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))

    head = bof(0x05) + _record(0x0042, struct.pack("<H", 1200)) + globals_
    sheet_at = len(head) + 4 + 14 + 4  # after BOUNDSHEET and EOF
    head += _record(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, 6, 0) + b"Claims")
    stream = head + _record(0x000A) + bof(0x10) + cells + _record(0x000A)
    stream = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\0")
    return _compound_file(stream)


def _compound_file(stream: bytes) -> bytes:
    """One sector of FAT, one of directory (root, "Workbook"), then the stream."""
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    count = len(stream) // 512
    fat = [fat_sector, end] + [3 + i if i < count - 1 else end for i in range(count)]
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<109I", 0, *[free] * 108)
    )

    def entry(name: str, kind: int, start: int, size: int, child: int = free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, free, free, child)
            + b"\0" * 36
            + struct.pack("<III", start, size, 0)
        )

    directory = entry("Root Entry", 5, end, 0, child=1) + entry("Workbook", 2, 2, len(stream))
    fat_block = struct.pack("<128I", *(fat + [free] * (128 - len(fat))))
    return header + fat_block + directory.ljust(512, b"\0") + stream


# ---- the files ------------------------------------------------------------------------


def _hostile() -> dict[str, bytes]:
    corner = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return {
        # a 1.6 KB xlsx with one cell at the sheet's far corner
        "corner.xlsx": xlsx(_TABLE + corner),
        # no r= on the far row's cells: counted from the row's own r=
        "far-row.xlsx": xlsx(_TABLE + '<row r="900000">' + "<c><v>1</v></c>" * 40 + "</row>"),
        "strings-declared.xlsx": xlsx(strings=_strings("claim", "url", unique=4_000_000_000)),
        # one 400 MB shared string (about 400 KB packed)
        "string-400mb.xlsx": _xlsx_streamed(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0"?><sst xmlns="{_MAIN}" uniqueCount="2">'
            "<si><t>claim</t></si><si><t>",
            b"a" * MB,
            400 * MB,
            "</t></si></sst>",
        ),
        # a zip bomb: a sheet that unpacks to 250 MB, as its directory says
        "bomb.xlsx": _xlsx_streamed(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><sheetData>{_TABLE}',
            b" " * MB,
            250 * MB,
            "</sheetData></worksheet>",
        ),
        # the same kind of bomb with a directory that says 1 KB
        "bomb-understated.xlsx": _understated(
            _xlsx_streamed(
                "xl/worksheets/sheet1.xml",
                f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><sheetData>{_TABLE}',
                b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000,
                30 * MB,
                "</sheetData></worksheet>",
            ),
            "xl/worksheets/sheet1.xml",
            1024,
        ),
        "corner.ods": ods(
            _ODS_TABLE
            + '<table:table-row table:number-rows-repeated="1048573">'
            + '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
            + '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
            + _ods_cell("x")
            + "</table:table-row>"
        ),
        "repeated.ods": ods(
            _ODS_TABLE
            + '<table:table-row table:number-rows-repeated="100000">'
            + '<table:table-cell table:number-columns-repeated="1000" '
            + 'office:value-type="float" office:value="1"/></table:table-row>'
        ),
        "corner.xls": xls(_XLS_TABLE + _number(65535, 255, 1.0)),
        "strings-declared.xls": xls(
            globals_=_record(0x00FC, struct.pack("<II", 4_000_000_000, 4_000_000_000))
        ),
    }


# What each refusal names: the limit it is over.
REFUSALS = {
    "corner.xlsx": "17,179,869,184 cells, over the 2,000,000 cells a sheet may span",
    "far-row.xlsx": "spans 900,000 rows",
    "strings-declared.xlsx": "declares 4,000,000,000 shared strings, over the 2,000,000",
    "string-400mb.xlsx": "unpacks to 400 MB, over the 200 MB a workbook may unpack to",
    "bomb.xlsx": "over the 200 MB a workbook may unpack to",
    "bomb-understated.xlsx": "holds more than it declares",
    "corner.ods": "Sheet 'Claims' spans 1,048,576 rows x 16,384 columns",
    "repeated.ods": "100,002 rows x 1,000 columns",
    "corner.xls": "Sheet 'Claims' spans 65,536 rows x 256 columns",
    "strings-declared.xls": "declares 4,000,000,000 shared strings",
}
# As the command reads them, with its larger caps.
COMMAND_REFUSALS = {
    "corner.xlsx": "over the 20,000,000 cells a sheet may span",
    "string-400mb.xlsx": "The shared strings: one cell holds more than 1 MB",
}

# The upload form (the web process: the first rows) and the worker's read (the whole
# file), under the page's limits, in a child process with its address space capped.
READER = textwrap.dedent(
    """
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    import django
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from intake.forms import UploadForm
    from intake.spreadsheets import ImportFileError, ImportLimits, read_table

    found = {{}}
    for path in sys.argv[1:]:
        data = open(path, "rb").read()
        form = UploadForm({{}}, {{"file": SimpleUploadedFile(path, data)}})
        page = " ".join(form.errors.get("__all__", [])) if not form.is_valid() else "read"
        try:
            read_table(data, limits=ImportLimits.page())
            worker = "read"
        except ImportFileError as exc:
            worker = str(exc)
        found[path.rsplit("/", 1)[1]] = [page, worker]
    print(json.dumps(found))
    """
)


def _limited():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    for name, data in _hostile().items():
        (folder / name).write_bytes(data)
    return folder


def test_the_hostile_files_are_small(files):
    sizes = {path.name: path.stat().st_size for path in files.iterdir()}
    assert sizes["corner.xlsx"] < 2_000
    assert sizes["corner.ods"] < 1_000
    assert sizes["string-400mb.xlsx"] < 2 * MB
    assert sizes["bomb.xlsx"] < 10 * MB


def test_it_refuses_workbook_bombs_at_upload_and_in_the_worker(files):
    names = sorted(REFUSALS)
    done = subprocess.run(
        [sys.executable, "-c", READER.format(limit=MEMORY_LIMIT)]
        + [str(files / name) for name in names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"the reader died ({done.returncode}): {done.stderr[-2000:]}"
    found = json.loads(done.stdout)
    for name in names:
        page, worker = found[name]
        assert REFUSALS[name] in page, (name, page)
        assert REFUSALS[name] in worker, (name, worker)


@pytest.mark.parametrize("name", sorted(COMMAND_REFUSALS))
def test_it_refuses_workbook_bombs_in_the_command(files, name):
    done = subprocess.run(
        [sys.executable, "manage.py", "import_claims", str(files / name), "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limited,
    )
    assert done.returncode == 1, f"died ({done.returncode}): {done.stderr[-2000:]}"
    assert COMMAND_REFUSALS[name] in done.stderr
    assert "Traceback" not in done.stderr


def test_it_reads_small_workbooks_of_each_kind():
    from intake.spreadsheets import read_table

    limits = ImportLimits.page()
    for kind, data in [
        ("xlsx", xlsx()),
        ("ods", ods(_ODS_TABLE)),
        ("xls", xls()),
        # LibreOffice's trailing empty rows to the sheet's edge hold nothing
        (
            "ods",
            ods(
                _ODS_TABLE + '<table:table-row table:number-rows-repeated="1048574">'
                '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
            ),
        ),
    ]:
        table = read_table(data, limits=limits)
        assert table.format == kind
        assert table.headers == ["claim", "url"]
        assert table.rows == [(2, {"claim": "Qingdao meeting", "url": "https://example.com/a"})]
