# ruff: noqa: S608 - the benchmark builds schema and table names from its own townships, never user input
"""Scale run: a county of N townships (`--townships N`, default 10; 1,000 is the documented size).

    PYTHONPATH=platform:. .venv/bin/python bench/scale.py --townships 100 [--workers 2]

`make bench` runs it with the defaults as a quick check. Every township is made by the product's
provisioning (`tenants.townships.services.township_provision`: the checked-in schema script, or a
spare schema renamed when `--spares` made them first; one after the other, each timed, progress
printed) and filled with realistic data, written as follows (printed again in the output):
  - villages, one branch each, members: bulk-inserted through the ORM (`bulk_create`);
  - a scoring year with four rules (ORM);
  - the year's ledger (base scores, then about `--postings` adjustments per member up to the end of
    the last ended month) POSTED THROUGH `ledger_post`, 1,000 rows per transaction: the real hash
    chain and yearly totals, batched as the service allows (one bulk INSERT per batch);
  - entries waiting in review (bulk-inserted through the ORM), a township-office user.
Parts can be left out (`--skip jobs,deploy-migration,...`, said so in the output), and `--reuse`
measures again on the database a run kept with BENCH_KEEPDB=1 (no townships made), e.g. the
county pages only:
    BENCH_KEEPDB=1 BENCH_DATABASE_NAME=bench_scale_s1000 .venv/bin/python infra/bench.py scale \
        --reuse --skip compare,jobs,deploy,deploy-migration,sizes
Then it measures, printing `name: value unit` lines:
  - provisioning one township (`township_provision`) against `migrate_schemas` for one schema,
    alternating, twice each (target: provisioning at least 10 x faster);
  - county pages through HTTP as the county admin (time, statements), and the county dashboard's
    selector against one hand-written SQL statement over the same rows (target: dashboard under
    300 ms at 1,000 townships, a fixed number of statements);
  - every per-township beat job, in the order beat runs them on the night of the 1st, sent by the
    product's dispatcher to `--workers` REAL Celery worker processes, each job timed until the
    queue is drained, and the total (target: under 5 minutes for 1,000 townships, two workers);
  - deploys (`infra/migrate.py` in a subprocess): with nothing to migrate, and with one real
    migration (the last migration of a tenant app that only adds columns or indexes, unapplied in
    every schema beforehand with Django's own backwards SQL);
  - database size, catalog size (pg_class rows, pg_catalog bytes), and the memory of one
    connection before and after it has read every township (pg_backend_memory_contexts, RSS).
Own database (`BENCH_DATABASE_NAME`, default `bench_scale`; dropped at the end, BENCH_KEEPDB=1
keeps it).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from functools import partial
from pathlib import Path

import _common
from _common import ROOT, out

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--townships", type=int, default=int(os.environ.get("BENCH_TOWNSHIPS", "10")))
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--villages", type=int, default=15)
parser.add_argument("--members", type=int, default=300, help="members per township")
parser.add_argument("--postings", type=int, default=6, help="adjustments per member over the year")
parser.add_argument("--in-review", type=int, default=10, help="entries waiting in review per township")
parser.add_argument("--spares", action="store_true",
                    help="make the N spare schemas first (`spares_fill`, timed), so that provisioning "
                         "each township is a rename")
parser.add_argument("--make-jobs", type=int, default=1,
                    help="make (provision and fill) the townships in this many processes, each with its "
                         "own connection (default 1: one after the other)")
parser.add_argument("--fill", choices=("post", "copy"), default="post",
                    help="post: every township filled as described above; copy: only the first one is, the "
                         "others get its rows copied table by table (INSERT ... SELECT, sequences moved on), "
                         "so every township holds the same data (a 1,000-township county in the time)")
PARTS = ("compare", "pages-growth", "jobs", "pages-after", "deploy", "deploy-migration", "sizes")
parser.add_argument("--skip", default="", metavar="PART,...",
                    help="parts to leave out: " + ", ".join(PARTS) + " (compare = provisioning against "
                         "migrate_schemas; pages-growth = the county pages at 10, 100, 1,000 ... townships)")
parser.add_argument("--skip-provision-compare", action="store_true", help="the same as --skip compare")
parser.add_argument("--skip-jobs", action="store_true", help="the same as --skip jobs")
parser.add_argument("--jobs-only", action="store_true",
                    help="make the townships and run the monthly jobs only (every other part skipped): "
                         "the quick loop for work on the jobs")
parser.add_argument("--reuse", action="store_true",
                    help="measure on the database kept by an earlier run (BENCH_KEEPDB=1, same "
                         "BENCH_DATABASE_NAME): make no townships, never drop it")
ARGS = parser.parse_args()
SKIP = {part.strip() for part in ARGS.skip.split(",") if part.strip()}
if unknown := SKIP - set(PARTS):
    parser.error(f"unknown parts to skip: {sorted(unknown)}; there are {PARTS}")
if ARGS.skip_provision_compare or ARGS.reuse:
    SKIP.add("compare")
if ARGS.skip_jobs:
    SKIP.add("jobs")
if ARGS.jobs_only:
    SKIP.update(part for part in PARTS if part != "jobs")

_common.setup("scale")

from django.db import connection, transaction  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from common import clock  # noqa: E402

TODAY = clock.today()
LAST_ENDED = (TODAY.replace(day=1) - dt.timedelta(days=1))  # last day of the last ended month
YEAR = LAST_ENDED.year


# --- setup ---------------------------------------------------------------------------------------
def township_fill(township, index: int, users) -> None:
    from accounts.models import Role, RoleAssignment, User
    from scoring.ledger.models import Entry

    with tenant_context(township):
        member_ids, _branches = _common.organisation_load(villages=ARGS.villages, members=ARGS.members, seed=index)
        rule_ids = _common.catalogue_load(YEAR)
        postings = _common.postings_make(member_ids, rule_ids, len(member_ids) * (1 + ARGS.postings), YEAR,
                                         seed=index, until=LAST_ENDED)
        _common.ledger_load(postings)
        clerk = users["clerk"]
        Entry.objects.bulk_create([
            Entry(member_id=member_ids[i * 7 % len(member_ids)], rule_id=rule_ids[0], occurred_on=LAST_ENDED,
                  points=Decimal(2), note="参加组织生活", status=Entry.Status.IN_REVIEW, entered_by_id=clerk.pk,
                  lag_days=(TODAY - LAST_ENDED).days, review_levels=["liaison"], review_weights={"liaison": "1"},
                  current_level="liaison") for i in range(ARGS.in_review)])
    office = User.objects.create(username=f"office-{township.code}", full_name=f"{township.name}党建办")
    RoleAssignment.objects.create(user=office, township=township, role=Role.TOWNSHIP_OFFICE)


def provision_vs_migrate() -> None:
    """`township_provision` against `migrate_schemas` for one schema, alternating, twice each. The
    townships used here are archived afterwards (they take no part in the rest of the run)."""
    from django.core.management import call_command

    from tenants.townships.models import Township
    from tenants.townships.services import township_provision

    provision, migrate = [], []
    for round_ in range(2):
        township = _common.township_register(f"pv{round_}")
        started = time.perf_counter()
        township_provision(township_id=township.pk)
        provision.append(time.perf_counter() - started)

        other = _common.township_register(f"mg{round_}")
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{other.schema_name}"')
        call_command("migrate_schemas", tenant=True, schema_name=other.schema_name, interactive=False, verbosity=0)
        migrate.append(time.perf_counter() - started)
        connection.set_schema_to_public()
    Township.objects.filter(code__in=["pv0", "pv1", "mg0", "mg1"]).update(status=Township.Status.ARCHIVED)
    p, m = statistics.median(provision), statistics.median(migrate)
    out("provision_one", f"{p * 1000:.0f}", f"ms (township_provision, median of {len(provision)})")
    out("migrate_schemas_one", f"{m * 1000:.0f}", f"ms (CREATE SCHEMA + migrate_schemas, median of {len(migrate)})")
    out("provision_speedup_vs_migrate_schemas", f"{m / p:.1f}", "x (target >= 10)")


def townships_make(count: int, users) -> list:
    from django.db import connections

    from tenants.townships import schema_script
    from tenants.townships.models import Township
    from tenants.townships.services import county_ensure

    if ARGS.spares:
        started = time.perf_counter()
        made, _dropped = schema_script.spares_fill(count=count)
        out("spares_made", made, f"spare schemas in {time.perf_counter() - started:.1f} s (spares_fill, "
            "one after the other: the same script, run ahead of the townships)")
    county_ensure()
    provision_times, fill_times = [], []
    step = max(1, count // 20)
    started_all = time.perf_counter()
    jobs = max(1, min(ARGS.make_jobs, count))
    first = 0
    if ARGS.fill == "copy":  # the template the others copy, made before any process starts
        provision_s, fill_s = township_make(0, clerk_id=users["clerk"].pk)
        provision_times.append(provision_s)
        fill_times.append(fill_s)
        first = 1
    if jobs > 1:
        import multiprocessing

        connections.close_all()  # every forked process opens its own connection
        pool = multiprocessing.get_context("fork").Pool(jobs, initializer=connections.close_all)
        results = pool.imap(partial(township_make, clerk_id=users["clerk"].pk), range(first, count))
    else:
        pool, results = None, (township_make(i, clerk_id=users["clerk"].pk) for i in range(first, count))
    try:
        for done, (provision_s, fill_s) in enumerate(results, start=first + 1):
            provision_times.append(provision_s)
            fill_times.append(fill_s)
            if done % step == 0 or done == count:
                last = slice(max(0, done - step), done)
                print(f"  ... {done}/{count} townships, {time.perf_counter() - started_all:.0f} s; last "
                      f"{len(provision_times[last])}: provision median {statistics.median(provision_times[last]) * 1000:.0f} ms, "
                      f"fill median {statistics.median(fill_times[last]) * 1000:.0f} ms; load "
                      f"{os.getloadavg()[0]:.1f}", flush=True)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    made = list(Township.objects.filter(code__regex=r"^s[0-9]{4}$", status=Township.Status.READY).order_by("code"))
    if len(made) != count:
        raise RuntimeError(f"{len(made)} of {count} townships are ready")
    out("townships_make_wall", f"{time.perf_counter() - started_all:.1f}", f"s (provision and fill, {jobs} process(es))")
    connection.set_schema_to_public()
    out("townships", count, f"ready, each {ARGS.villages} villages/branches, {ARGS.members} members, "
        f"{ARGS.members * (1 + ARGS.postings)} ledger rows, {ARGS.in_review} entries in review")
    how = "township_provision from spares (renames)" if ARGS.spares else "township_provision (schema script)"
    out("townships_provision_total", f"{sum(provision_times):.1f}", f"s ({how}; sum over the {jobs} process(es))")
    out("townships_provision_median", f"{statistics.median(provision_times) * 1000:.0f}", "ms per township")
    deciles = [provision_times[k * count // 10:(k + 1) * count // 10] for k in range(10)] if count >= 10 else []
    if deciles:
        out("townships_provision_median_by_tenth", " / ".join(f"{statistics.median(d) * 1000:.0f}" for d in deciles),
            "ms (first to last tenth of the townships: does it slow as the catalog grows?)")
    how = ("villages, branches, members, entries in review bulk-inserted; catalogue by the ORM; ledger through "
           "ledger_post, 1,000 rows per transaction")
    if ARGS.fill == "copy":
        how = (f"the first township: {how}; the other {count - 1}: ITS ROWS COPIED by INSERT ... SELECT, "
               "the same data in every township")
    out("townships_fill_total", f"{sum(fill_times):.1f}", f"s ({how})")
    out("townships_fill_median", f"{statistics.median(fill_times) * 1000:.0f}", "ms per township")
    return made


_COPY_TABLES: list[tuple[str, str, list[str]]] = []


def township_copy(township, template) -> None:
    """The rows of `template`'s schema copied into `township`'s fresh one, in one transaction:
    every table that has rows there, except the migration records and content types the schema
    script wrote already (the ledger's hash chain names no township, so it verifies as copied);
    then every copied table's `id` sequence is moved past the copied ids."""
    if not _COPY_TABLES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT c.relname, array_agg(quote_ident(a.attname) ORDER BY a.attnum), "
                           "bool_or(a.attname = 'id') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
                           "AND a.attgenerated = '' WHERE n.nspname = %s AND c.relkind = 'r' "
                           "AND c.relname NOT IN ('django_migrations', 'django_content_type') GROUP BY c.relname",
                           [template.schema_name])
            for table, columns, has_id in cursor.fetchall():
                cursor.execute(f'SELECT EXISTS (SELECT FROM "{template.schema_name}"."{table}")')
                if cursor.fetchone()[0]:
                    _COPY_TABLES.append((table, ", ".join(columns), "id" if has_id else ""))
    source, target = f'"{template.schema_name}"', f'"{township.schema_name}"'
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, id_column in _COPY_TABLES:
            cursor.execute(f'INSERT INTO {target}."{table}" ({columns}) OVERRIDING SYSTEM VALUE '
                           f'SELECT {columns} FROM {source}."{table}"')
            if id_column:
                cursor.execute(f"SELECT setval(s, m) FROM (SELECT pg_get_serial_sequence(%s, 'id') AS s, "
                               f'(SELECT max(id) FROM {target}."{table}") AS m) x WHERE s IS NOT NULL AND m IS NOT NULL',
                               [f'{target}."{table}"'])


