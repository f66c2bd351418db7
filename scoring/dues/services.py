"""Writes of Party dues: bases and exemptions (township office), payments and corrections (clerk).

Every write is atomic with its audit event; the dues ledger is append-only in the database, so
a mistake is corrected by a new line with a reason, never by editing the old one.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from audit.services import audit_record, snapshot
from common.errors import DomainError, NotFound, PermissionDenied, full_clean_or_raise
from scoring.dues.county.selectors import Basis, dues_policy_get, monthly_dues
from scoring.dues.models import DuesBase, DuesExemption, DuesPayment
from scoring.dues.selectors import PAYMENT_NOT_FOUND, can_record_payments
from scoring.ledger.selectors import township_today
from tenants.organisation.models import Member
from tenants.organisation.selectors import member_scope

CANNOT_SET_BASE = _("Only the township office sets dues bases and exemptions.")
CANNOT_RECORD = _("Only a clerk or the township office records dues payments.")
MEMBER_OUT_OF_SCOPE = _("Choose a member in your scope.")
MEMBER_NOT_ACTIVE = _("Dues are recorded for active members only.")
AMOUNT_INVALID = _("Enter an amount in yuan, e.g. 12.50.")
AMOUNT_POSITIVE = _("A payment must be more than zero.")
AMOUNT_ZERO = _("A correction must change the amount.")
INCOME_REQUIRED = _("Give the monthly income for an income base.")
UNKNOWN_BASIS = _("Choose the basis of the dues.")
RECEIPT_REQUIRED = _("Give the receipt number.")
RECEIPT_DUPLICATE = _("Receipt number %(number)s has already been recorded; check the receipt, or correct the "
                      "earlier line instead.")
MONTHS_INVALID = _("Months covered must be 1 to 12, the first not after the last.")
YEAR_INVALID = _("Choose a year between %(first)s and %(last)s.")
UNKNOWN_METHOD = _("Choose cash or transfer.")
PAID_IN_FUTURE = _("The payment date cannot be in the future.")
CORRECT_ONLY_PAYMENTS = _("Correct the original payment, not a correction.")
CORRECTION_REASON_REQUIRED = _("Give the reason for the correction.")
CORRECTION_BELOW_ZERO = _("After this correction the payment would count %(net)s yuan; it cannot fall below zero.")
EXEMPTION_REASON_REQUIRED = _("Give the reason for the exemption.")
EXEMPTION_ORDER = _("The first month cannot be after the last.")
EXEMPTION_NOT_ELDERLY = _("Only a member recorded as elderly can be exempted on the elderly ground.")
UNKNOWN_GROUND = _("Choose hardship or elderly.")

CENT = Decimal("0.01")


def _field_error(field: str, message) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _money(value, field: str) -> Decimal:
    try:
        result = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        raise _field_error(field, AMOUNT_INVALID) from None
    if not result.is_finite() or abs(result) >= Decimal("10000000"):
        raise _field_error(field, AMOUNT_INVALID)
    return result


def _member(access: Access, member_id: int) -> Member:
    member = member_scope(access).select_for_update(of=("self",)).filter(pk=member_id).first()
    if member is None:
        raise _field_error("member", MEMBER_OUT_OF_SCOPE)
    if member.status != Member.Status.ACTIVE:
        raise _field_error("member", MEMBER_NOT_ACTIVE)
    return member


def _first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


@transaction.atomic
def dues_base_set(*, actor, access: Access, member_id: int, basis: str, effective_from: dt.date,
                  monthly_income=None, note: str = "") -> DuesBase:
    """The township office sets a member's dues base from a month on; the monthly amount follows
    the county's rule at the time it is set and stays as recorded."""
    if not access.runs_scoring:
        raise PermissionDenied(CANNOT_SET_BASE)
    member = _member(access, member_id)
    if basis not in Basis.values:
        raise _field_error("basis", UNKNOWN_BASIS)
    income = None
    if basis == Basis.INCOME:
        if monthly_income in (None, ""):
            raise _field_error("monthly_income", INCOME_REQUIRED)
        income = _money(monthly_income, "monthly_income")
        if income < 0:
            raise _field_error("monthly_income", AMOUNT_INVALID)
    amount = monthly_dues(policy=dues_policy_get(), basis=basis, monthly_income=income)
    base = DuesBase(member=member, basis=basis, monthly_income=income, monthly_amount=amount,
                    effective_from=_first_of_month(effective_from), note=(note or "").strip(), set_by_id=actor.pk)
    full_clean_or_raise(base)
    base.save()
    audit_record(actor=actor, action="dues.base_set", instance=base, after=snapshot(base))
    return base


