"""Reading a spreadsheet into text cells, refusing hostile files before they are parsed.

CSV (UTF-8, UTF-8 with a byte-order mark, UTF-16 with one, or Windows-1251, detected),
XLSX and ODS (``python-calamine``). Before calamine sees an XLSX or ODS file, the archive is
read once in Python, entry by entry, with every byte counted: a zip bomb (too large once
unpacked, or too compressed), an XML bomb (any ``<!DOCTYPE``/``<!ENTITY``), formula cells and
sheets with too many rows are refused there. Formulas (written either way: a file can look
like an XLSX and be read as an ODS) and rows are looked for in every text part, not only under
``xl/worksheets/``: the workbook's relationships may point its sheet at any part of the
archive, whatever its name. Every refusal is an ``ImportRefused`` with a message for the
user; nothing has been written when one is raised.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import python_calamine

from models.i18n import N_

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 5_000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 150  # unpacked / packed, per entry and in total; real sheets stay under ~30
MAX_ENTRIES = 2_000
_CHUNK = 1 << 16

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XML_DECLARATIONS = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XLSX_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_XLSX_ROW = re.compile(rb"<(?:\w+:)?row[\s>]")
# An ODS cell's formula attribute, whatever its namespace prefix, with or without spaces
# around the "=" (XML allows both; calamine reads the cell's stored result either way).
_ODS_FORMULA = re.compile(rb"<[^<>]*?[\s:]formula\s*=\s*[\"']")


class ImportRefused(ValueError):
    """The whole file is refused; ``message`` is an English message id, ``params`` its values."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params