def township_make(index: int, *, clerk_id: int) -> tuple[float, float]:
    """Register, provision and fill township number `index`: (provision s, fill s)."""
    from accounts.models import User
    from tenants.townships.services import township_provision

    township = _common.township_register(f"s{index:04d}", f"规模镇{index:04d}")
    started = time.perf_counter()
    township = township_provision(township_id=township.pk)
    provision_s = time.perf_counter() - started
    started = time.perf_counter()
    if ARGS.fill == "copy" and index > 0:
        from accounts.models import Role, RoleAssignment
        from tenants.townships.models import Township

        township_copy(township, Township.objects.get(code="s0000"))
        office = User.objects.create(username=f"office-{township.code}", full_name=f"{township.name}党建办")
        RoleAssignment.objects.create(user=office, township=township, role=Role.TOWNSHIP_OFFICE)
    else:
        township_fill(township, index, {"clerk": User.objects.get(pk=clerk_id)})
    connection.set_schema_to_public()
    return provision_s, time.perf_counter() - started


def townships_existing() -> list:
    """The bench's townships in a database kept by an earlier run (`--reuse`), all made ready."""
    from tenants.townships.models import Township

    # Archived ones were taken out by the county pages' growth curve; one still provisioning or
    # failed (a run stopped half-way) has no usable schema and stays out.
    townships = Township.objects.filter(code__regex=r"^s[0-9]{4}$",
                                        status__in=[Township.Status.READY, Township.Status.ARCHIVED])
    townships.update(status=Township.Status.READY)
    made = list(townships.order_by("code"))
    out("townships", len(made), "reused from the kept database (none made)")
    return made


