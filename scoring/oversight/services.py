"""Writes of the spot checks: commit and draw each month, checks with their team and member list,
findings, and unannounced checks.

Decisions:
- A draw for month M checks the entries of the month before (M-1), which the township closed at
  the start of M; an unannounced check covers the month before it is opened, too.
- The public value is the county's override for M when one is entered before the draw, else the
  SHA-256 of the seal lines of month M-1 of every township the county holds a seal of (sorted by
  township code); see `scoring.oversight.sampler`.
- Forced villages: those not checked in the last `max_unchecked_months` draws (counted only once the
  township has had that many draws), and those with a discrepancy in the previous draw.
- The team: up to one township-office user and two clerks / work-team leaders, chosen from the
  seeded stream, never one placed in, scoped to or living in the village (`team_conflict`).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from accounts.models import Role, RoleAssignment
from audit.services import audit_record
from common import clock
from common.errors import Conflict, DomainError, NotFound, PermissionDenied, full_clean_or_raise
from scoring.ledger.evidence import evidence_check
from scoring.ledger.models import Entry, MemberYearTotal
from scoring.oversight import sampler
from scoring.oversight.models import Check, CheckMember, CheckTeamMember, Draw, Finding, FindingPhoto
from scoring.oversight.policy import policy_effective
from tenants.organisation.models import Member, Village

COMMIT_TOO_LATE = _("The commitment for %(month)s must be made before the month starts.")
NO_COMMITMENT = _("No commitment was published before %(month)s: this month cannot be drawn verifiably.")
ALREADY_DRAWN = _("The draw for %(month)s has already been made; a draw is never redone.")
DRAW_TOO_EARLY = _("The draw for %(month)s is due on %(day)s.")
TEAM_CONFLICT = _("This person is placed in, scoped to or lives in the village and cannot check it.")
TEAM_NOT_ELIGIBLE = _("Only township office staff, clerks and work-team leaders can be on a check team.")
CANNOT_RUN_CHECKS = _("Only the township office, the supervision office and the discipline commission run checks.")
NOT_ON_TEAM = _("You are not on this check's team.")
CHECK_DONE = _("This check is already completed.")
ENTRY_NOT_IN_CHECK = _("This entry is not one of the checked members' posted entries.")
FINDING_EXISTS = _("This entry has already been marked in this check.")
REASON_REQUIRED = _("Choose what the discrepancy is.")
NOTE_REQUIRED = _("Describe the discrepancy.")
UNKNOWN_RESULT = _("Unknown result.")

TEAM_ROLES = (Role.TOWNSHIP_OFFICE, Role.CLERK, Role.WORK_TEAM)
RUNS_CHECKS = (Role.TOWNSHIP_OFFICE, Role.SUPERVISION_OFFICE, Role.DISCIPLINE_COMMISSION)


def _label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year, month - 1) if month > 1 else (year - 1, 12)


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year, month + 1) if month < 12 else (year + 1, 1)


def _township():
    return connection.tenant


def _month_start(year: int, month: int) -> dt.datetime:
    return clock.start_of_day(dt.date(year, month, 1), zone=clock.zone_of(_township()))


def can_run_checks(access: Access) -> bool:
    return access.has_role(*RUNS_CHECKS)


# --- commit and draw -------------------------------------------------------------------------
@transaction.atomic
def draw_commit(*, year: int, month: int, actor=None, now: dt.datetime | None = None) -> Draw:
    """Commit to a fresh secret seed for `month` (before it starts); idempotent: an existing
    commitment is returned unchanged, never replaced."""
    now = now or clock.now()
    existing = Draw.objects.filter(year=year, month=month).first()
    if existing is not None:
        return existing
    if now >= _month_start(year, month):
        raise Conflict(COMMIT_TOO_LATE % {"month": _label(year, month)})
    seed = secrets.token_hex(32)
    draw = Draw(year=year, month=month, seed=seed, commitment=sampler.commitment_of(seed), committed_at=now)
    full_clean_or_raise(draw, validate_constraints=False)
    try:
        with transaction.atomic():
            draw.save()
    except IntegrityError:  # a concurrent run committed first
        return Draw.objects.get(year=year, month=month)
    audit_record(actor=actor, action="draw.commit", instance=draw,
                 after={"month": _label(year, month), "commitment": draw.commitment})
    return draw


def public_inputs(*, year: int, month: int) -> dict:
    """The public value for `month`'s draws: the county's override, else the seal heads of the
    month before, as the county holds them (public schema)."""
    from scoring.county.models import DrawPublicValue, LedgerSeal

    override = DrawPublicValue.objects.filter(year=year, month=month).first()
    if override is not None:
        return {"public_value_source": "override", "override": override.value, "override_source": override.source,
                "seal_lines": [], "public_value": sampler.public_value_from_override(override.value)}
    py, pm = previous_month(year, month)
    lines = sorted(sampler.seal_line(code, py, pm, seq, head) for code, seq, head in LedgerSeal.objects.filter(
        year=py, month=pm).values_list("township__code", "head_seq", "head_hash"))
    return {"public_value_source": "seals", "override": "", "override_source": "", "seal_lines": lines,
            "public_value": sampler.public_value_from_seals(lines)}


def _forced(*, year: int, month: int, max_unchecked: int, codes: dict[int, str]) -> list[dict]:
    earlier = list(Draw.objects.filter(status=Draw.Status.DRAWN).exclude(year=year, month=month)
                   .order_by("-year", "-month")[:max_unchecked])
    forced: dict[str, str] = {}
    if len(earlier) >= max_unchecked:
        checked = set(Check.objects.filter(draw__in=earlier).values_list("village_id", flat=True))
        for village_id, code in codes.items():
            if village_id not in checked:
                forced[code] = "unchecked"
    if earlier:
        flagged = set(Finding.objects.filter(check_obj__draw=earlier[0], result=Finding.Result.DISCREPANCY)
                      .values_list("check_obj__village_id", flat=True))
        for village_id in flagged:
            if village_id in codes:
                forced.setdefault(codes[village_id], "discrepancy")
    return [{"code": code, "reason": reason} for code, reason in sorted(forced.items())]


@transaction.atomic
def draw_run(*, year: int, month: int, actor=None, now: dt.datetime | None = None) -> Draw:
    """Reveal the seed and draw `month`: one draw per month (row lock + status), never redone."""
    now = now or clock.now()
    draw = Draw.objects.select_for_update().filter(year=year, month=month).first()
    if draw is None or draw.committed_at >= _month_start(year, month):
        raise Conflict(NO_COMMITMENT % {"month": _label(year, month)})
    if draw.status == Draw.Status.DRAWN:
        raise Conflict(ALREADY_DRAWN % {"month": _label(year, month)})
    policy = policy_effective(year=year)
    draw_day = dt.date(year, month, policy["draw_day"])
    if clock.today(_township(), at=now) < draw_day:
        raise Conflict(DRAW_TOO_EARLY % {"month": _label(year, month), "day": draw_day.isoformat()})
    villages = list(Village.objects.order_by("code").values("id", "code", "name"))
    codes = {v["id"]: v["code"] for v in villages}
    forced = _forced(year=year, month=month, max_unchecked=policy["max_unchecked_months"], codes=codes)
    inputs = public_inputs(year=year, month=month)
    seed = sampler.draw_seed(draw.seed, inputs["public_value"], _township().code, year, month)
    drawn = sampler.villages_draw(seed=seed, codes=list(codes.values()), share=policy["share"],
                                  forced=[f["code"] for f in forced])
    draw.status = Draw.Status.DRAWN
    draw.algorithm = sampler.ALGORITHM_VERSION
    draw.share = policy["share"]
    draw.villages = villages
    draw.forced = forced
    draw.drawn_codes = drawn
    draw.drawn_at = now
    for key, value in inputs.items():
        setattr(draw, key, value)
    draw.save()
    by_code = {v["code"]: v["id"] for v in villages}
    due_on = clock.today(_township(), at=now) + dt.timedelta(days=policy["check_due_days"])
    checks = [_check_create(draw=draw, village_id=by_code[code], kind=Check.Kind.DRAWN, seed=seed, due_on=due_on,
                            actor=actor, now=now, policy=policy) for code in drawn]
    audit_record(actor=actor, action="draw.run", instance=draw,
                 after={"month": _label(year, month), "drawn": drawn, "public_value": draw.public_value})
    _notify_assigned(checks, actor)
    return draw


def draw_json(draw: Draw) -> dict:
    """Everything an observer needs to recompute the draw with tools/verify_draw.py."""
    return {
        "algorithm": draw.algorithm, "township": _township().code, "year": draw.year, "month": draw.month,
        "commitment": draw.commitment, "committed_at": draw.committed_at.isoformat(), "seed": draw.seed,
        "public_value_source": draw.public_value_source, "public_value": draw.public_value,
        "seal_lines": draw.seal_lines, "override": draw.override, "override_source": draw.override_source,
        "share": draw.share, "village_codes": [v["code"] for v in draw.villages],
        "villages": draw.villages, "forced_codes": [f["code"] for f in draw.forced], "forced": draw.forced,
        "drawn_codes": draw.drawn_codes,
    }


def draws_due(*, now: dt.datetime | None = None) -> dict:
    """The daily beat job's work in the current township: commit next month, draw this month once
    its draw day has come. Safe to run any number of times."""
    now = now or clock.now()
    today = clock.today(_township(), at=now)
    done = {"committed": None, "drawn": None}
    ny, nm = next_month(today.year, today.month)
    done["committed"] = str(draw_commit(year=ny, month=nm, now=now))
    draw = Draw.objects.filter(year=today.year, month=today.month, status=Draw.Status.COMMITTED).first()
    if draw is not None and today.day >= policy_effective(year=today.year)["draw_day"]:
        # Conflict: drawn meanwhile by another delivery, or not drawable: nothing to do.
        with contextlib.suppress(Conflict):
            done["drawn"] = str(draw_run(year=today.year, month=today.month, now=now))
    return done


# --- checks ------------------------------------------------------------------------------------
def team_conflict(*, user_id: int, village_id: int) -> bool:
    """Is the user placed in (clerk), scoped to (work team, liaison, secretary of a branch there)
    or living in (a member of a branch there) the village?"""
    from tenants.organisation.models import Branch

    branch_ids = set(Branch.objects.filter(village_id=village_id).values_list("id", flat=True))
    member_ids = set(Member.objects.filter(branch_id__in=branch_ids).values_list("id", flat=True))
    for a in RoleAssignment.objects.filter(user_id=user_id, township=_township()).values(
            "village_ids", "branch_id", "member_id"):
        if village_id in (a["village_ids"] or []) or a["branch_id"] in branch_ids or a["member_id"] in member_ids:
            return True
    return False


def _team_pick(*, village_id: int, seed: str) -> list[tuple[int, str]]:
    rows = RoleAssignment.objects.filter(township=_township(), role__in=TEAM_ROLES, user__is_active=True)
    candidates: dict[int, str] = {}
    for user_id, role in rows.values_list("user_id", "role"):
        if role == Role.TOWNSHIP_OFFICE or user_id not in candidates:
            candidates[user_id] = role
    eligible = {u: r for u, r in candidates.items() if not team_conflict(user_id=u, village_id=village_id)}
    ordered = [int(u) for u in sampler.order_by_ticket(f"{seed}|team|{village_id}", [str(u) for u in eligible])]
    office = [u for u in ordered if eligible[u] == Role.TOWNSHIP_OFFICE][:1]
    others = [u for u in ordered if eligible[u] != Role.TOWNSHIP_OFFICE][:2]
    return [(u, eligible[u]) for u in office + others]


def key_members(*, village_id: int, year: int, month: int, policy: dict) -> dict[int, list[str]]:
    """Key members of the village for the month's posted entries, with the reasons."""
    start = dt.date(year, month, 1)
    end = dt.date(*next_month(year, month), 1)
    entries = Entry.objects.filter(member__branch__village_id=village_id, status=Entry.Status.POSTED,
                                   occurred_on__gte=start, occurred_on__lt=end, corrects__isnull=True)
    reasons: dict[int, list[str]] = {}

    def add(member_id, reason):
        reasons.setdefault(member_id, [])
        if reason not in reasons[member_id]:
            reasons[member_id].append(reason)

    if policy["key_largest_additions"]:
        top = (entries.filter(final_points__gt=0).values("member_id").annotate(total=Sum("final_points"))
               .order_by("-total", "member_id")[:2])
        for row in top:
            add(row["member_id"], "largest_additions")
    if policy["key_late_entries"]:
        for member_id in entries.filter(is_late=True).values_list("member_id", flat=True):
            add(member_id, "late_entries")
    if policy["key_discrepancy_scorers"]:
        flagged = Finding.objects.filter(result=Finding.Result.DISCREPANCY, recorded_at__lt=_month_start(
            *next_month(year, month))).values_list("entry__entered_by_id", flat=True)
        for member_id in entries.filter(entered_by_id__in=set(flagged)).values_list("member_id", flat=True):
            add(member_id, "discrepancy_scorer")
    if policy["key_remote_members"]:
        from django.db.models import Q

        for member_id in entries.filter(Q(member__is_migrant=True) | Q(member__is_special_occupation=True)
                                        ).values_list("member_id", flat=True):
            add(member_id, "remote_member")
    if policy["key_near_pass_line"] and policy.get("pass_line") is not None:
        margin, line = policy["near_pass_margin"], policy["pass_line"]
        for member_id in MemberYearTotal.objects.filter(
                member__branch__village_id=village_id, scoring_year=year, total__gte=line - margin,
                total__lte=line + margin).values_list("member_id", flat=True):
            add(member_id, "near_pass_line")
    return reasons


