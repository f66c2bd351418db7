"""The township's scoring dashboard and a member's standing and trend, each in a fixed number of statements.

Every figure is grouped in SQL (`GROUP BY`), never summed over entries in Python, so the number of
statements stays the same whatever the number of branches, members or entries:

- points by branch: one statement over the ledger rows of the scoring year, grouped by the
  member's current branch, left-joined to every branch (a branch without points shows zeros);
- points by catalogue category: one statement grouped by the item's category (base scores and
  rows without an item on their own lines);
- the last `months` months (the township's clock): entries recorded (by `entered_at`), approved
  and returned (by `decided_at`: posted, or rejected at a review level or as a late entry) in one
  statement each kind of date, and points added and deducted per ledger month (`booked_year/month`:
  the month a posting counts in; base scores left out, they would dwarf everything else).

"Added" is the sum of a group's positive rows other than base scores, "deducted" of its negative
rows (a reversal of an addition is a deduction); "total" is every row, base scores included.
Everything is read in the current township's schema only.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from common import clock
from scoring.catalogue.models import Rule, ScoringYear
from scoring.choices import Category
from scoring.ledger.chain import index_month, month_index
from scoring.ledger.models import Entry, LedgerEntry, MemberYearTotal
from scoring.periods import calendar
from tenants.organisation.models import Branch, Member, Village

ZERO = Decimal("0.00")
BASE_CATEGORY = "base"
OTHER_CATEGORY = "other"
CATEGORY_LABELS = {**dict(Category.choices), BASE_CATEGORY: _("Base score"), OTHER_CATEGORY: _("Other")}


@dataclass(frozen=True)
class BranchPoints:
    branch_id: int
    name: str
    village: str
    members: int  # active members now
    scored: int  # members with ledger rows in the scoring year
    total: Decimal
    added: Decimal
    deducted: Decimal

    @property
    def average(self) -> Decimal | None:
        """Total per member with points, to two places (None without any)."""
        return (self.total / self.scored).quantize(Decimal("0.01")) if self.scored else None


@dataclass(frozen=True)
class CategoryPoints:
    category: str
    rows: int
    total: Decimal
    added: Decimal
    deducted: Decimal

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS.get(self.category, self.category))


@dataclass(frozen=True)
class MonthFigures:
    month: str  # "YYYY-MM"
    recorded: int = 0
    approved: int = 0
    returned: int = 0
    added: Decimal = ZERO
    deducted: Decimal = ZERO


@dataclass
class TownshipDashboard:
    scoring_year: int
    branches: list[BranchPoints]
    categories: list[CategoryPoints]
    months: list[MonthFigures]
    totals: dict = field(default_factory=dict)


def last_months(today: dt.date, count: int = 12) -> list[tuple[int, int]]:
    """(year, month) of the `count` months ending with today's, oldest first."""
    current = month_index(today.year, today.month)
    return [index_month(i) for i in range(current - count + 1, current + 1)]


def year_months(scoring_year: int) -> list[tuple[int, int]]:
    """The months of a scoring year: the township's adopted year, else the county's start month on."""
    adopted = ScoringYear.objects.filter(year=scoring_year).values_list("starts_on", "ends_on").first()
    if adopted is None:
        start = month_index(scoring_year, calendar.county_policy().year_start_month)
        return [index_month(i) for i in range(start, start + 12)]
    starts_on, ends_on = adopted
    return [index_month(i) for i in range(month_index(starts_on.year, starts_on.month),
                                          month_index(ends_on.year, ends_on.month) + 1)]


