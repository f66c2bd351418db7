"""Reads of the scoring periods: rankings, monthly summaries, publications, objections, appraisals
and annual ratings, narrowed to what the asker may see.

Scope: the township office (and other township-wide roles) see everything, a clerk the members of
their villages, a branch secretary their branch, a member-only user only their own row.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.access import Access
from scoring.choices import Rating
from scoring.ledger.models import MemberYearTotal
from scoring.ledger.years import ledger_years
from scoring.periods.models import (
    AnnualRating,
    Appraisal,
    BranchMonthTotal,
    MemberMonthScore,
    MonthClose,
    Objection,
    Publication,
    RatingAmendment,
    RatingOutcome,
    RatingYear,
)
from tenants.organisation.models import Branch, Member
from tenants.organisation.selectors import branch_scope, member_scope


@dataclass(frozen=True)
class RankingRow:
    member_id: int
    name: str
    branch_id: int
    branch_name: str
    total: Decimal
    rank: int
    branch_rank: int


def _ranking_filters(*, branch_id: int | None, scope=None, name: str = "", alias: str = "") -> tuple[str, list]:
    """WHERE conditions (and their parameters) on the ranked members: branch, the asker's scope
    (a queryset of member ids, inlined as a subquery) and a name fragment (case-sensitive, as
    the page's search box always was)."""
    conditions, params = [], []
    if branch_id is not None:
        conditions.append(f"{alias}branch_id = %s")
        params.append(branch_id)
    if scope is not None:
        scope_sql, scope_params = scope.values("pk").query.sql_with_params()
        conditions.append(f"{alias}id IN ({scope_sql})")
        params.extend(scope_params)
    if name:
        conditions.append(f"strpos({alias}name, %s) > 0")
        params.append(name)
    return " AND ".join(conditions), params


def _ranking_rows(*, scoring_year: int, where: str = "", params=(), limit: int | None = None,
                  offset: int = 0) -> list[RankingRow]:
    members, branches = Member._meta.db_table, Branch._meta.db_table
    totals = MemberYearTotal._meta.db_table
    sql = f"""
        WITH ranked AS (
            SELECT m.id, m.name, m.branch_id, b.name AS branch_name, COALESCE(t.total, 0) AS total,
                   RANK() OVER (ORDER BY COALESCE(t.total, 0) DESC) AS rank,
                   RANK() OVER (PARTITION BY m.branch_id ORDER BY COALESCE(t.total, 0) DESC) AS branch_rank
            FROM {members} m JOIN {branches} b ON b.id = m.branch_id
            LEFT JOIN {totals} t ON t.member_id = m.id AND t.scoring_year = %s
            WHERE m.status = %s
        )
        SELECT id, name, branch_id, branch_name, total, rank, branch_rank FROM ranked
        {"WHERE " + where if where else ""}
        ORDER BY rank, id LIMIT %s OFFSET %s
    """  # noqa: S608 - table names come from model meta, conditions from _ranking_filters, values are parameters
    arguments = [scoring_year, Member.Status.ACTIVE, *params, limit, offset]  # LIMIT NULL: every row
    with connection.cursor() as cursor:
        cursor.execute(sql, arguments)
        return [RankingRow(*row) for row in cursor.fetchall()]


def township_ranking(*, scoring_year: int, branch_id: int | None = None) -> list[RankingRow]:
    """Every active member's total for the scoring year with their township-wide and branch rank.

    One query over the members' cached yearly totals (scoring.ledger.models.MemberYearTotal,
    kept by every posting and checked by ledger_verify) with two window functions; standard
    competition ranking: ties share a rank. With `branch_id` only that branch's rows are
    returned; `rank` stays the township-wide rank.
    """
    where, params = _ranking_filters(branch_id=branch_id)
    return _ranking_rows(scoring_year=scoring_year, where=where, params=params)


def ranking_for(*, access: Access, scoring_year: int, branch_id: int | None = None) -> list[RankingRow]:
    """`township_ranking` limited to the rows the asker may see (ranks stay township-wide)."""
    rows = township_ranking(scoring_year=scoring_year, branch_id=branch_id)
    if access.is_township_wide:
        return rows
    visible = set(member_scope(access).values_list("pk", flat=True))
    return [row for row in rows if row.member_id in visible]


class RankingPageSource:
    """The rows of `ranking_for` (with a name search) for a Paginator, fetched a page at a time:
    `count()` counts the matching members without ranking them, a slice ranks every active member
    in the database (ranks stay township-wide) but returns only that slice's rows."""

    def __init__(self, *, access: Access, scoring_year: int, branch_id: int | None = None, name: str = ""):
        scope = None if access.is_township_wide else member_scope(access)
        self.scoring_year = scoring_year
        self._where, self._params = _ranking_filters(branch_id=branch_id, scope=scope, name=name)
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            where = f"AND {self._where}" if self._where else ""
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {Member._meta.db_table} WHERE status = %s {where}",  # noqa: S608
                    [Member.Status.ACTIVE, *self._params])
                self._count = cursor.fetchone()[0]
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[:])  # one query for every row, never one per row

    def __getitem__(self, item):
        if isinstance(item, slice):
            start, stop = item.start or 0, item.stop
            if stop is not None and stop <= start:
                return []
            return _ranking_rows(scoring_year=self.scoring_year, where=self._where, params=self._params,
                                 limit=None if stop is None else stop - start, offset=start)
        rows = self[item:item + 1]
        if not rows:
            raise IndexError(item)
        return rows[0]