def _check_create(*, draw: Draw | None, village_id: int, kind: str, seed: str, due_on: dt.date, actor,
                  now: dt.datetime, policy: dict, team: list[tuple[int, str]] | None = None) -> Check:
    year, month = (draw.year, draw.month) if draw is not None else (clock.today(_township(), at=now).year,
                                                                    clock.today(_township(), at=now).month)
    cy, cm = previous_month(year, month)
    check = Check(draw=draw, kind=kind, village_id=village_id, year=cy, month=cm, due_on=due_on,
                  opened_by_id=getattr(actor, "pk", None), opened_at=now)
    full_clean_or_raise(check, validate_constraints=False)
    check.save()
    for user_id, role in (team if team is not None else _team_pick(village_id=village_id, seed=seed)):
        CheckTeamMember.objects.create(check_obj=check, user_id=user_id, role=role)
    reasons = key_members(village_id=village_id, year=cy, month=cm, policy=policy)
    code = Village.objects.values_list("code", flat=True).get(pk=village_id)
    member_ids = [str(m) for m in Member.objects.filter(branch__village_id=village_id, status=Member.Status.ACTIVE)
                  .order_by("id").values_list("id", flat=True)]
    chosen = sampler.members_choose(seed=seed, village_code=code, member_ids=member_ids,
                                    key_ids=[str(m) for m in sorted(reasons, key=lambda m: (-len(reasons[m]), m))],
                                    count=policy["members_per_village"])
    CheckMember.objects.bulk_create([
        CheckMember(check_obj=check, member_id=int(m), position=i, is_key=int(m) in reasons,
                    key_reasons=reasons.get(int(m), [])) for i, m in enumerate(chosen)])
    audit_record(actor=actor, action="check.open", instance=check,
                 after={"village": code, "kind": kind, "members": chosen})
    return check


