"""Reads of entries, review queues and members' points cards, narrowed to what the asker may see.

Entries are visible when their member is in the asker's organisation scope (`member_scope`): a
member-only user therefore sees only entries and the card about themselves. Anything else is a
404 for single objects.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import django_filters
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, Greatest, Rank
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from accounts.models import Role, RoleAssignment
from common import clock
from common.errors import DomainError, NotFound
from scoring.choices import Category, ReviewLevel
from scoring.ledger.models import Entry, Evidence, LedgerEntry, MemberYearTotal, Review
from tenants.organisation.models import Member
from tenants.organisation.selectors import member_get, member_scope

ENTRY_NOT_FOUND = _("Entry not found.")


def township_today() -> dt.date:
    """Today in the current township's time zone."""
    tenant = getattr(connection, "tenant", None)
    zone = tenant.time_zone_info() if tenant is not None and hasattr(tenant, "time_zone_info") else None
    return clock.today(zone=zone)


def linked_member_ids(user_id: int | None) -> set[int]:
    """Member records of this township linked to the user in any of their role assignments."""
    if user_id is None:
        return set()
    tenant = getattr(connection, "tenant", None)
    return set(
        RoleAssignment.objects.filter(user_id=user_id, township_id=getattr(tenant, "pk", None),
                                      member_id__isnull=False).values_list("member_id", flat=True)
    )


def level_members(access: Access, level: str):
    """Members whose entries the user may decide at `level`: branch secretary their branch (and
    branches under it), work team and liaison leader their villages."""
    if level not in access.review_levels:
        return Member.objects.none()
    if level == "branch":
        ids = access.branch_ids
        return Member.objects.filter(Q(branch_id__in=ids) | Q(branch__parent_id__in=ids))
    ids = access.village_ids
    return Member.objects.filter(Q(branch__village_id__in=ids) | Q(branch__parent__village_id__in=ids))


def level_reviewers(*, level: str, member: Member):
    """Users who may decide `level` for `member` (by their role and scope in this township)."""
    from notifications.selectors import township_users

    tenant = connection.tenant
    branch = member.branch
    village_ids = [v for v in (branch.village_id, getattr(branch.parent, "village_id", None)) if v]
    if level == "branch":
        assignments = RoleAssignment.objects.filter(
            township=tenant, role=Role.BRANCH_SECRETARY, branch_id__in=[b for b in (branch.pk, branch.parent_id) if b]
        )
    else:
        role = Role.WORK_TEAM if level == "work_team" else Role.LIAISON_LEADER
        assignments = RoleAssignment.objects.filter(township=tenant, role=role, village_ids__overlap=village_ids)
    return township_users(township=tenant).filter(pk__in=assignments.values("user_id"))


class EntryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Entry.Status.choices, label=_("status"))
    member = django_filters.NumberFilter(field_name="member_id", label=_("member"))
    branch = django_filters.NumberFilter(field_name="member__branch_id", label=_("branch"))
    rule = django_filters.CharFilter(field_name="rule__code", label=_("item code"))
    level = django_filters.ChoiceFilter(field_name="current_level", choices=ReviewLevel.choices, label=_("level"))
    is_late = django_filters.BooleanFilter(label=_("late entry"))
    occurred_from = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte", label=_("from"))
    occurred_to = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lte", label=_("to"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("recorded by me"))
    q = django_filters.CharFilter(method="filter_search", max_length=50,
                                  label=_("member name, item code or item name contains"))

    class Meta:
        model = Entry
        fields = ["status", "member", "branch", "rule", "level", "is_late", "occurred_from", "occurred_to", "mine",
                  "q"]

    def filter_search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(member__name__icontains=value) | Q(rule__code__icontains=value)
                         | Q(rule__name__icontains=value))

    def filter_mine(self, qs, name, value):
        user = getattr(self.request, "user", None)
        if value and user is not None:
            return qs.filter(entered_by_id=user.pk)
        return qs


def entry_scope(access: Access) -> QuerySet[Entry]:
    return Entry.objects.filter(member__in=member_scope(access))


def _with_related(qs: QuerySet[Entry]) -> QuerySet[Entry]:
    return qs.select_related("member", "member__branch", "rule", "rule__scoring_year").prefetch_related(
        "evidence", "reviews"
    )


def entry_list(*, access: Access, filters: dict | None = None, request=None) -> QuerySet[Entry]:
    return EntryFilter(filters or {}, queryset=_with_related(entry_scope(access)), request=request).qs