# --- county pages ----------------------------------------------------------------------------------
HAND_SQL = """
SELECT %s::bigint AS township_id,
  (SELECT count(*) FROM {s}.organisation_member WHERE status = 'active') AS members,
  t.scored, t.avg_points, t.min_points, t.p25, t.median, t.p75, t.max_points,
  e.in_review, e.oldest_in_review, e.late_waiting,
  (SELECT count(*) FROM {s}.periods_objection WHERE status = 'open') AS objections_open,
  (SELECT year || ' Q' || quarter || ' ' || status FROM {s}.periods_publication
    ORDER BY year DESC, quarter DESC, version DESC LIMIT 1) AS notice,
  (SELECT json_object_agg(month, n) FROM (
     SELECT to_char(entered_at AT TIME ZONE %s, 'YYYY-MM') AS month, count(*) AS n
       FROM {s}.ledger_entry WHERE entered_at >= %s GROUP BY 1) m) AS entries_by_month,
  (SELECT json_object_agg(month, n) FROM (
     SELECT to_char(decided_at AT TIME ZONE %s, 'YYYY-MM') AS month, count(*) AS n
       FROM {s}.ledger_review WHERE decided_at >= %s GROUP BY 1) r) AS reviews_by_month,
  (SELECT count(*) FROM public.county_ledgerseal WHERE township_id = %s AND year = %s) AS sealed
FROM (SELECT count(*) AS scored, avg(total) AS avg_points, min(total) AS min_points, max(total) AS max_points,
             percentile_cont(0.25) WITHIN GROUP (ORDER BY total) AS p25,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY total) AS median,
             percentile_cont(0.75) WITHIN GROUP (ORDER BY total) AS p75
        FROM {s}.ledger_memberyeartotal WHERE scoring_year = %s) t,
     (SELECT count(*) FILTER (WHERE status = 'in_review') AS in_review,
             min(entered_at) FILTER (WHERE status = 'in_review') AS oldest_in_review,
             count(*) FILTER (WHERE status = 'awaiting_late_approval') AS late_waiting
        FROM {s}.ledger_entry) e
"""

