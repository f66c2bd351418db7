"""Reads of the clerks app, narrowed by `Access`: the township office sees the township's corps, a
clerk only their own record and placements; nobody else sees clerks."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from accounts.access import Access
from accounts.models import Role
from staffing.clerks import planner
from staffing.clerks.models import Clerk, Placement, VillageStaffing
from tenants.organisation.models import Village


def sees_corps(access: Access) -> bool:
    return access.is_county_admin or access.has_role(Role.TOWNSHIP_OFFICE)


def clerk_scope(access: Access) -> QuerySet[Clerk]:
    qs = Clerk.objects.select_related("home_village")
    if sees_corps(access):
        return qs
    if access.has_role(Role.CLERK) and access.user_id:
        return qs.filter(user_id=access.user_id)
    return qs.none()


def placement_scope(access: Access) -> QuerySet[Placement]:
    return Placement.objects.select_related("clerk", "village").filter(clerk__in=clerk_scope(access))


@dataclass(frozen=True)
class Coverage:
    village_id: int
    name: str
    required: int
    serving: int

    @property
    def gap(self) -> int:
        return max(0, self.required - self.serving)


def village_coverage(*, day: dt.date) -> list[Coverage]:
    """Every village with its required and current clerks (three queries)."""
    required = dict(VillageStaffing.objects.values_list("village_id", "required"))
    serving = dict(Placement.objects.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
                   .values("village_id").annotate(n=Count("clerk_id", distinct=True)).values_list("village_id", "n"))
    return [Coverage(v.pk, v.name, required.get(v.pk, 1), serving.get(v.pk, 0)) for v in Village.objects.all()]


@dataclass(frozen=True)
class LimitComing:
    clerk_id: int
    clerk_name: str
    village_id: int
    limit_on: dt.date
    village_name: str = ""


def limits_coming(*, today: dt.date, within_days: int, limit: int) -> list[LimitComing]:
    from staffing.clerks.services import planner_states

    _villages, states = planner_states()
    names = dict(Clerk.objects.values_list("pk", "name"))
    villages = dict(Village.objects.values_list("pk", "name"))
    due = planner.due_clerks(states, today=today, horizon_days=within_days, limit_days=limit)
    return [LimitComing(c.clerk_id, names.get(c.clerk_id, ""), c.village_id, c.limit_date(limit),
                        villages.get(c.village_id, "")) for c in due]


# --- county rollup ----------------------------------------------------------------------------------
# Per township, as one SELECT per schema for `crossschema.union_all`; the parameters are the day
# (twice), the county's limit in days and the last day of the look-ahead.
ROLLUP_SQL = """
SELECT (SELECT count(*) FROM {schema}.organisation_village) AS villages,
  (SELECT count(*) FROM {schema}.clerks_clerk WHERE status = 'active') AS clerks,
  (SELECT count(*) FROM (SELECT v.id, COALESCE(vs.required, 1) AS required,
                                (SELECT count(DISTINCT p.clerk_id) FROM {schema}.clerks_placement p
                                  WHERE p.village_id = v.id AND p.starts_on <= %s::date
                                    AND (p.ends_on IS NULL OR p.ends_on >= %s::date)) AS serving
                           FROM {schema}.organisation_village v
                           LEFT JOIN {schema}.clerks_villagestaffing vs ON vs.village_id = v.id) c
    WHERE c.serving < c.required) AS gaps,
  (SELECT count(*) FROM {schema}.clerks_placement o
    WHERE o.ends_on IS NULL AND o.starts_on + (%s::integer - COALESCE((
        SELECT sum(q.ends_on - q.starts_on + 1) FROM {schema}.clerks_placement q
         WHERE q.clerk_id = o.clerk_id AND q.village_id = o.village_id AND q.ends_on IS NOT NULL), 0))::integer
        <= %s::date) AS limits_coming
"""
ROLLUP_KEYS = ("villages", "clerks", "gaps", "limits_coming")


def county_rollup(*, townships, day: dt.date, limit: int, within_days: int = 183) -> list[dict]:
    """Per township: villages, active clerks, villages with a gap and limits coming within
    `within_days`; ONE statement over the townships' schemas (`crossschema.union_all`) whatever
    their number."""
    from tenants.townships.crossschema import union_all

    townships = list(townships)
    until = day + dt.timedelta(days=within_days)
    rows = {row["township_id"]: row for row in union_all(townships=townships, sql=ROLLUP_SQL,
                                                         params=[day, day, limit, until])}
    return [{"township": t, "code": t.code, **{key: rows[t.pk][key] for key in ROLLUP_KEYS}} for t in townships]


def county_rollup_ready(*, day: dt.date) -> list[dict]:
    """`county_rollup` over every ready township with the county's limit (two queries in all)."""
    from staffing.clerks.models import limit_days
    from staffing.county.models import staffing_policy_get
    from tenants.townships.selectors import township_list_ready

    return county_rollup(townships=township_list_ready(), day=day, limit=limit_days(staffing_policy_get().max_years))
