"""Writes of appraisal and pay (township schema). Every write is audited and runs in one transaction;
broken rules raise `DomainError` subclasses with translatable constants.

- Periods follow the county template (monthly or quarterly); `period_open` / `periods_close_due` are
  idempotent (beat jobs).
- `appraisal_record`: the objective signals are computed from the clerk's entries
  (`Entry.entered_by_id` = the clerk's user id) and spot-check findings, never typed; the office adds
  its four scores. Nobody appraises themselves.
- `pay_sheet_prepare` / `pay_sheet_approve` / `pay_line_correct`: pay = base + allowance + performance
  (see `calc.pay_for`, ROUND_HALF_UP to 0.01). A month below the county floor is refused unless the
  county approved an exception for that clerk and month. Approved sheets are frozen (also by trigger).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from accounts.models import Role
from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, NotFound, PermissionDenied, full_clean_or_raise
from scoring.ledger.models import Entry
from scoring.meetings.models import Meeting, MeetingVersion
from scoring.oversight.models import Finding
from staffing.appraisal import calc, notices
from staffing.appraisal.models import Appraisal, AppraisalPeriod, PayLine, PaySheet
from staffing.clerks.models import Clerk
from staffing.county.models import PayException, appraisal_template_get, pay_policy_get

SELF_APPRAISAL = _("Nobody appraises themselves: another office member must appraise this clerk.")
PERIOD_CLOSED = _("This appraisal period is closed.")
OFFICE_SCORE_INVALID = _("Each office score must be a number from 0 to 100.")
NOT_OWN_APPRAISAL = _("Only the appraised clerk may comment on this appraisal.")
NO_PAY_POLICY = _("The county has not set the pay policy for %(year)s.")
BELOW_FLOOR = _("%(name)s's pay for this month (%(total)s) is below the floor (%(floor)s); the county must "
                "approve a documented exception first.")
SHEET_APPROVED = _("This pay sheet is approved and frozen; add a correction line instead.")
SHEET_NOT_APPROVED = _("Corrections are added to approved sheets only; prepare the draft again instead.")
SHEET_EMPTY = _("This pay sheet has no lines.")
NOTE_REQUIRED = _("Give the reason for the correction.")
MONTH_INVALID = _("Give a month from 1 to 12.")


def _require_office(access: Access) -> None:
    if not (access.is_county_admin or access.has_role(Role.TOWNSHIP_OFFICE)):
        raise PermissionDenied()


def _weights() -> tuple[str, dict]:
    template = appraisal_template_get()
    return template.period_kind, (template.weights or calc.DEFAULT_WEIGHTS)


def _grades() -> dict:
    """The county's grades (lowest score and coefficient per grade), else the defaults."""
    return appraisal_template_get().grades or calc.DEFAULT_GRADES


# --- periods -----------------------------------------------------------------------------------------
@transaction.atomic
def period_open(*, actor=None, on: dt.date | None = None) -> AppraisalPeriod:
    """The period (county template's kind) containing `on` (today): created once, then returned."""
    on = on or clock.today(connection.tenant)
    kind, _w = _weights()
    starts_on, ends_on = calc.period_bounds(on, kind)
    existing = AppraisalPeriod.objects.filter(starts_on__lte=on, ends_on__gte=on).first()
    if existing:
        return existing
    period = AppraisalPeriod.objects.create(kind=kind, starts_on=starts_on, ends_on=ends_on)
    audit_record(actor=actor, action="appraisal.period_open", instance=period, after=snapshot(period))
    notices.period_opened(period, actor=actor)
    return period


@transaction.atomic
def periods_close_due(*, actor=None, today: dt.date | None = None) -> int:
    """Close open periods that ended before `today`; returns how many (0 when run again)."""
    today = today or clock.today(connection.tenant)
    closed = 0
    for period in AppraisalPeriod.objects.select_for_update().filter(status=AppraisalPeriod.Status.OPEN,
                                                                     ends_on__lt=today):
        period.status = AppraisalPeriod.Status.CLOSED
        period.save(update_fields=["status"])
        audit_record(actor=actor, action="appraisal.period_close", instance=period)
        closed += 1
    return closed


