"""Reads of the spot checks, scoped by `Access`: the township office, the supervision office and
the discipline commission see all of the township's draws and checks; a team member sees the
checks they are on (and the draws those came from); everyone else nothing. One township never
sees another's rows: every query runs in the request's township schema."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from accounts.access import Access
from common import clock
from scoring.ledger.models import Entry
from scoring.oversight.models import Check, Draw, Finding
from scoring.oversight.services import can_run_checks, next_month
from tenants.townships import rollups


def sees_oversight(access: Access) -> bool:
    return can_run_checks(access)


def draw_list(*, access: Access) -> QuerySet[Draw]:
    if can_run_checks(access):
        return Draw.objects.all()
    return Draw.objects.filter(checks__team__user_id=access.user_id).distinct()


def check_list(*, access: Access, year: int | None = None, month: int | None = None) -> QuerySet[Check]:
    qs = Check.objects.select_related("village", "draw")
    if not can_run_checks(access):
        qs = qs.filter(team__user_id=access.user_id)
    if year:
        qs = qs.filter(year=year)
    if month:
        qs = qs.filter(month=month)
    return qs


def check_is_overdue(check: Check, today: dt.date | None = None) -> bool:
    return check.status == Check.Status.OPEN and (today or clock.today()) > check.due_on


def check_entries(check: Check) -> dict[int, list[Entry]]:
    """Per checked member, the covered month's posted entries (corrections excluded) with evidence."""
    start = dt.date(check.year, check.month, 1)
    end = dt.date(*next_month(check.year, check.month), 1)
    member_ids = list(check.members.values_list("member_id", flat=True))
    entries = (Entry.objects.filter(member_id__in=member_ids, status=Entry.Status.POSTED, corrects__isnull=True,
                                    occurred_on__gte=start, occurred_on__lt=end)
               .select_related("rule").prefetch_related("evidence").order_by("occurred_on", "id"))
    result: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        result[entry.member_id].append(entry)
    return result


def _findings(*, year: int, month: int | None = None, months: tuple[int, int] | None = None) -> QuerySet[Finding]:
    qs = Finding.objects.filter(check_obj__year=year)
    if month:
        qs = qs.filter(check_obj__month=month)
    if months:
        qs = qs.filter(check_obj__month__gte=months[0], check_obj__month__lte=months[1])
    return qs


def results(*, year: int, month: int | None = None) -> dict:
    """Discrepancy rates per village, branch and scorer (who entered the entry) for the checks of
    `year` (and `month`, the covered month)."""
    from django.contrib.auth import get_user_model

    rows = _findings(year=year, month=month).values(
        "result", "check_obj__village__name", "entry__member__branch__name", "entry__entered_by_id")
    tallies = {"village": defaultdict(lambda: [0, 0]), "branch": defaultdict(lambda: [0, 0]),
               "scorer": defaultdict(lambda: [0, 0])}
    for row in rows:
        bad = row["result"] == Finding.Result.DISCREPANCY
        for key, name in (("village", row["check_obj__village__name"]), ("branch", row["entry__member__branch__name"]),
                          ("scorer", row["entry__entered_by_id"])):
            tallies[key][name][0] += 1
            tallies[key][name][1] += int(bad)
    names = dict(get_user_model().objects.filter(pk__in=list(tallies["scorer"])).values_list("pk", "username"))

    def table(data, label=lambda k: k):
        return [{"name": label(k), "checked": c, "discrepancies": d,
                 "rate": (Decimal(d) / c * 100).quantize(Decimal("0.1")) if c else Decimal("0")}
                for k, (c, d) in sorted(data.items(), key=lambda kv: str(kv[0]))]

    return {"village": table(tallies["village"]), "branch": table(tallies["branch"]),
            "scorer": table(tallies["scorer"], lambda k: names.get(k, f"#{k}"))}


def fair_scorers(*, year: int, month_from: int = 1, month_to: int = 12) -> list[int]:
    """User ids of scorers whose entries were checked in the period and never found a discrepancy
    (derived from the findings; never typed)."""
    seen: dict[int, bool] = {}
    for entered_by, result in _findings(year=year, months=(month_from, month_to)).values_list(
            "entry__entered_by_id", "result"):
        seen[entered_by] = seen.get(entered_by, True) and result == Finding.Result.CONFIRMED
    return sorted(u for u, fair in seen.items() if fair)


