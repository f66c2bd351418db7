# ruff: noqa: S608 - the benchmark builds its own schema and table names (constants), never user input
"""County reward rollup benchmark (issue 12, item 7).

Measures (printed as `name: value unit`):
  - `rollup_40x2000`: `scoring.rewards.county.services.rollup_run` over 40 ready townships of 2,000
    members each (reads every township in two UNION ALL statements, writes the county lists and the
    ranking, allocates the budget and the special fund; one transaction), median of 5;
  - `sql_aggregate_40x2000`: ONE hand-written SQL statement over the same rows (the same figures and
    list rows per township, fetched, nothing written), median of 5, measured in the same run;
  - `rollup_vs_sql`: the ratio of the two (target <= 1.5);
  - `rollup_10` / `rollup_20` / `rollup_40` and `rollup_per_township_*`: the rollup over 10, 20 and 40
    townships (the others set to archived), median of 5 each: linear growth means a flat per-township
    cost.

Own database (Django's test-database utilities, `BENCH_DATABASE_NAME`, default `bench_rollup`;
dropped at the end, BENCH_KEEPDB=1 keeps it). One township schema is made by the migrations; the 40
benchmark townships get copies of its tables (`CREATE TABLE ... (LIKE ... INCLUDING ALL)`, so the
same columns and indexes, without foreign keys, and the columns the rollup never reads nullable) and their rows are BULK-LOADED with
`INSERT ... SELECT generate_series(...)`, not through the services: per township 2,000 active members
in 40 branches, a tier row per member (tiers spread 0-6), a Party-member Star result per member
(2 % eligible), a year-end shortlist of 10 candidates and 2 award bars (members who are also
eligible or shortlisted, so the bar filter has work to do). The oversight tables stay empty (the
fair-scorer subquery runs but finds nothing). BENCH_TOWNSHIPS and BENCH_MEMBERS change the sizes.
"""
from __future__ import annotations

import os
import sys
import time

import _common
from _common import median_ms, out

_common.setup("rollup")

from django.db import connection, transaction  # noqa: E402

TOWNSHIPS = int(os.environ.get("BENCH_TOWNSHIPS", "40"))
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "2000"))
YEAR = 2026
TABLES = ["organisation_village", "organisation_branch", "organisation_member", "rewards_membertier",
          "rewards_starresult", "rewards_starevaluation", "rewards_shortlist", "rewards_shortlistcandidate",
          "tips_awardineligibility", "oversight_check", "oversight_finding", "ledger_entry"]

# The hand-written comparison: the same figures and list rows per township, in one statement.
SQL_ONE = """
SELECT %s::bigint AS township_id,
  (SELECT count(*) FROM {s}.organisation_member WHERE status = 'active') AS members,
  (SELECT array_agg(n ORDER BY tier) FROM (SELECT t.tier, count(*) n FROM {s}.rewards_membertier t
     JOIN {s}.organisation_member m ON m.id = t.member_id WHERE t.year = %s AND m.status = 'active'
     GROUP BY t.tier) x)::text AS tiers,
  (SELECT count(DISTINCT m.branch_id) FROM {s}.rewards_membertier t JOIN {s}.organisation_member m
     ON m.id = t.member_id WHERE t.year = %s AND t.tier = 6) AS branches,
  (SELECT count(*) FROM {s}.rewards_starresult r LEFT JOIN {s}.tips_awardineligibility x
     ON x.member_id = r.member_id AND x.scoring_year = %s WHERE r.year = %s AND r.eligible AND x.id IS NULL) AS stars,
  (SELECT count(*) FROM {s}.rewards_shortlistcandidate c JOIN {s}.rewards_shortlist l ON l.id = c.shortlist_id
     LEFT JOIN {s}.tips_awardineligibility x ON x.member_id = c.member_id AND x.scoring_year = %s
    WHERE l.year = %s AND l.kind = 'year_end' AND c.included AND x.id IS NULL) AS candidates,
  (SELECT count(*) FROM {s}.tips_awardineligibility WHERE scoring_year = %s) AS barred,
  (SELECT json_agg(json_build_object('id', m.id, 'name', m.name, 'branch', b.name, 'tier', coalesce(t.tier, 0)))
     FROM {s}.organisation_member m JOIN {s}.organisation_branch b ON b.id = m.branch_id
     LEFT JOIN {s}.rewards_membertier t ON t.member_id = m.id AND t.year = %s
    WHERE (m.id IN (SELECT member_id FROM {s}.rewards_starresult WHERE year = %s AND eligible)
           OR m.id IN (SELECT c.member_id FROM {s}.rewards_shortlistcandidate c
                         JOIN {s}.rewards_shortlist l ON l.id = c.shortlist_id
                        WHERE l.year = %s AND l.kind = 'year_end' AND c.included))
      AND m.id NOT IN (SELECT member_id FROM {s}.tips_awardineligibility
                        WHERE scoring_year = %s AND member_id IS NOT NULL))::text AS list
"""


