"""Everything the county sees across townships comes from one statement over the ready townships'
schemas (`tenants.townships.crossschema.union_all`), and it is exact.

For each county rollup (the county home, favouritism signals, tips, spot checks, the catalogue
localisations, the clerk corps and the pay totals):
(a) the number of statements, `SET search_path` included, is the same with 2 and with 5 ready
    townships (and a fixed number);
(b) the figures equal a recount done township by township inside each schema (`tenant_context`),
    on several townships with several branches, villages and clerks, where an archived and a failed
    township hold data that must not show, and a ready township is empty.

Lives under tests/scoring because most rollups are scoring's and it needs `scoring_setup`; the
county home (tenants) and the staffing rollups are checked here too so that the three extra
township schemas are made once.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from accounts.access import access_for
from accounts.models import Role
from common import clock
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_stored_rollups")]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
EXTRA_CODES = ("gamma", "delta", "epsilon")
YEAR = 2026
LIMIT = 1096  # three years of 365.25 days
D = Decimal


# --- townships ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def extra_townships(django_db_setup, django_db_blocker):
    """Three more township schemas for this module, committed as ARCHIVED (so no other code path
    counts them) and dropped again when the module ends; tests make them ready inside their own
    transaction. The schemas are empty copies of alpha's (tables, sequences, functions and
    triggers; django-tenants' clone), seconds instead of minutes of migrations each."""
    from django_tenants.clone import CloneSchema
    from django_tenants.utils import schema_exists

    from tenants.townships.models import Township
    from tenants.townships.services import schema_name_for

    made = []
    with django_db_blocker.unblock():
        try:
            base = Township.objects.get(code="alpha").schema_name
            for code in EXTRA_CODES:
                township, _ = Township.objects.get_or_create(
                    code=code, defaults={"name": f"{code.title()} 镇", "schema_name": schema_name_for(code),
                                         "status": Township.Status.ARCHIVED})
                made.append(township)
                if not schema_exists(township.schema_name):
                    CloneSchema().clone_schema(base, township.schema_name, clone_mode="NODATA")
            connection.set_schema_to_public()
            yield made
        finally:
            connection.set_schema_to_public()
            for township in made:
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{township.schema_name}" CASCADE')
                Township.objects.filter(pk=township.pk).delete()


@pytest.fixture
def five(township_a, township_b, extra_townships):
    """alpha, beta, gamma, delta, epsilon (the last three archived until a test says otherwise)."""
    return {t.code: t for t in (township_a, township_b, *extra_townships)}


def _status(township, status):
    from tenants.townships.models import Township

    Township.objects.filter(pk=township.pk).update(status=status)
    township.status = status


def _ready(*townships):
    from tenants.townships.models import Township

    for township in townships:
        _status(township, Township.Status.READY)


@pytest.fixture
def county(make_user):
    user = make_user(Role.COUNTY_ADMIN)
    return type("County", (), {"user": user, "access": access_for(user, None)})


@pytest.fixture
def world(five, in_township, scoring_setup):
    """Data in alpha, beta, gamma and epsilon (each a different amount, `n` = 1, 2, 3, 5), none in
    delta. The test decides which are ready."""
    from tenants.townships.models import Township

    for township in five.values():
        _status(township, Township.Status.READY)  # scoring_setup and the services need a ready township
    setups = {}
    for n, code in ((1, "alpha"), (2, "beta"), (3, "gamma"), (5, "epsilon")):
        setups[code] = scoring_setup(five[code], year=YEAR)
        with in_township(five[code]):
            _fill(n, setups[code])
    setups["delta"] = None
    return setups


