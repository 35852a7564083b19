"""Reading an uploaded registry spreadsheet (CSV or XLSX) into rows of text, refusing bad files with a clear
message.

The format is told by the content, never by the file name: an XLSX workbook is a ZIP archive holding
``xl/workbook.xml``; anything else must be UTF-8 text (a byte-order mark is allowed) in CSV with commas,
semicolons or tabs between cells. Refused: files over ``settings.P2C_IMPORT_MAX_BYTES`` (default 20 MB), more
than ``MAX_ROWS`` rows, old Excel (.xls), other ZIP archives, workbooks that unpack to more than
``MAX_UNPACKED_BYTES`` (ZIP bombs), workbooks whose XML could hold a parser for minutes (``_check_xml_parts``:
comments, DOCTYPE, CDATA or entities, more than ``MAX_XML_TEXT_RUN`` bytes without markup, XML that is not
UTF-8), formulas (a cell starting with "=" in CSV, a formula cell in XLSX: the values must be saved, not the
formulas), text that is not UTF-8, a sheet that cannot be read (a damaged cell: the sheet and row are named)
and a header without the required columns.

Every value is kept as text (never parsed by a spreadsheet library's guesses: Namibia's "NA" stays "NA"). XLSX
numbers become their shortest decimal text, dates ISO 8601 dates (``2024-03-01``) and date-times ISO 8601.
"""

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from p2c.exceptions import ApplicationError

MAX_ROWS = 50_000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# XML parts of a workbook are read in chunks of this size; none may hold a run of more than MAX_XML_TEXT_RUN
# bytes without a "<" (an Excel cell holds at most 32,767 characters, i.e. at most 128 KB of UTF-8).
XML_CHUNK_BYTES = 64 * 1024
MAX_XML_TEXT_RUN = 1024 * 1024
# The last row a worksheet can have (Excel's limit): a row number beyond it is a damaged or crafted sheet.
MAX_SHEET_ROW = 1_048_576
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")
# What a damaged workbook raises in openpyxl and the XML parsers (expat, lxml: ParseError is a SyntaxError).
_WORKBOOK_ERRORS = (
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    OverflowError,
    SyntaxError,
    EOFError,
    OSError,
    zipfile.BadZipFile,
    zlib.error,
)


class FileRefused(ApplicationError):
    """The uploaded file cannot be read as a registry spreadsheet; ``message`` says why and what to do."""


@dataclass
class Table:
    """The rows of a spreadsheet: ``columns`` (normalised header names, in order) and ``rows`` as
    ``(line or row number, {column: text})``; ``file_format`` is "csv" or "xlsx"."""

    file_format: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def max_bytes() -> int:
    """The largest file accepted, in bytes (``settings.P2C_IMPORT_MAX_BYTES``, default 20 MB)."""
    return int(getattr(settings, "P2C_IMPORT_MAX_BYTES", 20 * 1024 * 1024))