def load(cursor, schema: str, template: str) -> None:
    """Copy the template's tables into `schema` and bulk-load one township's rows."""
    cursor.execute(f"CREATE SCHEMA {schema}")
    for table in TABLES:
        cursor.execute(f"CREATE TABLE {schema}.{table} (LIKE {template}.{table} INCLUDING ALL)")
        # Columns the rollup never reads may stay empty in the copies.
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                       "AND table_name = %s AND is_nullable = 'NO' AND column_name <> 'id'", [schema, table])
        for (column,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {schema}.{table} ALTER COLUMN "{column}" DROP NOT NULL')
    n = MEMBERS
    cursor.execute(f"INSERT INTO {schema}.organisation_village (id, name, code, created_at, updated_at) "
                   "SELECT g, '村' || g, 'V' || g, now(), now() FROM generate_series(1, 40) g")
    cursor.execute(f"""INSERT INTO {schema}.organisation_branch
        SELECT (jsonb_populate_record(NULL::{schema}.organisation_branch,
                jsonb_build_object('id', g, 'name', '支部' || g, 'kind', 'village', 'village_id', g,
                                   'created_at', now(), 'updated_at', now(), 'is_active', true))).*
        FROM generate_series(1, 40) g""")
    cursor.execute(f"""INSERT INTO {schema}.organisation_member
        SELECT (jsonb_populate_record(NULL::{schema}.organisation_member,
                jsonb_build_object('id', g, 'name', '党员' || g, 'status', 'active', 'branch_id', 1 + g % 40,
                                   'created_at', now(), 'updated_at', now()))).*
        FROM generate_series(1, {n}) g""")
    cursor.execute(f"INSERT INTO {schema}.rewards_membertier (member_id, year, tier, uncapped_tier, honour_points, "
                   f"honours, vetoed, reason, computed_at) SELECT g, {YEAR}, g % 7, g % 7, g % 7 * 3, g % 7, false, "
                   f"'基准', now() FROM generate_series(1, {n}) g")
    cursor.execute(f"INSERT INTO {schema}.rewards_starevaluation (id, year, rule_version_id, rule_version, members, "
                   f"eligible, evaluated_at) VALUES (1, {YEAR}, 1, 1, {n}, {n // 50}, now())")
    cursor.execute(f"INSERT INTO {schema}.rewards_starresult (evaluation_id, member_id, year, rule_version, eligible, "
                   f"failed, explanation) SELECT 1, g, {YEAR}, 1, g % 50 = 0, '{{}}', '[]' "
                   f"FROM generate_series(1, {n}) g")
    cursor.execute(f"INSERT INTO {schema}.rewards_shortlist (id, kind, year, status, generated_at) "
                   f"VALUES (1, 'year_end', {YEAR}, 'draft', now())")
    cursor.execute(f"INSERT INTO {schema}.rewards_shortlistcandidate (shortlist_id, member_id, included, by_office, "
                   f"position, tier, eligible, year_points, months_top3, months, publications, rating, honour_ids, "
                   f"reason) SELECT 1, g * 7, true, false, g, 6, false, 100, 0, '{{}}', '{{}}', '', '{{}}', '基准' "
                   f"FROM generate_series(1, 10) g")
    cursor.execute(f"INSERT INTO {schema}.tips_awardineligibility (user_id, member_id, scoring_year, reason, "
                   f"sanction_id, created_at) VALUES (1, 50, {YEAR}, '基准', 1, now()), (2, 7, {YEAR}, '基准', 1, now())")
    cursor.execute(f"ANALYZE {schema}.organisation_member")
    for table in ("rewards_membertier", "rewards_starresult", "rewards_shortlistcandidate"):
        cursor.execute(f"ANALYZE {schema}.{table}")


def main() -> int:
    with _common.bench_database():
        from scoring.rewards.county.models import RewardPolicy, RollupRun
        from scoring.rewards.county.services import rollup_run
        from tenants.townships.models import Domain, Township
        from tenants.townships.services import county_ensure

        county_ensure()
        template = Township.objects.create(code="benchtpl", name="模板镇", schema_name="t_benchtpl",
                                           status=Township.Status.ARCHIVED)
        Domain.objects.create(domain="benchtpl", tenant=template, is_primary=True)
        template.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
        started = time.perf_counter()
        townships = Township.objects.bulk_create([
            Township(code=f"b{i:02d}", name=f"基准镇{i:02d}", schema_name=f"t_b{i:02d}", status=Township.Status.READY)
            for i in range(1, TOWNSHIPS + 1)])
        with connection.cursor() as cursor:
            for township in townships:
                load(cursor, township.schema_name, "t_benchtpl")
        out("load_seconds", f"{time.perf_counter() - started:.1f}", "s")
        out("rows_loaded", f"{TOWNSHIPS} townships x {MEMBERS} members, bulk INSERT ... SELECT generate_series")
        RewardPolicy.objects.create(year=YEAR, budget="1000000.00", special_fund="100000.00")

        def rollup():
            with transaction.atomic():
                RollupRun.objects.filter(year=YEAR).delete()
                run = rollup_run(actor=None, year=YEAR, kind="year_end")
                assert run.townships.filter(ok=True).count() == ready_count[0], "a township failed"
                assert run.budget == RewardPolicy.objects.get(year=YEAR).budget
                transaction.set_rollback(True)  # the next repetition starts from the same state

        ids = [t.pk for t in townships]
        ready_count = [len(ids)]

        def sql_aggregate():
            parts, params = [], []
            for township in Township.objects.filter(pk__in=ids, status=Township.Status.READY).order_by("code"):
                parts.append(SQL_ONE.format(s=connection.ops.quote_name(township.schema_name)))
                params += [township.pk, *([YEAR] * 11)]
            with connection.cursor() as cursor:
                cursor.execute(" UNION ALL ".join(parts), params)
                rows = cursor.fetchall()
            assert len(rows) == ready_count[0]

        rollup_ms, sql_ms = median_ms(rollup, 5), median_ms(sql_aggregate, 5)
        out(f"rollup_{TOWNSHIPS}x{MEMBERS}", f"{rollup_ms:.1f}", "ms")
        out(f"sql_aggregate_{TOWNSHIPS}x{MEMBERS}", f"{sql_ms:.1f}", "ms")
        out("rollup_vs_sql", f"{rollup_ms / sql_ms:.2f}", "x (target <= 1.5)")
        for count in (10, 20, 40):
            if count > TOWNSHIPS:
                continue
            Township.objects.filter(pk__in=ids).update(status=Township.Status.ARCHIVED)
            Township.objects.filter(pk__in=ids[:count]).update(status=Township.Status.READY)
            ready_count[0] = count
            ms = median_ms(rollup, 5)
            out(f"rollup_{count}", f"{ms:.1f}", "ms")
            out(f"rollup_per_township_{count}", f"{ms / count:.2f}", "ms")
        return 0


if __name__ == "__main__":
    sys.exit(main())
