from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, NotFound, full_clean_or_raise
from staffing.appraisal.calc import weights_valid
from staffing.county.models import AppraisalTemplate, PayException, PayPolicy, StaffingPolicy


@transaction.atomic
def staffing_policy_set(*, actor, max_years: int) -> StaffingPolicy:
    """The county's rotation limit (1 to 3 years; the database refuses more)."""
    policy, _created = StaffingPolicy.objects.select_for_update().get_or_create(pk=1)
    before = snapshot(policy)
    policy.max_years = max_years
    full_clean_or_raise(policy)
    policy.save()
    audit_record(actor=actor, action="staffing.policy_set", instance=policy, before=before, after=snapshot(policy))
    return policy


# --- appraisal template, pay policy and floor exceptions (issue 10 items 4-5) ----------------------

WEIGHTS_INVALID = _("Weights must be whole percentages for every component, summing to 100.")
GRADES = ("A", "B", "C", "D")
ALLOWANCES_INVALID = _("Give an allowance (0 or more) for each grade A, B, C and D.")
EXCEPTION_DECIDED = _("This exception has already been decided.")
POLICY_FIELDS = ["year", "base_pay", "allowances", "performance_base", "floor", "pension_rate", "medical_rate",
                 "unemployment_rate"]


@transaction.atomic
def appraisal_template_set(*, actor, period_kind: str, weights: dict) -> AppraisalTemplate:
    template, _created = AppraisalTemplate.objects.select_for_update().get_or_create(pk=1)
    before = snapshot(template)
    if not weights_valid(weights):
        raise DomainError(WEIGHTS_INVALID, field_errors={"weights": [WEIGHTS_INVALID]})
    template.period_kind, template.weights = period_kind, dict(weights)
    full_clean_or_raise(template)
    template.save()
    audit_record(actor=actor, action="staffing.appraisal_template_set", instance=template, before=before,
                 after=snapshot(template))
    return template


@transaction.atomic
def pay_policy_set(*, actor, year: int, base_pay, allowances: dict, performance_base, floor,
                   pension_rate=0, medical_rate=0, unemployment_rate=0) -> PayPolicy:
    """The county's pay for `year` (created or replaced; sheets already approved keep their amounts)."""
    try:
        clean = {g: str(Decimal(str(allowances[g]))) for g in GRADES}
    except Exception as exc:  # missing grade or not a number
        raise DomainError(ALLOWANCES_INVALID, field_errors={"allowances": [ALLOWANCES_INVALID]}) from exc
    if set(allowances) != set(GRADES) or any(Decimal(v) < 0 for v in clean.values()):
        raise DomainError(ALLOWANCES_INVALID, field_errors={"allowances": [ALLOWANCES_INVALID]})
    policy = PayPolicy.objects.select_for_update().filter(year=year).first() or PayPolicy(year=year)
    before = snapshot(policy, fields=POLICY_FIELDS) if policy.pk else None
    policy.base_pay, policy.allowances, policy.performance_base, policy.floor = base_pay, clean, performance_base, floor
    policy.pension_rate, policy.medical_rate, policy.unemployment_rate = pension_rate, medical_rate, unemployment_rate
    full_clean_or_raise(policy)
    policy.save()
    policy.refresh_from_db()
    audit_record(actor=actor, action="staffing.pay_policy_set", instance=policy, before=before,
                 after=snapshot(policy, fields=POLICY_FIELDS))
    return policy


@transaction.atomic
def pay_exception_request(*, actor, township_code: str, clerk_id: int, year: int, month: int,
                          reason: str) -> PayException:
    """The township office asks to pay one clerk's month below the floor; the reason is required."""
    exc = PayException(township_code=township_code, clerk_id=clerk_id, year=year, month=month,
                       reason=(reason or "").strip(), requested_by_id=getattr(actor, "pk", None))
    full_clean_or_raise(exc)
    exc.save()
    audit_record(actor=actor, action="staffing.pay_exception_request", instance=exc, after=snapshot(exc))
    return exc


@transaction.atomic
def pay_exception_decide(*, actor, exception_id: int, approve: bool) -> PayException:
    """The county approves or refuses a floor exception (once)."""
    exc = PayException.objects.select_for_update().filter(pk=exception_id).first()
    if exc is None:
        raise NotFound()
    if exc.status != PayException.Status.PENDING:
        raise Conflict(EXCEPTION_DECIDED)
    before = snapshot(exc)
    exc.status = PayException.Status.APPROVED if approve else PayException.Status.REFUSED
    exc.decided_by_id, exc.decided_at = getattr(actor, "pk", None), clock.now()
    exc.save()
    audit_record(actor=actor, action="staffing.pay_exception_decide", instance=exc, before=before,
                 after=snapshot(exc))
    return exc