def human_size(size: int) -> str:
    """``size`` bytes for people: "850 KB", "20.0 MB"."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1048576:.1f} MB"


def normalise_header(name) -> str:
    """``" Old platform ID "`` -> ``"old_platform_id"``: trimmed, lower case, spaces and dashes as "_"."""
    text = str(name or "").strip().lstrip("\ufeff").casefold()
    return "_".join(text.replace("-", " ").split())


def read_table(data: bytes, *, required: tuple[str, ...] = ()) -> Table:
    """The rows of ``data`` (the uploaded file's bytes).

    Args:
        data: the whole file.
        required: columns the header must have.
    Returns: a ``Table``; empty rows are left out.
    Raises:
        FileRefused: too large, not CSV or XLSX by content, formulas, not UTF-8, too many rows, missing columns.
    """
    limit = max_bytes()
    if len(data) > limit:
        raise FileRefused(
            _("The file is %(size)s; at most %(limit)s can be imported. Split it into several files.")
            % {"size": human_size(len(data)), "limit": human_size(limit)}
        )
    if not data.strip():
        raise FileRefused(_("The file is empty."))
    if data.startswith(XLS_MAGIC):
        raise FileRefused(
            _(
                "This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or as CSV UTF-8 and upload again."
            )
        )
    if data.startswith(ZIP_MAGIC):
        table = _read_xlsx(data)
    else:
        table = _read_csv(data)
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise FileRefused(
            _("The first row must name the columns; these required columns are missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    return table


def _check_row_count(count: int) -> None:
    if count > MAX_ROWS:
        raise FileRefused(
            _("The file has more than %(max)s rows. Split it into several files.") % {"max": f"{MAX_ROWS:,}"}
        )


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(
            _("The file is UTF-16 text. Save it as “CSV UTF-8 (comma delimited)” and upload again.")
        )
    if b"\x00" in data[:65536]:
        raise FileRefused(_("This is not a CSV or XLSX file (it holds binary data)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileRefused(
            _(
                "The file is neither an XLSX workbook nor UTF-8 text: line %(line)s has a byte (0x%(byte)s) that "
                "is not UTF-8. Save it as “CSV UTF-8 (comma delimited)” or as an Excel workbook (.xlsx)."
            )
            % {"line": line, "byte": f"{data[error.start]:02X}"}
        ) from None
    if "\x00" in text:
        raise FileRefused(_("This is not a CSV or XLSX file (it holds binary data)."))
    return text


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        raise FileRefused(
            _("This is not a CSV or XLSX file: its first line names no columns separated by commas.")
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise FileRefused(_("The file has no header row.")) from None
    columns = [normalise_header(h) for h in header]
    table = Table(file_format="csv", columns=columns)
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            _check_row_count(len(table.rows) + 1)
            line = reader.line_num
            for index, cell in enumerate(cells):
                if cell.lstrip().startswith("="):
                    column = columns[index] if index < len(columns) else str(index + 1)
                    raise FileRefused(
                        _(
                            "Line %(line)s, column %(column)s holds a formula (%(formula)s). Save the values only "
                            "(copy the cells and paste them as values) and upload again."
                        )
                        % {"line": line, "column": column, "formula": cell.strip()[:40]}
                    )
            values = {c: (cells[i].strip() if i < len(cells) else "") for i, c in enumerate(columns) if c}
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                values["__extra_cells__"] = "yes"
            table.rows.append((line, values))
    except csv.Error as error:
        raise FileRefused(
            _("The CSV file cannot be read at line %(line)s: %(error)s.")
            % {"line": reader.line_num, "error": error}
        ) from None
    return table


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value).strip()


# The refusals of a workbook's XML (``_check_xml_part``); %(part)s is the part's name in the archive.
DECLARATION = gettext_lazy(
    "The workbook cannot be imported: its part %(part)s holds a comment, a document type or another “<!” "
    "declaration, which a workbook saved by a spreadsheet program never has. Open the file in Excel or "
    "LibreOffice, save it again as an Excel workbook (.xlsx) or as CSV UTF-8, and upload again."
)
LONG_RUN = gettext_lazy(
    "The workbook cannot be imported: its part %(part)s holds more than 1 MB of text in one piece, while a cell "
    "holds at most 32,767 characters. Open the file in Excel or LibreOffice, save it again as an Excel workbook "
    "(.xlsx) or as CSV UTF-8, and upload again."
)
NOT_UTF8 = gettext_lazy(
    "The workbook cannot be imported: its part %(part)s is not XML in UTF-8. Open the file in Excel or "
    "LibreOffice, save it again as an Excel workbook (.xlsx) or as CSV UTF-8, and upload again."
)


def _xml_refusal(message, part: str) -> FileRefused:
    return FileRefused(str(message) % {"part": part})


def _check_xml_part(stream, part: str) -> None:
    """Refuse an XML part of a workbook that would keep the XML parser busy for minutes (expat and openpyxl take
    time quadratic in the length of a comment or of one long token): any ``<!`` construct (comment, DOCTYPE,
    CDATA, entity declaration; a workbook has none, only the ``<?xml ...?>`` declaration), a run of more than
    ``MAX_XML_TEXT_RUN`` bytes without a ``<``, and XML that is not UTF-8 (in UTF-16 the checks would not see
    the markup). Reads ``stream`` in chunks of ``XML_CHUNK_BYTES``."""
    first = True
    last_byte = b""
    run = 0  # bytes since the last "<"
    while chunk := stream.read(XML_CHUNK_BYTES):
        if first:
            first = False
            declared = _XML_ENCODING.match(chunk.removeprefix(b"\xef\xbb\xbf"))
            if declared and declared.group(1).strip().lower() not in (b"utf-8", b"utf8"):
                raise _xml_refusal(NOT_UTF8, part)
        if b"\x00" in chunk:
            raise _xml_refusal(NOT_UTF8, part)
        if b"<!" in last_byte + chunk:
            raise _xml_refusal(DECLARATION, part)
        first_open, last_open = chunk.find(b"<"), chunk.rfind(b"<")
        if first_open == -1:
            run += len(chunk)
        else:
            run += first_open
            if run <= MAX_XML_TEXT_RUN:
                run = len(chunk) - last_open - 1  # runs inside one chunk are shorter than the limit
        if run > MAX_XML_TEXT_RUN:
            raise _xml_refusal(LONG_RUN, part)
        last_byte = chunk[-1:]


def _looks_like_xml(head: bytes) -> bool:
    """Whether a part of the archive starting with ``head`` is XML (or might be read as XML by a parser)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")):
        return True  # UTF-16 or UTF-32: refused by _check_xml_part
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    return not text or text.startswith(b"<")


def _check_xml_parts(archive: zipfile.ZipFile) -> None:
    """``_check_xml_part`` on every part of the archive that is XML: the worksheets, shared strings, workbook,
    styles and relationships openpyxl reads (wherever the workbook's relationships point), and the rest."""
    for info in archive.infolist():
        if info.is_dir():
            continue
        with archive.open(info) as stream:
            head = stream.read(XML_CHUNK_BYTES)
            if not head or not _looks_like_xml(head):
                continue
            _check_xml_part(_Prepend(head, stream), info.filename[:100])


class _Prepend:
    """A stream that gives ``head`` again before the rest of ``stream``."""

    def __init__(self, head: bytes, stream):
        self.head, self.stream = head, stream

    def read(self, size: int) -> bytes:
        if self.head:
            chunk, self.head = self.head, b""
            return chunk
        return self.stream.read(size)


def _workbook_refusal(error, *, sheet: str | None = None, row: int | None = None) -> FileRefused:
    error = error.__cause__ or error  # openpyxl wraps the parser's error in a ValueError naming the stream
    detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
    if sheet is not None and row is not None:
        return FileRefused(
            _(
                "The workbook cannot be read: sheet “%(sheet)s”, row %(row)s is damaged (%(error)s). Correct the "
                "row, or save the workbook again as .xlsx or CSV UTF-8, and upload again."
            )
            % {"sheet": sheet, "row": row, "error": detail}
        )
    return FileRefused(
        _("The workbook cannot be read (%(error)s). Save it again as .xlsx or CSV UTF-8.") % {"error": detail}
    )


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FileRefused(_("This is not a CSV or XLSX file (a damaged ZIP archive).")) from None
    if "xl/workbook.xml" not in names:
        raise FileRefused(
            _("This ZIP archive is not an Excel workbook (.xlsx). Upload the workbook itself, or a CSV file.")
        )
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileRefused(_("The workbook unpacks to more than 200 MB. Split it into several files."))
    try:
        _check_xml_parts(archive)
    except FileRefused:
        raise
    except _WORKBOOK_ERRORS as error:  # a damaged member (bad CRC, truncated data)
        raise _workbook_refusal(error) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, *_WORKBOOK_ERRORS) as error:
        raise _workbook_refusal(error) from None
    sheet_name, row_number = None, 1
    try:
        sheet = workbook["pledges"] if "pledges" in workbook.sheetnames else workbook.worksheets[0]
        sheet_name = sheet.title
        # The sheet's own <dimension> is not trusted (a crafted one would make openpyxl pad every row with
        # thousands of empty cells, or add millions of empty rows at the end).
        sheet.reset_dimensions()
        header_rows = sheet.iter_rows(max_row=1)
        header_cells = next(header_rows, None)
        header_rows.close()
        if header_cells is None:
            raise FileRefused(_("The first sheet of the workbook is empty."))
        columns = [normalise_header(c.value) for c in header_cells]
        table = Table(file_format="xlsx", columns=columns)
        # Cells right of the header are not read (no column to put them in).
        rows = sheet.iter_rows(min_row=2, max_col=max(1, len(columns)))
        row_number = 2
        for cells in rows:
            if row_number > MAX_SHEET_ROW:
                raise FileRefused(
                    _("The sheet “%(sheet)s” has rows after row %(max)s, the last row a workbook can have.")
                    % {"sheet": sheet_name, "max": f"{MAX_SHEET_ROW:,}"}
                )
            texts = []
            for cell in cells:
                if getattr(cell, "data_type", None) == "f":
                    raise FileRefused(
                        _(
                            "Cell %(cell)s holds a formula (%(formula)s). Save the values only (copy the cells and "
                            "paste them as values) and upload again."
                        )
                        % {"cell": cell.coordinate, "formula": str(cell.value)[:40]}
                    )
                texts.append(_cell_text(cell.value))
            if any(texts):
                _check_row_count(len(table.rows) + 1)
                values = {c: (texts[i] if i < len(texts) else "") for i, c in enumerate(columns) if c}
                table.rows.append((row_number, values))
            row_number += 1
        return table
    except FileRefused:
        raise
    except _WORKBOOK_ERRORS as error:
        # A damaged cell (a number or date that is none, a reference or shared string that does not exist):
        # the row being read when it failed.
        raise _workbook_refusal(error, sheet=sheet_name, row=row_number if sheet_name else None) from None
    finally:
        workbook.close()
