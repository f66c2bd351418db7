"""Excel export of a pay sheet, shared by the page and the API."""
from __future__ import annotations

from django.utils.translation import gettext as _g

from common.excel import ExportWorkbook
from staffing.appraisal.models import PaySheet


def pay_sheet_filename(sheet: PaySheet) -> str:
    return f"pay-{sheet.year}-{sheet.month:02d}.xlsx"


def pay_sheet_workbook(sheet: PaySheet) -> bytes:
    """Every line of the sheet (corrections as their own lines), headers in the reader's language."""
    book = ExportWorkbook().sheet(f"{sheet.year}-{sheet.month:02d}", [
        _g("Clerk"), _g("Grade"), _g("Coefficient"), _g("Base pay"), _g("Allowance"), _g("Performance pay"),
        _g("Total"), _g("Social insurance (employee)"), _g("Corrects line"), _g("Note")])
    for line in sheet.lines.select_related("clerk"):
        book.append([line.clerk.name, line.grade, line.coefficient, line.base, line.allowance, line.performance,
                     line.total, line.social_insurance, line.corrects_id, line.note])
    return book.to_bytes()