def _fill(n: int, setup) -> None:
    """Villages, branches, members, signals, tips, draws, checks, findings, clerks, placements and
    pay sheets of one township; `n` varies every count."""
    from scoring.catalogue.services import rule_localise
    from scoring.favouritism.models import Signal, SignalRun
    from scoring.ledger.models import Entry
    from scoring.oversight.models import Check, Draw, Finding
    from scoring.tips.models import Tip
    from staffing.appraisal.models import PayLine, PaySheet
    from staffing.clerks.models import Clerk, Placement, VillageStaffing
    from tenants.organisation.models import Branch, Member

    villages = [VillageFactory(code=f"v{i}") for i in range(n + 1)]
    branches = [BranchFactory(village=v, kind=Branch.Kind.VILLAGE) for v in villages]
    branches.append(BranchFactory(village=None, kind=Branch.Kind.RETIREES))
    members = []
    for i in range(3 * n + 2):
        members.append(MemberFactory(
            branch=branches[i % len(branches)],
            kind=Member.Kind.PROBATIONARY if i % 3 == 0 else Member.Kind.FULL,
            is_migrant=i % 4 == 1, migrant_location="宁波" if i % 4 == 1 else "", is_elderly=i % 5 == 2,
            status=Member.Status.ACTIVE if i % 7 else Member.Status.TRANSFERRED_OUT))

    # Favouritism: open, dismissed and check-opened flags of several kinds.
    run = SignalRun.objects.create(year=YEAR, month=9, computed_at=clock.now())
    kinds = [Signal.Kind.LATE, Signal.Kind.NO_EVIDENCE, Signal.Kind.RUSH, Signal.Kind.PEER]
    statuses = [Signal.Status.OPEN, Signal.Status.OPEN, Signal.Status.DISMISSED, Signal.Status.CHECK_OPENED]
    for i in range(4 * n + 1):
        Signal.objects.create(run=run, year=YEAR, month=9, subject=Signal.Subject.BRANCH, branch=branches[i % n],
                              kind=kinds[i % len(kinds)], value=D("0.5"), threshold=D("0.3"),
                              status=statuses[(i + n) % len(statuses)])

    # Tips in several states.
    tip_statuses = [s for s, _label in Tip._meta.get_field("status").choices]
    for i in range(2 * n + 1):
        Tip.objects.create(subject=f"举报{i}", body="内容", receipt_salt="00", receipt_hash=f"h{n}-{i}",
                           receipt_fingerprint=f"f{n}-{i}", status=tip_statuses[(i * n) % len(tip_statuses)])

    # Spot checks: draws (one committed only), checks done on time, done late by the township's
    # date though not by UTC's, open past due and open not yet due; findings of both results.
    codes = [v.code for v in villages]
    for month, drawn in ((9, codes[: n]), (10, codes[: max(1, n - 1)])):
        Draw.objects.create(year=YEAR, month=month, status=Draw.Status.DRAWN, commitment="c" * 64,
                            committed_at=clock.now(), villages=[{"code": c} for c in codes], drawn_codes=drawn)
    Draw.objects.create(year=YEAR, month=11, status=Draw.Status.COMMITTED, commitment="d" * 64,
                        committed_at=clock.now(), villages=[{"code": c} for c in codes])
    due = dt.date(YEAR, 10, 15)
    on_time = dt.datetime(YEAR, 10, 15, 23, 30, tzinfo=SHANGHAI)  # the due day in Shanghai (15:30 UTC)
    late = dt.datetime(YEAR, 10, 16, 0, 30, tzinfo=SHANGHAI)  # the next day in Shanghai, still the 15th in UTC
    today = clock.today()
    plan = [(on_time, due)] * n + [(late, due), (None, due), (None, today + dt.timedelta(days=3)), (None, today)]
    checks = [Check.objects.create(kind=Check.Kind.DRAWN if i % 2 else Check.Kind.UNANNOUNCED,
                                   village=villages[i % len(villages)], year=YEAR, month=9, due_on=due_on,
                                   status=Check.Status.DONE if done else Check.Status.OPEN, completed_at=done,
                                   opened_at=clock.now())
              for i, (done, due_on) in enumerate(plan)]
    rule = setup.rules["B01"]
    for i in range(3 * n):
        entry = Entry.objects.create(member=members[i % len(members)], rule=rule, occurred_on=dt.date(YEAR, 9, 2),
                                     points=2, entered_by_id=1, lag_days=0, status=Entry.Status.POSTED)
        Finding.objects.create(check_obj=checks[i % len(checks)], entry=entry, recorded_by_id=1,
                               recorded_at=clock.now(),
                               result=Finding.Result.DISCREPANCY if i % (n + 1) == 0 else Finding.Result.CONFIRMED)

    # Clerks: placements old and new (one near its three-year limit), a village that needs three.
    clerks = [Clerk.objects.create(name=f"专职{i}", gender="f", birth_date=dt.date(1995, 1, 1),
                                   contract_start=dt.date(2022, 1, 1),
                                   status=Clerk.Status.ACTIVE if i % 3 else Clerk.Status.ON_LEAVE)
              for i in range(n + 2)]
    VillageStaffing.objects.create(village=villages[0], required=3)
    Placement.objects.create(clerk=clerks[0], village=villages[0], starts_on=dt.date(2021, 3, 1),
                             ends_on=dt.date(2022, 2, 28))
    Placement.objects.create(clerk=clerks[0], village=villages[0], starts_on=dt.date(2024, 1, 1))
    for i, clerk in enumerate(clerks[1:], start=1):
        Placement.objects.create(clerk=clerk, village=villages[i % len(villages)],
                                 starts_on=dt.date(2025 - i % 2, 6, 1))

    # Pay: two months of the year (one with a correcting line), one of the year before.
    for year, month, status in ((YEAR, 9, PaySheet.Status.APPROVED), (YEAR, 10, PaySheet.Status.DRAFT),
                                (YEAR - 1, 12, PaySheet.Status.APPROVED)):
        sheet = PaySheet.objects.create(year=year, month=month, status=status, prepared_at=clock.now())
        for i, clerk in enumerate(clerks):
            total = D(3000 + 250 * i + 10 * n + month)
            line = PayLine.objects.create(sheet=sheet, clerk=clerk, grade="B", coefficient=D("1.0"), base=total,
                                          allowance=0, performance=0, total=total, social_insurance=0)
            if i == 1 and month == 10:
                PayLine.objects.create(sheet=sheet, clerk=clerk, grade="B", coefficient=D("1.0"), base=D("-500"),
                                       allowance=0, performance=0, total=D("-500"), social_insurance=0,
                                       corrects=line)

    # The catalogue: a township-specific version of an item (n == 2 keeps the template as it is).
    if n != 2:
        rule_localise(actor=None, scoring_year=setup.year, code="B01", effective_from=dt.date(YEAR, 12, 1),
                      points_max=str(min(5 + n, 8)), today=dt.date(YEAR, 11, 20))


