"""Writes of the clerks app: clerks, villages' required numbers, placements, rotation plans and the
daily application of placements to the clerk role's village scope. Every write is audited and runs
in one transaction; rules broken raise `DomainError` with a translatable constant."""
from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, RoleAssignment, User
from accounts.services import role_assign, role_revoke
from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, NotFound, full_clean_or_raise
from staffing.clerks import planner
from staffing.clerks.models import (
    MAX_CLERKS_PER_VILLAGE,
    Clerk,
    Placement,
    RotationMove,
    RotationPlan,
    VillageStaffing,
    limit_days,
)
from staffing.county.models import staffing_policy_get
from tenants.organisation.models import Village

VILLAGE_FULL = _("This village already has 3 clerks in that period; a fourth is refused.")
PLACEMENT_PAST_LIMIT = _("This placement would take the clerk past the rotation limit in this village.")
PLACEMENT_ALREADY_OPEN = _("This clerk already has an open placement; end it first.")
PLACEMENT_OVERLAP = _("This clerk already serves in this village in that period.")
CLERK_NOT_ACTIVE = _("Only an active clerk can be placed.")
PLACEMENT_ENDED = _("This placement has already ended.")
PLAN_NOT_DRAFT = _("This rotation plan has already been confirmed.")
MOVE_NOT_ALLOWED = _("A clerk cannot be moved into their home village, a village with declared relatives, "
                     "their current village or a village where they have reached the limit.")
CLERK_USER_UNKNOWN = _("No account with this id exists.")
STATUS_BY_DECISION = _("An established post or a removal is decided by the county on the township office's "
                       "proposal (clerk page, career decisions).")
STATUS_FINAL = _("This clerk is in an established post or removed; the status can no longer change.")
PLANNER_HORIZON_DAYS = 183  # six months
CLERK_FIELDS = ["user_id", "name", "gender", "birth_date", "home_village", "contract_start", "contract_end", "status"]


CAREER_STATUSES = (Clerk.Status.ESTABLISHED, Clerk.Status.REMOVED)


def max_years() -> int:
    return staffing_policy_get().max_years


def township_limit_days() -> int:
    return limit_days(max_years())


def _served_days(*, clerk_id: int, village_id: int, exclude_id: int | None = None) -> int:
    """Days counted as the trigger counts them: closed placements in full, an open one from its start."""
    total = 0
    qs = Placement.objects.filter(clerk_id=clerk_id, village_id=village_id)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    for p in qs:
        total += p.days()
    return total


@transaction.atomic
def village_required_set(*, actor, village: Village, required: int) -> VillageStaffing:
    staffing, _created = VillageStaffing.objects.select_for_update().get_or_create(village=village)
    before = snapshot(staffing)
    staffing.required = required
    full_clean_or_raise(staffing)
    staffing.save()
    audit_record(actor=actor, action="clerks.village_required", instance=staffing, before=before,
                 after=snapshot(staffing))
    return staffing


@transaction.atomic
def clerk_create(
    *, actor, name: str, gender: str, birth_date: dt.date, contract_start: dt.date,
    contract_end: dt.date | None = None, home_village: Village | None = None,
    relatives_village_ids: list[int] | None = None, user_id: int | None = None,
) -> Clerk:
    if user_id is not None and not User.objects.filter(pk=user_id).exists():
        raise DomainError(CLERK_USER_UNKNOWN, field_errors={"user_id": [CLERK_USER_UNKNOWN]})
    clerk = Clerk(name=(name or "").strip(), gender=gender, birth_date=birth_date, contract_start=contract_start,
                  contract_end=contract_end, home_village=home_village, user_id=user_id)
    full_clean_or_raise(clerk)
    clerk.save()
    if relatives_village_ids:
        clerk.relatives_villages.set(Village.objects.filter(pk__in=relatives_village_ids))
    audit_record(actor=actor, action="clerks.clerk_create", instance=clerk,
                 after={**snapshot(clerk, fields=CLERK_FIELDS), "relatives_village_ids": sorted(relatives_village_ids or [])})
    return clerk


def _check_room(*, village: Village, starts_on: dt.date, ends_on: dt.date | None, exclude_clerk_id: int) -> None:
    overlapping = Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
    if ends_on is not None:
        overlapping &= Q(starts_on__lte=ends_on)
    others = (Placement.objects.filter(overlapping, village=village).exclude(clerk_id=exclude_clerk_id)
              .values("clerk_id").distinct().count())
    if others >= MAX_CLERKS_PER_VILLAGE:
        raise Conflict(VILLAGE_FULL, field_errors={"village": [VILLAGE_FULL]})