@dataclass
class Table:
    """A sheet as text: the header cells, and each data row with its line number in the file."""

    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def read_table(data: bytes, filename: str = "") -> Table:
    """The first sheet of ``data`` (CSV, XLSX or ODS) as text cells. Raises ``ImportRefused``."""
    if not data:
        raise ImportRefused(N_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused(
            N_("The file is larger than {count} MB."), count=MAX_FILE_BYTES // (1024 * 1024)
        )
    if data.startswith(_OLE_MAGIC):
        raise ImportRefused(
            N_("Old .xls files are not read: save the sheet as .xlsx, .ods or .csv.")
        )
    if data.startswith(_ZIP_MAGIC):
        kind = _inspect_archive(data)
        return _read_workbook(data, kind)
    if filename.lower().endswith((".xlsx", ".ods", ".xlsm")):
        raise ImportRefused(N_("This file is damaged or not a spreadsheet."))
    return _read_csv(data)


# Archives (XLSX, ODS) ------------------------------------------------------------------


def _inspect_archive(data: bytes) -> str:
    """``"xlsx"`` or ``"ods"`` once every entry has been read and found harmless."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportRefused(N_("This file is damaged or not a spreadsheet.")) from None
    if len(entries) > MAX_ENTRIES:
        raise ImportRefused(N_("This file holds too many parts to be a spreadsheet."))
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" in names and any(n.startswith("xl/worksheets/") for n in names):
        kind = "xlsx"
    elif "content.xml" in names and "mimetype" in names:
        kind = "ods"
    else:
        raise ImportRefused(N_("This file is damaged or not a spreadsheet."))
    declared = sum(entry.file_size for entry in entries)
    if declared > MAX_UNPACKED_BYTES or (declared > 1 << 20 and declared > MAX_RATIO * len(data)):
        raise _bomb()
    unpacked = 0
    rows = 0
    for entry in entries:
        if entry.file_size > MAX_RATIO * max(entry.compress_size, 1) and entry.file_size > 1 << 20:
            raise _bomb()
        utf8 = codecs.getincrementaldecoder("utf-8")()
        is_text = True
        tail = b""
        try:
            with archive.open(entry) as handle:
                while chunk := handle.read(_CHUNK):
                    unpacked += len(chunk)
                    if unpacked > MAX_UNPACKED_BYTES:
                        raise _bomb()
                    window = tail + chunk
                    if _XML_DECLARATIONS.search(window):
                        raise ImportRefused(
                            N_("The file declares XML entities, which a spreadsheet never needs.")
                        )
                    is_text = is_text and _decodes(utf8, chunk)
                    if is_text:
                        if _XLSX_FORMULA.search(window) or _ODS_FORMULA.search(window):
                            raise _formulas()
                        rows += len(_XLSX_ROW.findall(chunk))
                        if rows > MAX_ROWS + 1:
                            raise _too_many_rows()
                    tail = chunk[-32:]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
            raise ImportRefused(N_("This file is damaged or not a spreadsheet.")) from None
    return kind


def _decodes(utf8: codecs.IncrementalDecoder, chunk: bytes) -> bool:
    """Whether the part read so far is UTF-8. Calamine decodes every byte of a sheet as UTF-8
    and gives up on the first that is not, so a part that is not (a picture, a printer's
    settings) cannot be a sheet: it is not searched, as its bytes may look like ``<f>``."""
    try:
        utf8.decode(chunk)
    except UnicodeDecodeError:
        return False
    return True


def _bomb() -> ImportRefused:
    return ImportRefused(
        N_("The file unpacks to far more data than a spreadsheet holds (a zip bomb?).")
    )


def _formulas() -> ImportRefused:
    return ImportRefused(
        N_(
            "The sheet contains formulas. Copy the sheet and paste it as values only, "
            "then import that copy."
        )
    )


def _too_many_rows() -> ImportRefused:
    return ImportRefused(
        N_("The sheet has more than {count} rows: split it into smaller files."), count=MAX_ROWS
    )


def _too_long_cell(line: int) -> ImportRefused:
    return ImportRefused(
        N_("A cell on line {line} is longer than {count} characters."),
        line=line,
        count=MAX_CELL_CHARS,
    )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_workbook(data: bytes, kind: str) -> Table:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise ImportRefused(N_("The file has no sheet."))
        sheet = workbook.get_sheet_by_index(0)
        if sheet.height > MAX_ROWS + 1:
            raise _too_many_rows()
        if sheet.width > MAX_COLUMNS:
            raise ImportRefused(N_("The sheet has more than {count} columns."), count=MAX_COLUMNS)
        raw_rows = sheet.iter_rows()
        return _table(
            ([_cell_text(cell) for cell in row] for row in raw_rows),
            first_line=sheet.start[0] + 1 if sheet.start else 1,
        )
    except ImportRefused:
        raise
    except Exception:  # calamine's own errors: damaged, encrypted or unreadable
        raise ImportRefused(N_("This file is damaged or not a spreadsheet.")) from None


# CSV -------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16 with a BOM, or
    Windows-1251, the encoding Excel uses for Cyrillic CSV files on Russian Windows."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise ImportRefused(
            N_("The file's text encoding is not recognised: save it as CSV UTF-8.")
        ) from None


def _delimiter(text: str) -> str:
    first = next(iter(text.splitlines()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_csv(data: bytes) -> Table:
    try:
        text = decode_text(data)
    except UnicodeDecodeError:
        raise ImportRefused(
            N_("The file's text encoding is not recognised: save it as CSV UTF-8.")
        ) from None
    if "\x00" in text:
        raise ImportRefused(N_("This file is damaged or not a spreadsheet."))
    # The csv module's own field limit (131,072 characters) bounds a cell while it is read,
    # and ``_table`` refuses one over ``MAX_CELL_CHARS``. Lowering that limit here would
    # change it for the whole process, under a concurrent import too.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        rows: list[list[str]] = []
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                raise _too_many_rows()
        return _table(iter(rows), first_line=1)
    except csv.Error:
        raise _too_long_cell(reader.line_num) from None


def _table(rows: Iterable[Sequence[object]], *, first_line: int) -> Table:
    """Header = the first non-empty row; the rest keep their line numbers; empty rows go."""
    table: Table | None = None
    count = 0
    for offset, cells in enumerate(rows):
        line = first_line + offset
        values = [str(cell).strip() for cell in cells]
        if len(values) > MAX_COLUMNS:
            raise ImportRefused(N_("The sheet has more than {count} columns."), count=MAX_COLUMNS)
        for value in values:
            if len(value) > MAX_CELL_CHARS:
                raise _too_long_cell(line)
        if not any(values):
            continue
        if table is None:
            table = Table(headers=values)
            continue
        count += 1
        if count > MAX_ROWS:
            raise _too_many_rows()
        table.rows.append((line, values))
    if table is None:
        raise ImportRefused(N_("The file is empty."))
    return table