def _ready_set(five):
    """alpha, beta and the empty delta ready; gamma failed and epsilon archived, both holding data."""
    from tenants.townships.models import Township

    _status(five["epsilon"], Township.Status.ARCHIVED)
    _status(five["gamma"], Township.Status.FAILED)
    return [five["alpha"], five["beta"], five["delta"]]


def _in_each(townships, read):
    """The recount: `read()` inside each township's own schema, one at a time."""
    out = {}
    for township in townships:
        with tenant_context(township):
            out[township.code] = read(township)
    connection.set_schema_to_public()
    return out


# --- the rollups, as the county pages call them -----------------------------------------------------
def _home(county):
    from tenants.townships.selectors import township_rollup

    return township_rollup(access=county.access)


def _signals(county):
    from scoring.favouritism.selectors import county_rollup

    return county_rollup(access=county.access)


def _tips(county):
    from scoring.tips.county.selectors import tips_rollup

    return tips_rollup(access=county.access)


def _checks(county):
    from scoring.oversight.selectors import county_rollup
    from tenants.townships.selectors import township_list_ready

    return county_rollup(townships=township_list_ready())


def _localisations(county):
    from scoring.county.models import TemplateCatalogue
    from scoring.county.selectors import template_localisations

    return template_localisations(catalogue=TemplateCatalogue.objects.get(year=YEAR))


def _corps(county):
    from staffing.clerks.selectors import county_rollup
    from tenants.townships.selectors import township_list_ready

    return county_rollup(townships=township_list_ready(), day=clock.today(), limit=LIMIT)


def _pay(county):
    from staffing.appraisal.county import township_totals

    return township_totals(YEAR)


def _dashboard(county):
    from scoring.county.dashboard import county_dashboard

    return county_dashboard(year=YEAR).townships