def month_label(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def _booked_in(months: list[tuple[int, int]]) -> Q:
    (first_year, first_month), (last_year, last_month) = months[0], months[-1]
    after = Q(booked_year__gt=first_year) | Q(booked_year=first_year, booked_month__gte=first_month)
    before = Q(booked_year__lt=last_year) | Q(booked_year=last_year, booked_month__lte=last_month)
    return after & before


def _points_by_month(rows, months: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
    """(added, deducted) per booked month of the ledger rows `rows` (base scores left out)."""
    grouped = (rows.filter(_booked_in(months)).exclude(kind=LedgerEntry.Kind.BASE)
               .values("booked_year", "booked_month")
               .annotate(added=Sum("points", filter=Q(points__gt=0)), deducted=Sum("points", filter=Q(points__lt=0)))
               .order_by())
    return {(r["booked_year"], r["booked_month"]): (r["added"] or ZERO, r["deducted"] or ZERO) for r in grouped}


_BRANCH_SQL = """
WITH per_member AS (
    SELECT member_id, sum(points) AS total,
           sum(points) FILTER (WHERE kind <> 'base' AND points > 0) AS added,
           sum(points) FILTER (WHERE points < 0) AS deducted
    FROM {ledger} WHERE scoring_year = %(year)s
    GROUP BY member_id
), points AS (
    SELECT m.branch_id, count(*) AS scored, sum(p.total) AS total, sum(p.added) AS added,
           sum(p.deducted) AS deducted
    FROM per_member p JOIN {members} m ON m.id = p.member_id
    GROUP BY m.branch_id
), active AS (
    SELECT branch_id, count(*) AS members FROM {members} WHERE status = %(active)s GROUP BY branch_id
)
SELECT b.id, b.name, coalesce(v.name, ''), coalesce(a.members, 0), coalesce(p.scored, 0),
       coalesce(p.total, 0), coalesce(p.added, 0), coalesce(p.deducted, 0)
FROM {branches} b
LEFT JOIN {villages} v ON v.id = b.village_id
LEFT JOIN points p ON p.branch_id = b.id
LEFT JOIN active a ON a.branch_id = b.id
ORDER BY v.name NULLS LAST, b.name, b.id
"""


def branch_points(*, scoring_year: int) -> list[BranchPoints]:
    """Every branch of the township with its members and the scoring year's points (one statement)."""
    sql = _BRANCH_SQL.format(ledger=LedgerEntry._meta.db_table, members=Member._meta.db_table,
                             branches=Branch._meta.db_table, villages=Village._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"year": scoring_year, "active": Member.Status.ACTIVE})
        return [BranchPoints(*row) for row in cursor.fetchall()]


_CATEGORY_SQL = """
WITH per_rule AS (
    SELECT rule_id, kind = 'base' AS is_base, count(*) AS n, sum(points) AS total,
           sum(points) FILTER (WHERE kind <> 'base' AND points > 0) AS added,
           sum(points) FILTER (WHERE points < 0) AS deducted
    FROM {ledger} WHERE scoring_year = %(year)s
    GROUP BY rule_id, kind = 'base'
)
SELECT CASE WHEN r.category IS NOT NULL THEN r.category WHEN p.is_base THEN %(base)s ELSE %(other)s END,
       sum(p.n)::integer, sum(p.total), coalesce(sum(p.added), 0), coalesce(sum(p.deducted), 0)
FROM per_rule p LEFT JOIN {rules} r ON r.id = p.rule_id
GROUP BY 1
"""


def category_points(*, scoring_year: int) -> list[CategoryPoints]:
    """The scoring year's points per catalogue category, in catalogue order, then base scores
    and rows without an item (one statement); every category is listed, with zeros if unused."""
    sql = _CATEGORY_SQL.format(ledger=LedgerEntry._meta.db_table, rules=Rule._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"year": scoring_year, "base": BASE_CATEGORY, "other": OTHER_CATEGORY})
        found = {row[0]: CategoryPoints(*row) for row in cursor.fetchall()}
    order = [*Category.values, BASE_CATEGORY]
    rows = [found.get(c) or CategoryPoints(c, 0, ZERO, ZERO, ZERO) for c in order]
    if OTHER_CATEGORY in found:
        rows.append(found[OTHER_CATEGORY])
    return rows


def month_figures(*, months: list[tuple[int, int]]) -> list[MonthFigures]:
    """Entries recorded, approved and returned and points added and deducted per month of
    `months` (consecutive, oldest first), months in the township's time zone (three statements)."""
    zone = calendar.township_zone()
    since = dt.datetime.combine(dt.date(*months[0], 1), dt.time.min, tzinfo=zone)
    year, month = index_month(month_index(*months[-1]) + 1)
    until = dt.datetime.combine(dt.date(year, month, 1), dt.time.min, tzinfo=zone)
    counts: dict[str, dict[str, int]] = {"recorded": {}, "approved": {}, "returned": {}}

    recorded = (Entry.objects.filter(entered_at__gte=since, entered_at__lt=until)
                .annotate(month=TruncMonth("entered_at", tzinfo=zone)).values("month")
                .annotate(n=Count("id")).order_by())
    for row in recorded:
        counts["recorded"][row["month"].strftime("%Y-%m")] = row["n"]
    decided = (Entry.objects.filter(decided_at__gte=since, decided_at__lt=until,
                                    status__in=[Entry.Status.POSTED, Entry.Status.REJECTED])
               .annotate(month=TruncMonth("decided_at", tzinfo=zone)).values("month", "status")
               .annotate(n=Count("id")).order_by())
    for row in decided:
        kind = "approved" if row["status"] == Entry.Status.POSTED else "returned"
        counts[kind][row["month"].strftime("%Y-%m")] = row["n"]
    points = _points_by_month(LedgerEntry.objects.all(), months)
    figures = []
    for key in months:
        name = month_label(*key)
        added, deducted = points.get(key, (ZERO, ZERO))
        figures.append(MonthFigures(month=name, recorded=counts["recorded"].get(name, 0),
                                    approved=counts["approved"].get(name, 0),
                                    returned=counts["returned"].get(name, 0), added=added, deducted=deducted))
    return figures


