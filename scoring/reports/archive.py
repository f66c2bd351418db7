"""The yearly archive of a branch: its members' reports and its dues, for a page and an Excel file
that a township office hands to an inspection."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.access import Access
from common.excel import ExportWorkbook
from scoring.dues.selectors import MemberDues, branch_get, member_dues, payment_list, through_month
from scoring.reports.selectors import branch_year_reports


@dataclass
class BranchYear:
    branch: object
    year: int
    reports: list
    dues: list[MemberDues]
    payments: list


def branch_year(*, access: Access, branch_id: int, year: int, today: dt.date) -> BranchYear:
    branch = branch_get(access=access, pk=branch_id)
    return BranchYear(
        branch=branch, year=year,
        reports=list(branch_year_reports(access=access, branch_id=branch.pk, year=year)),
        dues=member_dues(branch_ids=[branch.pk], year=year, through=through_month(year=year, today=today)),
        payments=list(payment_list(access=access, branch_id=branch.pk, year=year).order_by("paid_on", "id")),
    )


def workbook(data: BranchYear) -> bytes:
    book = ExportWorkbook()
    book.sheet(_("Reports"), [_("Member"), _("Quarter"), _("Kind"), _("Title"), _("Submitted on"), _("Status"),
                              _("Reason for returning"), _("Entry")])
    for r in data.reports:
        book.append([r.member.name, f"{r.year}Q{r.quarter}", r.get_kind_display(), r.title, r.submitted_on,
                     r.get_status_display(), r.return_reason, r.entry_id])
    book.sheet(_("Dues"), [_("Member"), _("Expected (yuan)"), _("Paid (yuan)"), _("Arrears (yuan)"),
                           _("Exempt months")])
    for d in data.dues:
        book.append([d.name, d.expected, d.paid, d.arrears, d.exempt_months])
    book.sheet(_("Dues payments"), [_("Paid on"), _("Member"), _("Kind"), _("Amount (yuan)"), _("Method"),
                                    _("Receipt number"), _("Months covered"), _("Corrects"), _("Reason")])
    for p in data.payments:
        book.append([p.paid_on, p.member.name, p.get_kind_display(), p.amount, p.get_method_display(),
                     p.receipt_number, f"{p.year}-{p.first_month:02d}…{p.last_month:02d}", p.corrects_id, p.reason])
    return book.to_bytes()
