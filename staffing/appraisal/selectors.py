"""Reads of appraisal and pay, narrowed by `Access`: the township office (and county admin) sees the
township's clerks; a clerk only their own appraisals and pay lines; nobody else anything."""
from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum

from accounts.access import Access
from accounts.models import Role
from staffing.appraisal.models import Appraisal, AppraisalPeriod, PayLine, PaySheet


def sees_all(access: Access) -> bool:
    return access.is_county_admin or access.has_role(Role.TOWNSHIP_OFFICE)


def _own(qs, access: Access, field: str):
    if sees_all(access):
        return qs
    if access.has_role(Role.CLERK) and access.user_id:
        return qs.filter(**{field: access.user_id})
    return qs.none()


def appraisal_scope(access: Access) -> QuerySet[Appraisal]:
    return _own(Appraisal.objects.select_related("clerk", "period"), access, "clerk__user_id")


def pay_line_scope(access: Access) -> QuerySet[PayLine]:
    return _own(PayLine.objects.select_related("clerk", "sheet"), access, "clerk__user_id")


def period_scope(access: Access) -> QuerySet[AppraisalPeriod]:
    return AppraisalPeriod.objects.all() if (sees_all(access) or access.has_role(Role.CLERK)) else \
        AppraisalPeriod.objects.none()


def sheet_scope(access: Access) -> QuerySet[PaySheet]:
    return PaySheet.objects.all() if sees_all(access) else PaySheet.objects.none()


def sheet_totals(sheet: PaySheet) -> dict:
    agg = sheet.lines.aggregate(total=Sum("total"), base=Sum("base"), allowance=Sum("allowance"),
                                performance=Sum("performance"))
    return {k: (v if v is not None else Decimal("0.00")) for k, v in agg.items()}


def exception_scope(access: Access, *, township):
    """The township's pay floor exceptions (public schema, by township code) for the office."""
    from staffing.county.models import PayException

    if not sees_all(access) or township is None:
        return PayException.objects.none()
    return PayException.objects.filter(township_code=township.code)
