# ruff: noqa: S608, S311 - own schema and database names (constants), never user input; test data from a seeded generator
"""The monthly jobs over N townships with 1, 2 and 4 Celery worker processes (issue 13 item 6).

    PYTHONPATH=platform:. python infra/workers_scaling.py          # figures: infra/citus.md

What it measures, as beat runs them after a month ends: phase 1 `periods.close_months` in every
township (the monthly close: totals per branch, seal, head copied to the county), then phase 2
`favouritism.compute_due` (the month's signals) and `oversight.draws_run` (December's spot-check
draw, whose public value is every township's November seal) in every township; both need the
close. Each phase is timed from the first task sent until the last has finished; `total` is both.

Setup (own databases, never the development data):
- `workers_scaling_seed` (WORKERS_SEED_DATABASE), built once and kept (WORKERS_REBUILD=1 builds it
  again): WORKERS_TOWNSHIPS (20) ready townships. The first township's schema is made by the
  migrations and filled through the services: 10 villages and branches, WORKERS_MEMBERS (300)
  members, the scoring year with four rules, a base score per member and WORKERS_ROWS (3,000)
  adjustments posted with `ledger_post` in November 2026. The other townships are copies of that
  schema (pg_dump of the schema, renamed, loaded with psql); without pg_dump/psql each is migrated
  and filled the same way (slow: about 40 s a schema).
- for each worker count (WORKERS, "1,2,4"): `workers_scaling_run` is made afresh from the seed
  (CREATE DATABASE ... TEMPLATE), so every run closes the same month over the same rows; that many
  `celery -A config worker --pool=solo` processes (one task at a time each) listen on a queue of
  their own, with their clock pinned at 2026-12-02 10:00 Asia/Shanghai (tests/pinned.py), and
  are stopped afterwards. Redis: REDIS_URL (use a database number of your own).

Prints `name: value unit` lines and checks that every township was closed exactly once.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
import zoneinfo
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SEED_DB = os.environ.get("WORKERS_SEED_DATABASE", "workers_scaling_seed")
RUN_DB = os.environ.get("WORKERS_RUN_DATABASE", "workers_scaling_run")
TOWNSHIPS = int(os.environ.get("WORKERS_TOWNSHIPS", "20"))
MEMBERS = int(os.environ.get("WORKERS_MEMBERS", "300"))
ROWS = int(os.environ.get("WORKERS_ROWS", "3000"))
COUNTS = [int(n) for n in os.environ.get("WORKERS", "1,2,4").split(",")]
YEAR, MONTH = 2026, 11
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
WORKER_MOMENT = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)
TIMEOUT = 900
BASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/dangjian")


def out(name: str, value, unit: str = "") -> None:
    print(f"{name}: {value}{' ' + unit if unit else ''}", flush=True)


def url_for(database: str) -> str:
    parts = urlsplit(BASE_URL)
    return urlunsplit(parts._replace(path="/" + database))


def admin(sql: str) -> None:
    """CREATE / DROP DATABASE, from the server's maintenance database."""
    import psycopg

    with psycopg.connect(url_for("postgres"), autocommit=True) as conn:
        conn.execute(sql)


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(url_for("postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def code(i: int) -> str:
    return f"w{i:02d}"


# --- the seed database -----------------------------------------------------------------------------
def fill_township() -> None:
    """Organisation, scoring year, rules and the month's ledger rows of the current township."""
    from django.db import transaction

    from scoring.catalogue.models import Rule, ScoringYear
    from scoring.ledger.posting import Posting, ledger_post
    from tenants.organisation.models import Branch, Member, Village
    from tenants.organisation.validators import id_number_check_digit

    rng = random.Random(13)
    villages = Village.objects.bulk_create([Village(name=f"第{i + 1}村", code=f"V{i + 1:02d}") for i in range(10)])
    branches = Branch.objects.bulk_create(
        [Branch(name=f"第{i + 1}村党支部", kind=Branch.Kind.VILLAGE, village=v) for i, v in enumerate(villages)])
    members = []
    for i in range(MEMBERS):
        birth = dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28)
        first17 = f"370102{birth:%Y%m%d}{i % 1000:03d}"
        members.append(Member(name=f"党员{i + 1:04d}", sex="M" if i % 2 else "F", birth_date=birth,
                              id_number=first17 + id_number_check_digit(first17),
                              joined_on=birth.replace(year=birth.year + 25), branch=branches[i % len(branches)]))
    member_ids = [m.pk for m in Member.objects.bulk_create(members, batch_size=1000)]
    year = ScoringYear.objects.create(year=YEAR, starts_on=dt.date(YEAR, 1, 1), ends_on=dt.date(YEAR, 12, 31))
    rules = [Rule.objects.create(scoring_year=year, code=c, name=n, category=k, points_min=lo, points_max=hi,
                                 effective_from=year.starts_on, evidence_required=lo > 0).pk
             for c, n, k, lo, hi in [("B01", "参加组织生活", "basic", 1, 5), ("V01", "志愿服务", "vanguard", 2, 10),
                                     ("D01", "无故缺席组织生活", "discipline", -10, -1)]]
    postings = [Posting(kind="base", member_id=m, points=Decimal(60), occurred_on=dt.date(YEAR, MONTH, 1),
                        scoring_year=YEAR, note="基础分") for m in member_ids]
    for _ in range(ROWS):
        rule = rng.choice(rules)
        points = Decimal(rng.choice((-3, -2, -1))) if rule == rules[-1] else Decimal(rng.randint(2, 10)) / 2
        postings.append(Posting(kind="adjustment", member_id=rng.choice(member_ids), points=points,
                                occurred_on=dt.date(YEAR, MONTH, rng.randint(1, 28)), scoring_year=YEAR,
                                rule_id=rule, note="参加支部主题党日活动",
                                evidence_hashes=(f"{rng.getrandbits(256):064x}",) if points > 0 else ()))
    postings[len(member_ids):] = sorted(postings[len(member_ids):], key=lambda p: p.occurred_on)
    for i in range(0, len(postings), 1000):
        batch = postings[i:i + 1000]
        with transaction.atomic():
            ledger_post(postings=batch, actor_id=None,
                        now=dt.datetime.combine(batch[-1].occurred_on, dt.time(18), tzinfo=SHANGHAI))
    # December's seed committed in November, so phase 2 draws December from November's seals.
    from scoring.oversight.services import draw_commit

    draw_commit(year=YEAR, month=MONTH + 1, now=dt.datetime(YEAR, MONTH, 25, 9, tzinfo=SHANGHAI))


def township_row(i: int):
    from tenants.townships.models import Domain, Township

    township = Township.objects.create(code=code(i), name=f"第{i}镇", schema_name=f"t_{code(i)}",
                                       status=Township.Status.READY)
    Domain.objects.create(domain=code(i), tenant=township, is_primary=True)
    return township


def build_seed() -> None:
    import django
    from django.db import connection
    from django_tenants.utils import tenant_context

    from config.celery import app as celery_app

    celery_app.conf.task_always_eager = True  # nothing of the set-up reaches the broker
    started = time.perf_counter()
    connection.settings_dict["TEST"]["NAME"] = SEED_DB
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
    assert connection.settings_dict["NAME"] == SEED_DB, django.VERSION
    from tenants.townships.services import county_ensure

    county_ensure()
    first = township_row(1)
    first.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
    with tenant_context(first):
        fill_township()
    connection.set_schema_to_public()
    out("setup_first_township", f"{time.perf_counter() - started:.1f}", "s (migrations and data)")
    copy = shutil.which("pg_dump") and shutil.which("psql")
    if copy:
        dump = subprocess.run(["pg_dump", "--no-owner", "--schema", f"t_{code(1)}", url_for(SEED_DB)],
                              check=True, capture_output=True, text=True).stdout
    for i in range(2, TOWNSHIPS + 1):
        township = township_row(i)
        if copy:
            subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url_for(SEED_DB)], check=True,
                           input=dump.replace(f"t_{code(1)}", f"t_{code(i)}"), text=True, capture_output=True)
        else:
            township.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
            with tenant_context(township):
                fill_township()
            connection.set_schema_to_public()
    connection.close()
    out("setup_seed", f"{time.perf_counter() - started:.1f}",
        f"s ({TOWNSHIPS} townships, {'copied with pg_dump/psql' if copy else 'each migrated'})")


