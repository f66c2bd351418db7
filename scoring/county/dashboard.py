"""The county's scoring dashboard: figures per township in a fixed number of statements.

Per township, one row (`TOWNSHIP_SQL`): members, the points distribution, the review backlog, the
latest notice and entries and reviews per month. The rows are a stored county rollup
(`tenants.townships.rollups`): read in one statement for every township, recounted in their
schemas (one statement per 100) only for the townships whose data changed since, so the page
costs the same at 1,000 townships as at 10 when little changed, and is exact either way. One more
statement reads the county's own seals (public schema). Totals are summed from the rows.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max

from common import clock
from scoring.county.models import LedgerSeal
from tenants.townships import rollups
from tenants.townships.selectors import township_list_ready

# One row per township: members, the points distribution of `year`, the review backlog, the
# latest notice, and entries and reviews per month since a date (JSON objects month -> count).
TOWNSHIP_SQL = """
SELECT
  (SELECT count(*) FROM {schema}.organisation_member WHERE status = 'active') AS members,
  d.scored, d.avg_points, d.min_points, d.p25, d.median, d.p75, d.max_points,
  (SELECT count(*) FROM {schema}.ledger_entry WHERE status = 'in_review') AS in_review,
  (SELECT min(entered_at) FROM {schema}.ledger_entry WHERE status = 'in_review') AS oldest_in_review,
  (SELECT count(*) FROM {schema}.ledger_entry WHERE status = 'awaiting_late_approval') AS late_waiting,
  (SELECT count(*) FROM {schema}.periods_objection WHERE status = 'open') AS objections_open,
  p.year AS notice_year, p.quarter AS notice_quarter, p.status AS notice_status,
  (SELECT coalesce(jsonb_object_agg(m.month, m.n), '{{}}'::jsonb) FROM (
     SELECT to_char(entered_at AT TIME ZONE %s, 'YYYY-MM') AS month, count(*) AS n
     FROM {schema}.ledger_entry WHERE entered_at >= %s::timestamptz GROUP BY 1) m) AS entries_by_month,
  (SELECT coalesce(jsonb_object_agg(m.month, m.n), '{{}}'::jsonb) FROM (
     SELECT to_char(decided_at AT TIME ZONE %s, 'YYYY-MM') AS month, count(*) AS n
     FROM {schema}.ledger_review WHERE decided_at >= %s::timestamptz GROUP BY 1) m) AS reviews_by_month
FROM (
  SELECT count(*) AS scored, avg(total) AS avg_points, min(total) AS min_points, max(total) AS max_points,
         percentile_cont(0.25) WITHIN GROUP (ORDER BY total) AS p25,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY total) AS median,
         percentile_cont(0.75) WITHIN GROUP (ORDER BY total) AS p75
  FROM {schema}.ledger_memberyeartotal WHERE scoring_year = %s
) d
LEFT JOIN LATERAL (
  SELECT year, quarter, status FROM {schema}.periods_publication
  ORDER BY year DESC, quarter DESC, version DESC LIMIT 1
) p ON true
"""

ROLLUP = rollups.register("scoring.county_dashboard", TOWNSHIP_SQL)


@dataclass
class TownshipFigures:
    township_id: int
    code: str
    name: str
    members: int = 0
    scored: int = 0
    avg_points: Decimal | None = None
    min_points: Decimal | None = None
    p25: float | None = None
    median: float | None = None
    p75: float | None = None
    max_points: Decimal | None = None
    in_review: int = 0
    oldest_in_review: dt.datetime | None = None
    late_waiting: int = 0
    objections_open: int = 0
    notice: str = ""
    notice_status: str = ""
    sealed_months: int = 0
    last_sealed: str = ""
    # The township's schema could not be read (broken or behind on migrations): no figures.
    unavailable: bool = False


@dataclass
class CountyDashboard:
    year: int
    townships: list[TownshipFigures]
    months: list[str]
    entries_by_month: list[int]
    reviews_by_month: list[int]
    totals: dict = field(default_factory=dict)


def _typed(key: str, value):
    """A stored figure (JSON) back in the type the page shows."""
    if key == "oldest_in_review":
        return dt.datetime.fromisoformat(value)
    if key in ("avg_points", "min_points", "max_points"):
        return Decimal(str(value))
    if key in ("p25", "median", "p75"):
        return float(value)
    return value


def _month_labels(today: dt.date, count: int) -> list[str]:
    labels, year, month = [], today.year, today.month
    for _ in range(count):
        labels.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return labels[::-1]


def county_dashboard(*, year: int | None = None, months: int = 12) -> CountyDashboard:
    """Every ready township's scoring figures for `year` (default: the current calendar year) and
    the county's entries and reviews for the last `months` months."""
    today = clock.today(zone=clock.county_zone())
    year = year or today.year
    townships = list(township_list_ready().order_by("code"))
    labels = _month_labels(today, months)
    since = dt.datetime.combine(dt.date(int(labels[0][:4]), int(labels[0][5:]), 1), dt.time(),
                                tzinfo=clock.county_zone())
    zone = str(clock.county_zone())

    # Stored per township and recounted only where the township changed since (see
    # `tenants.townships.rollups`): a read of 1,000 small rows, not of 1,000 schemas.
    rows = rollups.rollup_rows(name=ROLLUP.name, townships=townships,
                               params=[zone, since.isoformat(), zone, since.isoformat(), year])
    counts = {"entries": dict.fromkeys(labels, 0), "reviews": dict.fromkeys(labels, 0)}
    for row in rows.values():
        for what in ("entries", "reviews"):
            for month, n in (row.get(f"{what}_by_month") or {}).items():
                if month in counts[what]:
                    counts[what][month] += n
    seals = {row["township_id"]: row for row in LedgerSeal.objects.filter(township__in=townships, year=year)
             .values("township_id").annotate(n=Count("id"), last=Max("month"))}

    figures = []
    for township in townships:
        row = rows.get(township.pk, {})
        seal = seals.get(township.pk, {})
        figure = TownshipFigures(township_id=township.pk, code=township.code, name=township.name,
                                 unavailable=township.pk not in rows)
        for key in ("members", "scored", "avg_points", "min_points", "p25", "median", "p75", "max_points",
                    "in_review", "oldest_in_review", "late_waiting", "objections_open"):
            value = row.get(key)
            if value is not None:
                setattr(figure, key, _typed(key, value))
        if row.get("notice_year"):
            figure.notice = f"{row['notice_year']} Q{row['notice_quarter']}"
            figure.notice_status = row["notice_status"]
        figure.sealed_months = seal.get("n", 0)
        figure.last_sealed = f"{year}-{seal['last']:02d}" if seal.get("last") else ""
        figures.append(figure)
    totals = {key: sum(getattr(f, key) for f in figures)
              for key in ("members", "scored", "in_review", "late_waiting", "objections_open")}
    return CountyDashboard(year=year, townships=figures, months=labels,
                           entries_by_month=[counts["entries"][m] for m in labels],
                           reviews_by_month=[counts["reviews"][m] for m in labels], totals=totals)
