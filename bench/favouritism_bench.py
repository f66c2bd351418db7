"""Favouritism signals benchmark: one township, a year of 100,000 ledger rows with their entries.

Measures (printed as `name: value unit`, ratios included):
  signals_year: `scoring.favouritism.services.signals_compute` for each of the 12 closed months
  (every scorer and branch of the township), total for the year, target < 2 s; also the slowest
  month, the queries per month and the flags raised.

Setup: its own database (`BENCH_DATABASE_NAME`, default `bench_favouritism`; Django's test-database utilities, dropped at the end;
BENCH_KEEPDB=1 keeps it) with one township `benchf` (schema t_benchf): 2,000 members in 40
branches (30 village, 5 organ, 5 enterprise branches), 60 scorers; 98,000 entries (about 5 % late,
a tenth of the additions without evidence, half for two sloppy scorers, 30 % reviewed of which one
in five with a changed score, three scorers who mostly enter in the month's last days) posted through `ledger_post` 1,000 rows per transaction after the 2,000 base
scores; then the 12 months are closed.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal

import _common
from _common import out

_common.setup("favouritism")

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from common import clock  # noqa: E402

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "2000"))
ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
SCORERS = 60
BATCH = 1000
YEAR = clock.today().year - 1  # a finished year, so every month may be closed
rng = random.Random(8)


def make_township():
    from tenants.townships.models import Domain, Township
    from tenants.townships.services import county_ensure

    county_ensure()
    township = Township.objects.create(code="benchf", name="预警基准镇", schema_name="t_benchf",
                                       status=Township.Status.READY)
    Domain.objects.create(domain="benchf", tenant=township, is_primary=True)
    township.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
    return township


def make_organisation():
    from scoring.catalogue.models import Rule, ScoringYear
    from tenants.organisation.models import Branch, Member, Village
    from tenants.organisation.validators import id_number_check_digit

    kinds = [Branch.Kind.VILLAGE] * 30 + [Branch.Kind.ORGAN] * 5 + [Branch.Kind.ENTERPRISE] * 5
    villages = Village.objects.bulk_create([Village(name=f"第{i + 1}村", code=f"V{i + 1:03d}") for i in range(30)])
    branches = Branch.objects.bulk_create([
        Branch(name=f"第{i + 1}支部", kind=kind, village=villages[i] if kind == Branch.Kind.VILLAGE else None)
        for i, kind in enumerate(kinds)])
    members = []
    for i in range(MEMBERS):
        birth = dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28)
        first17 = f"370102{birth:%Y%m%d}{i % 1000:03d}"
        members.append(Member(name=f"党员{i + 1:04d}", sex="M" if i % 2 else "F", birth_date=birth,
                              id_number=first17 + id_number_check_digit(first17),
                              joined_on=birth.replace(year=birth.year + 25), branch=branches[i % len(branches)]))
    members = Member.objects.bulk_create(members, batch_size=1000)
    year = ScoringYear.objects.create(year=YEAR, starts_on=dt.date(YEAR, 1, 1), ends_on=dt.date(YEAR, 12, 31))
    rules = [Rule.objects.create(scoring_year=year, code=code, name=name, category=category, points_min=lo,
                                 points_max=hi, effective_from=year.starts_on, evidence_required=lo > 0)
             for code, name, category, lo, hi in [("B01", "参加组织生活", "basic", 1, 5),
                                                  ("V01", "志愿服务", "vanguard", 2, 10),
                                                  ("D01", "无故缺席组织生活", "discipline", -10, -1)]]
    return [(m.pk, m.branch_id) for m in members], [r.pk for r in rules]


def load(members, rule_ids) -> int:
    """Entries (bulk) and their ledger rows (ledger_post, chained), plus reviews; returns rows."""
    from scoring.ledger.models import Entry, Review
    from scoring.ledger.posting import Posting, ledger_post

    by_branch: dict[int, list[int]] = {}
    for member_id, branch_id in members:
        by_branch.setdefault(branch_id, []).append(member_id)
    branch_ids = sorted(by_branch)
    scorers = {branch_id: 1000 + i % SCORERS for i, branch_id in enumerate(branch_ids)}
    rushers, sloppy = {1000, 1001, 1002}, {1003, 1004}
    planned = []
    for _ in range(ROWS - len(members)):
        branch_id = rng.choice(branch_ids)
        member_id = rng.choice(by_branch[branch_id])
        rule = rng.choice(rule_ids)
        day = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(365))
        points = Decimal(rng.choice((-3, -2, -1))) if rule == rule_ids[-1] else Decimal(rng.randint(2, 10)) / 2
        scorer = scorers[branch_id]
        late = rng.random() < 0.05
        lag = rng.randint(8, 20) if late else rng.randint(0, 3)
        if scorer in rushers and rng.random() < 0.7:
            month_end = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            lag = max(0, (month_end - day).days - rng.randint(0, 1))
        planned.append((member_id, rule, day, points, scorer, late, lag,
                        points > 0 and rng.random() > (0.5 if scorer in sloppy else 0.1)))
    planned.sort(key=lambda p: p[2])
    entries = Entry.objects.bulk_create([
        Entry(member_id=m, rule_id=r, occurred_on=d, points=p, final_points=p, status=Entry.Status.POSTED,
              is_late=late, entered_by_id=s, lag_days=lag)
        for m, r, d, p, s, late, lag, _ev in planned], batch_size=5000)
    with connection.cursor() as cursor:  # entered_at is auto_now_add: set it from the lag in one statement
        cursor.execute(f"UPDATE {Entry._meta.db_table} SET entered_at = "  # noqa: S608 - model table
                       "(occurred_on + lag_days * interval '1 day' + interval '10 hours') AT TIME ZONE 'Asia/Shanghai'")
    reviews = [Review(entry_id=e.pk, level="branch", reviewer_id=2000, decision="approve",
                      score=e.points + 1 if rng.random() < 0.2 else e.points)
               for e in entries if rng.random() < 0.3]
    Review.objects.bulk_create(reviews, batch_size=5000)
    postings = [Posting(kind="base", member_id=m, points=Decimal(60), occurred_on=dt.date(YEAR, 1, 1),
                        scoring_year=YEAR) for m, _b in members]
    postings += [Posting(kind="adjustment", member_id=e.member_id, points=e.points, occurred_on=e.occurred_on,
                         scoring_year=YEAR, rule_id=e.rule_id, entry_id=e.pk,
                         evidence_hashes=(f"{rng.getrandbits(256):064x}",) if plan[7] else ())
                 for e, plan in zip(entries, planned, strict=True)]
    started = time.perf_counter()
    for i in range(0, len(postings), BATCH):
        batch = postings[i:i + BATCH]
        with transaction.atomic():
            ledger_post(postings=batch, actor_id=None,
                        now=dt.datetime.combine(batch[-1].occurred_on, dt.time(18), tzinfo=dt.UTC))
    out("setup_ledger_rows", len(postings), f"rows ({len(entries)} entries, {len(reviews)} reviews) in "
        f"{time.perf_counter() - started:.1f} s")
    return len(postings)


def bench_signals() -> None:
    from scoring.favouritism.models import Signal
    from scoring.favouritism.services import signals_compute
    from scoring.periods.services import month_close

    for month in range(1, 13):
        month_close(year=YEAR, month=month)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    times, queries = [], []
    for month in range(1, 13):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            signals_compute(year=YEAR, month=month)
            times.append(time.perf_counter() - started)
        queries.append(len([q for q in captured.captured_queries if not q["sql"].startswith("SET search_path")]))
    started = time.perf_counter()
    for month in range(1, 13):
        signals_compute(year=YEAR, month=month)
    again = time.perf_counter() - started
    total = sum(times)
    out("signals_year", f"{total * 1000:.0f}", "ms (12 closed months, every scorer and branch)")
    out("signals_month_max", f"{max(times) * 1000:.0f}", "ms")
    out("signals_month_median", f"{sorted(times)[6] * 1000:.0f}", "ms")
    out("signals_queries_per_month_max", max(queries), "queries")
    out("signals_flags", Signal.objects.count(), "flags")
    out("signals_flags_by_kind", dict(sorted(Signal.objects.values_list("kind").annotate(
        n=Count("id")).values_list("kind", "n"))))
    out("signals_repeat_year", f"{again * 1000:.0f}", "ms (idempotent second run)")
    out("signals_year_vs_target_2s", f"{total / 2:.2f}", "x (<= 1 meets the target)")


def main() -> int:
    with _common.bench_database():
        township = make_township()
        with tenant_context(township):
            members, rule_ids = make_organisation()
            load(members, rule_ids)
            bench_signals()
    return 0


if __name__ == "__main__":
    sys.exit(main())