def _rewards(county):
    from scoring.rewards.county.rollup import collect
    from scoring.rewards.models import ShortlistKind
    from tenants.townships.selectors import township_list_ready

    return collect(townships=township_list_ready(), year=YEAR, kind=ShortlistKind.JULY_FIRST).figures


# name -> (rollup, queries it sends whatever the number of townships, each after its SET search_path)
ROLLUPS = {
    "home": (_home, 5),  # township list, stored rows, one recount in a savepoint (SAVEPOINT, RELEASE)
    "signals": (_signals, 2),
    "tips": (_tips, 3),  # + the county's own routed tips
    "checks": (_checks, 5),  # township list, stored rows, one recount in a savepoint
    "localisations": (_localisations, 4),  # + the template, its items
    "corps": (_corps, 2),
    "pay": (_pay, 3),  # + the year's pay policy
    # built before this module (scoring dashboard, reward rollup), held to the same count here
    "dashboard": (_dashboard, 6),  # township list, stored rows, one recount in a savepoint, the seals
    "rewards": (_rewards, 5),  # township list, two UNION ALLs inside a savepoint (SAVEPOINT, RELEASE)
}


# --- (a) a fixed number of statements --------------------------------------------------------------
@pytest.mark.parametrize("name", list(ROLLUPS))
def test_statements_do_not_grow_from_two_to_five_townships(name, five, county, scoring_setup):
    rollup, expected = ROLLUPS[name]
    scoring_setup(five["alpha"], year=YEAR)  # the template exists for the localisations
    connection.set_schema_to_public()  # as a county request starts
    with CaptureQueriesContext(connection) as two:
        rows_two = rollup(county)
    _ready(*five.values())
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as five_ready:
        rows_five = rollup(county)
    statements = [q["sql"] for q in five_ready.captured_queries]
    # The search path is set once, after set_schema_to_public (TENANT_LIMIT_SET_CALLS), and
    # never per township: the townships' tables are named by schema in the SQL.
    assert len(two) == len(five_ready) == expected + 1, [s[:150] for s in statements]
    assert sum(sql.startswith("SET search_path") for sql in statements) == 1
    assert len(rows_five) >= len(rows_two)


# --- (b) exact against a recount township by township ----------------------------------------------
def test_county_home_matches_a_recount(five, world, county):
    from tenants.organisation.selectors import township_headline
    from tenants.townships.selectors import HEADLINE_KEYS

    ready = _ready_set(five)
    rows, totals = _home(county)
    got = {t.code: headline for t, headline in rows}
    recount = _in_each(ready, lambda t: township_headline(access=county.access))
    assert {code: got[code] for code in recount} == recount
    assert got["gamma"] is None
    assert got["epsilon"] is None
    assert got["delta"] == dict.fromkeys(HEADLINE_KEYS, 0)
    assert totals == {key: sum(r[key] for r in recount.values()) for key in HEADLINE_KEYS}
    assert got["alpha"]["members"] > 0
    assert got["alpha"] != got["beta"]


def test_favouritism_signals_match_a_recount(five, world, county):
    from scoring.favouritism.selectors import open_counts_by_kind

    ready = _ready_set(five)
    rows, totals = _signals(county)
    got = {t.code: counts for t, counts in rows}
    recount = _in_each(ready, lambda t: open_counts_by_kind())
    assert got == recount
    assert got["delta"] == {}
    assert got["alpha"]
    assert totals == {kind: sum(c.get(kind, 0) for c in recount.values()) for kind in {k for c in recount.values()
                                                                                      for k in c}}


def test_tips_match_a_recount(five, world, county):
    from scoring.tips.selectors import tips_by_status

    ready = _ready_set(five)
    got = {row["township"].code: (row["counts"], row["total"]) for row in _tips(county)}
    recount = _in_each(ready, lambda t: tips_by_status())
    assert got == {code: (counts, sum(counts.values())) for code, counts in recount.items()}
    assert got["delta"] == ({}, 0)
    assert got["beta"][1] == 5


