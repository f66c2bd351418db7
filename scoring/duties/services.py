"""Writes of the light duties: the township's duty list, illness flags, the proposals after each
monthly close and after the year, and the secretary's confirmation, completion or excuse.

Nothing is automatic beyond the proposal: a proposal is only a row to confirm; the member is
notified when the secretary confirms, and a completion or excuse is recorded by a person.

Proposal rules (see `selectors.bottom_of_close` for ties):
- monthly: after a month is closed, the bottom three active members of each branch by the month's
  points, with the first monthly duty in use;
- year end: once the scoring year's last month is closed, the bottom ten of each branch by the
  year's total, with the first year-end duty in use;
- the member's situation picks the duty, its alternative or an exemption (`situation.fit_for`);
- idempotent: one DutyRun per month (or year end), under the month close's row lock; a period
  with no duty in use is left for the next night (nothing is written);
- the nightly job looks only at months closed within the last `RECENT_MONTHS` months, so
  installing the app does not propose duties for long-past months.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from accounts.models import Role
from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, NotFound, PermissionDenied, full_clean_or_raise
from scoring.duties import selectors
from scoring.duties.models import YEAR_END, Duty, DutyAssignment, DutyRun, MemberIllness
from scoring.duties.situation import alternative_for, duty_task, fit_for
from scoring.periods.calendar import month_index
from scoring.periods.models import MonthClose
from tenants.organisation.models import Member
from tenants.organisation.selectors import member_scope

MONTHLY_SIZE = 3
YEAR_END_SIZE = 10
RECENT_MONTHS = 3
DEFAULT_DUE_DAYS = 14

NAME_REQUIRED = _("Please name the duty.")
REASON_REQUIRED = _("Please give a reason.")
NOT_PROPOSED = _("Only a proposed duty can be confirmed or adjusted.")
NOT_CONFIRMED = _("Only a confirmed duty can be marked as completed.")
ALREADY_CLOSED = _("This duty is already completed or excused.")
NO_ALTERNATIVE = _("This duty has no alternative; choose the duty itself or an exemption.")
CHANGE_NEEDS_REASON = _("Say why the proposal is changed.")
DUTY_PERIOD_MISMATCH = _("Choose a duty for the same period (monthly or year end).")
DUE_IN_PAST = _("The date to be done by cannot be in the past.")


def _actor_id(actor) -> int | None:
    return actor.pk if getattr(actor, "is_authenticated", False) else None


def _office(access: Access) -> None:
    if not access.runs_scoring:
        raise PermissionDenied()


# --- the township's list of duties -------------------------------------------------------------------
DUTY_FIELDS = ["name", "description", "period", "remote_alternative", "care_alternative", "is_active", "sort_order"]


@transaction.atomic
def duty_create(*, actor, access: Access, name: str, period: str, description: str = "",
                remote_alternative: str = "", care_alternative: str = "", sort_order: int = 0,
                is_active: bool = True) -> Duty:
    _office(access)
    if not (name or "").strip():
        raise DomainError(NAME_REQUIRED, field_errors={"name": [NAME_REQUIRED]})
    duty = Duty(name=name.strip(), period=period, description=(description or "").strip(),
                remote_alternative=(remote_alternative or "").strip(), care_alternative=(care_alternative or "").strip(),
                sort_order=sort_order, is_active=is_active, created_by_id=access.user_id)
    full_clean_or_raise(duty)
    duty.save()
    audit_record(actor=actor, action="duty.create", instance=duty, after=snapshot(duty, fields=DUTY_FIELDS))
    return duty


@transaction.atomic
def duty_update(*, actor, access: Access, duty_id: int, **changes) -> Duty:
    """Change a duty (proposals already made keep the task text they were given)."""
    _office(access)
    duty = Duty.objects.select_for_update().filter(pk=duty_id).first()
    if duty is None:
        raise NotFound()
    before = snapshot(duty, fields=DUTY_FIELDS)
    for name, value in changes.items():
        if name not in DUTY_FIELDS:
            raise TypeError(name)
        setattr(duty, name, value.strip() if isinstance(value, str) else value)
    if not duty.name:
        raise DomainError(NAME_REQUIRED, field_errors={"name": [NAME_REQUIRED]})
    full_clean_or_raise(duty)
    duty.save()
    audit_record(actor=actor, action="duty.update", instance=duty, before=before,
                 after=snapshot(duty, fields=DUTY_FIELDS))
    return duty


# --- illness flags ------------------------------------------------------------------------------------
def _member_for(access: Access, member_id: int) -> Member:
    try:
        member = member_scope(access).get(pk=member_id)
    except (Member.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not selectors.can_handle(access, branch_id=member.branch_id):
        raise PermissionDenied()
    return member


@transaction.atomic
def illness_mark(*, actor, access: Access, member_id: int, reason: str) -> MemberIllness:
    """A branch secretary (or the office) marks a member as ill, with the reason (or updates it)."""
    member = _member_for(access, member_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(REASON_REQUIRED, field_errors={"reason": [REASON_REQUIRED]})
    flag = MemberIllness.objects.select_for_update().filter(member=member).first()
    before = snapshot(flag, fields=["reason"]) if flag else None
    if flag is None:
        flag = MemberIllness(member=member)
    flag.reason, flag.marked_by_id, flag.marked_at = reason, access.user_id, clock.now()
    full_clean_or_raise(flag, validate_unique=False)
    flag.save()
    audit_record(actor=actor, action="duty.illness_mark", instance=flag, before=before,
                 after=snapshot(flag, fields=["member", "reason"]))
    return flag


@transaction.atomic
def illness_clear(*, actor, access: Access, member_id: int) -> None:
    member = _member_for(access, member_id)
    flag = MemberIllness.objects.select_for_update().filter(member=member).first()
    if flag is None:
        raise NotFound()
    before = snapshot(flag, fields=["member", "reason"])
    flag.delete()
    audit_record(actor=actor, action="duty.illness_clear", object_type="duties.memberillness", object_id=member.pk,
                 object_repr=member.name, before=before)


# --- proposals ----------------------------------------------------------------------------------------
def _propose(*, close: MonthClose, month: int, size: int, duty: Duty, year_to_date: bool, now: dt.datetime,
             year: int) -> DutyRun:
    rows = selectors.bottom_of_close(close_id=close.pk, size=size, year_to_date=year_to_date)
    members = Member.objects.in_bulk([row.member_id for row in rows])
    ill = selectors.ill_reasons(members)
    run = DutyRun(year=year, month=month, duty=duty, proposals=len(rows), run_at=now)
    full_clean_or_raise(run)
    run.save()
    assignments = []
    with translation.override(settings.LANGUAGE_CODE):
        for row in rows:
            fit = fit_for(member=members[row.member_id], duty=duty, ill_reason=ill.get(row.member_id))
            assignments.append(DutyAssignment(
                run=run, member_id=row.member_id, branch_id=row.branch_id, duty=duty, points=row.points,
                bottom_rank=row.bottom_rank, branch_members=row.branch_members, variant=fit.variant, task=fit.task,
                situation=fit.situation))
    DutyAssignment.objects.bulk_create(assignments)
    audit_record(actor=None, action="duty.propose", instance=run, after={
        "duty": duty.pk, "proposals": len(assignments),
        "variants": {v: sum(1 for a in assignments if a.variant == v) for v in DutyAssignment.Variant.values}})
    if assignments:
        _notify_proposed(run=run, branch_ids={a.branch_id for a in assignments})
    return run


def _notify_proposed(*, run: DutyRun, branch_ids: set[int]) -> None:
    from accounts.models import RoleAssignment, User
    from notifications.selectors import recipients_in_township, township_office_users
    from notifications.services import notify

    township = connection.tenant
    secretaries = User.objects.filter(
        is_active=True, pk__in=RoleAssignment.objects.filter(township=township, role=Role.BRANCH_SECRETARY,
                                                             branch_id__in=branch_ids).values("user_id"))
    users = {u.pk: u for u in [*secretaries, *township_office_users(township=township)]}
    recipients = recipients_in_township(township=township, users=list(users.values()))
    if recipients:
        notify(event="duty.proposed", recipients=recipients, township=township, actor=None,
               context={"township_name": township.name, "period": str(run), "count": run.proposals,
                        "url": f"{township.url_prefix()}duties/"})


def duties_propose(*, year: int, month: int, now: dt.datetime | None = None) -> DutyRun | None:
    """Propose the bottom three's duty for a closed month; idempotent (returns the existing run).
    Returns None when the month is not closed or no monthly duty is in use (nothing written)."""
    now = now or clock.now()
    with transaction.atomic():
        close = MonthClose.objects.select_for_update().filter(year=year, month=month).first()
        if close is None:
            return None
        existing = DutyRun.objects.filter(year=year, month=month).first()
        if existing is not None:
            return existing
        duty = selectors.duty_for(Duty.Period.MONTHLY)
        if duty is None:
            return None
        return _propose(close=close, month=month, size=MONTHLY_SIZE, duty=duty, year_to_date=False, now=now,
                        year=year)


def duties_propose_year_end(*, scoring_year: int, now: dt.datetime | None = None) -> DutyRun | None:
    """Propose the bottom ten's year-end duty once the scoring year's last month is closed, by the
    year's total through that month; idempotent. None when not closed or no year-end duty."""
    from scoring.catalogue.models import ScoringYear

    now = now or clock.now()
    year = ScoringYear.objects.filter(year=scoring_year).first()
    if year is None:
        return None
    with transaction.atomic():
        close = (MonthClose.objects.select_for_update()
                 .filter(year=year.ends_on.year, month=year.ends_on.month).first())
        if close is None:
            return None
        existing = DutyRun.objects.filter(year=scoring_year, month=YEAR_END).first()
        if existing is not None:
            return existing
        duty = selectors.duty_for(Duty.Period.YEAR_END)
        if duty is None:
            return None
        return _propose(close=close, month=YEAR_END, size=YEAR_END_SIZE, duty=duty, year_to_date=True, now=now,
                        year=scoring_year)