def _notify_assigned(checks: list[Check], actor) -> None:
    from django.contrib.auth import get_user_model

    from notifications.selectors import recipients_in_township
    from notifications.services import notify

    for check in checks:
        users = recipients_in_township(township=_township(), users=list(get_user_model().objects.filter(
            pk__in=check.team.values_list("user_id", flat=True), is_active=True)))
        if users:
            notify(event="check.assigned", recipients=users, township=_township(), actor=actor,
                   context={"check_id": check.pk, "village": check.village.name, "due_on": check.due_on.isoformat()})


@transaction.atomic
def check_unannounced_open(*, actor, access: Access, village_id: int, note: str = "") -> Check:
    """An unannounced check (不定期抽查) of any village at any time, by the township office, the
    supervision office or the discipline commission; the opener leads the team unless they are
    tied to the village, then the usual team is picked."""
    if not can_run_checks(access):
        raise PermissionDenied(CANNOT_RUN_CHECKS)
    if not Village.objects.filter(pk=village_id).exists():
        raise NotFound()
    now = clock.now()
    year = clock.today(_township(), at=now).year
    policy = policy_effective(year=year)
    seed = secrets.token_hex(32)
    team = _team_pick(village_id=village_id, seed=seed)
    if not team_conflict(user_id=actor.pk, village_id=village_id) and actor.pk not in {u for u, _r in team}:
        role = next(r for r in RUNS_CHECKS if access.has_role(r))
        team = [(actor.pk, role), *team]
    check = _check_create(draw=None, village_id=village_id, kind=Check.Kind.UNANNOUNCED, seed=seed,
                          due_on=clock.today(_township(), at=now) + dt.timedelta(days=policy["check_due_days"]),
                          actor=actor, now=now, policy=policy, team=team)
    if note:
        check.note = note
        full_clean_or_raise(check, validate_constraints=False)
        check.save(update_fields=["note"])
    _notify_assigned([check], actor)
    return check