# --- one measured run -----------------------------------------------------------------------------
def start_workers(count: int, queue: str, log_dir: Path) -> list[subprocess.Popen]:
    from django.conf import settings

    from config.celery import app as celery_app

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(["platform", "."]), "DJANGO_SETTINGS_MODULE": "config.settings",
           "DATABASE_URL": url_for(RUN_DB), "REDIS_URL": settings.REDIS_URL,
           "CELERY_BROKER_URL": celery_app.conf.broker_url, "CELERY_RESULT_BACKEND": celery_app.conf.result_backend,
           "CELERY_TASK_ALWAYS_EAGER": "0", "DB_CONN_MAX_AGE": "600"}
    procs, nodes = [], []
    for n in range(count):
        node = f"{queue}-{n}@scaling"
        log = (log_dir / f"worker-{count}-{n}.log").open("wb")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "tests.pinned", WORKER_MOMENT.isoformat(), "celery", "-A", "config", "worker",
             "-Q", queue, "-n", node, "--pool=solo", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        nodes.append(node)
    deadline = time.monotonic() + 120
    waiting = set(nodes)
    while waiting:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"a worker exited with {proc.returncode}; see {log_dir}")
        answered = celery_app.control.ping(destination=list(waiting), timeout=0.5)
        waiting -= {name for reply in answered for name in reply}
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers not ready: {sorted(waiting)}; see {log_dir}")
    return procs