# --- signals and appraisal ------------------------------------------------------------------------------
def counts_for(*, clerk: Clerk, starts_on: dt.date, ends_on: dt.date) -> calc.Counts:
    """Counts from the ledger and oversight data of the entries the clerk entered in the period
    (entry day in the township's time zone; findings recorded in the period)."""
    if not clerk.user_id:
        return calc.Counts()
    tz = clock.zone_of(connection.tenant)
    start, end = clock.start_of_day(starts_on, zone=tz), clock.end_of_day(ends_on, zone=tz)
    entries = Entry.objects.filter(entered_by_id=clerk.user_id, entered_at__gte=start, entered_at__lte=end)
    agg = entries.aggregate(
        n=Count("pk"),
        timely=Count("pk", filter=Q(lag_days__lte=calc.TIMELY_DAYS)),
        decided=Count("pk", filter=Q(status__in=[Entry.Status.POSTED, Entry.Status.REJECTED])),
        rejected=Count("pk", filter=Q(status=Entry.Status.REJECTED)),
    )
    needing = entries.filter(rule__evidence_required=True)
    with_evidence = needing.filter(evidence__isnull=False).distinct().count()
    findings = Finding.objects.filter(entry__entered_by_id=clerk.user_id, recorded_at__gte=start, recorded_at__lte=end)
    fagg = findings.aggregate(n=Count("pk"), bad=Count("pk", filter=Q(result=Finding.Result.DISCREPANCY)))
    meetings = _meeting_counts(user_id=clerk.user_id, start=start, end=end, tz=tz)
    return calc.Counts(entries=agg["n"], timely=agg["timely"], needing_evidence=needing.count(),
                       with_evidence=with_evidence, decided=agg["decided"], rejected=agg["rejected"],
                       findings=fagg["n"], discrepancies=fagg["bad"], **meetings)


def _meeting_counts(*, user_id: int, start: dt.datetime, end: dt.datetime, tz) -> dict[str, int]:
    """Meeting records the clerk filed in the period, and how many within MEETING_ON_TIME_DAYS of the
    day they were held (first version's date; the filing day in the township's time zone)."""
    first = MeetingVersion.objects.filter(meeting=OuterRef("pk"), number=1).values("held_on")[:1]
    rows = (Meeting.objects.filter(filed_by_id=user_id, filed_at__gte=start, filed_at__lte=end)
            .annotate(held_on=Subquery(first), filed_on=TruncDate("filed_at", tzinfo=tz))
            .aggregate(n=Count("pk"), on_time=Count("pk", filter=Q(
                filed_on__lte=F("held_on") + dt.timedelta(days=calc.MEETING_ON_TIME_DAYS)))))
    return {"meetings": rows["n"], "meetings_on_time": rows["on_time"]}


def _office_scores(scores: dict) -> dict[str, str]:
    clean = {}
    for key in calc.OFFICE_KEYS:
        try:
            value = Decimal(str(scores.get(key, "")))
        except Exception as exc:
            raise DomainError(OFFICE_SCORE_INVALID, field_errors={key: [OFFICE_SCORE_INVALID]}) from exc
        if not value.is_finite() or not (0 <= value <= 100):
            raise DomainError(OFFICE_SCORE_INVALID, field_errors={key: [OFFICE_SCORE_INVALID]})
        clean[key] = str(calc.money(value))
    return clean


@transaction.atomic
def appraisal_record(*, actor, access: Access, period_id: int, clerk_id: int, office_scores: dict) -> Appraisal:
    """Compute (or recompute while the period is open) one clerk's appraisal for a period."""
    _require_office(access)
    period = AppraisalPeriod.objects.select_for_update().filter(pk=period_id).first()
    clerk = Clerk.objects.filter(pk=clerk_id).first()
    if period is None or clerk is None:
        raise NotFound()
    if clerk.user_id is not None and clerk.user_id == getattr(actor, "pk", None):
        raise PermissionDenied(SELF_APPRAISAL)
    if period.status != AppraisalPeriod.Status.OPEN:
        raise Conflict(PERIOD_CLOSED)
    office = _office_scores(office_scores)
    counts = counts_for(clerk=clerk, starts_on=period.starts_on, ends_on=period.ends_on)
    signals = {**calc.signals(counts), "counts": counts.as_dict()}
    _kind, weights = _weights()
    components = calc.components_for(signals, office, weights)
    score = calc.total_score(components, weights)
    grades = _grades()
    grade = calc.grade_for(score, grades)
    appraisal = Appraisal.objects.select_for_update().filter(period=period, clerk=clerk).first()
    before = snapshot(appraisal) if appraisal else None
    appraisal = appraisal or Appraisal(period=period, clerk=clerk)
    appraisal.signals, appraisal.office_scores = signals, office
    appraisal.components = {k: {"score": components[k], "weight": weights[k]} for k in weights}
    appraisal.score, appraisal.grade, appraisal.coefficient = score, grade, calc.coefficient_for(grade, grades)
    appraisal.appraised_by_id, appraisal.appraised_at = getattr(actor, "pk", None), clock.now()
    full_clean_or_raise(appraisal)
    appraisal.save()
    audit_record(actor=actor, action="appraisal.record", instance=appraisal, before=before,
                 after=snapshot(appraisal))
    notices.result_ready(appraisal, actor=actor)
    return appraisal