@transaction.atomic
def placement_start(*, actor, clerk: Clerk, village: Village, starts_on: dt.date,
                    ends_on: dt.date | None = None, check_open: bool = True) -> Placement:
    """Place `clerk` in `village` from `starts_on` (to `ends_on`, or open). A placement that has
    started by today changes the clerk role's village scope at once; a later one on its date."""
    clerk = Clerk.objects.select_for_update().get(pk=clerk.pk)
    # Serialise placements of one village: lock the village's staffing row (created if missing).
    VillageStaffing.objects.get_or_create(village=village)
    VillageStaffing.objects.select_for_update().get(village=village)
    if clerk.status != Clerk.Status.ACTIVE:
        raise DomainError(CLERK_NOT_ACTIVE)
    placement = Placement(clerk=clerk, village=village, starts_on=starts_on, ends_on=ends_on)
    if ends_on is None and check_open and Placement.objects.filter(clerk=clerk, ends_on__isnull=True).exists():
        raise Conflict(PLACEMENT_ALREADY_OPEN)
    full_clean_or_raise(placement)
    same = Placement.objects.filter(clerk=clerk, village=village).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
    if ends_on is not None:
        same = same.filter(starts_on__lte=ends_on)
    if same.exists():
        raise Conflict(PLACEMENT_OVERLAP)
    _check_room(village=village, starts_on=starts_on, ends_on=ends_on, exclude_clerk_id=clerk.pk)
    if _served_days(clerk_id=clerk.pk, village_id=village.pk) + placement.days() > township_limit_days():
        raise DomainError(PLACEMENT_PAST_LIMIT, field_errors={"ends_on": [PLACEMENT_PAST_LIMIT]})
    placement.save()
    audit_record(actor=actor, action="clerks.placement_start", instance=placement, after=snapshot(placement))
    clerk_scope_apply(actor=actor, clerk=clerk)
    return placement


@transaction.atomic
def placement_end(*, actor, placement: Placement, ends_on: dt.date) -> Placement:
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if placement.ends_on is not None and placement.ends_on < ends_on:
        raise DomainError(PLACEMENT_ENDED)
    before = snapshot(placement)
    placement.ends_on = ends_on
    full_clean_or_raise(placement)
    if (_served_days(clerk_id=placement.clerk_id, village_id=placement.village_id, exclude_id=placement.pk)
            + placement.days() > township_limit_days()):
        raise DomainError(PLACEMENT_PAST_LIMIT, field_errors={"ends_on": [PLACEMENT_PAST_LIMIT]})
    placement.save(update_fields=["ends_on"])
    audit_record(actor=actor, action="clerks.placement_end", instance=placement, before=before,
                 after=snapshot(placement))
    clerk_scope_apply(actor=actor, clerk=placement.clerk)
    return placement


def last_allowed_day(placement: Placement) -> dt.date:
    """The last day `placement` may run before its clerk passes the limit in its village."""
    left = township_limit_days() - _served_days(clerk_id=placement.clerk_id, village_id=placement.village_id,
                                                exclude_id=placement.pk)
    return placement.starts_on + dt.timedelta(days=max(left, 1) - 1)


@transaction.atomic
def placements_end_at_limit(*, actor=None, today: dt.date) -> int:
    """End every open placement whose limit day has passed, on that day (the rule is never
    outlived: the clerk leaves the village the day after, and the village shows the gap)."""
    ended = 0
    for placement in Placement.objects.filter(ends_on__isnull=True, starts_on__lt=today).select_related("clerk"):
        last = last_allowed_day(placement)
        if last < today:
            placement_end(actor=actor, placement=placement, ends_on=last)
            ended += 1
    return ended


def villages_serving_on(*, clerk_id: int, day: dt.date) -> list[int]:
    return sorted(Placement.objects.filter(clerk_id=clerk_id, starts_on__lte=day)
                  .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
                  .values_list("village_id", flat=True).distinct())


def clerk_scope_apply(*, actor, clerk: Clerk, day: dt.date | None = None) -> bool:
    """Make the clerk user's clerk-role villages those of their placements on `day` (township-local
    today by default); no villages means no clerk role. Returns True when something changed."""
    township = connection.tenant
    if clerk.user_id is None or township is None or getattr(township, "is_county", True):
        return False
    day = day or clock.today(township)
    villages = villages_serving_on(clerk_id=clerk.pk, day=day) if clerk.status == Clerk.Status.ACTIVE else []
    assignment = RoleAssignment.objects.filter(user_id=clerk.user_id, township=township, role=Role.CLERK).first()
    if assignment is not None and sorted(assignment.village_ids) == villages:
        return False
    if not villages:
        if assignment is None:
            return False
        role_revoke(actor=actor, assignment=assignment)
        return True
    role_assign(actor=actor, user=User.objects.get(pk=clerk.user_id), role=Role.CLERK, township=township,
                village_ids=villages)
    return True