def ranking_years() -> list[int]:
    """Scoring years with ledger rows, newest first (cached per township: scoring.ledger.years)."""
    return ledger_years()


# --- monthly summaries ----------------------------------------------------------------------------
def month_close_list() -> QuerySet[MonthClose]:
    return MonthClose.objects.all()


def month_close_get(*, year: int, month: int) -> MonthClose:
    return MonthClose.objects.get(year=year, month=month)


def month_member_scores(*, access: Access, close: MonthClose, query: str = "",
                        branch_id: int | None = None) -> QuerySet[MemberMonthScore]:
    """The month's member rows in scope; `query` narrows by name, `branch_id` to one branch."""
    qs = MemberMonthScore.objects.filter(close=close, member__in=member_scope(access))
    if query:
        qs = qs.filter(member__name__icontains=query)
    if branch_id is not None:
        qs = qs.filter(branch_id=branch_id)
    return qs.select_related("member", "branch").order_by("branch__name", "branch_id", "rank_in_branch", "member_id")


def month_branch_totals(*, access: Access, close: MonthClose) -> QuerySet[BranchMonthTotal]:
    if access.is_member_only:
        return BranchMonthTotal.objects.none()
    return (BranchMonthTotal.objects.filter(close=close, branch__in=branch_scope(access))
            .select_related("branch").order_by("-points", "branch__name"))


# --- publications and objections ------------------------------------------------------------------
def publication_list() -> QuerySet[Publication]:
    return Publication.objects.all()


def publication_get(*, pk: int) -> Publication:
    return Publication.objects.select_related("supersedes").get(pk=pk)


def publication_branches(*, access: Access, publication: Publication, branch_id: int | None = None,
                         query: str = "") -> list[dict]:
    """The notice's branch lists the asker may see; a member-only user sees only their own row.
    `branch_id` keeps one branch; `query` keeps the members whose name contains it (and only the
    branches with such members)."""
    branches = _publication_branches_in_scope(access=access, publication=publication)
    if branch_id is not None:
        branches = [branch for branch in branches if branch["id"] == branch_id]
    if query:
        branches = [{**branch, "members": [m for m in branch["members"] if query in m["name"]]} for branch in branches]
        branches = [branch for branch in branches if branch["members"]]
    return branches


def _publication_branches_in_scope(*, access: Access, publication: Publication) -> list[dict]:
    branches = publication.data.get("branches", [])
    if access.is_township_wide:
        return branches
    if access.is_member_only:
        result = []
        for branch in branches:
            mine = [m for m in branch["members"] if m["id"] == access.member_id]
            if mine:
                result.append({**branch, "members": mine})
        return result
    visible = set(branch_scope(access).values_list("pk", flat=True))
    return [branch for branch in branches if branch["id"] in visible]