def duties_propose_due(*, now: dt.datetime | None = None) -> list[DutyRun]:
    """The nightly job: every month closed in the last RECENT_MONTHS months without a proposal
    round, oldest first, then the year end of every scoring year whose last month is closed."""
    from scoring.catalogue.models import ScoringYear

    now = now or clock.now()
    today = clock.today(at=now)
    earliest = month_index(today.year, today.month) - RECENT_MONTHS
    done = set(DutyRun.objects.values_list("year", "month"))
    runs = []
    for year, month in MonthClose.objects.order_by("year", "month").values_list("year", "month"):
        if month_index(year, month) >= earliest and (year, month) not in done:
            run = duties_propose(year=year, month=month, now=now)
            if run is not None:
                runs.append(run)
    for scoring_year, ends_on in ScoringYear.objects.order_by("year").values_list("year", "ends_on"):
        if (scoring_year, YEAR_END) in done or month_index(ends_on.year, ends_on.month) < earliest:
            continue
        run = duties_propose_year_end(scoring_year=scoring_year, now=now)
        if run is not None:
            runs.append(run)
    return runs


# --- the secretary's decisions ------------------------------------------------------------------------
def _assignment_for(access: Access, assignment_id: int) -> DutyAssignment:
    assignment = (DutyAssignment.objects.select_for_update().select_related("member", "duty", "run")
                  .filter(pk=assignment_id).first())
    if assignment is None or not member_scope(access).filter(pk=assignment.member_id).exists():
        raise NotFound()
    if not selectors.can_handle(access, branch_id=assignment.branch_id):
        raise PermissionDenied()
    return assignment


