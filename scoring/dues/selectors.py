"""Reads of Party dues, narrowed to the asker's branches; arrears are computed in SQL.

Arrears of a member for year Y as of month M (1..12): expected = the sum, over the months
January..M of Y, of the monthly amount of the member's latest base in force that month (no base:
nothing expected), leaving out the months of an exemption; paid = the sum of every dues line
(payments and corrections) booked for year Y; balance = expected − paid and arrears =
max(balance, 0) (a payment in advance for later months brings arrears to zero, never below).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from accounts.models import Role
from common.errors import NotFound
from scoring.dues.models import DuesBase, DuesExemption, DuesPayment
from tenants.organisation.models import Branch, Member
from tenants.organisation.selectors import branch_scope, member_scope

BRANCH_NOT_FOUND = _("No such branch.")
PAYMENT_NOT_FOUND = _("No such dues payment.")

MEMBER_SQL = """
WITH months AS (
    SELECT make_date(%(year)s, g, 1) AS month FROM generate_series(1, %(through)s) AS g
), mb AS (
    SELECT m.id, m.name, m.branch_id FROM organisation_member m
    WHERE m.branch_id = ANY(%(branches)s) AND m.status = 'active'
), expected AS (
    SELECT mb.id AS member_id,
           COALESCE(SUM(base.monthly_amount) FILTER (WHERE NOT x.exempt), 0) AS expected,
           COUNT(*) FILTER (WHERE x.exempt) AS exempt_months
    FROM mb CROSS JOIN months mo
    CROSS JOIN LATERAL (
        SELECT EXISTS (SELECT 1 FROM dues_duesexemption e WHERE e.member_id = mb.id
                       AND e.first_month <= mo.month AND e.last_month >= mo.month) AS exempt
    ) x
    LEFT JOIN LATERAL (
        SELECT b.monthly_amount FROM dues_duesbase b WHERE b.member_id = mb.id AND b.effective_from <= mo.month
        ORDER BY b.effective_from DESC, b.id DESC LIMIT 1
    ) base ON TRUE
    GROUP BY mb.id
), paid AS (
    SELECT p.member_id, SUM(p.amount) AS paid FROM dues_duespayment p
    WHERE p.year = %(year)s AND p.member_id IN (SELECT id FROM mb) GROUP BY p.member_id
), rows AS (
    SELECT mb.id AS member_id, mb.name, mb.branch_id,
           COALESCE(e.expected, 0) AS expected, COALESCE(p.paid, 0) AS paid,
           COALESCE(e.expected, 0) - COALESCE(p.paid, 0) AS balance,
           GREATEST(COALESCE(e.expected, 0) - COALESCE(p.paid, 0), 0) AS arrears,
           COALESCE(e.exempt_months, 0) AS exempt_months
    FROM mb LEFT JOIN expected e ON e.member_id = mb.id LEFT JOIN paid p ON p.member_id = mb.id
)
"""


# Constant SQL, parameters passed separately.
MEMBER_ROWS_SQL = MEMBER_SQL + "SELECT * FROM rows ORDER BY branch_id, name, member_id"  # noqa: S608 - constant
BRANCH_TAIL = """
    SELECT branch_id, COUNT(*), SUM(expected), SUM(paid), SUM(arrears), COUNT(*) FILTER (WHERE arrears > 0)
    FROM rows GROUP BY branch_id ORDER BY branch_id"""
BRANCH_ROWS_SQL = MEMBER_SQL + BRANCH_TAIL


@dataclass(frozen=True)
class MemberDues:
    member_id: int
    name: str
    branch_id: int
    expected: Decimal
    paid: Decimal
    balance: Decimal
    arrears: Decimal
    exempt_months: int


@dataclass(frozen=True)
class BranchDues:
    branch_id: int
    members: int
    expected: Decimal
    paid: Decimal
    arrears: Decimal
    members_in_arrears: int
    branch: Branch | None = None


def can_record_payments(access: Access) -> bool:
    return access.has_role(Role.CLERK, Role.TOWNSHIP_OFFICE)


def can_read_dues(access: Access) -> bool:
    return access.sees_branches or access.is_county_admin


def through_month(*, year: int, today: dt.date) -> int:
    """Months of `year` that count as due by `today`: all of a past year, none of a future one."""
    if year < today.year:
        return 12
    if year > today.year:
        return 0
    return today.month


def member_dues(*, branch_ids: list[int], year: int, through: int) -> list[MemberDues]:
    """Expected, paid and arrears per active member of the branches (see the module docstring)."""
    with connection.cursor() as cursor:
        cursor.execute(MEMBER_ROWS_SQL,
                       {"year": year, "through": through, "branches": list(branch_ids)})
        return [MemberDues(*row) for row in cursor.fetchall()]


def branch_dues(*, branch_ids: list[int], year: int, through: int) -> list[BranchDues]:
    """The same, summed per branch in SQL; branches without active members are left out."""
    with connection.cursor() as cursor:
        cursor.execute(BRANCH_ROWS_SQL, {"year": year, "through": through, "branches": list(branch_ids)})
        rows = cursor.fetchall()
    branches = Branch.objects.in_bulk([row[0] for row in rows])
    return [BranchDues(*row, branch=branches.get(row[0])) for row in rows]


def arrears_overview(*, access: Access, year: int, today: dt.date) -> list[BranchDues]:
    ids = list(branch_scope(access).values_list("pk", flat=True))
    return branch_dues(branch_ids=ids, year=year, through=through_month(year=year, today=today))


def branch_get(*, access: Access, pk: int) -> Branch:
    branch = branch_scope(access).filter(pk=pk).first()
    if branch is None:
        raise NotFound(BRANCH_NOT_FOUND)
    return branch


def payment_list(*, access: Access, branch_id: int | None = None, year: int | None = None,
                 month: tuple[int, int] | None = None) -> QuerySet[DuesPayment]:
    qs = DuesPayment.objects.filter(member__in=member_scope(access)).select_related("member", "member__branch")
    if branch_id is not None:
        qs = qs.filter(member__branch_id=branch_id)
    if year is not None:
        qs = qs.filter(year=year)
    if month is not None:
        qs = qs.filter(paid_on__year=month[0], paid_on__month=month[1])
    return qs


def payment_get(*, access: Access, pk: int) -> DuesPayment:
    payment = payment_list(access=access).filter(pk=pk).first()
    if payment is None:
        raise NotFound(PAYMENT_NOT_FOUND)
    return payment


def base_list(*, access: Access, branch_id: int | None = None) -> QuerySet[DuesBase]:
    qs = DuesBase.objects.filter(member__in=member_scope(access)).select_related("member")
    return qs.filter(member__branch_id=branch_id) if branch_id is not None else qs


def exemption_list(*, access: Access, branch_id: int | None = None) -> QuerySet[DuesExemption]:
    qs = DuesExemption.objects.filter(member__in=member_scope(access)).select_related("member")
    return qs.filter(member__branch_id=branch_id) if branch_id is not None else qs


def base_in_force(*, member_ids: list[int], month: dt.date) -> dict[int, DuesBase]:
    """Each member's base in force in `month` (first of month)."""
    found: dict[int, DuesBase] = {}
    for base in DuesBase.objects.filter(member_id__in=member_ids, effective_from__lte=month).order_by(
            "member_id", "-effective_from", "-id"):
        found.setdefault(base.member_id, base)
    return found


def exempt_in(*, member_ids: list[int], month: dt.date) -> dict[int, DuesExemption]:
    found: dict[int, DuesExemption] = {}
    for exemption in DuesExemption.objects.filter(member_id__in=member_ids, first_month__lte=month,
                                                  last_month__gte=month).order_by("member_id", "-id"):
        found.setdefault(exemption.member_id, exemption)
    return found


def branch_members(*, branch: Branch) -> QuerySet[Member]:
    return Member.objects.filter(branch=branch, status=Member.Status.ACTIVE).order_by("name", "id")