@transaction.atomic
def dues_exemption_grant(*, actor, access: Access, member_id: int, reason_kind: str, reason: str,
                         first_month: dt.date, last_month: dt.date) -> DuesExemption:
    """The township office exempts a member from dues for a run of months (hardship or elderly)."""
    if not access.runs_scoring:
        raise PermissionDenied(CANNOT_SET_BASE)
    member = _member(access, member_id)
    if reason_kind not in DuesExemption.Reason.values:
        raise _field_error("reason_kind", UNKNOWN_GROUND)
    if reason_kind == DuesExemption.Reason.ELDERLY and not member.is_elderly:
        raise _field_error("reason_kind", EXEMPTION_NOT_ELDERLY)
    reason = (reason or "").strip()
    if not reason:
        raise _field_error("reason", EXEMPTION_REASON_REQUIRED)
    first, last = _first_of_month(first_month), _first_of_month(last_month)
    if first > last:
        raise _field_error("last_month", EXEMPTION_ORDER)
    exemption = DuesExemption(member=member, reason_kind=reason_kind, reason=reason, first_month=first,
                              last_month=last, decided_by_id=actor.pk)
    full_clean_or_raise(exemption)
    exemption.save()
    audit_record(actor=actor, action="dues.exemption_grant", instance=exemption, after=snapshot(exemption))
    return exemption


def _check_months(year: int, first_month: int, last_month: int, today: dt.date) -> None:
    if not (2000 <= year <= today.year + 1):
        raise _field_error("year", YEAR_INVALID % {"first": 2000, "last": today.year + 1})
    if not (1 <= first_month <= last_month <= 12):
        raise _field_error("last_month", MONTHS_INVALID)


@transaction.atomic
def dues_payment_record(*, actor, access: Access, member_id: int, amount, method: str, receipt_number: str,
                        year: int, first_month: int, last_month: int, paid_on: dt.date) -> DuesPayment:
    """The clerk records a payment with its receipt number (unique in the township)."""
    if not can_record_payments(access):
        raise PermissionDenied(CANNOT_RECORD)
    member = _member(access, member_id)
    amount = _money(amount, "amount")
    if amount <= 0:
        raise _field_error("amount", AMOUNT_POSITIVE)
    if method not in DuesPayment.Method.values:
        raise _field_error("method", UNKNOWN_METHOD)
    receipt_number = (receipt_number or "").strip()
    if not receipt_number:
        raise _field_error("receipt_number", RECEIPT_REQUIRED)
    today = township_today()
    if paid_on > today:
        raise _field_error("paid_on", PAID_IN_FUTURE)
    _check_months(year, first_month, last_month, today)
    duplicate = _field_error("receipt_number", RECEIPT_DUPLICATE % {"number": receipt_number})
    if DuesPayment.objects.filter(receipt_number=receipt_number).exists():
        raise duplicate
    payment = DuesPayment(member=member, kind=DuesPayment.Kind.PAYMENT, amount=amount, method=method,
                          receipt_number=receipt_number, year=year, first_month=first_month, last_month=last_month,
                          paid_on=paid_on, recorded_by_id=actor.pk)
    full_clean_or_raise(payment, validate_constraints=False)
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:  # the same receipt recorded at the same moment elsewhere
        raise duplicate from None
    audit_record(actor=actor, action="dues.payment_record", instance=payment, after=snapshot(payment))
    return payment


@transaction.atomic
def dues_payment_correct(*, actor, access: Access, payment_id: int, amount, reason: str) -> DuesPayment:
    """A correcting line (negative or positive) against a payment; the payment itself never changes."""
    if not can_record_payments(access):
        raise PermissionDenied(CANNOT_RECORD)
    original = (DuesPayment.objects.select_for_update().filter(pk=payment_id, member__in=member_scope(access))
                .first())
    if original is None:
        raise NotFound(PAYMENT_NOT_FOUND)
    if original.kind != DuesPayment.Kind.PAYMENT:
        raise _field_error("payment", CORRECT_ONLY_PAYMENTS)
    amount = _money(amount, "amount")
    if amount == 0:
        raise _field_error("amount", AMOUNT_ZERO)
    reason = (reason or "").strip()
    if not reason:
        raise _field_error("reason", CORRECTION_REASON_REQUIRED)
    earlier = original.corrections.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    net = original.amount + earlier + amount
    if net < 0:
        raise _field_error("amount", CORRECTION_BELOW_ZERO % {"net": net})
    line = DuesPayment(member_id=original.member_id, kind=DuesPayment.Kind.CORRECTION, amount=amount,
                       method=original.method, year=original.year, first_month=original.first_month,
                       last_month=original.last_month, paid_on=township_today(), corrects=original, reason=reason,
                       recorded_by_id=actor.pk)
    full_clean_or_raise(line, validate_constraints=False)
    line.save()
    audit_record(actor=actor, action="dues.payment_correct", instance=line,
                 after={**snapshot(line), "corrects": original.pk})
    return line
