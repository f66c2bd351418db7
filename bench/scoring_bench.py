"""Scoring benchmark: a township of 2,000 members with a year of ledger rows (about 100,000).

Measures (printed as `name: value unit`, ratios included):
  (a) ranking of every member of the township (scoring.periods.selectors.township_ranking), target < 50 ms;
  (b) monthly close (scoring.periods.services.month_close) of each month of the year, target < 2 s;
  (c) chained writes (ledger_post) against plain inserts of the same rows into the same table
      (bulk_create with dummy hashes in a separate number range), target ratio >= 0.7;
  (d) full chain verification (scoring.ledger.verify.ledger_verify): time and rows/s;
  (e) the township dashboard's figures (scoring.periods.dashboard: by branch, by category and the
      year's twelve months over the ledger and 20,000 entries) and one member's standing and trend,
      with their statement counts, target < 500 ms.

It runs in its own database `bench_scoring` on the server of DATABASE_URL (created with Django's
test-database utilities and dropped at the end, so development data is never touched), inside a
throw-away township `bench` (schema t_bench). BENCH_KEEPDB=1 keeps the database for inspection.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["TEST_DATABASE_NAME"] = "bench_scoring"

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "2000"))
BRANCHES = int(os.environ.get("BENCH_BRANCHES", "40"))
ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
BATCH = 1000
WRITE_ROWS = int(os.environ.get("BENCH_WRITE_ROWS", "20000"))
YEAR = timezone.localdate().year - 1  # a finished year, so every month may be closed
rng = random.Random(4)


def out(name: str, value, unit: str = "") -> None:
    print(f"{name}: {value}{' ' + unit if unit else ''}", flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


# --- setup ---------------------------------------------------------------------------------------
def make_township():
    from tenants.townships.models import Domain, Township
    from tenants.townships.services import county_ensure

    county_ensure()
    township = Township.objects.create(code="bench", name="基准镇", schema_name="t_bench",
                                       status=Township.Status.READY)
    Domain.objects.create(domain="bench", tenant=township, is_primary=True)
    started = time.perf_counter()
    township.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
    out("setup_schema_migrate", f"{time.perf_counter() - started:.1f}", "s")
    return township


def make_organisation() -> tuple[list[int], list[int]]:
    from scoring.catalogue.models import Rule, ScoringYear
    from tenants.organisation.models import Branch, Member, Village
    from tenants.organisation.validators import id_number_check_digit

    villages = Village.objects.bulk_create(
        [Village(name=f"第{i + 1}村", code=f"V{i + 1:03d}") for i in range(BRANCHES)])
    branches = Branch.objects.bulk_create(
        [Branch(name=f"第{i + 1}村党支部", kind=Branch.Kind.VILLAGE, village=v) for i, v in enumerate(villages)])
    members = []
    for i in range(MEMBERS):
        birth = dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28)
        first17 = f"370102{birth:%Y%m%d}{i % 1000:03d}"
        members.append(Member(
            name=f"党员{i + 1:04d}", sex="M" if i % 2 else "F", birth_date=birth,
            id_number=first17 + id_number_check_digit(first17), joined_on=birth.replace(year=birth.year + 25),
            branch=branches[i % len(branches)],
        ))
    member_ids = [m.pk for m in Member.objects.bulk_create(members, batch_size=1000)]
    year = ScoringYear.objects.create(year=YEAR, starts_on=dt.date(YEAR, 1, 1), ends_on=dt.date(YEAR, 12, 31))
    rules = [
        Rule.objects.create(scoring_year=year, code=code, name=name, category=category, points_min=lo, points_max=hi,
                            effective_from=year.starts_on, evidence_required=lo > 0)
        for code, name, category, lo, hi in [
            ("B01", "参加组织生活", "basic", 1, 5), ("B02", "按时交纳党费", "basic", 1, 2),
            ("V01", "志愿服务", "vanguard", 2, 10), ("D01", "无故缺席组织生活", "discipline", -10, -1),
        ]
    ]
    return member_ids, [r.pk for r in rules]


def make_postings(member_ids, rule_ids, count):
    """`count` postings over the year, in date order: the base score first, then adjustments."""
    from scoring.ledger.posting import Posting

    postings = [Posting(kind="base", member_id=m, points=Decimal(60), occurred_on=dt.date(YEAR, 1, 1),
                        scoring_year=YEAR, note="基础分") for m in member_ids]
    adjustments = []
    for _ in range(count - len(postings)):
        rule = rng.choice(rule_ids)
        day = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(365))
        points = Decimal(rng.choice((-3, -2, -1))) if rule == rule_ids[-1] else Decimal(rng.randint(2, 10)) / 2
        adjustments.append(Posting(
            kind="adjustment", member_id=rng.choice(member_ids), points=points, occurred_on=day, scoring_year=YEAR,
            rule_id=rule, note="参加支部主题党日活动",
            evidence_hashes=(f"{rng.getrandbits(256):064x}",) if points > 0 else (),
        ))
    adjustments.sort(key=lambda p: p.occurred_on)
    return postings + adjustments


def load_ledger(postings) -> None:
    from scoring.ledger.posting import ledger_post

    started = time.perf_counter()
    for i in range(0, len(postings), BATCH):
        batch = postings[i:i + BATCH]
        posted_at = dt.datetime.combine(batch[-1].occurred_on, dt.time(18), tzinfo=dt.UTC)
        with transaction.atomic():
            ledger_post(postings=batch, actor_id=None, now=posted_at)
    elapsed = time.perf_counter() - started
    out("ledger_rows", len(postings), "rows")
    out("ledger_load_rate", f"{len(postings) / elapsed:.0f}", f"rows/s (ledger_post, {BATCH} per batch)")


# --- measurements --------------------------------------------------------------------------------
def bench_ranking() -> None:
    try:
        from scoring.periods.selectors import township_ranking
    except ImportError:
        out("ranking_all_members", "n/a", "(scoring.periods.selectors.township_ranking not available)")
        return
    rows = township_ranking(scoring_year=YEAR)  # warm the caches once
    times = []
    for _ in range(7):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            rows = township_ranking(scoring_year=YEAR)
            rows = list(rows)
            times.append(time.perf_counter() - started)
    median = statistics.median(times)
    out("ranking_members", len(rows), "members")
    out("ranking_all_members", ms(median), "ms (median of 7)")
    out("ranking_all_members_best", ms(min(times)), "ms")
    out("ranking_queries", len(queries), "queries")
    out("ranking_vs_target_50ms", f"{median / 0.05:.2f}", "x (<= 1 meets the target)")


def make_entries(member_ids, rule_ids, count: int) -> None:
    """`count` entries over the year: recorded on the day after the event, half approved and a
    tenth returned two days later, the rest still in review (bulk insert, then the stamps)."""
    from scoring.ledger.models import Entry

    statuses = [Entry.Status.POSTED] * 5 + [Entry.Status.REJECTED] + [Entry.Status.IN_REVIEW] * 4
    entries = [Entry(member_id=rng.choice(member_ids), rule_id=rng.choice(rule_ids),
                     occurred_on=dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(360)), points=Decimal(2),
                     entered_by_id=1, lag_days=1, status=rng.choice(statuses)) for _ in range(count)]
    Entry.objects.bulk_create(entries, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Entry._meta.db_table} SET entered_at = (occurred_on + 1)::timestamp AT TIME ZONE "  # noqa: S608
                       "'Asia/Shanghai' + interval '9 hours'")
        cursor.execute(f"UPDATE {Entry._meta.db_table} SET decided_at = entered_at + interval '2 days' "  # noqa: S608
                       "WHERE status IN ('posted', 'rejected')")
        cursor.execute("ANALYZE")
    out("dashboard_entries", count, "entries")


def _median_ms(fn, runs: int = 7) -> tuple[float, int]:
    fn()  # warm the caches once
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    reads = [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
    return statistics.median(times), len(reads)


def bench_dashboard(member_ids) -> None:
    from scoring.ledger.models import LedgerEntry
    from scoring.periods import dashboard

    months = dashboard.year_months(YEAR)

    def township():
        return (dashboard.branch_points(scoring_year=YEAR), dashboard.category_points(scoring_year=YEAR),
                dashboard.month_figures(months=months))

    def member():
        dashboard.member_standing(member_id=member_ids[7], scoring_year=YEAR)
        dashboard.member_trend(member_id=member_ids[7], months=months)

    branches, _categories, by_month = township()
    out("dashboard_figures", f"{len(branches)} branches, {sum(m.recorded for m in by_month)} entries recorded, "
        f"{sum(b.total for b in branches)} points")
    median, statements = _median_ms(township)
    out("dashboard_township", ms(median), f"ms (median of 7; {statements} statements)")

    def plain_scan():  # the floor: one pass summing the year's ledger rows
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT sum(points) FROM {LedgerEntry._meta.db_table} WHERE scoring_year = %s",  # noqa: S608
                           [YEAR])
            cursor.fetchall()

    floor, _statements = _median_ms(plain_scan)
    out("dashboard_township_vs_plain_scan", f"{median / floor:.1f}", "x one plain sum over the year's ledger rows")
    out("dashboard_township_vs_target_500ms", f"{median / 0.5:.2f}", "x (<= 1 meets the target)")
    median, statements = _median_ms(member)
    out("dashboard_member", ms(median), f"ms (standing and trend, median of 7; {statements} statements)")


def bench_month_close(actor) -> None:
    try:
        from scoring.periods.services import month_close
    except ImportError:
        out("month_close", "n/a", "(scoring.periods.services.month_close not available)")
        return
    times = []
    for month in range(1, 13):
        started = time.perf_counter()
        month_close(year=YEAR, month=month, actor=actor)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    month_close(year=YEAR, month=12, actor=actor)
    again = time.perf_counter() - started
    out("month_close_first", ms(times[0]), "ms")
    out("month_close_median", ms(statistics.median(times)), "ms (12 months)")
    out("month_close_max", ms(max(times)), "ms")
    out("month_close_repeat", ms(again), "ms (idempotent second run)")
    out("month_close_vs_target_2s", f"{max(times) / 2:.2f}", "x (<= 1 meets the target)")


def bench_verify() -> None:
    from scoring.ledger.verify import ledger_verify

    started = time.perf_counter()
    result = ledger_verify()
    elapsed = time.perf_counter() - started
    out("verify_ok", result.ok)
    if not result.ok:
        out("verify_reason", result.reason)
    out("verify_rows", result.checked, "rows")
    out("verify_months_checked", result.months_checked, "months")
    out("verify_time", f"{elapsed:.2f}", "s")
    out("verify_rate", f"{result.checked / elapsed:.0f}", "rows/s")


def bench_writes(member_ids, rule_ids) -> None:
    """Chained writes (ledger_post) against plain inserts of the same rows, batch for batch,
    alternating so that both see the same table size and cache state."""
    from scoring.ledger.models import LedgerEntry
    from scoring.ledger.posting import ledger_post

    postings = make_postings(member_ids, rule_ids, WRITE_ROWS + len(member_ids))[len(member_ids):]
    # Same rows, same year; the base scores are excluded (one per member and year).
    plain_seq = 1_000_000_000

    def plain(batch, now):
        nonlocal plain_seq
        rows = []
        for p in batch:
            plain_seq += 1
            rows.append(LedgerEntry(
                seq=plain_seq, kind=p.kind, member_id=p.member_id, rule_id=p.rule_id, entry_id=p.entry_id,
                reverses_id=p.reverses_id, points=Decimal(p.points).quantize(Decimal("0.01")),
                occurred_on=p.occurred_on, scoring_year=p.scoring_year, booked_year=p.occurred_on.year,
                booked_month=p.occurred_on.month, note=p.note, evidence_hashes=sorted(p.evidence_hashes),
                posted_at=now, posted_by_id=None, prev_hash="0" * 64, hash=f"{plain_seq:064x}",
            ))
        LedgerEntry.objects.bulk_create(rows)

    chained_time = plain_time = 0.0
    batches = [postings[i:i + BATCH] for i in range(0, len(postings), BATCH)]
    for index, batch in enumerate(batches):
        now = timezone.now()
        order = ("chained", "plain") if index % 2 == 0 else ("plain", "chained")
        for kind in order:
            started = time.perf_counter()
            with transaction.atomic():
                if kind == "chained":
                    ledger_post(postings=batch, actor_id=None, now=now)
                else:
                    plain(batch, now)
            if kind == "chained":
                chained_time += time.perf_counter() - started
            else:
                plain_time += time.perf_counter() - started
    rows = len(postings)
    out("writes_rows_each", rows, f"rows ({BATCH} per transaction)")
    out("writes_chained_rate", f"{rows / chained_time:.0f}", "rows/s")
    out("writes_plain_rate", f"{rows / plain_time:.0f}", "rows/s")
    out("writes_chained_vs_plain", f"{plain_time / chained_time:.2f}", "ratio (target >= 0.70)")


def main() -> int:
    from config.celery import app as celery_app

    celery_app.conf.task_always_eager = True  # nothing of the benchmark reaches the shared broker
    old_name = connection.settings_dict["NAME"]
    started = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    out("setup_database", f"{time.perf_counter() - started:.1f}", f"s ({connection.settings_dict['NAME']})")
    try:
        from accounts.models import User

        township = make_township()
        actor = User.objects.create(username="bench-office", full_name="基准测试")
        with tenant_context(township):
            member_ids, rule_ids = make_organisation()
            out("members", len(member_ids), f"members in {BRANCHES} branches")
            load_ledger(make_postings(member_ids, rule_ids, ROWS))
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            bench_ranking()
            make_entries(member_ids, rule_ids, int(os.environ.get("BENCH_ENTRIES", "20000")))
            bench_dashboard(member_ids)
            bench_month_close(actor)
            bench_verify()
            bench_writes(member_ids, rule_ids)
    finally:
        connection.set_schema_to_public()
        if os.environ.get("BENCH_KEEPDB") != "1":
            connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