COUNTY_PAGES = ["/scoring/dashboard/", "/townships/", "/oversight/", "/oversight/signals/", "/oversight/tips/",
                "/staffing/", "/rewards/"]
# BENCH_PAGES="/scoring/dashboard/,/townships/" measures only those (e.g. a quick re-run with --reuse).
if os.environ.get("BENCH_PAGES"):
    COUNTY_PAGES = [p for p in COUNTY_PAGES if p in os.environ["BENCH_PAGES"].split(",")]


def county_pages_growth(admin, townships) -> None:
    """County pages and the dashboard at 10, 100, 1,000 ... townships up to all of them (the
    others archived meanwhile, so the same database serves every point of the curve)."""
    from tenants.townships.models import Township

    ids = [t.pk for t in townships]
    points = [n for n in (10, 100, 1000) if n < len(ids)] + [len(ids)]
    for count in points:
        Township.objects.filter(pk__in=ids).update(status=Township.Status.ARCHIVED)
        Township.objects.filter(pk__in=ids[:count]).update(status=Township.Status.READY)
        county_pages(admin, count)
    Township.objects.filter(pk__in=ids).update(status=Township.Status.READY)


class PageFailed(Exception):
    pass


def attempt(name: str, run) -> bool:
    """Run `run` once; when it fails, print what failed (the error's first lines, the time it
    took, the statements sent and the longest one's length) and return False."""
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    try:
        with CaptureQueriesContext(conn) as captured:
            run()
    except Exception as exc:  # noqa: BLE001 - the bench records every failure and goes on
        took = time.perf_counter() - started
        message = " | ".join(line.strip() for line in str(exc).strip().splitlines()[:3])[:400]
        longest = max((len(q["sql"]) for q in captured.captured_queries), default=0)
        out(name, "FAILED", f"after {took * 1000:.0f} ms: {type(exc).__name__}: {message} "
            f"({len(captured.captured_queries)} statements sent, the longest {longest:,} characters)")
        conn.close()  # a fresh connection for what follows
        return False
    return True


