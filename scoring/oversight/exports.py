"""Excel exports of spot checks, shared by the pages and the API."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common.excel import ExportWorkbook
from scoring.oversight import selectors

REPORT_HEADERS = (_("Village"), _("Kind"), _("Status"), _("Due on"), _("Overdue"), _("Entries checked"),
                  _("Discrepancies"))


def month_report_workbook(*, year: int, month: int, data: dict | None = None) -> bytes:
    """The monthly spot-check report (`selectors.month_report`) as .xlsx: checks, then results by
    village, branch and scorer."""
    data = data if data is not None else selectors.month_report(year=year, month=month)
    book = ExportWorkbook().sheet(f"{year}-{month:02d}", [str(h) for h in REPORT_HEADERS])
    for row in data["checks"]:
        c = row["check"]
        book.append([f"{c.village.code} {c.village.name}", str(c.get_kind_display()), str(c.get_status_display()),
                     c.due_on, str(_("yes")) if row["overdue"] else "", row["findings"], row["discrepancies"]])
    for key, title in (("village", _("Villages")), ("branch", _("Branches")), ("scorer", _("Scorers"))):
        book.sheet(str(title), [str(title), str(_("Entries checked")), str(_("Discrepancies")), "%"])
        for r in data["results"][key]:
            book.append([str(r["name"]), r["checked"], r["discrepancies"], r["rate"]])
    return book.to_bytes()
