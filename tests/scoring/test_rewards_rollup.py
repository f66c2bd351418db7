"""The county reward rollup (issue 12, item 7): one result per period however often it runs, the
allocation sums exactly to the budget and the special fund, a township that fails is recorded while
the others' results are stored, a barred secretary is never on the county list, approval locks."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from audit.models import AuditEvent
from common.errors import Conflict
from scoring.rewards import services as township_services
from scoring.rewards.county import rollup, services
from scoring.rewards.county.models import RollupCandidate, RollupRun, RollupTownship
from scoring.rewards.county.services import star_rule_version_create
from tests.scoring.rewards_world import acc, bar_secretary, honour, make_world, member, this_year

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def county(township_a, township_b, in_township, make_user, scoring_setup):
    """Two townships with results: alpha has two members with honours (one of them the barred
    branch secretary), beta one member; the Star rule is "tier at least one"; both shortlists made."""
    year = this_year()
    alpha = make_world(township=township_a, in_township=in_township, make_user=make_user,
                       scoring_setup=scoring_setup, year=year)
    beta = make_world(township=township_b, in_township=in_township, make_user=make_user,
                      scoring_setup=scoring_setup, year=year, name="贝塔村")
    star_rule_version_create(actor=alpha.users.county, year=year, conditions=[{"code": "tier", "min_tier": 1}],
                             note="只看星级")
    people = {}
    for world, names in ((alpha, ["甲党员", "王书记"]), (beta, ["乙党员"])):
        with in_township(world.township):
            for seed, name in enumerate(names):
                people[name] = member(world, name)
                honour(world, people[name], level="province", seed=seed + 1)
            if world is alpha:
                bar_secretary(world, people["王书记"])
            township_services.tier_recompute(year=year)
            township_services.star_evaluate(actor=world.users.office, year=year)
            township_services.shortlist_generate(actor=world.users.office, access=acc(world.users.office,
                                                 world.township), kind="year_end", year=year)
    services.reward_policy_set(actor=alpha.users.county, year=year, budget="10000.00", special_fund="1000",
                               per_star="10", per_tier_level="1", per_candidate="2", per_branch="5")
    return alpha, beta, people, year


def test_allocation_rounds_half_up_and_gives_the_remainder_to_the_largest_share():
    shares = rollup.allocate(Decimal("100"), {"a": Decimal("1"), "b": Decimal("1"), "c": Decimal("1")})
    assert shares == {"a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}
    shares = rollup.allocate(Decimal("1000.01"), {"a": Decimal("3"), "b": Decimal("7"), "c": Decimal("0")})
    assert sum(shares.values()) == Decimal("1000.01")
    assert shares["c"] == Decimal("0.00")
    assert shares["b"] == Decimal("700.01")
    # No weight at all: equal shares, still summing exactly.
    assert rollup.allocate(Decimal("0.05"), {"a": Decimal("0"), "b": Decimal("0")}) == {
        "a": Decimal("0.02"), "b": Decimal("0.03")}
    for total in ("0.01", "9999.99", "12345.67"):
        parts = rollup.allocate(Decimal(total), {i: Decimal(i * 7 % 5 + 1) for i in range(13)})
        assert sum(parts.values()) == Decimal(total)


def test_the_rollup_run_twice_is_one_result_and_the_shares_sum_to_the_budget(county, township_a, township_b):
    alpha, _beta, people, year = county
    first = services.rollup_run(actor=None, year=year, kind="year_end")
    second = services.rollup_run(actor=None, year=year, kind="year_end")
    assert first.pk == second.pk
    assert RollupRun.objects.filter(year=year, kind="year_end").count() == 1
    assert (first.state, first.fallback, first.statements) == (RollupRun.State.COLLECTED, False, 2)
    rows = {row.township_id: row for row in RollupTownship.objects.filter(run=first)}
    assert set(rows) == {township_a.pk, township_b.pk}
    a, b = rows[township_a.pk], rows[township_b.pk]
    # Alpha: two province honours (tier per the template), one eligible star (the secretary is barred).
    assert (a.ok, a.stars, a.barred, b.ok, b.stars, b.barred) == (True, 1, 1, True, 1, 0)
    assert a.members == 2
    assert b.members == 1
    assert sum(a.tiers) == 2
    assert a.tier_levels > b.tier_levels > 0
    assert a.weight > b.weight
    assert (a.rank, b.rank) == (1, 2)
    assert a.share + b.share == Decimal("10000.00") == first.budget
    assert a.special_share + b.special_share == Decimal("1000.00") == first.special_fund
    names = set(RollupCandidate.objects.filter(run=first).values_list("member_name", flat=True))
    assert names == {"甲党员", "乙党员"}
    assert "王书记" not in names
    assert RollupCandidate.objects.filter(run=first).count() == 2
    assert AuditEvent.objects.filter(action="rollup.run").count() == 1


def test_approval_is_audited_and_locks_the_rollup_and_the_policy(county):
    alpha, _beta, _people, year = county
    run = services.rollup_run(actor=None, year=year, kind="year_end")
    services.rollup_approve(actor=alpha.users.county, run=run, note="县委常委会通过")
    run.refresh_from_db()
    assert (run.state, run.approved_by_id, run.approval_note) == (RollupRun.State.APPROVED, alpha.users.county.pk,
                                                                   "县委常委会通过")
    assert AuditEvent.objects.filter(action="rollup.approve").count() == 1
    with pytest.raises(Conflict):
        services.rollup_approve(actor=alpha.users.county, run=run)
    with pytest.raises(Conflict):
        services.reward_policy_set(actor=alpha.users.county, year=year, budget="1")
    again = services.rollup_run(actor=None, year=year, kind="year_end")
    assert (again.pk, again.state) == (run.pk, RollupRun.State.APPROVED)


def test_a_broken_township_is_recorded_and_the_others_results_are_kept(county, township_a, township_b):
    _alpha, _beta, _people, year = county
    # The table goes missing by a rename, rolled back with the test (DDL is transactional). Not a
    # DROP: beta's rows were written in this transaction, and a Citus worker refuses to drop a
    # table with pending foreign-key checks (SET CONSTRAINTS does not reach it); a rename works.
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {connection.ops.quote_name(township_b.schema_name)}.rewards_starresult "
                       "RENAME TO rewards_starresult_gone")
    run = services.rollup_run(actor=None, year=year, kind="year_end")
    assert run.fallback is True
    rows = {row.township_id: row for row in RollupTownship.objects.filter(run=run)}
    assert rows[township_a.pk].ok
    assert rows[township_a.pk].stars == 1
    assert rows[township_a.pk].rank == 1
    broken = rows[township_b.pk]
    assert (broken.ok, broken.rank, broken.share) == (False, None, Decimal("0.00"))
    assert "rewards_starresult" in broken.error
    # The whole budget goes to the townships that were read.
    assert rows[township_a.pk].share == run.budget == Decimal("10000.00")
    assert set(RollupCandidate.objects.filter(run=run).values_list("member_name", flat=True)) == {"甲党员"}


def test_the_task_runs_due_periods_only_once(county, set_clock):
    import datetime as dt

    from common import clock
    from scoring.rewards.county.tasks import rollup as rollup_task

    _alpha, _beta, _people, year = county
    set_clock(dt.datetime(year, 12, 2, 9, 0, tzinfo=clock.county_zone()))
    first = rollup_task.apply().get()
    assert sorted(item["kind"] for item in first) == ["july1", "year_end"]
    assert rollup_task.apply().get() == []
    assert RollupRun.objects.filter(year=year).count() == 2


# --- pages and API -------------------------------------------------------------------------------------
def _call(client, method, path, data=None, **extra):
    try:
        return getattr(client, method)(path, data or {}, **extra)
    finally:
        connection.set_schema_to_public()


def test_county_page_chart_table_export_approval_and_the_township_share(client, county, township_a):
    import io
    import json

    from openpyxl import load_workbook

    alpha, _beta, _people, year = county
    client.force_login(alpha.users.county)
    page = _call(client, "get", f"/rewards/rollup/?year={year}&kind=year_end").content.decode()
    assert "rollup-chart-data" not in page  # nothing collected yet
    assert _call(client, "post", "/rewards/rollup/run/", {"year": year, "kind": "year_end"}).status_code == 302
    run = RollupRun.objects.get(year=year, kind="year_end")
    page = _call(client, "get", f"/rewards/rollup/?year={year}&kind=year_end").content.decode()
    assert 'data-chart="bar"' in page
    assert "<script>" not in page
    chart = json.loads(page.split('<script id="rollup-chart-data" type="application/json">')[1].split("</script>")[0])
    assert sum(Decimal(str(v)) for v in chart["datasets"][0]["data"]) == Decimal("10000")
    assert "甲党员" in page
    assert "王书记" not in page
    book = load_workbook(io.BytesIO(_call(client, "get", f"/rewards/rollup/{run.pk}/export/").content))
    sheet = book.worksheets[0]
    assert sheet.max_row == 3
    assert sum(Decimal(str(r[-3].value)) for r in sheet.iter_rows(min_row=2)) == Decimal("10000")
    api = _call(client, "get", f"/api/v1/rewards/rollups/?year={year}").json()
    assert api[0]["id"] == run.pk
    assert len(api[0]["townships"]) == 2
    assert _call(client, "post", f"/api/v1/rewards/rollups/{run.pk}/approve/", {"note": "同意"},
                 content_type="application/json").status_code == 200
    again = _call(client, "post", f"/api/v1/rewards/rollups/{run.pk}/approve/", {}, content_type="application/json")
    assert again.status_code == 409
    share = RollupTownship.objects.get(run=run, township=township_a).share
    office = alpha.users.office
    client.force_login(office)
    page = _call(client, "get", f"/t/alpha/rewards/?year={year}").content.decode()
    assert str(share) in page
    mine = _call(client, "get", f"/t/alpha/api/v1/rewards/allocation/?year={year}").json()
    assert [(m["kind"], m["approved"], Decimal(m["share"])) for m in mine] == [("year_end", True, share)]
    # A township user cannot open the county page.
    assert _call(client, "get", "/rewards/rollup/").status_code in (302, 403, 404)