STORED_PAGES = ("/scoring/dashboard/", "/townships/", "/oversight/")


def stored_rollups(client, count: int) -> None:
    """The pages that read stored per-township figures (`tenants.townships.rollups`): the first
    view with nothing stored (every township recounted, one statement per 100), a view with
    everything fresh, and a view after one township changed (only it recounted)."""
    from tenants.townships.models import TownshipRollup
    from tenants.townships.rollups import township_changed
    from tenants.townships.selectors import township_list_ready

    one = township_list_ready().order_by("code").first()
    for path in [p for p in STORED_PAGES if p in COUNTY_PAGES]:
        TownshipRollup.objects.all().delete()

        def get(path=path):
            response = client.get(path)
            if response.status_code != 200:
                raise PageFailed(f"answered {response.status_code}")
        started = time.perf_counter()
        if not attempt(f"page {path} cold @{count}", get):
            continue
        cold_ms = (time.perf_counter() - started) * 1000
        cold_rows = TownshipRollup.objects.count()
        fresh_sql = _common.statements(get)
        fresh_ms = _common.median_ms(get, repeat=5)

        def one_changed(path=path):
            with transaction.atomic():
                township_changed(schema_name=one.schema_name)
            get(path)
        changed_sql = _common.statements(one_changed)
        changed_ms = _common.median_ms(one_changed, repeat=5)
        out(f"page {path} cold @{count}", f"{cold_ms:.0f}", f"ms (nothing stored: {cold_rows} townships recounted)")
        out(f"page {path} fresh @{count}", f"{fresh_ms:.1f}", f"ms ({len(fresh_sql)} statements, every figure "
            "stored and fresh; target < 300 ms for the dashboard at 1,000)")
        out(f"page {path} one_changed @{count}", f"{changed_ms:.1f}", f"ms ({len(changed_sql)} statements incl. "
            "marking the change; one township recounted)")