def entry_export_rows(*, access: Access, filters: dict | None = None, request=None) -> QuerySet[Entry]:
    """`entry_list` for an export: the same rows and order, with only what the sheet shows joined
    (no evidence or reviews), to be read in chunks."""
    qs = EntryFilter(filters or {}, queryset=entry_scope(access), request=request).qs
    return qs.select_related("member", "member__branch", "rule").order_by("-entered_at", "-id")


def entry_get(*, access: Access, pk: int) -> Entry:
    """One entry about a member in scope; NotFound otherwise."""
    entry = _with_related(entry_scope(access)).filter(pk=pk).first()
    if entry is None:
        raise NotFound(ENTRY_NOT_FOUND)
    return entry


def evidence_get(*, access: Access, entry_id: int, pk: int) -> Evidence:
    evidence = Evidence.objects.filter(pk=pk, entry_id=entry_id, entry__in=entry_scope(access)).first()
    if evidence is None:
        raise NotFound()
    return evidence


def review_queue(*, access: Access, user_id: int | None) -> QuerySet[Entry]:
    """Entries waiting at a level this user decides, for members in their level's scope; never
    their own entries, entries about themselves, or entries they already decided a level of."""
    condition = Q(pk__in=[])
    for level in access.review_levels:
        condition |= Q(current_level=level, member__in=level_members(access, level))
    own_members = linked_member_ids(user_id) | ({access.member_id} if access.member_id else set())
    qs = (Entry.objects.filter(condition, status=Entry.Status.IN_REVIEW)
          .exclude(entered_by_id=user_id).exclude(member_id__in=own_members)
          .exclude(reviews__reviewer_id=user_id))
    return _with_related(qs).order_by("entered_at", "id")


def late_queue(*, access: Access) -> QuerySet[Entry]:
    """Late entries waiting for the township office."""
    if not access.runs_scoring:
        return Entry.objects.none()
    return _with_related(entry_scope(access).filter(status=Entry.Status.AWAITING_LATE_APPROVAL)).order_by(
        "entered_at", "id")


def user_names(ids) -> dict[int, str]:
    """Display names of users (public schema, on the search path) by id."""
    ids = {i for i in ids if i}
    return {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=ids)}


def entry_people(entries) -> dict[int, str]:
    """Names of everyone who entered, decided or reviewed `entries`."""
    ids = set()
    for entry in entries:
        ids |= {entry.entered_by_id, entry.late_decided_by_id}
        ids |= {r.reviewer_id for r in entry.reviews.all()}
    return user_names(ids)


def member_vetoed(member_id: int, scoring_year: int) -> bool:
    """Whether a veto item was posted for the member in the scoring year and not reversed."""
    return member_veto_rows(member_id, scoring_year).exists()


def member_veto_rows(member_id: int, scoring_year: int) -> QuerySet[LedgerEntry]:
    return (LedgerEntry.objects.filter(member_id=member_id, scoring_year=scoring_year, rule__category=Category.VETO,
                                       kind=LedgerEntry.Kind.ADJUSTMENT, reversed_by__isnull=True)
            .select_related("rule"))


def branch_rank(*, member: Member, scoring_year: int) -> tuple[int | None, int]:
    """(rank, members ranked) of the member within their branch by the year's total; ties share
    a rank. Active members of the branch are ranked, plus the member themselves.

    Totals are the members' cached yearly sums (`MemberYearTotal`, equal to their ledger rows'
    sum: kept by every posting, checked by `ledger_verify`), one index lookup per member of the
    branch; summing the ledger here joined every row of the township's ledger, of every year."""
    total = Subquery(MemberYearTotal.objects.filter(member_id=OuterRef("pk"), scoring_year=scoring_year)
                     .values("total")[:1])
    rows = (
        Member.objects.filter(Q(branch_id=member.branch_id) & (Q(status=Member.Status.ACTIVE) | Q(pk=member.pk)))
        .annotate(total=Coalesce(total, Value(Decimal("0"))))
        .annotate(rank=Window(Rank(), order_by=F("total").desc()))
        .order_by()
        .values_list("pk", "rank")
    )
    ranks = dict(rows)
    return ranks.get(member.pk), len(ranks)


@dataclass
class PointsCard:
    member: Member
    scoring_year: int | None
    rows: list[LedgerEntry]
    total: Decimal
    rank: int | None
    ranked: int
    vetoed: bool
    people: dict[int, str] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    # The county's latest copy of the township's chain head (scoring.ledger.anchors), or None.
    anchor: object | None = None