@transaction.atomic
def placements_apply_due(*, actor=None) -> int:
    """The daily job: open placements past their limit day end on it; then every clerk's role
    scope follows today's placements (idempotent)."""
    today = clock.today(connection.tenant)
    changed = placements_end_at_limit(actor=actor, today=today)
    for clerk in Clerk.objects.exclude(user_id=None):
        changed += clerk_scope_apply(actor=actor, clerk=clerk)
    return changed


@transaction.atomic
def clerk_status_set(*, actor, clerk: Clerk, status: str) -> Clerk:
    """Change a clerk's status between active and on leave; leaving "active" ends the open placement
    today (township-local), and the clerk role's villages follow at once (none: no clerk role).
    An established post or a removal is the county's decision (`clerk_career_apply`), and final."""
    clerk = Clerk.objects.select_for_update().get(pk=clerk.pk)
    if status in CAREER_STATUSES:
        raise DomainError(STATUS_BY_DECISION, field_errors={"status": [STATUS_BY_DECISION]})
    if clerk.status in CAREER_STATUSES:
        raise Conflict(STATUS_FINAL)
    before = snapshot(clerk, fields=CLERK_FIELDS)
    clerk.status = status
    full_clean_or_raise(clerk)
    clerk.save(update_fields=["status"])
    audit_record(actor=actor, action="clerks.clerk_status", instance=clerk, before=before,
                 after=snapshot(clerk, fields=CLERK_FIELDS))
    if status != Clerk.Status.ACTIVE:
        today = clock.today(connection.tenant)
        for placement in Placement.objects.filter(clerk=clerk, ends_on__isnull=True):
            placement_end(actor=actor, placement=placement,
                          ends_on=max(placement.starts_on, min(today, last_allowed_day(placement))))
    clerk_scope_apply(actor=actor, clerk=clerk)
    return clerk


@transaction.atomic
def clerk_career_apply(*, actor, clerk_id: int, status: str, on: dt.date, proposal_id: int) -> Clerk:
    """Carry out the county's approved career decision `proposal_id` in this township: the clerk's
    status becomes "established" or "removed" and they leave the corps on the decision date `on`.

    Both outcomes end the clerk's service in villages: placements running on `on` (or later) end on
    `on` (never past the rotation limit), placements starting after `on` are cancelled, and the clerk
    role is revoked at once (no village scope from that day). An established post (事业编制) is a
    post in a township public institution, paid by its own payroll: the clerk is no longer placed,
    rotated or appraised as a clerk, and is paid on the clerk pay sheet up to the decision month only
    (see `appraisal.services.pay_sheet_prepare`)."""
    if status not in CAREER_STATUSES:
        raise DomainError(STATUS_BY_DECISION)
    clerk = Clerk.objects.select_for_update().filter(pk=clerk_id).first()
    if clerk is None:
        raise NotFound()
    if clerk.status in CAREER_STATUSES:
        raise Conflict(STATUS_FINAL)
    before = snapshot(clerk, fields=CLERK_FIELDS)
    clerk.status = status
    full_clean_or_raise(clerk)
    clerk.save(update_fields=["status"])
    audit_record(actor=actor, action="clerks.clerk_career", instance=clerk, before=before,
                 after={**snapshot(clerk, fields=CLERK_FIELDS), "proposal_id": proposal_id, "on": on.isoformat()})
    for placement in Placement.objects.select_for_update().filter(clerk=clerk).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gt=on)).order_by("starts_on", "pk"):
        if placement.starts_on > on:
            snap = snapshot(placement)
            placement.delete()
            audit_record(actor=actor, action="clerks.placement_cancel", object_type="clerks.placement",
                         object_id=snap["id"], object_repr=str(snap), before=snap)
        else:
            placement_end(actor=actor, placement=placement,
                          ends_on=max(placement.starts_on, min(on, last_allowed_day(placement))))
    clerk_scope_apply(actor=actor, clerk=clerk)
    return clerk