def stop_workers(procs: list[subprocess.Popen], queue: str) -> None:
    import redis

    from config.celery import app as celery_app

    for proc in procs:
        if proc.poll() is None:
            os.killpg(os.getpgid(proc.pid), signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
            proc.wait(timeout=30)
    client = redis.Redis.from_url(celery_app.conf.broker_url)
    try:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    finally:
        client.close()


def phase(task_names: list[str], townships, queue: str) -> tuple[float, int]:
    """Send each task to every township (its schema in the headers, as the dispatcher does); wait
    for all. Returns (seconds, failures)."""
    from celery import current_app
    from django_tenants.utils import tenant_context

    started = time.perf_counter()
    results = []
    for name in task_names:
        task = current_app.tasks[name]
        for township in townships:
            with tenant_context(township):
                results.append(task.apply_async(queue=queue, ignore_result=False))
    failures = 0
    for result in results:
        result.get(timeout=TIMEOUT, propagate=False)
        failures += result.failed()
    return time.perf_counter() - started, failures


def measure(count: int, log_dir: Path) -> dict:
    from django.db import connection

    from config.celery import app as celery_app

    connection.close()
    admin(f'DROP DATABASE IF EXISTS "{RUN_DB}"')
    admin(f'CREATE DATABASE "{RUN_DB}" TEMPLATE "{SEED_DB}"')
    connection.settings_dict["NAME"] = RUN_DB
    celery_app.conf.task_always_eager = False
    from scoring.county.models import LedgerSeal
    from tenants.townships.models import Township

    townships = list(Township.objects.filter(code__startswith="w").order_by("code"))
    queue = f"scaling-{uuid.uuid4().hex[:8]}"
    procs = start_workers(count, queue, log_dir)
    try:
        close, close_failed = phase(["periods.close_months"], townships, queue)
        after, after_failed = phase(["favouritism.compute_due", "oversight.draws_run"], townships, queue)
    finally:
        stop_workers(procs, queue)
    seals = LedgerSeal.objects.filter(year=YEAR, month=MONTH).count()
    signals = drawn = 0
    with connection.cursor() as cursor:
        for township in townships:
            schema = township.schema_name
            cursor.execute(f'SELECT count(*) FROM "{schema}".favouritism_signalrun WHERE year = %s AND month = %s',
                           [YEAR, MONTH])
            signals += cursor.fetchone()[0]
            cursor.execute(f"SELECT count(*) FROM \"{schema}\".oversight_draw WHERE year = %s AND month = %s "
                           "AND status = 'drawn'", [YEAR, MONTH + 1])
            drawn += cursor.fetchone()[0]
    connection.close()
    return {"close": close, "after": after, "failed": close_failed + after_failed, "seals": seals,
            "signals": signals, "drawn": drawn, "townships": len(townships)}


def main() -> int:
    import django

    os.environ["DATABASE_URL"] = url_for(SEED_DB)
    django.setup()
    from celery import current_app

    current_app.loader.import_default_modules()
    if os.environ.get("WORKERS_REBUILD") == "1" or not database_exists(SEED_DB):
        build_seed()
    from django.db import connection

    connection.settings_dict["NAME"] = SEED_DB
    out("townships", TOWNSHIPS)
    out("members_per_township", MEMBERS)
    out("ledger_rows_per_township", MEMBERS + ROWS, f"({YEAR}-{MONTH:02d})")
    log_dir = Path(os.environ.get("WORKERS_LOG_DIR", "/tmp/workers_scaling"))
    log_dir.mkdir(parents=True, exist_ok=True)
    figures = {}
    for count in COUNTS:
        result = measure(count, log_dir)
        figures[count] = result
        total = result["close"] + result["after"]
        out(f"workers_{count}_close", f"{result['close']:.2f}", "s")
        out(f"workers_{count}_signals_and_draws", f"{result['after']:.2f}", "s")
        out(f"workers_{count}_total", f"{total:.2f}", "s")
        out(f"workers_{count}_per_township", f"{total / result['townships'] * 1000:.0f}", "ms")
        out(f"workers_{count}_load_average", f"{os.getloadavg()[0]:.1f}", f"(1 min, {os.cpu_count()} CPUs)")
        out(f"workers_{count}_checked", f"{result['townships']} townships: {result['seals']} sealed "
            f"{YEAR}-{MONTH:02d}, {result['signals']} computed its signals, {result['drawn']} drew "
            f"{YEAR}-{MONTH + 1:02d}; {result['failed']} failed tasks")
    admin(f'DROP DATABASE IF EXISTS "{RUN_DB}"')
    reference = min(COUNTS)  # speed-ups against the fewest workers, whatever the order of the runs
    base = figures[reference]["close"] + figures[reference]["after"]
    for count in sorted(COUNTS):
        if count != reference:
            total = figures[count]["close"] + figures[count]["after"]
            out(f"speedup_{count}_vs_{reference}", f"{base / total:.2f}", "x")
    bad = [c for c, f in figures.items()
           if f["failed"] or not f["seals"] == f["signals"] == f["drawn"] == f["townships"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