def _default_year(member_id: int) -> int | None:
    from scoring.catalogue.selectors import scoring_year_for

    try:
        return scoring_year_for(on=township_today()).year
    except DomainError:
        return (LedgerEntry.objects.filter(member_id=member_id).order_by("-scoring_year")
                .values_list("scoring_year", flat=True).first())


def member_points_card(*, access: Access, member_id: int, scoring_year: int | None = None) -> PointsCard:
    """Every posted ledger row of the member in the scoring year (default: the current one) with
    its running total, evidence and review trail; the year's total and the rank in the branch.
    Raises NotFound for a member outside the asker's scope (a member-only user: anyone else)."""
    try:
        member = member_get(access=access, pk=member_id)
    except (Member.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    year = scoring_year or _default_year(member.pk)
    rows = list(
        LedgerEntry.objects.filter(member=member, scoring_year=year)
        .select_related("rule", "entry")
        .prefetch_related("entry__evidence", Prefetch("entry__reviews", queryset=Review.objects.order_by("id")))
        .annotate(running_total=Window(Sum("points"), order_by=F("seq").asc()))
        .order_by("seq")
    ) if year is not None else []
    total = rows[-1].running_total if rows else Decimal("0.00")
    rank, ranked = branch_rank(member=member, scoring_year=year) if year is not None else (None, 0)
    people = entry_people([r.entry for r in rows if r.entry is not None])
    years = sorted(set(LedgerEntry.objects.filter(member=member).values_list("scoring_year", flat=True)) |
                   ({year} if year else set()), reverse=True)
    from scoring.ledger.anchors import latest_anchor

    return PointsCard(member=member, scoring_year=year, rows=rows, total=total, rank=rank, ranked=ranked,
                      vetoed=bool(year) and member_vetoed(member.pk, year), people=people, years=years,
                      anchor=latest_anchor(township=connection.tenant))


# --- reminders (read by notifications.reminders) --------------------------------------------------
def entries_waiting_at_level(*, since: dt.datetime) -> QuerySet[Entry]:
    """Entries in review whose current level has been waiting since before `since`, annotated
    with `level_since`: when the previous level was decided (the entry's last review); for the
    first level when the late entry was approved, else when the entry was recorded."""
    last_review = Review.objects.filter(entry=OuterRef("pk")).order_by("-decided_at", "-id").values("decided_at")[:1]
    return (
        Entry.objects.filter(status=Entry.Status.IN_REVIEW)
        .annotate(level_since=Coalesce(Subquery(last_review), Greatest("late_decided_at", "entered_at")))
        .filter(level_since__lt=since)
        .select_related("member", "member__branch", "member__branch__parent")
        .prefetch_related("reviews")
        .order_by("level_since", "id")
    )


def late_entries_waiting(*, since: dt.datetime) -> QuerySet[Entry]:
    """Late entries recorded before `since` still waiting for the township office's approval."""
    return (Entry.objects.filter(status=Entry.Status.AWAITING_LATE_APPROVAL, entered_at__lt=since)
            .order_by("entered_at", "id"))


def entry_level_deciders(entries) -> dict[int, list]:
    """entry id → the users who may decide its current level: `level_reviewers` for its member
    without the person who recorded it, those who decided an earlier level and anyone linked to
    the member (the people `entry.awaiting_review` goes to). Reviewers are looked up once per
    level and branch."""
    reviewers: dict[tuple[str, int], list] = {}
    linked: dict[int, set[int]] = {}
    result = {}
    for entry in entries:
        key = (entry.current_level, entry.member.branch_id)
        if key not in reviewers:
            reviewers[key] = list(level_reviewers(level=entry.current_level, member=entry.member))
        excluded = {entry.entered_by_id, *(review.reviewer_id for review in entry.reviews.all())}
        users = []
        for user in reviewers[key]:
            if user.pk in excluded:
                continue
            if user.pk not in linked:
                linked[user.pk] = linked_member_ids(user.pk)
            if entry.member_id not in linked[user.pk]:
                users.append(user)
        result[entry.pk] = users
    return result


def late_entry_deciders(entries) -> dict[int, list]:
    """entry id → the township office users who may approve the late entry (not the person who
    recorded it, nor anyone linked to its member: `entry_late_decide` refuses them)."""
    from notifications.selectors import township_office_users

    office = list(township_office_users(township=connection.tenant))
    linked = {user.pk: linked_member_ids(user.pk) for user in office}
    return {
        entry.pk: [u for u in office if u.pk != entry.entered_by_id and entry.member_id not in linked[u.pk]]
        for entry in entries
    }