def _checks_recount(township):
    """The county's spot-check figures of one township, from its rows, in its own schema."""
    from scoring.oversight.models import Check, Draw, Finding

    zone = clock.zone_of(township)
    checks = list(Check.objects.values("due_on", "completed_at"))
    drawn = list(Draw.objects.filter(status=Draw.Status.DRAWN).values("drawn_codes", "villages"))
    findings = Finding.objects.count()
    bad = Finding.objects.filter(result=Finding.Result.DISCREPANCY).count()
    return {"draws": len(drawn), "villages_drawn": sum(len(d["drawn_codes"]) for d in drawn),
            "villages_offered": sum(len(d["villages"]) for d in drawn), "checks": len(checks),
            "done_on_time": sum(1 for c in checks if c["completed_at"] is not None
                                and clock.today(zone=zone, at=c["completed_at"]) <= c["due_on"]),
            "overdue": sum(1 for c in checks if c["completed_at"] is None and clock.today(zone=zone) > c["due_on"]),
            "findings": findings, "discrepancies": bad,
            "rate": (D(bad) / findings * 100).quantize(D("0.1")) if findings else D("0")}


def test_spot_checks_match_a_recount(five, world, county):
    ready = _ready_set(five)
    got = {row.pop("township").code: row for row in _checks(county)}
    recount = _in_each(ready, _checks_recount)
    assert got == recount
    # alpha: one check done on time, one done after midnight in Shanghai (the 15th in UTC) is late,
    # one open past its due date, one due in three days and one due today (not overdue yet).
    assert (got["alpha"]["checks"], got["alpha"]["done_on_time"], got["alpha"]["overdue"]) == (5, 1, 1)
    assert got["delta"]["checks"] == 0
    assert got["delta"]["rate"] == 0


def test_catalogue_localisations_match_a_recount(five, world, county):
    from scoring.catalogue.models import ScoringYear
    from scoring.catalogue.selectors import catalogue_diff
    from scoring.county.models import TemplateCatalogue

    ready = _ready_set(five)
    template = TemplateCatalogue.objects.get(year=YEAR)

    def recount(township):
        year = ScoringYear.objects.filter(template_id=template.pk).first()
        return (year.year if year else None, catalogue_diff(scoring_year=year) if year else [])

    got = {row.township.code: (row.year, row.diffs) for row in _localisations(county)}
    assert got == _in_each(ready, recount)
    assert [(d.code, [(f.field, f.township) for f in d.fields]) for d in got["alpha"][1]] == [
        ("B01", [("points_max", D("6.00"))])]
    assert got["beta"] == (YEAR, [])  # adopted, same as the template
    assert got["delta"] == (None, [])  # not adopted


def _corps_recount(township, *, today, within_days=183):
    """Villages, active clerks, villages short of their number and three-year limits coming, from
    the rows of one township (a placement's served days count both ends)."""
    from staffing.clerks.models import Clerk, Placement, VillageStaffing
    from tenants.organisation.models import Village

    placements = list(Placement.objects.values("clerk_id", "village_id", "starts_on", "ends_on"))
    required = dict(VillageStaffing.objects.values_list("village_id", "required"))
    gaps = 0
    for village_id in Village.objects.values_list("pk", flat=True):
        serving = {p["clerk_id"] for p in placements if p["village_id"] == village_id and p["starts_on"] <= today
                   and (p["ends_on"] is None or p["ends_on"] >= today)}
        gaps += len(serving) < required.get(village_id, 1)
    coming = 0
    for p in placements:
        if p["ends_on"] is not None:
            continue
        served = sum((q["ends_on"] - q["starts_on"]).days + 1 for q in placements
                     if (q["clerk_id"], q["village_id"]) == (p["clerk_id"], p["village_id"]) and q["ends_on"])
        coming += p["starts_on"] + dt.timedelta(days=LIMIT - served) <= today + dt.timedelta(days=within_days)
    return {"code": township.code, "villages": Village.objects.count(),
            "clerks": Clerk.objects.filter(status=Clerk.Status.ACTIVE).count(), "gaps": gaps, "limits_coming": coming}