STATE_FIELDS = ["status", "duty", "variant", "task", "situation", "due_on", "note", "outcome_note"]


def _member_users(member_id: int):
    from accounts.models import RoleAssignment, User

    return User.objects.filter(is_active=True, pk__in=RoleAssignment.objects.filter(
        township=connection.tenant, role=Role.MEMBER, member_id=member_id).values("user_id"))


@transaction.atomic
def assignment_confirm(*, actor, access: Access, assignment_id: int, variant: str | None = None,
                       duty_id: int | None = None, due_on: dt.date | None = None, note: str = "") -> DutyAssignment:
    """The secretary confirms a proposal as it is, or adjusts it (another duty of the same period,
    the duty itself, its alternative or an exemption; a change needs a note). An exemption
    confirmed is recorded as excused at once. The member is notified."""
    assignment = _assignment_for(access, assignment_id)
    if assignment.status != DutyAssignment.Status.PROPOSED:
        raise Conflict(NOT_PROPOSED)
    note = (note or "").strip()
    before = snapshot(assignment, fields=STATE_FIELDS)
    duty = assignment.duty
    if duty_id is not None and duty_id != duty.pk:
        duty = Duty.objects.filter(pk=duty_id).first()
        if duty is None:
            raise NotFound()
        expected = Duty.Period.YEAR_END if assignment.run.is_year_end else Duty.Period.MONTHLY
        if duty.period != expected:
            raise DomainError(DUTY_PERIOD_MISMATCH, field_errors={"duty_id": [DUTY_PERIOD_MISMATCH]})
    variant = variant or assignment.variant
    changed = duty.pk != assignment.duty_id or variant != assignment.variant
    if changed and not note:
        raise DomainError(CHANGE_NEEDS_REASON, field_errors={"note": [CHANGE_NEEDS_REASON]})
    ill = selectors.ill_reasons([assignment.member_id]).get(assignment.member_id)
    if variant == DutyAssignment.Variant.STANDARD:
        task = duty_task(duty)
    elif variant == DutyAssignment.Variant.ALTERNATIVE:
        task = alternative_for(member=assignment.member, duty=duty, ill_reason=ill)
        if not task:
            raise DomainError(NO_ALTERNATIVE, field_errors={"variant": [NO_ALTERNATIVE]})
    elif variant == DutyAssignment.Variant.EXEMPT:
        task = ""
    else:
        raise DomainError(NO_ALTERNATIVE, field_errors={"variant": [NO_ALTERNATIVE]})
    today = clock.today()
    if due_on is not None and due_on < today:
        raise DomainError(DUE_IN_PAST, field_errors={"due_on": [DUE_IN_PAST]})
    now = clock.now()
    assignment.duty, assignment.variant, assignment.task, assignment.note = duty, variant, task, note
    assignment.confirmed_by_id, assignment.confirmed_at = access.user_id, now
    if variant == DutyAssignment.Variant.EXEMPT:
        assignment.status, assignment.due_on = DutyAssignment.Status.EXCUSED, None
        assignment.closed_by_id, assignment.closed_at = access.user_id, now
        assignment.outcome_note = note or assignment.situation
    else:
        assignment.status = DutyAssignment.Status.CONFIRMED
        assignment.due_on = due_on or today + dt.timedelta(days=DEFAULT_DUE_DAYS)
    full_clean_or_raise(assignment, validate_constraints=False)
    assignment.save()
    audit_record(actor=actor, action="duty.confirm", instance=assignment, before=before,
                 after=snapshot(assignment, fields=STATE_FIELDS))
    _notify_member(assignment)
    return assignment


