"""Reading a spreadsheet as analysts bring it: CSV in any common dialect, .xlsx, .xls or .ods.

`read_table` turns the bytes of an upload into a header and rows of text, used by the
import command and the upload page alike:

1. Tell the format from the first bytes, not the file name: a zip holding
   `[Content_Types].xml` is an Excel workbook, one whose `mimetype` says so is an
   OpenDocument spreadsheet, an OLE2 file is a legacy .xls; anything else is CSV.
2. CSV: decode (a BOM decides UTF-8 or UTF-16; otherwise UTF-8, or UTF-16 without a
   BOM when every other byte is zero; any other encoding must be named, because cp1252,
   latin-1 and friends all decode anything and guessing among them is guessing), detect
   the delimiter with clevercsv's consistency measure (not `csv.Sniffer`, which guesses
   the quoting too and gets doubled quotes wrong), then read with RFC 4180 quoting as
   spreadsheet programs write it, always: `"` quotes, `""` inside quotes is one quote,
   quoted fields may hold delimiters and newlines.
3. Workbooks (python-calamine): the first sheet or the one named; cells become text
   (dates as ISO, whole numbers without `.0`, formulas as their computed values). Title
   rows above the table (a single cell, often merged across) are skipped; the header row
   is the first with two or more values, extended down over header cells merged
   vertically, and a header merged across columns names each column it covers
   ("Source" over "URL" and "Stance" gives "Source URL", "Source Stance").
4. Headers: blank ones are named `column N`, repeated ones get ` (2)`; columns with
   neither a header nor any value (trailing separators) are dropped.

Every choice made is described in `Table.dialect`, which the command prints and the page
shows, and each can be overridden (`delimiter`, `encoding`, `sheet`).

What a reader takes is bounded before the work (`ImportLimits`): the file's bytes, and its
rows, counted while reading so that a million-row file stops at the first row over the
cap instead of filling memory. `head` reads only the first rows (the upload page's sample).

A workbook is measured before calamine opens it, because calamine holds a sheet as a dense
grid from A1 to its farthest cell and a 2 KB file can ask for 500 GB (`workbook_measure`):

1. .xlsx and .ods are zip files: the parts' declared sizes must add up to no more than
   `max_unzipped`, then each XML part is inflated here, in chunks (never whole), checking
   that it holds no more than it declares and that its stream is complete.
2. While inflating, the sheets' markup is scanned for where each cell sits (xlsx `r="XFD9"`,
   ods rows and cells repeated N times); a sheet whose extent, rows x columns up to its
   farthest non-empty cell, is over `max_cells` is refused, as is a shared-string table
   declaring more strings than that, and any one cell or string over `max_cell_bytes`.
3. .xls is an OLE2 file: its Workbook stream is followed sector by sector (bounded by the
   file's size) and its BIFF records scanned for each cell's row and column and the shared
   strings' declared count.
Only then does calamine read it, so its memory is bounded by the caps whatever the file.
"""