def county_pages(admin, count: int) -> None:
    from django.test import Client

    from scoring.county.dashboard import county_dashboard
    from scoring.county.models import LedgerSeal
    from tenants.townships.selectors import township_list_ready

    client = Client()
    client.force_login(admin)
    stored_rollups(client, count)
    for path in COUNTY_PAGES:
        def get(path=path):
            response = client.get(path)
            if response.status_code != 200:
                raise PageFailed(f"answered {response.status_code}")
        if not attempt(f"page {path} @{count}", get):
            continue
        sql = _common.statements(get)
        took = _common.median_ms(get, repeat=5)
        sets = sum(s.startswith("SET search_path") for s in sql)
        out(f"page {path} @{count}", f"{took:.1f}", f"ms ({len(sql)} statements, {sets} SET search_path)")

    year = clock.today(zone=clock.county_zone()).year
    zone = str(clock.county_zone())
    since = dt.datetime.combine(TODAY.replace(day=1) - dt.timedelta(days=335), dt.time(), tzinfo=clock.county_zone())
    seal_table = LedgerSeal._meta.db_table

    def hand():
        parts, params = [], []
        for township in township_list_ready().order_by("code"):
            parts.append(HAND_SQL.replace("public.county_ledgerseal", f"public.{seal_table}")
                         .format(s=connection.ops.quote_name(township.schema_name)))
            params += [township.pk, zone, since, zone, since, township.pk, year, year]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            return cursor.fetchall()

    dashboard_ok = attempt(f"county_dashboard_selector @{count}", county_dashboard)
    hand_ok = attempt(f"county_dashboard_hand_sql @{count}", hand)
    if not (dashboard_ok and hand_ok):
        return
    dashboard_sql = _common.statements(lambda: county_dashboard())
    dashboard_ms = _common.median_ms(lambda: county_dashboard(), repeat=5)
    hand_ms = _common.median_ms(hand, repeat=5)
    out(f"county_dashboard_selector @{count}", f"{dashboard_ms:.1f}", f"ms ({len(dashboard_sql)} statements; "
        "target < 300 ms for the page at 1,000 townships)")
    out(f"county_dashboard_hand_sql @{count}", f"{hand_ms:.1f}", "ms (one hand-written statement, same rows, fetched)")
    out(f"county_dashboard_vs_hand_sql @{count}", f"{dashboard_ms / hand_ms:.2f}", "x")


