"""Reads of reports from members away, always narrowed to what the asker may see.

A member sees only their own reports; clerks, branch secretaries and the township office see
the reports of the members in their scope (`member_scope`). Anything else is "not found".
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from accounts.models import Role
from common.errors import NotFound
from scoring.reports.models import Report, ReportKind, ReportPhoto, ReportRule
from tenants.organisation.models import Member
from tenants.organisation.selectors import member_scope

REPORT_NOT_FOUND = _("No such report.")

# The demo county's catalogue: JB05 "在外党员按季度提交书面思想汇报", JB04 "流动党员参加线上学习".
DEFAULT_RULES = {ReportKind.THOUGHT.value: ("JB05", Decimal("2.00")),
                 ReportKind.STUDY.value: ("JB04", Decimal("1.00"))}


@dataclass(frozen=True)
class Mapping:
    kind: str
    rule_code: str
    points: Decimal


def report_rule_get(*, kind: str) -> Mapping:
    row = ReportRule.objects.filter(kind=kind).first()
    if row is not None:
        return Mapping(kind=kind, rule_code=row.rule_code, points=row.points)
    code, points = DEFAULT_RULES[kind]
    return Mapping(kind=kind, rule_code=code, points=points)


def report_rules() -> list[Mapping]:
    return [report_rule_get(kind=kind) for kind in ReportKind.values]


def is_away(member: Member) -> bool:
    return bool(member.is_migrant or member.is_special_occupation)


def can_review_reports(access: Access) -> bool:
    """Clerks, branch secretaries and the township office accept or return reports in scope."""
    return access.has_role(Role.CLERK, Role.BRANCH_SECRETARY, Role.TOWNSHIP_OFFICE)


def can_read_reports(access: Access) -> bool:
    return can_review_reports(access) or access.is_county_admin or bool(access.member_id)


def report_scope(access: Access) -> QuerySet[Report]:
    """Reports the asker may read: their own as a member, plus those of members in their scope
    when they review reports."""
    qs = Report.objects.select_related("member", "member__branch", "entry")
    condition = Q(pk__in=[])
    if access.member_id:
        condition |= Q(member_id=access.member_id)
    if can_review_reports(access) or access.is_county_admin:
        condition |= Q(member__in=member_scope(access))
    return qs.filter(condition)


def report_list(*, access: Access, status: str = "", member_id: int | None = None) -> QuerySet[Report]:
    qs = report_scope(access)
    if status in Report.Status.values:
        qs = qs.filter(status=status)
    if member_id is not None:
        qs = qs.filter(member_id=member_id)
    return qs


def report_get(*, access: Access, pk: int) -> Report:
    report = report_scope(access).prefetch_related("photos").filter(pk=pk).first()
    if report is None:
        raise NotFound(REPORT_NOT_FOUND)
    return report


def report_photo_get(*, access: Access, report_id: int, photo_id: int) -> ReportPhoto:
    report = report_get(access=access, pk=report_id)
    photo = ReportPhoto.objects.filter(report=report, pk=photo_id).first()
    if photo is None:
        raise NotFound(REPORT_NOT_FOUND)
    return photo


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_end(year: int, quarter: int) -> dt.date:
    month = quarter * 3
    return (dt.date(year + (month == 12), month % 12 + 1, 1)) - dt.timedelta(days=1)


@dataclass(frozen=True)
class DueItem:
    kind: str
    label: str
    year: int
    quarter: int
    deadline: dt.date
    report: Report | None

    @property
    def done(self) -> bool:
        return self.report is not None


def member_due(*, member: Member, today: dt.date) -> list[DueItem]:
    """What a member away owes this quarter: one thought report and one study note, each with the
    live report (waiting or accepted) when there is one."""
    year, quarter = quarter_of(today)
    live = {r.kind: r for r in Report.objects.filter(member=member, year=year, quarter=quarter)
            .exclude(status=Report.Status.RETURNED)}
    return [DueItem(kind=kind, label=label, year=year, quarter=quarter, deadline=quarter_end(year, quarter),
                    report=live.get(kind)) for kind, label in ReportKind.choices]


def members_owing_thought_report(*, year: int, quarter: int) -> QuerySet[Member]:
    """Active members away with no live thought report for the quarter."""
    done = Report.objects.filter(kind=ReportKind.THOUGHT, year=year, quarter=quarter).exclude(
        status=Report.Status.RETURNED).values("member_id")
    return (Member.objects.filter(status=Member.Status.ACTIVE)
            .filter(Q(is_migrant=True) | Q(is_special_occupation=True)).exclude(pk__in=done))


def branch_year_reports(*, access: Access, branch_id: int, year: int) -> QuerySet[Report]:
    return report_scope(access).filter(member__branch_id=branch_id, year=year).order_by("member__name", "quarter",
                                                                                       "kind", "id")