def township_dashboard(*, scoring_year: int | None = None, months: int = 12) -> TownshipDashboard:
    """The current township's points by branch and by category for `scoring_year` (default: the
    year containing today) and its entries and points over the last `months` months."""
    today = clock.today()
    year = scoring_year or calendar.scoring_year_label(today)
    branches = branch_points(scoring_year=year)
    categories = category_points(scoring_year=year)
    totals = {
        "members": sum(b.members for b in branches),
        "scored": sum(b.scored for b in branches),
        "total": sum((c.total for c in categories), ZERO),
        "added": sum((c.added for c in categories), ZERO),
        "deducted": sum((c.deducted for c in categories), ZERO),
    }
    return TownshipDashboard(scoring_year=year, branches=branches, categories=categories,
                             months=month_figures(months=last_months(today, months)), totals=totals)


# --- one member ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberStanding:
    total: Decimal
    rank: int | None
    ranked: int
    branch_rank: int | None
    branch_ranked: int


# Standard competition ranking without sorting the township: a member's rank is one more than the
# ranked members with a greater total (what RANK() gives), so one pass counting them is enough.
_STANDING_SQL = """
WITH me AS (
    SELECT m.branch_id, COALESCE(t.total, 0) AS total
    FROM {members} m LEFT JOIN {totals} t ON t.member_id = m.id AND t.scoring_year = %(year)s
    WHERE m.id = %(member)s
), ranked AS (
    SELECT m.branch_id, COALESCE(t.total, 0) AS total
    FROM {members} m LEFT JOIN {totals} t ON t.member_id = m.id AND t.scoring_year = %(year)s
    WHERE m.status = %(active)s OR m.id = %(member)s
)
SELECT me.total,
       1 + count(*) FILTER (WHERE r.total > me.total),
       count(*),
       1 + count(*) FILTER (WHERE r.branch_id = me.branch_id AND r.total > me.total),
       count(*) FILTER (WHERE r.branch_id = me.branch_id)
FROM me CROSS JOIN ranked r
GROUP BY me.total
"""


def member_standing(*, member_id: int, scoring_year: int) -> MemberStanding:
    """The member's total for the scoring year and their rank in the township and in their branch,
    ranked as the ranking page ranks (active members by their cached yearly totals, ties share a
    rank; the member themselves counted even if no longer active). One statement."""
    sql = _STANDING_SQL.format(members=Member._meta.db_table, totals=MemberYearTotal._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"year": scoring_year, "active": Member.Status.ACTIVE, "member": member_id})
        row = cursor.fetchone()
    if row is None:
        return MemberStanding(total=ZERO, rank=None, ranked=0, branch_rank=None, branch_ranked=0)
    return MemberStanding(*row)


def member_trend(*, member_id: int, months: list[tuple[int, int]]) -> list[MonthFigures]:
    """The member's points added and deducted per ledger month of `months` (one statement)."""
    points = _points_by_month(LedgerEntry.objects.filter(member_id=member_id), months)
    return [MonthFigures(month=month_label(*key), added=points.get(key, (ZERO, ZERO))[0],
                         deducted=points.get(key, (ZERO, ZERO))[1]) for key in months]


def member_trend_chart(trend: list[MonthFigures]) -> dict:
    """Chart.js figures (common/charts.js) of a member's trend."""
    return {"labels": [m.month for m in trend], "datasets": [
        {"label": str(_("Points added")), "data": [float(m.added) for m in trend]},
        {"label": str(_("Points deducted")), "data": [float(m.deducted) for m in trend]}]}


def member_trend_months(*, scoring_year: int | None, today: dt.date) -> list[tuple[int, int]]:
    """The months a points card's trend shows: the last twelve for the current scoring year (or
    none chosen), the months of an earlier or later one."""
    if scoring_year is None or scoring_year == calendar.scoring_year_label(today):
        return last_months(today, 12)
    return year_months(scoring_year)