def test_clerk_corps_matches_a_recount(five, world, county):
    ready = _ready_set(five)
    today = clock.today()
    got = {row.pop("township").code: row for row in _corps(county)}
    assert got == _in_each(ready, lambda t: _corps_recount(t, today=today))
    assert got["alpha"]["limits_coming"] == 1  # 2021-22 and since 2024-01-01 in the same village
    assert got["alpha"]["gaps"] == 1
    assert got["delta"]["villages"] == 0


def test_pay_totals_match_a_recount(five, world, county):
    from django.db.models import Sum

    from staffing.appraisal.models import PayLine

    ready = _ready_set(five)

    def recount(township):
        months = {}
        for r in (PayLine.objects.filter(sheet__year=YEAR).values("sheet__month", "sheet__status", "clerk_id")
                  .annotate(total=Sum("total"))):
            m = months.setdefault(r["sheet__month"], {"status": r["sheet__status"], "clerks": 0, "total": D(0),
                                                      "lowest": None})
            m["clerks"] += 1
            m["total"] += r["total"]
            m["lowest"] = r["total"] if m["lowest"] is None else min(m["lowest"], r["total"])
        return [{"code": township.code, "name": township.name, "month": month, **m, "below_floor": False}
                for month, m in sorted(months.items())]

    expected = [row for rows in _in_each(ready, recount).values() for row in rows]
    assert _pay(county) == expected
    october = next(r for r in expected if r["code"] == "alpha" and r["month"] == 10)
    # alpha's second clerk in October: 3000 + 250 + 10 (n = 1) + 10 (the month), less the 500 of the
    # correcting line, is the month's lowest total.
    assert october["lowest"] == D(3000 + 250 + 10 + 10 - 500)
    assert october["clerks"] == 3
    assert not any(r["code"] == "delta" for r in expected)


# --- county recruitment: the villages offered to each post's hire --------------------------------------
def _posts(townships, *, limit_first_to=None):
    """A county round with one post per township (the first limited to `limit_first_to` villages)."""
    from staffing.recruitment.county.models import CountyPost, CountyRound

    day = dt.date(YEAR, 11, 1)
    round_ = CountyRound.objects.create(title="县级竞聘", applications_open=day, applications_close=day, test_on=day,
                                        interview_on=day, publish_on=day)
    return [CountyPost.objects.create(round=round_, township=t, places=1,
                                      village_ids=limit_first_to if i == 0 and limit_first_to else [])
            for i, t in enumerate(townships)]


def test_post_villages_in_fixed_statements_with_two_and_five_townships(five):
    from staffing.recruitment.county.selectors import post_villages

    _ready(*five.values())
    two, all_five = _posts([five["alpha"], five["beta"]]), _posts(list(five.values()))
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as for_two:
        post_villages(two)
    with CaptureQueriesContext(connection) as for_five:
        post_villages(all_five)
    statements = [q["sql"] for q in (*for_two.captured_queries, *for_five.captured_queries)
                  if not q["sql"].startswith("SET search_path")]  # set once, when the schema changes
    assert len(statements) == 2  # one UNION ALL each


def test_post_villages_match_a_recount(five, in_township):
    from staffing.recruitment.county.selectors import post_villages
    from tenants.organisation.models import Village

    _ready(*five.values())
    for n, code in ((3, "alpha"), (2, "beta"), (1, "gamma")):
        with in_township(five[code]):
            for i in range(n):
                VillageFactory(code=f"{code[0]}{n - i}", name=f"{code}村{i}")
    with in_township(five["alpha"]):
        allowed = list(Village.objects.filter(code__in=["a1", "a3"]).values_list("pk", flat=True))
    posts = _posts([five["alpha"], five["beta"], five["gamma"], five["delta"]], limit_first_to=allowed)
    got = post_villages(posts)

    def recount(township):
        post = next(p for p in posts if p.township_id == township.pk)
        villages = Village.objects.order_by("code")
        villages = villages.filter(pk__in=post.village_ids) if post.village_ids else villages
        return list(villages.values_list("pk", "name"))

    expected = _in_each([p.township for p in posts], recount)
    assert {p.township.code: got[p.pk] for p in posts} == expected
    assert [name for _pk, name in expected["alpha"]] == ["alpha村2", "alpha村0"]  # a1, a3 in code order
    assert expected["delta"] == []