# --- monthly jobs ----------------------------------------------------------------------------------
def monthly_jobs_run(townships) -> None:
    from common.tasks import dispatch_to_townships

    jobs = _common.monthly_jobs()
    out("jobs", len(jobs), "per-township beat entries: " + ", ".join(key for key, _task, _args in jobs))
    log_dir = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    total = 0.0
    with _common.Workers(ARGS.workers, log_dir) as workers:
        for key, task, args in jobs:
            started = time.monotonic()
            dispatch_to_townships(task, *args)
            workers.drain()
            took = time.monotonic() - started
            total += took
            out(f"job {key}", f"{took:.1f}", f"s ({task}, {len(townships)} townships)")
    out("jobs_total", f"{total:.1f}", f"s ({len(townships)} townships, {ARGS.workers} workers; target < 300 s at 1,000)")
    closed = 0
    with connection.cursor() as cursor:
        for township in townships:  # one statement each: one UNION over 1,000 schemas may not fit the lock table
            cursor.execute(f'SELECT count(*) FROM "{township.schema_name}".periods_monthclose '
                           "WHERE year = %s AND month = %s", [YEAR, LAST_ENDED.month])
            closed += cursor.fetchone()[0]
    out("jobs_check_month_closed", closed, f"of {len(townships)} townships closed {YEAR}-{LAST_ENDED.month:02d}")
    if closed != len(townships):
        raise RuntimeError(f"the workers closed the month in {closed} of {len(townships)} townships; see {log_dir}")


# --- deploys -------------------------------------------------------------------------------------
def deploy(label: str) -> float:
    env = {**os.environ, "DATABASE_URL": _common.database_url(),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)])}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "infra/migrate.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"infra/migrate.py failed ({label}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    summary = [line for line in result.stdout.splitlines() if line.startswith("townships migrated")]
    out(f"deploy_{label}", f"{took:.1f}", f"s (infra/migrate.py: {summary[-1] if summary else 'done'})")
    return took


def migration_to_replay():
    """The last migration of a tenant app that nothing depends on and that only adds columns or
    indexes (so Django's backwards SQL takes it away cleanly): (app, name)."""
    from django.apps import apps
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader

    labels = {c.label for c in apps.get_app_configs() if c.name in settings.TENANT_APPS}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    harmless = {"AddField", "AddIndex", "AlterModelOptions"}
    for key, node in sorted(loader.graph.node_map.items()):
        operations = {type(o).__name__ for o in loader.disk_migrations[key].operations}
        if key[0] in labels and not node.children and operations <= harmless:
            return key
    return None


def deploys(townships) -> None:
    from django.core.management import call_command

    if "deploy" not in SKIP:
        deploy("nothing_to_migrate")
    if "deploy-migration" in SKIP:
        return
    key = migration_to_replay()
    if key is None:
        out("deploy_one_migration", "n/a", "(no tenant migration that only adds columns or indexes)")
        return
    from io import StringIO

    with tenant_context(townships[0]):
        text = StringIO()
        call_command("sqlmigrate", key[0], key[1], backwards=True, stdout=text)
    backwards = "\n".join(line for line in text.getvalue().splitlines()
                          if line.strip() and not line.startswith("--") and line.strip() not in ("BEGIN;", "COMMIT;"))
    started = time.perf_counter()
    for township in townships:  # one transaction each: all of them in one would lock ~1,000 tables at once
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'SET LOCAL search_path TO "{township.schema_name}"')
            cursor.execute(backwards)
            cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", list(key))
    connection.set_schema_to_public()
    out("deploy_unapply", f"{time.perf_counter() - started:.1f}", f"s ({key[0]}.{key[1]} taken back in "
        f"{len(townships)} schemas with its backwards SQL)")
    deploy("one_migration")