@transaction.atomic
def check_team_add(*, actor, access: Access, check_id: int, user_id: int) -> CheckTeamMember:
    if not can_run_checks(access):
        raise PermissionDenied(CANNOT_RUN_CHECKS)
    check = Check.objects.select_for_update().filter(pk=check_id).first()
    if check is None:
        raise NotFound()
    roles = set(RoleAssignment.objects.filter(user_id=user_id, township=_township()).values_list("role", flat=True))
    eligible = [r for r in (*TEAM_ROLES, Role.SUPERVISION_OFFICE, Role.DISCIPLINE_COMMISSION) if r in roles]
    if not eligible:
        raise DomainError(TEAM_NOT_ELIGIBLE)
    if team_conflict(user_id=user_id, village_id=check.village_id):
        raise DomainError(TEAM_CONFLICT)
    member, _created = CheckTeamMember.objects.get_or_create(check_obj=check, user_id=user_id,
                                                            defaults={"role": eligible[0]})
    audit_record(actor=actor, action="check.team_add", instance=check, after={"user": user_id})
    return member


def may_work_on(check: Check, access: Access) -> bool:
    return can_run_checks(access) or check.team.filter(user_id=access.user_id).exists()


@transaction.atomic
def finding_record(*, actor, access: Access, check_id: int, entry_id: int, result: str, reason: str = "",
                   note: str = "", points=None, photos=()) -> Finding:
    """Mark one posted entry of a checked member confirmed or a discrepancy. A discrepancy with
    `points` (the change, e.g. -2) proposes a correcting entry through the review path; the team's
    membership is the authority for it (`authorised=True`)."""
    from scoring.ledger.services import entry_correction_propose

    check = Check.objects.select_for_update().filter(pk=check_id).first()
    if check is None:
        raise NotFound()
    if not may_work_on(check, access):
        raise PermissionDenied(NOT_ON_TEAM)
    if check.status == Check.Status.DONE:
        raise Conflict(CHECK_DONE)
    if result not in Finding.Result.values:
        raise DomainError(UNKNOWN_RESULT, field_errors={"result": [UNKNOWN_RESULT]})
    entry = Entry.objects.filter(pk=entry_id, status=Entry.Status.POSTED, corrects__isnull=True,
                                 member_id__in=check.members.values("member_id")).first()
    if entry is None:
        raise DomainError(ENTRY_NOT_IN_CHECK)
    if Finding.objects.filter(check_obj=check, entry=entry).exists():
        raise Conflict(FINDING_EXISTS)
    note = (note or "").strip()
    if result == Finding.Result.DISCREPANCY:
        if reason not in Finding.Reason.values:
            raise DomainError(REASON_REQUIRED, field_errors={"reason": [REASON_REQUIRED]})
        if not note:
            raise DomainError(NOTE_REQUIRED, field_errors={"note": [NOTE_REQUIRED]})
    else:
        reason = ""
    checked = evidence_check(photos)
    finding = Finding(check_obj=check, entry=entry, result=result, reason=reason, note=note,
                      recorded_by_id=actor.pk, recorded_at=clock.now())
    full_clean_or_raise(finding, validate_constraints=False)
    finding.save()
    for item in checked:
        photo = FindingPhoto(finding=finding, original_name=item.original_name, content_type=item.content_type,
                             sha256=item.sha256)
        photo.file.save(item.stored_name, item.upload, save=False)
        photo.save()
    if result == Finding.Result.DISCREPANCY and points not in (None, ""):
        finding.correction = entry_correction_propose(
            actor=actor, access=access, entry_id=entry.pk, points=points, reason=note,
            source=f"check:{check.pk}", authorised=True)
        finding.save(update_fields=["correction"])
    audit_record(actor=actor, action="check.finding", instance=finding,
                 after={"check": check.pk, "entry": entry.pk, "result": result, "reason": reason,
                        "correction": finding.correction_id})
    return finding