@transaction.atomic
def appraisal_comment(*, actor, appraisal_id: int, comment: str) -> Appraisal:
    """The appraised clerk's comment (theirs only)."""
    appraisal = Appraisal.objects.select_for_update().select_related("clerk").filter(pk=appraisal_id).first()
    if appraisal is None:
        raise NotFound()
    if appraisal.clerk.user_id is None or appraisal.clerk.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(NOT_OWN_APPRAISAL)
    before = snapshot(appraisal, fields=["clerk_comment"])
    appraisal.clerk_comment = (comment or "").strip()
    full_clean_or_raise(appraisal)
    appraisal.save(update_fields=["clerk_comment"])
    audit_record(actor=actor, action="appraisal.comment", instance=appraisal, before=before,
                 after=snapshot(appraisal, fields=["clerk_comment"]))
    notices.commented(appraisal, actor=actor)
    return appraisal


# --- pay -----------------------------------------------------------------------------------------------
def _appraisal_for_month(clerk: Clerk, year: int, month: int) -> Appraisal | None:
    """The appraisal of the period containing the month's first day, else the latest earlier one."""
    first = dt.date(year, month, 1)
    qs = Appraisal.objects.filter(clerk=clerk, period__starts_on__lte=first).order_by("-period__starts_on")
    return qs.first()


def _approved_exception(clerk: Clerk, year: int, month: int) -> PayException | None:
    return PayException.objects.filter(township_code=connection.tenant.code, clerk_id=clerk.pk, year=year,
                                       month=month, status=PayException.Status.APPROVED).first()


def _policy(year: int):
    policy = pay_policy_get(year)
    if policy is None:
        raise DomainError(NO_PAY_POLICY % {"year": year})
    return policy


def line_for(*, clerk: Clerk, year: int, month: int, policy) -> PayLine:
    """One clerk's computed (unsaved) pay line for the month."""
    appraisal = _appraisal_for_month(clerk, year, month)
    grade = appraisal.grade if appraisal else calc.NO_APPRAISAL_GRADE
    coefficient = appraisal.coefficient if appraisal else calc.coefficient_for(calc.NO_APPRAISAL_GRADE, _grades())
    rate = policy.pension_rate + policy.medical_rate + policy.unemployment_rate
    pay = calc.pay_for(base_pay=policy.base_pay, allowance=Decimal(policy.allowances.get(grade, "0")),
                       performance_base=policy.performance_base, coefficient=coefficient, insurance_rate=rate)
    return PayLine(clerk=clerk, appraisal=appraisal, grade=grade, coefficient=coefficient, base=pay.base,
                   allowance=pay.allowance, performance=pay.performance, total=pay.total,
                   social_insurance=pay.social_insurance)


def _check_floor(line: PayLine, *, total: Decimal, floor: Decimal, year: int, month: int) -> None:
    if total >= floor:
        return
    exception = _approved_exception(line.clerk, year, month)
    if exception is None:
        raise Conflict(BELOW_FLOOR % {"name": line.clerk.name, "total": total, "floor": floor})
    line.exception_id = exception.pk


def paid_clerks(*, year: int, month: int):
    """The clerks on the month's sheet: the active ones, and those the county moved into an established
    post or removed on a day of this month or later (paid in full up to their decision month)."""
    from staffing.county.models import CareerProposal

    leavers = CareerProposal.objects.filter(township_id=connection.tenant.pk, status=CareerProposal.Status.APPROVED,
                                            decision_date__gte=dt.date(year, month, 1)).values_list("clerk_id",
                                                                                                    flat=True)
    return Clerk.objects.filter(Q(status=Clerk.Status.ACTIVE)
                                | Q(pk__in=list(leavers),
                                    status__in=[Clerk.Status.ESTABLISHED, Clerk.Status.REMOVED])).order_by("name", "pk")


