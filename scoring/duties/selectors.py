"""Reads of the light duties, narrowed to what the asker may see: the township office everything,
a branch secretary (or clerk) their branches, a member only their own assignments."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet

from accounts.access import Access
from accounts.models import Role
from scoring.duties.models import Duty, DutyAssignment, DutyRun, MemberIllness
from scoring.periods.models import MemberMonthScore
from tenants.organisation.models import Member
from tenants.organisation.selectors import branch_scope, member_scope


def can_handle(access: Access, *, branch_id: int) -> bool:
    """The township office, or a branch secretary whose scope holds the branch."""
    if access.runs_scoring:
        return True
    return access.has_role(Role.BRANCH_SECRETARY) and branch_scope(access).filter(pk=branch_id).exists()


def can_view(access: Access) -> bool:
    return access.runs_scoring or access.sees_member_lists or bool(access.member_id)


def duty_list(*, active_only: bool = False) -> QuerySet[Duty]:
    qs = Duty.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def duty_for(period: str) -> Duty | None:
    """The duty proposed for `period`: the first one in use."""
    return Duty.objects.filter(period=period, is_active=True).order_by("sort_order", "id").first()


def assignment_list(*, access: Access, status: str | None = None, run: DutyRun | None = None,
                    branch_id: int | None = None) -> QuerySet[DutyAssignment]:
    qs = (DutyAssignment.objects.filter(member__in=member_scope(access))
          .select_related("run", "member", "branch", "duty"))
    if access.sees_member_lists and not access.is_township_wide:
        qs = qs.filter(branch__in=branch_scope(access))
    if status:
        qs = qs.filter(status=status)
    if run is not None:
        qs = qs.filter(run=run)
    if branch_id is not None:
        qs = qs.filter(branch_id=branch_id)
    return qs.order_by("-run__year", "-run__month", "branch__name", "branch_id", "bottom_rank", "member_id")


def run_list() -> QuerySet[DutyRun]:
    return DutyRun.objects.select_related("duty").order_by("-year", "-month")


def illness_list(*, access: Access) -> QuerySet[MemberIllness]:
    return (MemberIllness.objects.filter(member__in=member_scope(access)).select_related("member", "member__branch")
            .order_by("member__branch__name", "member__name"))


def ill_reasons(member_ids) -> dict[int, str]:
    return dict(MemberIllness.objects.filter(member_id__in=list(member_ids)).values_list("member_id", "reason"))


@dataclass(frozen=True)
class BottomRow:
    member_id: int
    branch_id: int
    points: Decimal
    bottom_rank: int
    branch_members: int


def bottom_of_close(*, close_id: int, size: int, year_to_date: bool = False) -> list[BottomRow]:
    """The bottom `size` active members per branch of a closed month, by the month's points (or,
    with `year_to_date`, the scoring year's total through that month), in one window query.

    Ties: a member's place from the bottom is the competition rank by ascending points (1 = the
    lowest), and every member with place <= `size` is picked, so members sharing the boundary
    points are all picked (a branch may give more than `size`; none sharing them is left out).
    Never picked: members sharing the branch's highest points (if the whole branch is tied,
    nobody is at the bottom), and anyone in a branch of `size` members or fewer.
    """
    scores, members = MemberMonthScore._meta.db_table, Member._meta.db_table
    column = "year_to_date" if year_to_date else "points"
    sql = f"""
        WITH ranked AS (
            SELECT s.member_id, s.branch_id, s.{column} AS points,
                   RANK() OVER (PARTITION BY s.branch_id ORDER BY s.{column} ASC) AS bottom_rank,
                   RANK() OVER (PARTITION BY s.branch_id ORDER BY s.{column} DESC) AS top_rank,
                   COUNT(*) OVER (PARTITION BY s.branch_id) AS n
            FROM {scores} s JOIN {members} m ON m.id = s.member_id
            WHERE s.close_id = %(close)s AND m.status = %(active)s
        )
        SELECT member_id, branch_id, points, bottom_rank, n FROM ranked
        WHERE n > %(size)s AND bottom_rank <= %(size)s AND top_rank > 1
        ORDER BY branch_id, bottom_rank, member_id
    """  # noqa: S608 - table and column names are ours, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, {"close": close_id, "size": size, "active": Member.Status.ACTIVE})
        return [BottomRow(*row) for row in cursor.fetchall()]