def objection_list(*, access: Access, publication: Publication | None = None) -> QuerySet[Objection]:
    qs = Objection.objects.select_related("publication", "member")
    if publication is not None:
        qs = qs.filter(publication__year=publication.year, publication__quarter=publication.quarter)
    if access.is_township_wide:
        return qs
    if access.is_member_only:
        return qs.filter(member_id=access.member_id)
    return qs.filter(member__in=member_scope(access))


def objections_open(*, access: Access) -> QuerySet[Objection]:
    """Objections waiting for the township office's answer, the nearest deadline first."""
    return objection_list(access=access).filter(status=Objection.Status.OPEN).order_by("answer_due_at", "id")


# --- appraisals and ratings -----------------------------------------------------------------------
def appraisal_list(*, access: Access, year: int, half: int, branch_id: int | None = None) -> QuerySet[Appraisal]:
    qs = Appraisal.objects.filter(year=year, half=half, member__in=member_scope(access)).select_related(
        "member", "member__branch")
    if branch_id is not None:
        qs = qs.filter(member__branch_id=branch_id)
    return qs.order_by("member__branch__name", "member__name", "pk")


def annual_rating_list(*, access: Access, year: int) -> QuerySet[AnnualRating]:
    return (AnnualRating.objects.filter(year=year, member__in=member_scope(access))
            .select_related("member", "member__branch").order_by("member__branch__name", "-total_points", "member_id"))


@dataclass(frozen=True)
class RatingReadiness:
    """What stands between a scoring year and its rating. `ready` when nothing is missing;
    `blocking` when the year has not ended or a month is open (no override lifts those)."""

    year: int
    ends_on: dt.date | None
    year_over: bool
    open_months: list[str]
    missing_appraisals: list[tuple[int, str]]

    @property
    def blocking(self) -> bool:
        return self.ends_on is None or not self.year_over or bool(self.open_months)

    @property
    def ready(self) -> bool:
        return not self.blocking and not self.missing_appraisals


def annual_rating_readiness(*, scoring_year: int, today: dt.date) -> RatingReadiness:
    """Is the year over (its last day before `today`), is every month of it closed, and has every
    active member a second-half democratic appraisal? Three queries."""
    from scoring.catalogue.models import ScoringYear
    from scoring.periods.calendar import index_month, month_index

    year = ScoringYear.objects.filter(year=scoring_year).first()
    if year is None:
        return RatingReadiness(scoring_year, None, False, [], [])
    closed = set(MonthClose.objects.filter(scoring_year=scoring_year).values_list("year", "month"))
    open_months = []
    for index in range(month_index(year.starts_on.year, year.starts_on.month),
                       month_index(year.ends_on.year, year.ends_on.month) + 1):
        y, m = index_month(index)
        if (y, m) not in closed:
            open_months.append(f"{y}-{m:02d}")
    missing = list(Member.objects.filter(status=Member.Status.ACTIVE)
                   .exclude(pk__in=Appraisal.objects.filter(year=scoring_year, half=2).values("member_id"))
                   .order_by("branch_id", "pk").values_list("pk", "name"))
    return RatingReadiness(scoring_year, year.ends_on, year.ends_on < today, open_months, missing)


def rating_year_get(*, year: int) -> RatingYear | None:
    return RatingYear.objects.filter(year=year).first()


def rating_outcomes(*, access: Access, year: int) -> QuerySet[RatingOutcome]:
    return (RatingOutcome.objects.filter(year=year, member__in=member_scope(access))
            .select_related("member", "member__branch").order_by("kind", "member__branch__name", "member_id"))


def rating_amendments(*, access: Access, year: int | None = None, member_id: int | None = None
                      ) -> QuerySet[RatingAmendment]:
    qs = RatingAmendment.objects.filter(member__in=member_scope(access)).select_related("member")
    if year is not None:
        qs = qs.filter(year=year)
    if member_id is not None:
        qs = qs.filter(member_id=member_id)
    return qs.order_by("-year", "member_id", "id")