@transaction.atomic
def check_complete(*, actor, access: Access, check_id: int) -> Check:
    check = Check.objects.select_for_update().filter(pk=check_id).first()
    if check is None:
        raise NotFound()
    if not may_work_on(check, access):
        raise PermissionDenied(NOT_ON_TEAM)
    if check.status == Check.Status.DONE:
        raise Conflict(CHECK_DONE)
    check.status = Check.Status.DONE
    check.completed_at = clock.now()
    check.save(update_fields=["status", "completed_at"])
    audit_record(actor=actor, action="check.complete", instance=check, after={"status": check.status})
    return check


@transaction.atomic
def township_policy_set(*, actor, access: Access, year: int, share) -> object:
    """The township raises its share for `year` (never below the county's)."""
    from scoring.county.selectors import oversight_policy_get
    from scoring.oversight.models import TownshipOversightPolicy

    if not access.runs_scoring:
        raise PermissionDenied()
    try:
        share = Decimal(str(share)).quantize(Decimal("0.0001"))
    except Exception:  # noqa: BLE001 -- any unparsable input is the same user error
        raise DomainError(SHARE_TOO_LOW, field_errors={"min_share": [SHARE_TOO_LOW]}) from None
    county = oversight_policy_get(year=year).min_share
    if share < county or share > 1:
        raise DomainError(SHARE_TOO_LOW, field_errors={"min_share": [SHARE_TOO_LOW]})
    row, _created = TownshipOversightPolicy.objects.update_or_create(
        year=year, defaults={"min_share": share, "updated_by_id": actor.pk})
    audit_record(actor=actor, action="oversight.policy_set", instance=row, after={"min_share": str(share)})
    return row


SHARE_TOO_LOW = _("A township may raise the county's share, never lower it (and at most 1).")
