import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from audit.services import audit_record, snapshot
from common import clock
from common.errors import NOT_FOUND, Conflict, DomainError, NotFound, PermissionDenied, full_clean_or_raise
from staffing.appraisal.calc import grades_valid, weights_valid
from staffing.county.models import AppraisalTemplate, CareerProposal, PayException, PayPolicy, StaffingPolicy


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
GRADES_INVALID = _("Give every grade A to D a lowest score (A highest, D from 0) and a coefficient from 0 to 3, "
                   "not rising from A to D.")
ALLOWANCES_INVALID = _("Give an allowance (0 or more) for each grade A, B, C and D.")
EXCEPTION_EXISTS = _("An exception for this clerk and month is already waiting for the county or approved.")
EXCEPTION_DECIDED = _("This exception has already been decided.")
POLICY_FIELDS = ["year", "base_pay", "allowances", "performance_base", "floor", "pension_rate", "medical_rate",
                 "unemployment_rate"]


@transaction.atomic
def appraisal_template_set(*, actor, period_kind: str, weights: dict, grades: dict | None = None) -> AppraisalTemplate:
    """The county's appraisal template: period kind, component weights and (optionally) the grades'
    lowest scores and coefficients. Each change raises the version and is audited (before/after);
    appraisals already recorded keep the weights and coefficient they were computed with. A new period
    kind applies from the next period opened."""
    template, _created = AppraisalTemplate.objects.select_for_update().get_or_create(pk=1)
    before = snapshot(template)
    if not weights_valid(weights):
        raise DomainError(WEIGHTS_INVALID, field_errors={"weights": [WEIGHTS_INVALID]})
    if grades is not None and not grades_valid(grades):
        raise DomainError(GRADES_INVALID, field_errors={"grades": [GRADES_INVALID]})
    template.period_kind, template.weights = period_kind, dict(weights)
    if grades is not None:
        template.grades = {g: {"min": str(Decimal(str(grades[g]["min"]))),
                               "coefficient": str(Decimal(str(grades[g]["coefficient"])))} for g in GRADES}
    template.version += 1
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
    """The township office asks to pay one clerk's month below the floor; the reason is required. The
    clerk must exist in the township (their name is copied for the county's list); one open or approved
    request per clerk and month."""
    from staffing.clerks.models import Clerk
    from tenants.townships.models import Township

    township = Township.objects.filter(code=township_code).first()
    if township is None or township.is_county:
        raise NotFound()
    with tenant_context(township):
        name = Clerk.objects.filter(pk=clerk_id).values_list("name", flat=True).first()
    if name is None:
        raise NotFound(field_errors={"clerk": [NOT_FOUND]})
    if PayException.objects.filter(township_code=township_code, clerk_id=clerk_id, year=year, month=month,
                                   status__in=[PayException.Status.PENDING, PayException.Status.APPROVED]).exists():
        raise Conflict(EXCEPTION_EXISTS)
    exc = PayException(township_code=township_code, clerk_id=clerk_id, clerk_name=name, year=year, month=month,
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
    _notify_exception(exc, actor=actor)
    return exc


def _notify_exception(exc: PayException, *, actor) -> None:
    """Tell the township office of the exception's township (with the clerk's name from its schema)."""
    from notifications.selectors import township_office_users
    from notifications.services import notify
    from tenants.townships.models import Township

    township = Township.objects.filter(code=exc.township_code).first()
    if township is None or township.is_county:
        return
    office = list(township_office_users(township=township))
    if not office:
        return
    name = exc.clerk_name or f"#{exc.clerk_id}"
    notify(event="pay.exception_decided", recipients=office, township=township, actor=actor,
           context={"clerk": name, "clerk_id": exc.clerk_id, "month": f"{exc.year}-{exc.month:02d}",
                    "status_code": exc.status, "reason": exc.reason, "exception_id": exc.pk})


# --- career decisions (issue 10 item 6) -----------------------------------------------------------------
# The township office proposes (in its township's schema); the proposal lives in the public schema so the
# county sees all townships'; the county's decision is applied in the township's schema in the same
# transaction.
CAREER_OFFICE_ONLY = _("Only the township office proposes a clerk for an established post or removal.")
CAREER_COUNTY_ONLY = _("Only the county decides on a career proposal.")
CAREER_OWN_CASE = _("Nobody proposes or decides their own case, nor decides a proposal they made.")
CAREER_CLERK_LEFT = _("This clerk is already in an established post or removed.")
CAREER_PENDING = _("This clerk already has a proposal waiting for the county's decision.")
CAREER_NO_APPRAISAL = _("A proposal rests on the clerk's appraisal history: appraise the clerk first.")
CAREER_BASIS_REQUIRED = _("Give the basis.")
CAREER_DECIDED = _("This proposal has already been decided.")
CAREER_DATE_REQUIRED = _("Give the decision date.")
CAREER_DATE_FUTURE = _("The decision date cannot be in the future: record a decision once it is taken.")
CAREER_DATE_BEFORE = _("The decision date cannot be before the proposal.")
CAREER_DOCUMENT_REQUIRED = _("Give the document number of the county's decision.")
CAREER_HISTORY_LIMIT = 24
CAREER_FIELDS = ["township", "clerk_id", "clerk_name", "kind", "basis", "status", "decision_basis", "decision_date",
                 "document_number", "decided_by_id"]


def career_appraisal_history(*, clerk_id: int) -> list[dict]:
    """The clerk's appraisals, newest first (in the current township schema), as shown and snapshotted."""
    from staffing.appraisal.models import Appraisal

    rows = (Appraisal.objects.filter(clerk_id=clerk_id).select_related("period")
            .order_by("-period__starts_on")[:CAREER_HISTORY_LIMIT])
    return [{"starts_on": a.period.starts_on.isoformat(), "ends_on": a.period.ends_on.isoformat(),
             "score": str(a.score), "grade": a.grade, "coefficient": str(a.coefficient),
             "clerk_comment": a.clerk_comment} for a in rows]


def _notify_career(*, event: str, proposal: CareerProposal, township, actor) -> None:
    """The township office (in the township) and, for a decision, the clerk: as a county-level
    notification, so that a removed clerk (no role left in the township) still reads it."""
    from accounts.models import User
    from notifications.selectors import county_admin_users, township_office_users
    from notifications.services import notify

    context = {"clerk": proposal.clerk_name, "kind_code": proposal.kind, "status_code": proposal.status,
               "basis": proposal.decision_basis or proposal.basis, "proposal_id": proposal.pk,
               "decision_date": proposal.decision_date.isoformat() if proposal.decision_date else "",
               "document_number": proposal.document_number, "township": township.name}
    if event == "career.proposed":
        people = [u for u in county_admin_users() if u.pk != getattr(actor, "pk", None)]
        if people:
            notify(event=event, recipients=people, context=context, actor=actor)
        return
    office = [u for u in township_office_users(township=township) if u.pk != proposal.clerk_user_id]
    if office:
        notify(event=event, recipients=office, township=township, context=context, actor=actor)
    clerk_user = User.objects.filter(pk=proposal.clerk_user_id, is_active=True).first() \
        if proposal.clerk_user_id else None
    if clerk_user is not None:
        notify(event=event, recipients=[clerk_user], context=context, actor=actor)


@transaction.atomic
def career_propose(*, actor, access, clerk_id: int, kind: str, basis: str) -> CareerProposal:
    """The township office (current township schema) proposes clerk `clerk_id` for an established post
    or for removal, with its basis; the clerk's appraisal history is snapshotted with the proposal."""
    from django.db import connection

    from accounts.models import Role
    from staffing.clerks.models import Clerk

    township = connection.tenant
    if township is None or getattr(township, "is_county", True) or not access.has_role(Role.TOWNSHIP_OFFICE):
        raise PermissionDenied(CAREER_OFFICE_ONLY)
    clerk = Clerk.objects.select_for_update().filter(pk=clerk_id).first()
    if clerk is None:
        raise NotFound()
    if clerk.user_id is not None and clerk.user_id == getattr(actor, "pk", None):
        raise PermissionDenied(CAREER_OWN_CASE)
    if clerk.status in (Clerk.Status.ESTABLISHED, Clerk.Status.REMOVED):
        raise Conflict(CAREER_CLERK_LEFT)
    if CareerProposal.objects.filter(township=township, clerk_id=clerk.pk,
                                     status=CareerProposal.Status.PENDING).exists():
        raise Conflict(CAREER_PENDING)
    if not (basis or "").strip():
        raise DomainError(CAREER_BASIS_REQUIRED, field_errors={"basis": [CAREER_BASIS_REQUIRED]})
    history = career_appraisal_history(clerk_id=clerk.pk)
    if not history:
        raise Conflict(CAREER_NO_APPRAISAL)
    proposal = CareerProposal(township=township, clerk_id=clerk.pk, clerk_name=clerk.name,
                              clerk_user_id=clerk.user_id, kind=kind, basis=basis.strip(),
                              appraisal_history=history, proposed_by_id=getattr(actor, "pk", None),
                              proposed_at=clock.now())
    full_clean_or_raise(proposal)
    proposal.save()
    after = snapshot(proposal, fields=CAREER_FIELDS)
    audit_record(actor=actor, action="career.propose", instance=proposal, after=after)  # the township's trail
    with schema_context(get_public_schema_name()):
        audit_record(actor=actor, action="career.propose", instance=proposal, after=after)  # the county's
    _notify_career(event="career.proposed", proposal=proposal, township=township, actor=actor)
    return proposal


@transaction.atomic
def career_decide(*, actor, access, proposal_id: int, approve: bool, basis: str,
                  decision_date: dt.date | None, document_number: str = "") -> CareerProposal:
    """The county decides a pending proposal (once): approve or reject, with its basis, decision date and
    (for an approval) document number. An approval changes the clerk's status in the township's schema
    in the same transaction (`clerks.services.clerk_career_apply`: placements end on the decision date,
    the clerk role goes); a rejection changes nothing there. Nobody decides their own case."""
    from staffing.clerks.services import clerk_career_apply

    if not access.is_county_admin:
        raise PermissionDenied(CAREER_COUNTY_ONLY)
    proposal = CareerProposal.objects.select_for_update().select_related("township").filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound()
    if proposal.status != CareerProposal.Status.PENDING:
        raise Conflict(CAREER_DECIDED)
    if getattr(actor, "pk", None) in (proposal.proposed_by_id, proposal.clerk_user_id):
        raise PermissionDenied(CAREER_OWN_CASE)
    township = proposal.township
    errors = {}
    if not (basis or "").strip():
        errors["basis"] = [CAREER_BASIS_REQUIRED]
    if decision_date is None:
        errors["decision_date"] = [CAREER_DATE_REQUIRED]
    elif decision_date > clock.today(township):
        errors["decision_date"] = [CAREER_DATE_FUTURE]
    elif decision_date < clock.localtime(proposal.proposed_at, township).date():
        errors["decision_date"] = [CAREER_DATE_BEFORE]
    if approve and not (document_number or "").strip():
        errors["document_number"] = [CAREER_DOCUMENT_REQUIRED]
    if errors:
        first = next(iter(errors.values()))[0]
        raise DomainError(first, field_errors=errors)
    before = snapshot(proposal, fields=CAREER_FIELDS)
    proposal.status = CareerProposal.Status.APPROVED if approve else CareerProposal.Status.REJECTED
    proposal.decision_basis, proposal.decision_date = basis.strip(), decision_date
    proposal.document_number = (document_number or "").strip()
    proposal.decided_by_id, proposal.decided_at = getattr(actor, "pk", None), clock.now()
    full_clean_or_raise(proposal)
    proposal.save()
    after = snapshot(proposal, fields=CAREER_FIELDS)
    with schema_context(get_public_schema_name()):  # the county's trail
        audit_record(actor=actor, action="career.decide", instance=proposal, before=before, after=after)
    with tenant_context(township):  # the township's trail and the change itself
        audit_record(actor=actor, action="career.decide", instance=proposal, before=before, after=after)
        if approve:
            clerk_career_apply(actor=actor, clerk_id=proposal.clerk_id, status=proposal.outcome_status,
                               on=decision_date, proposal_id=proposal.pk)
        _notify_career(event="career.decided", proposal=proposal, township=township, actor=actor)
    return proposal
