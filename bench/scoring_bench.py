"""Scoring benchmark: a township of 2,000 members with a year of ledger rows (about 100,000).

Measures (printed as `name: value unit`, ratios included):
  (a) ranking of every member of the township (scoring.periods.selectors.township_ranking), target < 50 ms;
  (b) monthly close (scoring.periods.services.month_close) of each month of the year, target < 2 s;
  (c) the real posting path: ONE posting through `ledger_post` in its own transaction (as every
      approval posts) against ONE plain INSERT of the same row in its own transaction, alternating,
      with the statements of each; target ratio >= 0.6. Also the whole final approval
      (`entry_review` of the last level: review, caps, posting, entry, audit, notification) and, for
      comparison with the older figure, batches of 1,000 rows chained against bulk_create;
  (d) full chain verification (scoring.ledger.verify.ledger_verify): time and rows/s;
  (e) the township dashboard's figures (scoring.periods.dashboard: by branch, by category and the
      year's twelve months over the ledger and 20,000 entries) and one member's standing and trend,
      with their statement counts, target < 500 ms.

Own database (`BENCH_DATABASE_NAME`, default `bench_scoring`, dropped at the end; BENCH_KEEPDB=1
keeps it), township `bench` made by the product's provisioning (`township_provision`).
"""
from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal

import _common
from _common import out

_common.setup("scoring")

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from common import clock  # noqa: E402

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "2000"))
BRANCHES = int(os.environ.get("BENCH_BRANCHES", "40"))
ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
BATCH = 1000
WRITE_ROWS = int(os.environ.get("BENCH_WRITE_ROWS", "20000"))
SINGLE = int(os.environ.get("BENCH_SINGLE_POSTINGS", "300"))
YEAR = clock.today().year - 1  # a finished year, so every month may be closed
ms = _common.ms


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

    rng = random.Random(4)
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


def plain_row(p, seq: int, now):
    """The LedgerEntry a plain insert writes for posting `p` (dummy hashes, numbers from 10^9)."""
    from scoring.ledger.models import LedgerEntry

    return LedgerEntry(
        seq=seq, kind=p.kind, member_id=p.member_id, rule_id=p.rule_id, entry_id=p.entry_id,
        reverses_id=p.reverses_id, points=Decimal(p.points).quantize(Decimal("0.01")),
        occurred_on=p.occurred_on, scoring_year=p.scoring_year, booked_year=p.occurred_on.year,
        booked_month=p.occurred_on.month, note=p.note, evidence_hashes=sorted(p.evidence_hashes),
        posted_at=now, posted_by_id=None, prev_hash="0" * 64, hash=f"{seq:064x}",
    )


def bench_posting_single(member_ids, rule_ids) -> None:
    """The real posting path: one posting per transaction (as each approval posts), against one
    plain INSERT of the same row per transaction, alternating which goes first."""
    from scoring.ledger.posting import ledger_post

    postings = _common.postings_make(member_ids, rule_ids, SINGLE + len(member_ids), YEAR,
                                     seed=6)[len(member_ids):]
    plain_seq = 2_000_000_000

    def chained_one(p):
        with transaction.atomic():
            ledger_post(postings=[p], actor_id=None)

    def plain_one(p):
        nonlocal plain_seq
        plain_seq += 1
        with transaction.atomic():
            plain_row(p, plain_seq, timezone.now()).save(force_insert=True)

    chained_sql = _common.statements(lambda: chained_one(postings[0]))
    plain_sql = _common.statements(lambda: plain_one(postings[0]))
    chained, plain = [], []
    for index, p in enumerate(postings[1:]):
        for kind in (("chained", "plain") if index % 2 == 0 else ("plain", "chained")):
            started = time.perf_counter()
            chained_one(p) if kind == "chained" else plain_one(p)
            (chained if kind == "chained" else plain).append(time.perf_counter() - started)
    c, q = statistics.median(chained), statistics.median(plain)
    out("posting_single_postings", len(chained), "postings, each in its own transaction")
    out("posting_single_chained", f"{c * 1000:.2f}", f"ms median ({len(chained_sql)} statements incl. BEGIN/COMMIT)")
    out("posting_single_plain", f"{q * 1000:.2f}", f"ms median ({len(plain_sql)} statements incl. BEGIN/COMMIT)")
    out("posting_single_chained_rate", f"{1 / c:.0f}", "postings/s")
    out("posting_single_plain_rate", f"{1 / q:.0f}", "rows/s")
    out("posting_single_chained_vs_plain", f"{q / c:.2f}", "ratio of rates (target >= 0.60)")
    out("posting_single_statements", f"{len(chained_sql)} vs {len(plain_sql)}",
        "(" + "; ".join(sql.split()[0] + " " + " ".join(sql.split()[1:3]) for sql in chained_sql) + ")")


