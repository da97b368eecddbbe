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
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable
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

    def too_many_rows(self) -> ImportFileError:
        return ImportFileError(f"The file has more than {self.max_rows:,} rows: {self.beyond}.")

    def too_long(self, seconds: float) -> ImportFileError:
        return ImportFileError(
            f"It ran for {seconds:.0f} s, over the {self.max_seconds:.0f} s allowed, and was "
            f"stopped; nothing was written: {self.beyond}."
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


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
