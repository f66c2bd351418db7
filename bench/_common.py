# ruff: noqa: S608 - the benchmarks build schema and table names from constants, never from user input
"""What every benchmark shares: Django set-up on a database of its own, printing, timing, statement
counts, townships through the product's entry points, bulk loaders and real Celery workers.

Import it first (it puts `platform/` and the repository root on the path and sets Django up):

    from _common import bench_database, out, ...   # noqa: E402

`make bench` skips this file (its name starts with `_`).

Database names come from the environment: `BENCH_DATABASE_NAME` (may hold `{name}`, replaced by
the bench's own name; default `bench_{name}`), so two people (or two helpers) on one server never
drop each other's databases. `BENCH_KEEPDB=1` keeps the database at the end.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (str(ROOT), str(ROOT / "platform")):
    if _path not in sys.path:
        sys.path.insert(0, _path)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")  # as `make bench` runs them: cached templates, no query log


def database_name(name: str) -> str:
    """The database of the bench called `name`, from BENCH_DATABASE_NAME (default bench_<name>)."""
    return os.environ.get("BENCH_DATABASE_NAME", "bench_{name}").replace("{name}", name)


def setup(name: str) -> None:
    """Point Django's test database at this bench's database and set Django up. Call once, before
    importing anything from the product."""
    os.environ["TEST_DATABASE_NAME"] = database_name(name)
    import django

    django.setup()


# --- printing and timing ---------------------------------------------------------------------------
def out(name: str, value, unit: str = "") -> None:
    print(f"{name}: {value}{' ' + unit if unit else ''}", flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def timed(run: Callable[[], object], repeat: int = 7, warm: int = 1) -> list[float]:
    """Seconds of each of `repeat` runs after `warm` unmeasured ones."""
    for _ in range(warm):
        run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def median_ms(run: Callable[[], object], repeat: int = 7, warm: int = 1) -> float:
    return statistics.median(timed(run, repeat, warm)) * 1000


def statements(run: Callable[[], object]) -> list[str]:
    """The SQL statements Django sent while `run` ran (django-tenants' `SET search_path` included;
    psycopg's BEGIN/COMMIT are not Django statements and are not counted)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    return [q["sql"] for q in captured.captured_queries]


def machine() -> str:
    """One line saying what the figures ran on (cores, load, PostgreSQL version)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load {load}, PostgreSQL {version}, Python {sys.version.split()[0]}"


# --- the database ------------------------------------------------------------------------------------
@contextlib.contextmanager
def bench_database(*, reuse: bool = False) -> Iterator[str]:
    """Create this bench's own database (Django's test-database utilities, migrations of the public
    schema), yield its name, and drop it at the end unless BENCH_KEEPDB=1. With `reuse`, connect to
    the database an earlier run kept instead (it must exist) and never drop it. Celery runs eagerly
    in this process so nothing reaches a shared broker by accident."""
    from django.conf import settings
    from django.db import connection

    from config.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    old_name = connection.settings_dict["NAME"]
    started = time.perf_counter()
    if reuse:
        name = connection.creation._get_test_db_name()
        connection.close()
        settings.DATABASES[connection.alias]["NAME"] = connection.settings_dict["NAME"] = name
        connection.ensure_connection()
        out("setup_database", "reused", f"({name}, kept by an earlier run)")
    else:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        out("setup_database", f"{time.perf_counter() - started:.1f}", f"s ({connection.settings_dict['NAME']})")
    out("machine", machine())
    try:
        yield connection.settings_dict["NAME"]
    finally:
        connection.set_schema_to_public()
        if not reuse and os.environ.get("BENCH_KEEPDB") != "1":
            connection.creation.destroy_test_db(old_name, verbosity=0)


def database_url() -> str:
    """The URL of the bench database (for worker processes)."""
    from urllib.parse import quote

    from django.db import connection

    s = connection.settings_dict
    user = quote(s.get("USER") or "", safe="")
    password = s.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    return f"postgresql://{credentials}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or '5432'}/{quote(s['NAME'], safe='')}"


# --- townships ---------------------------------------------------------------------------------------
def township_register(code: str, name: str | None = None):
    """A township row in `provisioning` with its domain, as `township_create` leaves it (without the
    audit event and the task, which the benches run themselves)."""
    from tenants.townships.models import Domain, Township
    from tenants.townships.services import county_ensure, schema_name_for

    county_ensure()
    township = Township.objects.create(code=code, name=name or f"基准镇{code}", schema_name=schema_name_for(code),
                                       status=Township.Status.PROVISIONING)
    Domain.objects.create(domain=code, tenant=township, is_primary=True)
    return township


def township_new(code: str, name: str | None = None):
    """A ready township through the product's own provisioning (`township_provision`), so the
    benches pick up whatever makes provisioning faster."""
    from tenants.townships.services import township_provision

    township = township_register(code, name)
    return township_provision(township_id=township.pk)


def organisation_load(*, villages: int, members: int, seed: int = 1) -> tuple[list[int], list[int]]:
    """Villages, one village branch each, and `members` active members spread over them, with valid
    GB 11643 ID numbers, bulk-inserted through the ORM in the current township. Returns the member
    ids and branch ids."""
    from tenants.organisation.models import Branch, Member, Village
    from tenants.organisation.validators import id_number_check_digit

    rng = random.Random(seed)
    village_rows = Village.objects.bulk_create([Village(name=f"第{i + 1}村", code=f"V{i + 1:03d}")
                                                for i in range(villages)])
    branches = Branch.objects.bulk_create([Branch(name=f"第{i + 1}村党支部", kind=Branch.Kind.VILLAGE, village=v)
                                           for i, v in enumerate(village_rows)])
    rows = []
    for i in range(members):
        birth = dt.date(1945 + rng.randrange(55), 1 + i % 12, 1 + i % 28)
        first17 = f"370102{birth:%Y%m%d}{i % 1000:03d}"
        rows.append(Member(
            name=f"党员{i + 1:04d}", sex="M" if i % 3 else "F", birth_date=birth,
            id_number=first17 + id_number_check_digit(first17), joined_on=birth.replace(year=birth.year + 25),
            branch=branches[i % len(branches)],
        ))
    return [m.pk for m in Member.objects.bulk_create(rows, batch_size=1000)], [b.pk for b in branches]


RULES = [
    ("B01", "参加组织生活", "basic", 1, 5), ("B02", "按时交纳党费", "basic", 1, 2),
    ("V01", "志愿服务", "vanguard", 2, 10), ("D01", "无故缺席组织生活", "discipline", -10, -1),
]


def catalogue_load(year: int) -> list[int]:
    """A published scoring year with the four rules of RULES; returns the rule ids."""
    from scoring.catalogue.models import Rule, ScoringYear

    scoring_year = ScoringYear.objects.create(year=year, starts_on=dt.date(year, 1, 1), ends_on=dt.date(year, 12, 31))
    return [
        Rule.objects.create(scoring_year=scoring_year, code=code, name=name, category=category, points_min=lo,
                            points_max=hi, effective_from=scoring_year.starts_on, evidence_required=lo > 0).pk
        for code, name, category, lo, hi in RULES
    ]


def postings_make(member_ids: list[int], rule_ids: list[int], count: int, year: int, *, seed: int = 4,
                  until: dt.date | None = None) -> list:
    """`count` postings over `year` (up to `until`), in date order: each member's base score first,
    then adjustments (deductions for the last rule, about half with an evidence hash)."""
    from scoring.ledger.posting import Posting

    rng = random.Random(seed)
    last = min(until or dt.date(year, 12, 31), dt.date(year, 12, 31))
    days = (last - dt.date(year, 1, 1)).days + 1
    postings = [Posting(kind="base", member_id=m, points=Decimal(60), occurred_on=dt.date(year, 1, 1),
                        scoring_year=year, note="基础分") for m in member_ids]
    adjustments = []
    for _ in range(count - len(postings)):
        rule = rng.choice(rule_ids)
        points = Decimal(rng.choice((-3, -2, -1))) if rule == rule_ids[-1] else Decimal(rng.randint(2, 10)) / 2
        adjustments.append(Posting(
            kind="adjustment", member_id=rng.choice(member_ids), points=points, scoring_year=year, rule_id=rule,
            occurred_on=dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(days)), note="参加支部主题党日活动",
            evidence_hashes=(f"{rng.getrandbits(256):064x}",) if points > 0 else (),
        ))
    adjustments.sort(key=lambda p: p.occurred_on)
    return postings + adjustments


def ledger_load(postings: list, batch: int = 1000) -> float:
    """Post `postings` through `ledger_post` (the real chain), `batch` per transaction, each batch
    posted at the evening of its last event. Returns the seconds taken."""
    from django.db import transaction

    from scoring.ledger.posting import ledger_post

    started = time.perf_counter()
    for i in range(0, len(postings), batch):
        chunk = postings[i:i + batch]
        posted_at = dt.datetime.combine(chunk[-1].occurred_on, dt.time(10), tzinfo=dt.UTC)
        with transaction.atomic():
            ledger_post(postings=chunk, actor_id=None, now=posted_at)
    return time.perf_counter() - started


# --- real Celery workers -------------------------------------------------------------------------------
class Workers:
    """`count` real `celery -A config worker` processes (solo pool, one task at a time each) on the
    bench database, listening on a queue of their own. Tasks sent from this process go to that queue
    (`task_default_queue`), so the workers take no one else's tasks and nobody takes theirs."""

    def __init__(self, count: int, log_dir: Path):
        self.count = count
        self.queue = f"bench-{uuid.uuid4().hex[:10]}"
        self.nodes = [f"{self.queue}-{i}@bench" for i in range(count)]
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> Workers:
        from django.conf import settings

        from config.celery import app

        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
               "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url(),
               "REDIS_URL": settings.REDIS_URL, "CELERY_BROKER_URL": app.conf.broker_url,
               "CELERY_RESULT_BACKEND": app.conf.result_backend, "CELERY_TASK_ALWAYS_EAGER": "0"}
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for node in self.nodes:
            with (self.log_dir / f"{node}.log").open("wb") as log:
                self.procs.append(subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", self.queue, "-n", node,
                     "--pool=solo", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
                     "--without-heartbeat"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True))
        started = time.monotonic()
        waiting = set(self.nodes)
        while waiting:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"a worker exited with {proc.returncode}; see {self.log_dir}")
            for reply in app.control.ping(destination=list(waiting), timeout=0.5) or []:
                waiting -= set(reply)
            if time.monotonic() - started > 90:
                raise RuntimeError(f"workers not ready after 90 s; see {self.log_dir}")
        out("workers_ready", f"{time.monotonic() - started:.1f}", f"s ({self.count} worker processes)")
        app.conf.task_always_eager = False
        app.conf.task_default_queue = self.queue
        return self

    def drain(self, timeout: float = 3600) -> float:
        """Wait until the queue is empty and no worker runs or holds a task; seconds waited."""
        import redis

        from config.celery import app

        client = redis.Redis.from_url(app.conf.broker_url)
        inspector = app.control.inspect(destination=self.nodes, timeout=0.5, limit=self.count)
        started = time.monotonic()
        try:
            while time.monotonic() - started < timeout:
                if client.llen(self.queue) == 0:
                    active = inspector.active() or {}
                    reserved = inspector.reserved() or {}
                    if (len(active) == self.count and not any(active.values()) and not any(reserved.values())
                            and client.llen(self.queue) == 0):
                        return time.monotonic() - started
                time.sleep(0.1)
        finally:
            client.close()
        raise RuntimeError(f"the workers did not finish within {timeout} s")

    def __exit__(self, *exc) -> None:
        import redis

        from config.celery import app

        app.conf.task_always_eager = True
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(os.getpgid(proc.pid), signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
                proc.wait(timeout=10)
        client = redis.Redis.from_url(app.conf.broker_url)
        try:
            client.delete(self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}")
        finally:
            client.close()


def monthly_jobs() -> list[tuple[str, str, tuple]]:
    """Every per-township beat entry, in the order of its time of day (as on the night of the 1st,
    when every job has work), then the county's own ones: (key, task name, args)."""
    from common.schedule import BEAT
    from config.celery import app

    app.loader.import_default_modules()  # register every task, as a worker does at start-up

    def when(entry) -> tuple:
        schedule = entry["schedule"]
        hours = sorted(getattr(schedule, "hour", {0})) or [0]
        minutes = sorted(getattr(schedule, "minute", {0})) or [0]
        return (hours[0] if len(hours) < 24 else -1, minutes[0] if len(minutes) < 60 else -1)

    jobs = []
    for key, entry in sorted(BEAT.items(), key=lambda item: when(item[1])):
        if entry["task"] == "common.dispatch_to_townships":
            jobs.append((key, entry["args"][0], tuple(entry["args"][1:])))
    return jobs