def bench_approval(member_ids, rule_ids) -> None:
    """The whole final approval: `entry_review` of an entry's last (only) level, which posts it."""
    from accounts.access import access_for
    from accounts.models import Role, RoleAssignment, User
    from scoring.ledger.models import Entry
    from scoring.ledger.services import entry_review
    from tenants.organisation.models import Village

    township = connection.tenant
    clerk = User.objects.create(username="bench-clerk", full_name="录入员")
    leader = User.objects.create(username="bench-leader", full_name="包村领导")
    RoleAssignment.objects.create(user=leader, township=township, role=Role.LIAISON_LEADER,
                                  village_ids=list(Village.objects.values_list("pk", flat=True)))
    access = access_for(leader, township)
    today = clock.today()
    entries = Entry.objects.bulk_create([
        Entry(member_id=member_ids[i % len(member_ids)], rule_id=rule_ids[0], occurred_on=today, points=Decimal(2),
              note="参加组织生活", status=Entry.Status.IN_REVIEW, entered_by_id=clerk.pk, lag_days=0,
              review_levels=["liaison"], review_weights={"liaison": "1"}, current_level="liaison")
        for i in range(60)])

    def approve(entry):
        entry_review(actor=leader, access=access, entry_id=entry.pk, decision="approve")

    sql = _common.statements(lambda: approve(entries[0]))
    times = []
    for entry in entries[1:]:
        started = time.perf_counter()
        approve(entry)
        times.append(time.perf_counter() - started)
    out("approval_final", f"{statistics.median(times) * 1000:.2f}",
        f"ms median of {len(times)} ({len(sql)} statements: review, caps, posting, entry, audit, notification)")


def bench_writes(member_ids, rule_ids) -> None:
    """Batches of 1,000 rows: chained (ledger_post) against bulk_create of the same rows, batch for
    batch, alternating (the older figure; one approval posts ONE row, see bench_posting_single)."""
    from scoring.ledger.models import LedgerEntry
    from scoring.ledger.posting import ledger_post

    postings = _common.postings_make(member_ids, rule_ids, WRITE_ROWS + len(member_ids), YEAR,
                                     seed=5)[len(member_ids):]
    # Same rows, same year; the base scores are excluded (one per member and year).
    plain_seq = 1_000_000_000

    def plain(batch, now):
        nonlocal plain_seq
        rows = []
        for p in batch:
            plain_seq += 1
            rows.append(plain_row(p, plain_seq, now))
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
    out("writes_batch_rows_each", rows, f"rows ({BATCH} per transaction)")
    out("writes_batch_chained_rate", f"{rows / chained_time:.0f}", "rows/s")
    out("writes_batch_plain_rate", f"{rows / plain_time:.0f}", "rows/s")
    out("writes_batch_chained_vs_plain", f"{plain_time / chained_time:.2f}", "ratio (batches of 1,000; not the approval path)")


def main() -> int:
    from accounts.models import User

    with _common.bench_database():
        township = _common.township_new("bench", "基准镇")
        actor = User.objects.create(username="bench-office", full_name="基准测试")
        with tenant_context(township):
            member_ids, _branches = _common.organisation_load(villages=BRANCHES, members=MEMBERS)
            rule_ids = _common.catalogue_load(YEAR)
            out("members", len(member_ids), f"members in {BRANCHES} branches")
            postings = _common.postings_make(member_ids, rule_ids, ROWS, YEAR)
            elapsed = _common.ledger_load(postings, BATCH)
            out("ledger_rows", len(postings), "rows")
            out("ledger_load_rate", f"{len(postings) / elapsed:.0f}", f"rows/s (ledger_post, {BATCH} per batch)")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            bench_ranking()
            make_entries(member_ids, rule_ids, int(os.environ.get("BENCH_ENTRIES", "20000")))
            bench_dashboard(member_ids)
            bench_month_close(actor)
            bench_verify()
            bench_posting_single(member_ids, rule_ids)
            bench_approval(member_ids, rule_ids)
            bench_writes(member_ids, rule_ids)
    return 0


if __name__ == "__main__":
    sys.exit(main())