import codecs
import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import clevercsv
import python_calamine
from django.conf import settings

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# What clevercsv looks at: enough lines to see the pattern, little enough to stay fast.
SNIFF_CHARS = 64 * 1024
# Rows a sheet may have above its data (titles, a header over several rows) within a cap.
TITLE_ROWS = 100
# What a workbook may ask of memory once opened (see the module docstring). calamine keeps
# about 32 bytes a cell of a sheet's extent, and Python one object a cell of the rows read.
PAGE_MAX_CELLS = 2_000_000  # 20,000 rows of 100 columns: 64 MB in calamine
COMMAND_MAX_CELLS = 20_000_000  # a million rows of 20 columns: 640 MB
PAGE_MAX_UNZIPPED = 200 * 1024 * 1024
COMMAND_MAX_UNZIPPED = 4 * 1024 * 1024 * 1024
# One cell's or shared string's markup: a statement is at most 1,000 characters.
MAX_CELL_BYTES = 1024 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, no header, mapping)."""


@dataclass(frozen=True)
class ImportLimits:
    """What one way of importing takes: the page (editors' uploads, run by the worker) or
    the command (an administrator's shell). None: no limit. From settings (IMPORT_*)."""

    max_bytes: int
    max_rows: int | None
    max_seconds: float | None
    # What to do with a file over a limit, said after the limit.
    beyond: str
    # A workbook's sheet extent (rows x columns), its parts unpacked, and one cell's markup.
    max_cells: int = COMMAND_MAX_CELLS
    max_unzipped: int = COMMAND_MAX_UNZIPPED
    max_cell_bytes: int = MAX_CELL_BYTES

    @classmethod
    def page(cls) -> "ImportLimits":
        return cls(
            max_bytes=settings.IMPORT_PAGE_MAX_MB * 1024 * 1024,
            max_rows=settings.IMPORT_PAGE_MAX_ROWS,
            max_seconds=settings.IMPORT_PAGE_MAX_SECONDS,
            beyond=(
                "the import page takes no more. Split the file, or ask an administrator to "
                f"run manage.py import_claims, which takes up to {settings.IMPORT_COMMAND_MAX_MB}"
                " MB, any number of rows and any time"
            ),
            max_cells=PAGE_MAX_CELLS,
            max_unzipped=PAGE_MAX_UNZIPPED,
        )

    @classmethod
    def command(cls) -> "ImportLimits":
        return cls(
            max_bytes=settings.IMPORT_COMMAND_MAX_MB * 1024 * 1024,
            max_rows=None,
            max_seconds=None,
            beyond="split the file (IMPORT_COMMAND_MAX_MB sets the limit)",
        )

    @property
    def size_text(self) -> str:
        return _megabytes(self.max_bytes)

    @property
    def rows_text(self) -> str:
        return "any number of" if self.max_rows is None else f"{self.max_rows:,}"

    def check_size(self, size: int) -> None:
        if size > self.max_bytes:
            raise ImportFileError(
                f"The file is {_megabytes(size)}, over {_megabytes(self.max_bytes)}: {self.beyond}."
            )

    def too_many_cells(self, sheet: str, rows: int, columns: int) -> ImportFileError:
        return ImportFileError(
            f"{sheet} spans {rows:,} rows x {columns:,} columns (to its farthest cell, "
            f"{_cell_name(rows - 1, columns - 1)}): {rows * columns:,} cells, over the "
            f"{self.max_cells:,} cells a sheet may span. A value far from the table makes a "
            "sheet this large: delete the rows and columns around the table, or save the "
            "sheet as CSV."
        )

    def too_many_strings(self, declared: int) -> ImportFileError:
        return ImportFileError(
            f"The workbook declares {declared:,} shared strings, over the {self.max_cells:,} "
            "cells a sheet may span: it is damaged or not what it says. Save it again, or as CSV."
        )

    def too_unzipped(self, size: int) -> ImportFileError:
        return ImportFileError(
            f"The workbook unpacks to {_megabytes(size)}, over the "
            f"{_megabytes(self.max_unzipped)} a workbook may unpack to: save it as CSV, or "
            f"{self.beyond}."
        )

    def too_big_cell(self, where: str) -> ImportFileError:
        return ImportFileError(
            f"{where}: one cell holds more than {_megabytes(self.max_cell_bytes)}, the most a "
            "cell may hold (no field takes that much)."
        )

    def too_many_rows(self) -> ImportFileError:
        return ImportFileError(f"The file has more than {self.max_rows:,} rows: {self.beyond}.")

    def too_long(self, seconds: float) -> ImportFileError:
        return ImportFileError(
            f"It ran for {seconds:.0f} s, over the {self.max_seconds:.0f} s allowed, and was "
            f"stopped; nothing was written: {self.beyond}."
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def _cell_name(row: int, column: int) -> str:
    """A1-style name of a 0-based cell: (1048575, 16383) -> XFD1048576."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


@dataclass
class Table:
    headers: list[str]
    # (the row's number in the file: CSV line or sheet row, header = its own number; values)
    rows: list[tuple[int, dict[str, str]]]
    format: str  # csv, xlsx, xls, ods
    dialect: str  # how it was read, in words
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)
    # False when only the first rows were read (`head`): more may follow.
    complete: bool = True


@dataclass
class _Stop:
    """Where reading stops: over `max_rows` rows is an error; `head` rows is enough.
    `line` is the line being read, for messages."""

    limits: ImportLimits
    head: int | None
    line: int = 1

    def full(self, kept: int) -> bool:
        """Whether to stop before one more row, with `kept` non-empty rows under the header
        read: True when `head` are enough; raises when one more is over the limit."""
        if self.head is not None and kept >= self.head:
            return True
        if self.limits.max_rows is not None and kept >= self.limits.max_rows:
            raise self.limits.too_many_rows()
        return False


def read_table(
    data: bytes | str,
    *,
    delimiter: str = "",
    encoding: str = "",
    sheet: str = "",
    limits: ImportLimits | None = None,
    head: int | None = None,
) -> Table:
    """The header and rows of a CSV file or a workbook's sheet (see the module docstring),
    within `limits` (default: the command's); with `head`, only that many rows."""
    stop = _Stop(limits or ImportLimits.command(), head)
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
        lines = io.StringIO(text, newline="")
        return _read_csv_lines(lines, text, delimiter, "text", stop, whole=True)
    stop.limits.check_size(len(data))
    if not data or data.isspace():
        raise ImportFileError("The file is empty.")
    kind = _workbook_kind(data)
    if kind:
        if delimiter or encoding:
            raise ImportFileError(
                f"This is a {kind} workbook: a workbook has no delimiter or encoding to give."
            )
        return _read_workbook(data, kind, sheet, stop)
    if sheet:
        raise ImportFileError("Only a workbook (.xlsx, .xls, .ods) has sheets; this is CSV.")
    return _read_csv(data, delimiter, encoding, stop)


def _workbook_kind(data: bytes) -> str:
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if not data.startswith(b"PK\x03\x04"):
        return ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                return "xlsx"
            if "mimetype" in names and b"spreadsheet" in archive.read("mimetype"):
                return "ods"
    except zipfile.BadZipFile:
        raise ImportFileError("The file looks like a workbook but is damaged.") from None
    raise ImportFileError("This zip file is not a spreadsheet (.xlsx or .ods).")


# ---- CSV ------------------------------------------------------------------------------


def _decoding(data: bytes, encoding: str) -> tuple[str, str]:
    """The codec that reads the file's text (dropping a BOM), and how it was told."""
    if encoding:
        try:
            codec = codecs.lookup(encoding)
        except LookupError:
            raise ImportFileError(f"Unknown encoding '{encoding}'.") from None
        # rot13, zlib_codec, base64 ... are codecs but no text's encoding: Python refuses
        # to read text with them.
        if not getattr(codec, "_is_text_encoding", True):
            raise ImportFileError(
                f"'{encoding}' is not a text encoding: name the one the file is saved in "
                "(utf-8, cp1252, latin-1, utf-16, ...)."
            )
        name = "utf-8-sig" if codec.name == "utf-8" else codec.name
        return name, f"{codec.name} (given)"
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 with BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16 with BOM"
    zeros_even, zeros_odd = data[:4096:2].count(0), data[1:4096:2].count(0)
    half = len(data[:4096]) // 4
    if zeros_odd > half and not zeros_even:
        return "utf-16-le", "UTF-16 little-endian, no BOM"
    if zeros_even > half and not zeros_odd:
        return "utf-16-be", "UTF-16 big-endian, no BOM"
    return "utf-8", "UTF-8"


def _not_this_encoding(data: bytes, codec: str, given: bool) -> Exception:
    """The error for a file that does not decode, naming the first bad byte and its line
    (decoding again: the stream decodes ahead of the line being read)."""
    try:
        data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
        where = f"line {line} has the byte 0x{data[exc.start]:02x}"
    else:  # cannot happen: the stream did not decode
        where = "somewhere"
    if given:
        return ImportFileError(f"The file is not {codec} ({where}): check the encoding.")
    if codec == "utf-8":
        return ImportFileError(
            f"The file is not UTF-8 ({where}). Name its encoding: a CSV saved by Excel on "
            "Windows as plain 'CSV' is usually cp1252 (--encoding cp1252, or the Encoding "
            "field); or save it as 'CSV UTF-8'."
        )
    return ImportFileError(f"The file is not valid {codec} ({where}).")


def _read_csv(data: bytes, delimiter: str, encoding: str, stop: _Stop) -> Table:
    """Decode as the file is read, line by line: a file's text is never held whole (a
    str of it, and csv's copy of that, would be several times the file)."""
    codec, encoding_name = _decoding(data, encoding)
    # The sample clevercsv looks at; an incomplete last character is left for later.
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    try:
        sample = decoder.decode(data[: SNIFF_CHARS * 4], final=len(data) <= SNIFF_CHARS * 4)
    except UnicodeDecodeError:
        raise _not_this_encoding(data, codec, bool(encoding)) from None
    if not sample.strip() and len(data) <= SNIFF_CHARS * 4:
        raise ImportFileError("The file is empty.")
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=codec, errors="strict", newline="")
    try:
        return _read_csv_lines(
            stream, sample, delimiter, encoding_name, stop, whole=len(data) <= SNIFF_CHARS * 4
        )
    except UnicodeDecodeError:
        raise _not_this_encoding(data, codec, bool(encoding)) from None


def _detect_delimiter(sample: str, whole: bool) -> str:
    """The delimiter of the file's first SNIFF_CHARS (whole lines, unless that is all)."""
    if not whole or len(sample) > SNIFF_CHARS:
        sample = sample[:SNIFF_CHARS]
        if "\n" in sample:
            sample = sample[: sample.rindex("\n") + 1]
    try:
        dialect = clevercsv.Detector().detect(sample, delimiters=list(DELIMITERS))
    except Exception:  # clevercsv gives up on text it cannot score; the default stands
        dialect = None
    if dialect is None or dialect.delimiter not in DELIMITERS:
        return ","
    return dialect.delimiter


def _read_csv_lines(
    lines: Iterable[str],
    sample: str,
    delimiter: str,
    encoding_name: str,
    stop: _Stop,
    *,
    whole: bool,
) -> Table:
    """Read CSV records from `lines`; `sample` is their beginning (all of them if `whole`)."""
    if not sample.strip():
        raise ImportFileError("The file is empty.")
    if delimiter in ("\\t", "tab", "TAB"):
        delimiter = "\t"
    if delimiter and len(delimiter) != 1:
        raise ImportFileError(f"The delimiter must be one character, not '{delimiter}'.")
    how = "given" if delimiter else "detected"
    delimiter = delimiter or _detect_delimiter(sample, whole)
    reader = csv.reader(
        lines,
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        quoting=csv.QUOTE_MINIMAL,
        strict=False,
    )
    kept: list[tuple[int, list[str]]] = []
    complete = True
    try:
        for values in reader:
            if any(v.strip() for v in values):
                if kept and stop.full(len(kept) - 1):
                    complete = False
                    break
                kept.append((stop.line, values))
            stop.line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(f"line {stop.line}: the file is not valid CSV ({exc}).") from None
    if not kept:
        raise ImportFileError("The file has no header row.")
    headers, rows = _table(kept[0][1], kept[1:])
    name = DELIMITERS.get(delimiter, repr(delimiter))
    return Table(
        headers=headers,
        rows=rows,
        format="csv",
        dialect=f"CSV, {encoding_name}, {name} separated ({how}), RFC 4180 quotes",
        encoding=encoding_name,
        delimiter=delimiter,
        complete=complete,
    )


# ---- workbooks ------------------------------------------------------------------------


def _read_workbook(data: bytes, kind: str, sheet: str, stop: _Stop) -> Table:
    workbook_measure(data, kind, stop.limits)
    try:
        book = python_calamine.load_workbook(io.BytesIO(data))
        names = list(book.sheet_names)
        if not names:
            raise ImportFileError("The workbook has no sheets.")
        if sheet and sheet not in names:
            raise ImportFileError(
                f"The workbook has no sheet '{sheet}'; it has {', '.join(names)}."
            )
        chosen = sheet or names[0]
        grid = book.get_sheet_by_name(chosen)
        # Within a cap, read no more rows than it allows plus room for titles and header.
        cap = stop.head if stop.head is not None else stop.limits.max_rows
        nrows = None if cap is None else cap + 1 + TITLE_ROWS
        cells = grid.to_python(skip_empty_area=False, nrows=nrows)
        unread = nrows is not None and grid.end is not None and grid.end[0] + 1 > nrows
        merged = list(grid.merged_cell_ranges or [])
    except ImportFileError:
        raise
    except Exception as exc:  # calamine's errors are many kinds; all mean "unreadable"
        raise ImportFileError(f"The {kind} file cannot be read ({exc}).") from None
    values = [[_cell_text(cell) for cell in row] for row in cells]
    start = next((i for i, row in enumerate(values) if sum(1 for v in row if v) >= 2), None)
    if start is None:
        others = f" The workbook's sheets: {', '.join(names)}." if len(names) > 1 else ""
        raise ImportFileError(
            f"Sheet '{chosen}' has no header row (a row with two or more names).{others}"
        )
    header_rows = _header_rows(values, start, merged)
    width = max(len(row) for row in values)
    header = []
    for column in range(width):
        parts: list[str] = []
        for index in range(start, start + header_rows):
            part = _merged_value(values, index, column, merged)
            if part and part not in parts:
                parts.append(part)
        header.append(" ".join(parts))
    rows = []
    complete = True
    for index in range(start + header_rows, len(values)):
        if any(v.strip() for v in values[index]):
            if stop.full(len(rows)):
                complete = False
                break
            rows.append((index + 1, values[index]))
    if unread and complete:
        if stop.head is not None:
            complete = False
        else:  # more rows than the cap allows, even if some of them are blank
            raise stop.limits.too_many_rows()
    headers, table_rows = _table(header, rows)
    rows_note = f"header in row {start + 1}" + (
        f"-{start + header_rows}" if header_rows > 1 else ""
    )
    chosen_how = "given" if sheet else "the first"
    return Table(
        headers=headers,
        rows=table_rows,
        format=kind,
        dialect=f"{kind} workbook, sheet '{chosen}' ({chosen_how} of {len(names)}), {rows_note}",
        sheet=chosen,
        sheets=names,
        complete=complete,
    )


def _header_rows(values: list[list[str]], start: int, merged) -> int:
    """How many rows the header takes: down to the last row a header cell is merged over."""
    bottom = start
    for (row0, _col0), (row1, _col1) in merged:
        if row0 == start:
            bottom = max(bottom, row1)
    return bottom - start + 1


def _merged_value(values: list[list[str]], row: int, column: int, merged) -> str:
    for (row0, col0), (row1, col1) in merged:
        if row0 <= row <= row1 and col0 <= column <= col1:
            row, column = row0, col0
            break
    cells = values[row] if row < len(values) else []
    return cells[column].strip() if column < len(cells) else ""


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime):
        return cell.isoformat() if cell.time() != time() else cell.date().isoformat()
    if isinstance(cell, date | time):
        return cell.isoformat()
    if isinstance(cell, timedelta):
        return str(cell)
    return str(cell)


# ---- a workbook's shape, before calamine opens it -------------------------------------

# How much of a zip part is inflated at a time, and the longest tag kept across two chunks.
CHUNK = 256 * 1024
LONGEST_TAG = 64 * 1024
# Parts calamine reads are XML; the rest (pictures, ...) only count by their size.
_XML_PART = re.compile(r".*\.(xml|rels)$", re.IGNORECASE)
# A tag's name with any namespace prefix, ended by a space, "/" or ">".
_NAME = r"(?:[\w.-]+:)?({names})(?=[\s/>])"
_DIGITS = 15  # a number with more digits is over every cap anyway (and int() refuses 4,300)


def workbook_measure(data: bytes, kind: str, limits: ImportLimits) -> None:
    """Refuse a workbook that would ask calamine for more memory than `limits` allow (the
    module docstring's steps 1-3), with an ImportFileError naming the limit."""
    if kind == "xls":
        _biff_measure(_ole_stream(data, ("Workbook", "Book")), limits)
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _damaged(kind) from None
    if sum(part.file_size for part in parts) > limits.max_unzipped:
        raise limits.too_unzipped(sum(part.file_size for part in parts))
    for part in parts:
        if not _XML_PART.match(part.filename):
            continue
        scan = _scanner(kind, part.filename, limits)
        for chunk in _inflate(data, part, kind):
            if scan is not None:
                scan.feed(chunk)
        if scan is not None:
            scan.close()


def _damaged(kind: str, why: str = "") -> ImportFileError:
    return ImportFileError(f"The {kind} file is damaged{why}: save it again, or as CSV.")


def _scanner(kind: str, name: str, limits: ImportLimits) -> "_MarkupScan | None":
    if kind == "ods":
        return _OdsScan(limits) if name == "content.xml" else None
    if re.search(r"worksheets/[^/]+\.xml$", name, re.IGNORECASE):
        return _XlsxSheetScan(limits, f"The sheet in {name}")
    if name.lower().endswith("sharedstrings.xml"):
        return _SharedStringsScan(limits, "The shared strings")
    return None


def _inflate(data: bytes, part: zipfile.ZipInfo, kind: str) -> Iterator[bytes]:
    """A zip part's bytes in chunks, inflated here from its own record: never more than
    its declared size (which the caps were checked against) and a complete stream."""
    start = part.header_offset
    if part.flag_bits & 1 or data[start : start + 4] != b"PK\x03\x04":
        raise _damaged(kind, f" (its part {part.filename} is encrypted or missing)")
    name_length, extra_length = struct.unpack_from("<HH", data, start + 26)
    begin = start + 30 + name_length + extra_length
    raw = memoryview(data)[begin : begin + part.compress_size]
    too_much = _damaged(kind, f" (its part {part.filename} holds more than it declares)")
    if len(raw) != part.compress_size:
        raise _damaged(kind, f" (its part {part.filename} is cut short)")
    if part.compress_type == zipfile.ZIP_STORED:
        if len(raw) > part.file_size:
            raise too_much
        for at in range(0, len(raw), CHUNK):
            yield bytes(raw[at : at + CHUNK])
        return
    if part.compress_type != zipfile.ZIP_DEFLATED:
        raise _damaged(kind, f" (its part {part.filename} is packed as no spreadsheet packs)")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = at = 0
    while not inflater.eof:
        if inflater.unconsumed_tail:
            piece = inflater.unconsumed_tail
        else:
            piece, at = raw[at : at + CHUNK], at + CHUNK
        try:
            out = inflater.decompress(piece, CHUNK)
        except zlib.error:
            raise _damaged(kind, f" (its part {part.filename} does not unpack)") from None
        size += len(out)
        if size > part.file_size:
            raise too_much
        if not out and not piece:
            raise _damaged(kind, f" (its part {part.filename} is cut short)")
        yield out


def _number(attributes: bytes, name: bytes, default: int) -> int:
    match = re.search(rb"(?:^|\s)(?:[\w.-]+:)?" + name + rb'="\s*(\d+)\s*"', attributes)
    if match is None:
        return default
    digits = match.group(1).lstrip(b"0") or b"0"
    return int(digits) if len(digits) <= _DIGITS else 10**_DIGITS


class _MarkupScan:
    """Inflated XML fed in chunks through a pattern of the tags that matter (`TAGS`: the
    name in group 1, the attributes in group 2), keeping an unfinished tag for the next
    chunk, and measuring the markup between two tags while `measuring` (one cell's)."""

    TAGS: re.Pattern

    def __init__(self, limits: ImportLimits, where: str):
        self.limits, self.where = limits, where
        self.tail = b""
        self.offset = 0  # where `tail` starts in the part
        self.last: int | None = None  # where the last tag started, while measuring

    def feed(self, chunk: bytes) -> None:
        text = self.tail + chunk
        end = 0
        for match in self.TAGS.finditer(text):
            at = self.offset + match.start()
            self._measure(at)
            self.tag(match.group(1), match.group(2) or b"", at)
            end = match.end()
        cut = text.rfind(b"<", end)
        self.tail = text[cut:] if cut != -1 else b""
        self.offset += len(text) - len(self.tail)
        self._measure(self.offset)
        if len(self.tail) > LONGEST_TAG:
            raise self.limits.too_big_cell(self.where)

    def _measure(self, at: int) -> None:
        if self.last is not None and at - self.last > self.limits.max_cell_bytes:
            raise self.limits.too_big_cell(self.where)

    def tag(self, name: bytes, attributes: bytes, at: int) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _check_extent(limits: ImportLimits, where: str, last_row: int, last_column: int) -> None:
    rows, columns = last_row + 1, last_column + 1
    if rows * columns > limits.max_cells:
        raise limits.too_many_cells(where, rows, columns)


class _XlsxSheetScan(_MarkupScan):
    """Where an xlsx sheet's non-empty cells sit: `r="XFD9"`, or next to the last one."""

    TAGS = re.compile(
        rb"<" + _NAME.format(names="sheetData|row|c").encode() + rb"([^>]*)>"
        rb"|</(?:[\w.-]+:)?sheetData>()"
    )
    _REF = re.compile(rb'(?:^|\s)r="\s*([A-Za-z]+)(\d+)\s*"')

    def __init__(self, limits: ImportLimits, where: str):
        super().__init__(limits, where)
        self.row = self.column = -1
        self.last_row = self.last_column = -1

    def tag(self, name: bytes | None, attributes: bytes, at: int) -> None:
        if name is None:  # </sheetData>: what follows is not cells
            self.last = None
        elif name == b"sheetData":
            self.last = at
        elif name == b"row":
            self.row = _number(attributes, b"r", self.row + 2) - 1
            self.column = -1
        else:
            self._cell(attributes)

    def _cell(self, attributes: bytes) -> None:
        ref = self._REF.search(attributes)
        if ref:
            column = 0
            for letter in ref.group(1).upper()[:_DIGITS]:
                column = column * 26 + letter - 64
            digits = ref.group(2).lstrip(b"0") or b"0"
            self.column = column - 1
            self.row = int(digits) - 1 if len(digits) <= _DIGITS else 10**_DIGITS
        else:
            self.column += 1
        if attributes.rstrip().endswith(b"/"):  # no value: calamine keeps no cell
            return
        if self.row > self.last_row or self.column > self.last_column:
            self.last_row = max(self.last_row, self.row)
            self.last_column = max(self.last_column, self.column)
            _check_extent(self.limits, self.where, self.last_row, self.last_column)


class _SharedStringsScan(_MarkupScan):
    """An xlsx's shared strings: how many it declares (calamine reserves room for them
    all at once) and holds, and how large each is."""

    TAGS = re.compile(
        rb"<" + _NAME.format(names="sst|si").encode() + rb"([^>]*)>|</(?:[\w.-]+:)?sst>()"
    )

    def __init__(self, limits: ImportLimits, where: str):
        super().__init__(limits, where)
        self.count = 0

    def tag(self, name: bytes | None, attributes: bytes, at: int) -> None:
        if name == b"sst":
            declared = _number(attributes, b"uniqueCount", 0)
            if declared > self.limits.max_cells:
                raise self.limits.too_many_strings(declared)
            self.last = at
        elif name == b"si":
            self.count += 1
            if self.count > self.limits.max_cells:
                raise self.limits.too_many_strings(self.count)
            self.last = at
        else:
            self.last = None


class _OdsScan(_MarkupScan):
    """Where an ods sheet's non-empty cells sit, counting rows and cells repeated N times
    (`table:number-rows-repeated`, `table:number-columns-repeated`); trailing empty
    ones, which LibreOffice writes to the sheet's edge, hold nothing and count for nothing."""

    TAGS = re.compile(
        rb"<"
        + _NAME.format(names="table-row|table-cell|covered-table-cell|table").encode()
        + rb"([^>]*)>|</(?:[\w.-]+:)?table>()"
    )
    _SHEET_NAME = re.compile(rb'(?:^|\s)(?:[\w.-]+:)?name="([^"]*)"')

    def __init__(self, limits: ImportLimits):
        super().__init__(limits, "The workbook")
        self.next_row = self.row = self.repeat = self.column = 0
        self.last_row = self.last_column = -1

    def tag(self, name: bytes | None, attributes: bytes, at: int) -> None:
        if name == b"table":
            sheet = self._SHEET_NAME.search(attributes)
            self.where = (
                f"Sheet '{sheet.group(1).decode('utf-8', 'replace')}'" if sheet else "A sheet"
            )
            self.next_row, self.last_row, self.last_column = 0, -1, -1
            self.last = at
        elif name is None:  # </table:table>
            self.last = None
        elif name == b"table-row":
            self.row, self.column = self.next_row, 0
            self.repeat = _number(attributes, b"number-rows-repeated", 1)
            self.next_row += self.repeat
            self.last = at
        else:
            repeat = _number(attributes, b"number-columns-repeated", 1)
            empty = attributes.rstrip().endswith(b"/") and b"value-type" not in attributes
            if not empty:
                self.last_row = max(self.last_row, self.row + self.repeat - 1)
                self.last_column = max(self.last_column, self.column + repeat - 1)
                _check_extent(self.limits, self.where, self.last_row, self.last_column)
            self.column += repeat
            self.last = at


# OLE2 (compound file) sector numbers that end a chain or mark a sector unused.
_OLE_END = 0xFFFFFFFE
_OLE_FREE = 0xFFFFFFFF


def _ole_stream(data: bytes, names: tuple[str, ...]) -> bytes:
    """The named stream of an OLE2 compound file (a .xls's Workbook), followed through its
    sector chains; a chain longer than the file has sectors is a loop, and refused."""
    try:
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise _damaged("xls")
        size = 1 << shift
        count = len(data) // size
        n_fat, first_dir, _, cutoff, first_minifat, _, first_difat, _ = struct.unpack_from(
            "<8I", data, 44
        )

        def sector(number: int) -> bytes:
            start = (number + 1) * size
            if start + size > len(data):
                raise _damaged("xls")
            return data[start : start + size]

        def numbers(block: bytes) -> tuple[int, ...]:
            return struct.unpack(f"<{len(block) // 4}I", block)

        difat = list(struct.unpack_from("<109I", data, 76))
        following, hops = first_difat, 0
        while following < _OLE_END - 4:
            hops += 1
            if hops > count:
                raise _damaged("xls")
            ints = numbers(sector(following))
            difat += ints[:-1]
            following = ints[-1]
        fat: list[int] = []
        for number in difat[:n_fat]:
            fat += numbers(sector(number))

        def chain(start: int, table: list[int] | tuple[int, ...], limit: int) -> list[int]:
            found = []
            while start < _OLE_END - 4:
                if start >= len(table) or len(found) > limit:
                    raise _damaged("xls")
                found.append(start)
                start = table[start]
            return found

        directory = b"".join(sector(n) for n in chain(first_dir, fat, count))
        entries = [directory[at : at + 128] for at in range(0, len(directory) - 127, 128)]
        for entry in entries:
            length = min(struct.unpack_from("<H", entry, 64)[0], 64)
            name = entry[: max(length - 2, 0)].decode("utf-16-le", "replace")
            if entry[66] == 2 and name in names:
                start, stream_size = struct.unpack_from("<II", entry, 116)
                break
        else:
            raise ImportFileError("The xls file holds no workbook: save it again, or as CSV.")
        if stream_size >= cutoff:
            return b"".join(sector(n) for n in chain(start, fat, count))[:stream_size]
        root_start = struct.unpack_from("<I", entries[0], 116)[0]
        mini = b"".join(sector(n) for n in chain(root_start, fat, count))
        minifat = numbers(b"".join(sector(n) for n in chain(first_minifat, fat, count)))
        pieces = chain(start, minifat, len(mini) // 64)
        return b"".join(mini[n * 64 : n * 64 + 64] for n in pieces)[:stream_size]
    except (struct.error, IndexError):
        raise _damaged("xls") from None


# BIFF records that hold one cell (row and column first), and MULRK (several in a row);
# blank cells hold nothing and calamine keeps none.
_BIFF_CELL = {0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E, 0x0406}
_BIFF_CELLS = 0x00BD
_BIFF_BOF, _BIFF_SHEET, _BIFF_SST = 0x0809, 0x0085, 0x00FC


def _biff_measure(stream: bytes, limits: ImportLimits) -> None:
    """Each sheet's extent from its cells' records, and the shared strings' declared
    count, in a .xls's Workbook stream."""
    sheets: dict[int, str] = {}
    where, last_row, last_column = "The workbook", -1, -1
    at = 0
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        body = stream[at + 4 : at + 4 + length]
        if kind == _BIFF_BOF:
            where, last_row, last_column = sheets.get(at, "A sheet"), -1, -1
        elif kind == _BIFF_SHEET and len(body) >= 8:
            start, _, _, chars = struct.unpack_from("<IBBB", body)
            wide = len(body) > 8 and body[7] & 1
            text = (
                body[8 : 8 + chars * 2].decode("utf-16-le", "replace")
                if wide
                else (body[8 : 8 + chars].decode("latin-1"))
            )
            sheets[start] = f"Sheet '{text}'"
        elif kind == _BIFF_SST and len(body) >= 8:
            declared = struct.unpack_from("<I", body, 4)[0]
            if declared > limits.max_cells:
                raise limits.too_many_strings(declared)
        elif (kind in _BIFF_CELL and len(body) >= 4) or (kind == _BIFF_CELLS and len(body) >= 6):
            row, column = struct.unpack_from("<HH", body)
            if kind == _BIFF_CELLS:
                column = struct.unpack_from("<H", body, len(body) - 2)[0]
            if row > last_row or column > last_column:
                last_row, last_column = max(last_row, row), max(last_column, column)
                _check_extent(limits, where, last_row, last_column)
        at += 4 + length


# ---- both -----------------------------------------------------------------------------


def _table(
    header: list[str], lines: list[tuple[int, list[str]]]
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Name the columns, drop the ones with no name and no values, keep non-empty rows."""
    width = max([len(header), *(len(values) for _, values in lines)])
    header = [h.strip() for h in header] + [""] * (width - len(header))
    used = [
        column
        for column in range(width)
        if header[column]
        or any(column < len(values) and values[column].strip() for _, values in lines)
    ]
    names: list[str] = []
    for column in used:
        name = header[column] or f"column {column + 1}"
        base, n = name, 2
        while name in names:
            name, n = f"{base} ({n})", n + 1
        names.append(name)
    rows = []
    for number, values in lines:
        if not any(v.strip() for v in values):
            continue
        rows.append(
            (
                number,
                {
                    name: values[column] if column < len(values) else ""
                    for name, column in zip(names, used, strict=True)
                },
            )
        )
    return names, rows