# --- sizes and memory ----------------------------------------------------------------------------
def sizes_and_memory(townships) -> None:
    import psycopg

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        out("database_size", f"{cursor.fetchone()[0] / 2**20:.1f}", "MiB")
        cursor.execute("SELECT count(*) FROM pg_class")
        relations = cursor.fetchone()[0]
        cursor.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                       "ON n.oid = c.relnamespace WHERE n.nspname = 'pg_catalog' AND c.relkind = 'r'")
        catalog = cursor.fetchone()[0]
    out("catalog_relations", relations, "rows in pg_class (tables, indexes, sequences, TOAST)")
    out("catalog_size", f"{catalog / 2**20:.1f}", "MiB (pg_catalog tables with their indexes)")

    def memory(conn) -> tuple[int, int | None]:
        contexts = conn.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts").fetchone()[0]
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            rss = next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS"))
        except (OSError, StopIteration):
            rss = None  # the server runs elsewhere or its processes are not readable
        return int(contexts), rss

    with psycopg.connect(_common.database_url(), autocommit=True) as conn:
        before = memory(conn)
        for township in townships:
            schema = township.schema_name
            conn.execute(f'SELECT (SELECT count(*) FROM "{schema}".organisation_member), '
                         f'(SELECT count(*) FROM "{schema}".ledger_ledgerentry), '
                         f'(SELECT count(*) FROM "{schema}".ledger_memberyeartotal), '
                         f'(SELECT count(*) FROM "{schema}".ledger_entry WHERE status = \'in_review\')')
        after = memory(conn)
    out("connection_memory_fresh", f"{before[0] / 2**20:.1f}", "MiB (pg_backend_memory_contexts)")
    out("connection_memory_after_all", f"{after[0] / 2**20:.1f}", f"MiB after reading 4 tables in each of "
        f"{len(townships)} schemas ({(after[0] - before[0]) / len(townships) / 1024:.0f} KiB per township)")
    if before[1] and after[1]:
        out("connection_rss", f"{before[1] / 2**20:.1f} -> {after[1] / 2**20:.1f}", "MiB (backend process RSS)")


def main() -> int:
    from accounts.models import Role, RoleAssignment, User

    started = time.perf_counter()
    with _common.bench_database(reuse=ARGS.reuse):
        out("scale_townships", ARGS.townships if not ARGS.reuse else "(reused)", f"townships, {ARGS.workers} workers"
            + (f"; SKIPPED: {', '.join(sorted(SKIP))}" if SKIP else ""))
        if ARGS.reuse:
            admin = User.objects.get(username="county-admin")
            townships = townships_existing()
        else:
            admin = User.objects.create(username="county-admin", full_name="县委组织部")
            RoleAssignment.objects.create(user=admin, role=Role.COUNTY_ADMIN)
            users = {"clerk": User.objects.create(username="bench-clerk", full_name="党建专职")}
            if "compare" not in SKIP:
                provision_vs_migrate()
            townships = townships_make(ARGS.townships, users)
            took = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            out("analyze", f"{time.perf_counter() - took:.1f}", "s (ANALYZE of the whole database)")
        if "pages-growth" not in SKIP:
            county_pages_growth(admin, townships)
        if "jobs" not in SKIP:
            monthly_jobs_run(townships)
        if "pages-after" not in SKIP and "jobs" not in SKIP:
            county_pages(admin, len(townships))  # again: the month closed, the signals computed, the draws made
        if "sizes" not in SKIP:
            sizes_and_memory(townships)
        if not {"deploy", "deploy-migration"} <= SKIP:
            deploys(townships)
    out("scale_run_total", f"{time.perf_counter() - started:.0f}", "s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