def _notify_member(assignment: DutyAssignment) -> None:
    from notifications.selectors import recipients_in_township
    from notifications.services import notify

    township = connection.tenant
    recipients = recipients_in_township(township=township, users=list(_member_users(assignment.member_id)))
    if recipients:
        notify(event="duty.assigned", recipients=recipients, township=township, actor=None, context={
            "township_name": township.name, "member_name": assignment.member.name, "period": str(assignment.run),
            "exempt": assignment.variant == DutyAssignment.Variant.EXEMPT, "task": assignment.task,
            "reason": assignment.outcome_note or assignment.situation,
            "due_on": assignment.due_on.isoformat() if assignment.due_on else ""})


@transaction.atomic
def assignment_complete(*, actor, access: Access, assignment_id: int, note: str = "") -> DutyAssignment:
    assignment = _assignment_for(access, assignment_id)
    if assignment.status != DutyAssignment.Status.CONFIRMED:
        raise Conflict(ALREADY_CLOSED if assignment.status != DutyAssignment.Status.PROPOSED else NOT_CONFIRMED)
    before = snapshot(assignment, fields=STATE_FIELDS)
    assignment.status, assignment.outcome_note = DutyAssignment.Status.COMPLETED, (note or "").strip()
    assignment.closed_by_id, assignment.closed_at = access.user_id, clock.now()
    full_clean_or_raise(assignment, validate_constraints=False)
    assignment.save()
    audit_record(actor=actor, action="duty.complete", instance=assignment, before=before,
                 after=snapshot(assignment, fields=STATE_FIELDS))
    return assignment


@transaction.atomic
def assignment_excuse(*, actor, access: Access, assignment_id: int, reason: str) -> DutyAssignment:
    """Excuse a proposed or confirmed duty, with the reason (e.g. fell ill, went to sea)."""
    assignment = _assignment_for(access, assignment_id)
    if assignment.status not in (DutyAssignment.Status.PROPOSED, DutyAssignment.Status.CONFIRMED):
        raise Conflict(ALREADY_CLOSED)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(REASON_REQUIRED, field_errors={"reason": [REASON_REQUIRED]})
    before = snapshot(assignment, fields=STATE_FIELDS)
    assignment.status, assignment.outcome_note = DutyAssignment.Status.EXCUSED, reason
    assignment.closed_by_id, assignment.closed_at = access.user_id, clock.now()
    full_clean_or_raise(assignment, validate_constraints=False)
    assignment.save()
    audit_record(actor=actor, action="duty.excuse", instance=assignment, before=before,
                 after=snapshot(assignment, fields=STATE_FIELDS))
    return assignment