# --- rotation -----------------------------------------------------------------------------------------
def planner_states() -> tuple[dict[int, int], list[planner.ClerkState]]:
    """The township's villages (required) and clerks with an open placement, in three queries."""
    required = dict(VillageStaffing.objects.values_list("village_id", "required"))
    villages = {v: required.get(v, 1) for v in Village.objects.values_list("pk", flat=True)}
    served: dict[int, dict[int, int]] = {}
    open_: dict[int, Placement] = {}
    for p in Placement.objects.filter(clerk__status=Clerk.Status.ACTIVE).only(
            "clerk_id", "village_id", "starts_on", "ends_on"):
        if p.ends_on is None:
            open_[p.clerk_id] = p
        else:
            per = served.setdefault(p.clerk_id, {})
            per[p.village_id] = per.get(p.village_id, 0) + p.days()
    relatives: dict[int, set[int]] = {}
    for clerk_id, village_id in Clerk.relatives_villages.through.objects.values_list("clerk_id", "village_id"):
        relatives.setdefault(clerk_id, set()).add(village_id)
    homes = dict(Clerk.objects.filter(pk__in=open_).values_list("pk", "home_village_id"))
    states = [planner.ClerkState(clerk_id=cid, village_id=p.village_id, since=p.starts_on,
                                 served_days=served.get(cid, {}), home_village_id=homes.get(cid),
                                 relatives_village_ids=frozenset(relatives.get(cid, ())))
              for cid, p in open_.items()]
    return villages, states


def rotation_plan_compute(*, today: dt.date | None = None) -> planner.Plan:
    villages, states = planner_states()
    today = today or clock.today(connection.tenant)
    return planner.plan_rotation(villages=villages, clerks=states, today=today, limit_days=township_limit_days(),
                                 horizon_days=PLANNER_HORIZON_DAYS)


@transaction.atomic
def rotation_plan_propose(*, actor) -> RotationPlan:
    """A draft plan with the planner's moves, for the office to adjust and confirm."""
    proposal = rotation_plan_compute()
    plan = RotationPlan.objects.create(created_by_id=getattr(actor, "pk", None))
    RotationMove.objects.bulk_create([
        RotationMove(plan=plan, clerk_id=m.clerk_id, from_village_id=m.from_village_id,
                     to_village_id=m.to_village_id, moves_on=m.moves_on) for m in proposal.moves])
    audit_record(actor=actor, action="clerks.plan_propose", instance=plan,
                 after={"moves": len(proposal.moves), "unplaced": proposal.unplaced, "unfilled": proposal.unfilled})
    return plan


@transaction.atomic
def rotation_move_adjust(*, actor, move: RotationMove, to_village: Village, moves_on: dt.date | None = None) -> RotationMove:
    move = RotationMove.objects.select_for_update().select_related("plan", "clerk").get(pk=move.pk)
    if move.plan.status != RotationPlan.Status.DRAFT:
        raise Conflict(PLAN_NOT_DRAFT)
    clerk = move.clerk
    relatives = set(clerk.relatives_villages.values_list("pk", flat=True))
    if to_village.pk in relatives or to_village.pk in (clerk.home_village_id, move.from_village_id):
        raise DomainError(MOVE_NOT_ALLOWED, field_errors={"to_village": [MOVE_NOT_ALLOWED]})
    before = snapshot(move)
    move.to_village = to_village
    if moves_on is not None:
        move.moves_on = moves_on
    full_clean_or_raise(move)
    move.save()
    audit_record(actor=actor, action="clerks.move_adjust", instance=move, before=before, after=snapshot(move))
    return move


@transaction.atomic
def rotation_plan_confirm(*, actor, plan: RotationPlan) -> RotationPlan:
    """Confirm: each move ends the clerk's open placement the day before `moves_on` and opens one in
    the target from `moves_on` (all rules checked again); the scope changes on that date."""
    plan = RotationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != RotationPlan.Status.DRAFT:
        raise Conflict(PLAN_NOT_DRAFT)
    moves = list(plan.moves.select_related("clerk", "to_village").order_by("moves_on", "pk"))
    # End every old placement first, then open the new ones in date order, so that swaps between
    # villages at their full number pass the fourth-clerk check.
    for move in moves:
        clerk = move.clerk
        relatives = set(clerk.relatives_villages.values_list("pk", flat=True))
        if move.to_village_id in relatives or move.to_village_id == clerk.home_village_id:
            raise DomainError(MOVE_NOT_ALLOWED)
        current = Placement.objects.filter(clerk=clerk, ends_on__isnull=True).first()
        if current is not None:
            placement_end(actor=actor, placement=current,
                          ends_on=max(current.starts_on, min(move.moves_on - dt.timedelta(days=1),
                                                             last_allowed_day(current))))
    for move in moves:
        placement_start(actor=actor, clerk=move.clerk, village=move.to_village, starts_on=move.moves_on)
    plan.status = RotationPlan.Status.CONFIRMED
    plan.confirmed_at = clock.now()
    plan.confirmed_by_id = getattr(actor, "pk", None)
    plan.save()
    audit_record(actor=actor, action="clerks.plan_confirm", instance=plan, after={"moves": plan.moves.count()})
    return plan


def placement_get(*, pk: int) -> Placement:
    placement = Placement.objects.filter(pk=pk).first()
    if placement is None:
        raise NotFound()
    return placement