def annual_rating_rows(*, access: Access, year: int, query: str = "", branch_id: int | None = None,
                       rating: str = "") -> QuerySet[AnnualRating]:
    """`annual_rating_list` with each row's `effective` rating (the latest amendment's, else the
    rating) computed in SQL, so it can be filtered: `query` by name, `branch_id`, `rating`."""
    latest = (RatingAmendment.objects.filter(year=OuterRef("year"), member_id=OuterRef("member_id"))
              .order_by("-id").values("after")[:1])
    qs = annual_rating_list(access=access, year=year).annotate(effective=Coalesce(Subquery(latest), F("rating")))
    if query:
        qs = qs.filter(member__name__icontains=query)
    if branch_id is not None:
        qs = qs.filter(member__branch_id=branch_id)
    if rating:
        qs = qs.filter(effective=rating)
    return qs


def with_amendments(*, access: Access, year: int, rows) -> list[AnnualRating]:
    """`rows` (ratings of `year`, e.g. one page) with each row's `amendment_list`, oldest first;
    one query for all of them."""
    rows = list(rows)
    by_member: dict[int, list] = {}
    amendments = rating_amendments(access=access, year=year).filter(member_id__in=[row.member_id for row in rows])
    for amendment in amendments.order_by("id") if rows else []:
        by_member.setdefault(amendment.member_id, []).append(amendment)
    for row in rows:
        row.amendment_list = by_member.get(row.member_id, [])
    return rows


def annual_ratings_effective(*, access: Access, year: int, **filters) -> list[AnnualRating]:
    """`annual_rating_rows` (with `filters`), each row with its `amendment_list` and `effective` rating."""
    return with_amendments(access=access, year=year, rows=annual_rating_rows(access=access, year=year, **filters))


@dataclass(frozen=True)
class EffectiveRating:
    member_id: int
    year: int
    rating: str
    original: str
    amended: bool
    finalised_at: dt.datetime


def annual_rating_final(year: int) -> dict[int, EffectiveRating]:
    """The finalised ratings of `year` per member, with amendments applied (the latest wins);
    empty until the office finalises the year. Two queries; for other apps (rewards) to read."""
    ratings = list(AnnualRating.objects.filter(year=year, finalised_at__isnull=False)
                   .values_list("member_id", "rating", "finalised_at"))
    if not ratings:
        return {}
    latest: dict[int, str] = {}
    for member_id, after in (RatingAmendment.objects.filter(year=year).order_by("id")
                             .values_list("member_id", "after")):
        latest[member_id] = after
    return {member_id: EffectiveRating(member_id, year, latest.get(member_id, rating), rating,
                                       member_id in latest, finalised_at)
            for member_id, rating, finalised_at in ratings}


def member_final_ratings(*, member_id: int) -> list[dict]:
    """A member's finalised ratings, newest year first, each with its amendments (for the card)."""
    amendments: dict[int, list[RatingAmendment]] = {}
    for amendment in RatingAmendment.objects.filter(member_id=member_id).order_by("id"):
        amendments.setdefault(amendment.year, []).append(amendment)
    result = []
    for rating in AnnualRating.objects.filter(member_id=member_id, finalised_at__isnull=False).order_by("-year"):
        mine = amendments.get(rating.year, [])
        effective = mine[-1].after if mine else rating.rating
        result.append({"year": rating.year, "original": rating.rating, "effective": effective,
                       "effective_label": Rating(effective).label, "amendments": mine,
                       "reasons": rating.reasons, "finalised_at": rating.finalised_at})
    return result


# --- reminders (read by notifications.reminders) --------------------------------------------------
def quarter_closed_unpublished(*, year: int, quarter: int) -> MonthClose | None:
    """The close of the quarter's last month when that month is closed but the quarter has no
    publication yet; None otherwise."""
    if Publication.objects.filter(year=year, quarter=quarter).exists():
        return None
    return MonthClose.objects.filter(year=year, month=3 * quarter).first()


def publications_closing(*, after: dt.datetime, before: dt.datetime) -> QuerySet[Publication]:
    """Open publications whose objection period ends after `after` and before `before`."""
    return Publication.objects.filter(
        status=Publication.Status.OPEN, objections_close_at__gt=after, objections_close_at__lt=before,
    ).order_by("objections_close_at", "id")