@transaction.atomic
def pay_sheet_prepare(*, actor, access: Access | None = None, year: int, month: int) -> PaySheet:
    """The township's draft pay sheet for the month, (re)computed for every active clerk. Refused when
    approved already, or when a clerk's total is below the floor without an approved exception."""
    if access is not None:
        _require_office(access)
    if not 1 <= month <= 12:
        raise DomainError(MONTH_INVALID)
    policy = _policy(year)
    sheet, created = PaySheet.objects.get_or_create(year=year, month=month, defaults={"prepared_at": clock.now()})
    sheet = PaySheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.status == PaySheet.Status.APPROVED:
        raise Conflict(SHEET_APPROVED)
    sheet.lines.all().delete()
    lines, refused = [], []
    for clerk in paid_clerks(year=year, month=month):
        line = line_for(clerk=clerk, year=year, month=month, policy=policy)
        try:
            _check_floor(line, total=line.total, floor=policy.floor, year=year, month=month)
        except Conflict as exc:
            refused.append(str(exc.message))
        line.sheet = sheet
        lines.append(line)
    if refused:  # name every clerk below the floor; nothing is written
        raise Conflict(" ".join(refused))
    PayLine.objects.bulk_create(lines)
    sheet.prepared_at = clock.now()
    sheet.save(update_fields=["prepared_at"])
    audit_record(actor=actor, action="pay.sheet_prepare", instance=sheet,
                 after={"lines": len(lines), "total": str(sum((x.total for x in lines), Decimal(0)))})
    return sheet


@transaction.atomic
def pay_sheet_approve(*, actor, access: Access, sheet_id: int) -> PaySheet:
    _require_office(access)
    sheet = PaySheet.objects.select_for_update().filter(pk=sheet_id).first()
    if sheet is None:
        raise NotFound()
    if sheet.status == PaySheet.Status.APPROVED:
        raise Conflict(SHEET_APPROVED)
    if not sheet.lines.exists():
        raise Conflict(SHEET_EMPTY)
    sheet.status, sheet.approved_by_id, sheet.approved_at = PaySheet.Status.APPROVED, actor.pk, clock.now()
    sheet.save()
    audit_record(actor=actor, action="pay.sheet_approve", instance=sheet, after=snapshot(sheet))
    notices.sheet_approved(sheet, actor=actor)
    return sheet


@transaction.atomic
def pay_line_correct(*, actor, access: Access, line_id: int, base="0", allowance="0", performance="0",
                     note: str) -> PayLine:
    """A correction of an approved line: a new line with the differences (may be negative), so the
    approved line is never touched. The clerk's corrected month is still checked against the floor."""
    _require_office(access)
    original = PayLine.objects.select_related("sheet", "clerk").filter(pk=line_id, corrects__isnull=True).first()
    if original is None:
        raise NotFound()
    if original.sheet.status != PaySheet.Status.APPROVED:
        raise Conflict(SHEET_NOT_APPROVED)
    if not (note or "").strip():
        raise DomainError(NOTE_REQUIRED, field_errors={"note": [NOTE_REQUIRED]})
    d_base, d_allow, d_perf = calc.money(base), calc.money(allowance), calc.money(performance)
    line = PayLine(sheet=original.sheet, clerk=original.clerk, appraisal=original.appraisal, grade=original.grade,
                   coefficient=original.coefficient, base=d_base, allowance=d_allow, performance=d_perf,
                   total=d_base + d_allow + d_perf, social_insurance=Decimal("0.00"), corrects=original,
                   note=note.strip())
    sheet = original.sheet
    month_total = sum(PayLine.objects.filter(sheet=sheet, clerk=original.clerk).values_list("total", flat=True),
                      Decimal(0)) + line.total
    _check_floor(line, total=month_total, floor=_policy(sheet.year).floor, year=sheet.year, month=sheet.month)
    full_clean_or_raise(line)
    line.save()
    audit_record(actor=actor, action="pay.line_correct", instance=line, after=snapshot(line))
    return line