def branch_check_results(*, year: int, month: int) -> dict[int, dict]:
    """Per branch id, what the checks of the covered `year`/`month` found: entries checked,
    discrepancies, points of the checked entries as posted and the points the checks confirmed
    (posted points of confirmed entries). Read by the favouritism signals."""
    out: dict[int, dict] = {}
    for branch_id, result, points in _findings(year=year, month=month).values_list(
            "entry__member__branch_id", "result", "entry__final_points"):
        row = out.setdefault(branch_id, {"checked_entries": 0, "discrepancies": 0,
                                         "points_checked": Decimal("0"), "points_confirmed": Decimal("0")})
        row["checked_entries"] += 1
        row["points_checked"] += points or Decimal("0")
        if result == Finding.Result.DISCREPANCY:
            row["discrepancies"] += 1
        else:
            row["points_confirmed"] += points or Decimal("0")
    return out


def checks_counted(*, year: int, month: int) -> QuerySet[Check]:
    """The month's checks with their finding and discrepancy counts, in one query (not two counts
    per check)."""
    return (Check.objects.filter(year=year, month=month).select_related("village", "draw")
            .annotate(n_findings=Count("findings"),
                      n_discrepancies=Count("findings", filter=Q(findings__result=Finding.Result.DISCREPANCY)))
            .order_by("village__code", "id"))


def month_report(*, year: int, month: int) -> dict:
    """The monthly report: the draw made in the month after `month` and the checks covering it."""
    dy, dm = next_month(year, month)
    checks = list(checks_counted(year=year, month=month))
    today = clock.today()
    counts = {c.pk: (c.n_findings, c.n_discrepancies) for c in checks}
    return {"year": year, "month": month, "draw": Draw.objects.filter(year=dy, month=dm).first(),
            "checks": [{"check": c, "overdue": check_is_overdue(c, today), "findings": counts[c.pk][0],
                        "discrepancies": counts[c.pk][1]} for c in checks],
            "results": results(year=year, month=month)}


# Per township: draws made and their coverage, checks (done by the due date in the township's
# zone, or still open past it) and findings, as one SELECT per schema for `union_all`.
ROLLUP_SQL = """
SELECT d.draws, d.villages_drawn, d.villages_offered, c.checks, c.done_on_time, c.overdue,
       f.findings, f.discrepancies
  FROM (SELECT count(*) AS draws,
               COALESCE(sum(jsonb_array_length(drawn_codes)), 0) AS villages_drawn,
               COALESCE(sum(jsonb_array_length(villages)), 0) AS villages_offered
          FROM {schema}.oversight_draw WHERE status = %s) d,
       (SELECT count(*) AS checks,
               count(*) FILTER (WHERE completed_at IS NOT NULL
                                  AND (completed_at AT TIME ZONE %s)::date <= due_on) AS done_on_time,
               count(*) FILTER (WHERE completed_at IS NULL AND %s::date > due_on) AS overdue
          FROM {schema}.oversight_check) c,
       (SELECT count(*) AS findings, count(*) FILTER (WHERE result = %s) AS discrepancies
          FROM {schema}.oversight_finding) f
"""
ROLLUP = rollups.register("oversight.checks", ROLLUP_SQL)
ROLLUP_KEYS = ("draws", "villages_drawn", "villages_offered", "checks", "done_on_time", "overdue", "findings",
               "discrepancies")


def county_rollup(*, townships) -> list[dict]:
    """Per township: draws made, villages drawn/total, checks done on time (by the due date in the
    township's zone), overdue checks, entries checked and the discrepancy rate (%, one decimal).
    A stored county rollup (`tenants.townships.rollups`): one statement for the stored rows and one
    per 100 townships that changed since (or whose day turned: the township's date is a parameter),
    whatever their number."""
    townships = list(townships)

    def params(township) -> list:
        zone = clock.zone_of(township)
        return [Draw.Status.DRAWN.value, zone.key, clock.today(zone=zone).isoformat(), Finding.Result.DISCREPANCY.value]

    figures = rollups.rollup_rows(name=ROLLUP.name, townships=townships, params=params)
    rows = []
    for township in townships:
        row = {key: int(figures[township.pk][key]) for key in ROLLUP_KEYS}
        findings, bad = row["findings"], row["discrepancies"]
        rows.append({"township": township, **row,
                     "rate": (Decimal(bad) / findings * 100).quantize(Decimal("0.1")) if findings else Decimal("0")})
    return rows
