"""Staffing benchmark (issue 10): a county of 40 townships × 30 villages, 2,000 clerks (50 per
township) with five years of placement history (about 4 placements each, the last one open).

Creates its own database (`BENCH_DATABASE_NAME`, default `bench_staffing`; Django's test-database utilities, dropped at the end;
`BENCH_KEEPDB=1` keeps it). The first township gets a fully migrated schema (with the rotation-limit
trigger: its history is written through it); the other 39 get only the four tables the county
rollup reads (and the relatives table), copied with `CREATE TABLE ... (LIKE ...)`, which keeps setup to seconds instead of
39 full migrations. It measures:

- `staffing_planner_township`: `rotation_plan_compute` for one township (median of 7), target < 1 s;
- `staffing_county_rollup`: `county_rollup` over all 40 townships (median of 7), target < 0.5 s,
  and its query count against the same rollup over 1 township (must be equal).
"""
from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time

import _common
from _common import median_ms, out

_common.setup("staffing")

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from common import clock  # noqa: E402

TOWNSHIPS = int(os.environ.get("BENCH_TOWNSHIPS", "40"))
VILLAGES = int(os.environ.get("BENCH_VILLAGES", "30"))
CLERKS = int(os.environ.get("BENCH_CLERKS", "2000"))
TABLES = ["organisation_village", "clerks_clerk", "clerks_clerk_relatives_villages", "clerks_placement",
          "clerks_villagestaffing"]
rng = random.Random(10)


def make_townships():
    from tenants.townships.models import Domain, Township
    from tenants.townships.services import county_ensure

    county_ensure()
    made = []
    for n in range(TOWNSHIPS):
        code = f"sb{n:02d}"
        township = Township.objects.create(code=code, name=f"基准镇{n}", schema_name=f"t_{code}",
                                           status=Township.Status.READY)
        Domain.objects.create(domain=code, tenant=township, is_primary=True)
        if n == 0:
            township.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
        else:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "t_{code}"')
                for table in TABLES:
                    cursor.execute(f'CREATE TABLE "t_{code}".{table} (LIKE "t_sb00".{table} INCLUDING ALL)')
        made.append(township)
    return made


def load(today: dt.date, clerks: int) -> None:
    """Villages, required numbers, clerks and their five-year placement histories (bulk)."""
    from staffing.clerks.models import Clerk, Placement, VillageStaffing
    from tenants.organisation.models import Village

    villages = Village.objects.bulk_create([Village(name=f"村{i}", code=f"V{i:03d}") for i in range(VILLAGES)])
    VillageStaffing.objects.bulk_create([VillageStaffing(village=v, required=rng.choice((1, 1, 2, 2, 3)))
                                         for v in villages])
    people = Clerk.objects.bulk_create([
        Clerk(name=f"专员{i}", gender="f", birth_date=dt.date(1990, 1, 1), contract_start=today - dt.timedelta(days=1900),
              home_village=rng.choice(villages)) for i in range(clerks)])
    Clerk.relatives_villages.through.objects.bulk_create([
        Clerk.relatives_villages.through(clerk_id=c.pk, village_id=rng.choice(villages).pk) for c in people])
    rows = []
    start_of_history = today - dt.timedelta(days=5 * 365)
    for i, clerk in enumerate(people):
        current = villages[i % len(villages)]
        since = today - dt.timedelta(days=rng.randint(60, 1090))
        rows.append(Placement(clerk=clerk, village=current, starts_on=since))
        end = since - dt.timedelta(days=1)
        used = {current.pk}
        while end > start_of_history:
            village = rng.choice([v for v in villages if v.pk not in used])
            used.add(village.pk)
            begin = max(start_of_history, end - dt.timedelta(days=rng.randint(300, 700)))
            rows.append(Placement(clerk=clerk, village=village, starts_on=begin, ends_on=end))
            end = begin - dt.timedelta(days=1)
    Placement.objects.bulk_create(rows, batch_size=2000)


def main() -> int:
    with _common.bench_database():
        today = clock.today()
        started = time.perf_counter()
        townships = make_townships()
        per = CLERKS // TOWNSHIPS
        for township in townships:
            with tenant_context(township):
                load(today, per)
        connection.set_schema_to_public()
        out("staffing_setup", f"{time.perf_counter() - started:.1f}", "s")
        out("staffing_clerks", per * TOWNSHIPS)
        from staffing.clerks import selectors, services

        with tenant_context(townships[0]):
            plan = services.rotation_plan_compute(today=today)
            planner_ms = median_ms(lambda: services.rotation_plan_compute(today=today))
        connection.set_schema_to_public()
        out("staffing_planner_moves", len(plan.moves))
        out("staffing_planner_unplaced", len(plan.unplaced))
        out("staffing_planner_township", f"{planner_ms:.1f}", "ms")
        out("staffing_planner_vs_target", f"{planner_ms / 1000:.3f}", "x (target < 1 s)")
        limit = 1096
        rollup_ms = median_ms(lambda: selectors.county_rollup(townships=townships, day=today, limit=limit))
        with CaptureQueriesContext(connection) as all_q:
            rows = selectors.county_rollup(townships=townships, day=today, limit=limit)
        with CaptureQueriesContext(connection) as one_q:
            selectors.county_rollup(townships=townships[:1], day=today, limit=limit)
        out("staffing_county_rollup", f"{rollup_ms:.1f}", "ms")
        out("staffing_county_rollup_vs_target", f"{rollup_ms / 500:.3f}", "x (target < 0.5 s)")
        out("staffing_county_rollup_queries", len(all_q), f"(1 township: {len(one_q)})")
        out("staffing_county_gaps", sum(r["gaps"] for r in rows))
        out("staffing_county_limits_coming", sum(r["limits_coming"] for r in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
