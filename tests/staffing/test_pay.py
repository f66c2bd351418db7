"""Monthly pay: base + allowance + performance with exact decimals, the county floor and its
exceptions, approved sheets frozen (service and direct SQL), own-only visibility, two townships."""
from __future__ import annotations

import datetime as dt
import types
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from accounts.access import access_for
from accounts.models import Role
from common.errors import Conflict, DomainError
from staffing.appraisal import calc, selectors, services
from staffing.appraisal.models import PayLine, PaySheet
from staffing.clerks import services as clerks
from staffing.county import services as county

pytestmark = [pytest.mark.django_db]

D = dt.date
OFFICE = {"village_observation": 100, "township_push": 100, "branch_material": 100, "unannounced_check": 100}


def acc(user, township):
    return access_for(user, township)


def _policy(year=2026, *, base="3000", floor="3800", perf_base="1000.05"):
    with schema_context("public"):
        return county.pay_policy_set(actor=None, year=year, base_pay=base, allowances={
            "A": "800.00", "B": "600", "C": "400.10", "D": "0"}, performance_base=perf_base, floor=floor,
            pension_rate="0.08", medical_rate="0.02", unemployment_rate="0.005")


def _world(township, make_user, in_township, tag):
    users = types.SimpleNamespace(clerk=make_user(Role.CLERK, township), other=make_user(Role.CLERK, township),
                                  office=make_user(Role.TOWNSHIP_OFFICE, township),
                                  secretary=make_user(Role.BRANCH_SECRETARY, township))
    with in_township(township):
        rows = types.SimpleNamespace(
            clerk=clerks.clerk_create(actor=None, name=f"{tag}甲", gender="f", birth_date=D(1995, 1, 1),
                                      contract_start=D(2024, 1, 1), user_id=users.clerk.pk),
            other=clerks.clerk_create(actor=None, name=f"{tag}乙", gender="m", birth_date=D(1994, 1, 1),
                                      contract_start=D(2024, 1, 1), user_id=users.other.pk))
    return types.SimpleNamespace(township=township, users=users, clerks=rows)


@pytest.fixture
def alpha(township_a, make_user, in_township):
    return _world(township_a, make_user, in_township, "阿")


@pytest.fixture
def beta(township_b, make_user, in_township):
    return _world(township_b, make_user, in_township, "贝")


def test_pay_arithmetic_is_exact_with_half_up():
    pay = calc.pay_for(base_pay="3000", allowance="600", performance_base="1000.005", coefficient="1.20",
                       insurance_rate="0.105")
    # 1000.005 * 1.20 = 1200.006 -> 1200.01; 3000 + 600 + 1200.01 = 4800.01; 4800.01 * 0.105 = 504.00105 -> 504.00
    assert (pay.base, pay.allowance, pay.performance, pay.total, pay.social_insurance) == (
        Decimal("3000.00"), Decimal("600.00"), Decimal("1200.01"), Decimal("4800.01"), Decimal("504.00"))
    assert calc.money("0.005") == Decimal("0.01")
    assert calc.money("-0.005") == Decimal("-0.01")
    assert calc.pay_for(base_pay="0.125", allowance="0", performance_base="0.125", coefficient="1",
                        insurance_rate="0").total == Decimal("0.26")


def test_sheet_uses_appraisal_grade_and_refuses_below_floor_without_approved_exception(alpha, in_township):
    _policy()
    u = alpha.users
    office = acc(u.office, alpha.township)
    with in_township(alpha.township):
        period = services.period_open(on=D(2026, 11, 5))
        services.appraisal_record(actor=u.office, access=office, period_id=period.pk,
                                  clerk_id=alpha.clerks.other.pk, office_scores=OFFICE)
        sheet = services.pay_sheet_prepare(actor=u.office, access=office, year=2026, month=11)
        lines = {line.clerk_id: line for line in sheet.lines.all()}
        appraised = lines[alpha.clerks.other.pk]
        # no entries: timeliness 0 (x15), others 100 -> 85.00, grade B, coefficient 1.00
        assert (appraised.grade, appraised.coefficient) == ("B", Decimal("1.00"))
        assert (appraised.base, appraised.allowance, appraised.performance, appraised.total) == (
            Decimal("3000.00"), Decimal("600.00"), Decimal("1000.05"), Decimal("4600.05"))
        assert appraised.social_insurance == Decimal("483.01")  # 4600.05 x 0.105 = 483.00525, half up
        # Preparing again recomputes the draft (no duplicate lines).
        services.pay_sheet_prepare(actor=u.office, access=office, year=2026, month=11)
        assert PayLine.objects.filter(sheet=sheet).count() == 2
        # The secretary may not prepare pay.
        with pytest.raises(DomainError):
            services.pay_sheet_prepare(actor=u.secretary, access=acc(u.secretary, alpha.township), year=2026, month=11)
    # A floor above a clerk's total: refused, naming the clerk, nothing written.
    _policy(floor="4600.06")
    with in_township(alpha.township):
        before = list(PayLine.objects.order_by("pk").values_list("pk", "total"))
        with pytest.raises(Conflict) as err:
            services.pay_sheet_prepare(actor=u.office, access=office, year=2026, month=11)
        assert alpha.clerks.clerk.name in str(err.value.message)
        assert alpha.clerks.other.name in str(err.value.message)
        assert list(PayLine.objects.order_by("pk").values_list("pk", "total")) == before
    # A pending exception is not enough; one for a single clerk is not enough either.
    with schema_context("public"):
        pending = county.pay_exception_request(actor=u.office, township_code=alpha.township.code,
                                               clerk_id=alpha.clerks.clerk.pk, year=2026, month=11,
                                               reason="病假半月，按县委组织部批复执行")
    with in_township(alpha.township), pytest.raises(Conflict):
        services.pay_sheet_prepare(actor=u.office, access=office, year=2026, month=11)
    with schema_context("public"):
        county.pay_exception_decide(actor=None, exception_id=pending.pk, approve=True)
        with pytest.raises(Conflict):
            county.pay_exception_decide(actor=None, exception_id=pending.pk, approve=False)
        other = county.pay_exception_request(actor=u.office, township_code=alpha.township.code,
                                             clerk_id=alpha.clerks.other.pk, year=2026, month=11, reason="同上")
        county.pay_exception_decide(actor=None, exception_id=other.pk, approve=True)
    with in_township(alpha.township):
        sheet = services.pay_sheet_prepare(actor=u.office, access=office, year=2026, month=11)
        assert {line.exception_id for line in sheet.lines.all()} == {pending.pk, other.pk}
    # No policy for the year: refused.
    with in_township(alpha.township), pytest.raises(DomainError):
        services.pay_sheet_prepare(actor=u.office, access=office, year=2031, month=1)


def test_approved_sheet_is_frozen_for_service_and_sql_corrections_are_new_lines(alpha, in_township):
    _policy()
    u = alpha.users
    office = acc(u.office, alpha.township)
    with in_township(alpha.township):
        sheet = services.pay_sheet_prepare(actor=u.office, access=office, year=2026, month=10)
        services.pay_sheet_approve(actor=u.office, access=office, sheet_id=sheet.pk)
        line = sheet.lines.get(clerk=alpha.clerks.clerk)
        with pytest.raises(Conflict):
            services.pay_sheet_prepare(actor=u.office, access=office, year=2026, month=10)
        with pytest.raises(Conflict):
            services.pay_sheet_approve(actor=u.office, access=office, sheet_id=sheet.pk)
        for sql, args in (("UPDATE appraisal_payline SET total = total + 1 WHERE id = %s", [line.pk]),
                          ("DELETE FROM appraisal_payline WHERE id = %s", [line.pk]),
                          ("UPDATE appraisal_paysheet SET status = 'draft' WHERE id = %s", [sheet.pk]),
                          ("DELETE FROM appraisal_paysheet WHERE id = %s", [sheet.pk])):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, args)
        line.refresh_from_db()
        assert line.total == Decimal("4600.05")
        with pytest.raises(DomainError):
            services.pay_line_correct(actor=u.office, access=office, line_id=line.pk, base="-10", note="")
        fix = services.pay_line_correct(actor=u.office, access=office, line_id=line.pk, base="-10.005",
                                        note="10月请假一天扣减")
        assert (fix.corrects_id, fix.base, fix.total) == (line.pk, Decimal("-10.01"), Decimal("-10.01"))
        assert selectors.sheet_totals(PaySheet.objects.get(pk=sheet.pk))["total"] == Decimal("9190.09")
        # A correction that takes the month below the floor is refused.
        with pytest.raises(Conflict):
            services.pay_line_correct(actor=u.office, access=office, line_id=line.pk, base="-900", note="错误")


def test_clerk_sees_only_own_pay_and_other_township_sees_none(alpha, beta, in_township):
    _policy()
    with in_township(alpha.township):
        sheet = services.pay_sheet_prepare(actor=alpha.users.office, access=acc(alpha.users.office, alpha.township),
                                           year=2026, month=11)
        mine = list(selectors.pay_line_scope(acc(alpha.users.clerk, alpha.township)))
        assert [line.clerk_id for line in mine] == [alpha.clerks.clerk.pk]
        assert selectors.pay_line_scope(acc(alpha.users.office, alpha.township)).count() == 2
        assert not selectors.pay_line_scope(acc(alpha.users.secretary, alpha.township)).exists()
        assert not selectors.sheet_scope(acc(alpha.users.clerk, alpha.township)).exists()
    with in_township(beta.township):
        assert not PaySheet.objects.filter(pk=sheet.pk, year=2026, month=11).exists()
        assert not selectors.pay_line_scope(acc(beta.users.office, beta.township)).exists()
        assert not selectors.pay_line_scope(acc(alpha.users.office, beta.township)).exists()


def test_beat_jobs_are_registered_and_idempotent_per_township(alpha, beta, in_township, clock):
    from common.schedule import BEAT
    from common.tasks import dispatch_to_townships
    from staffing.appraisal.models import AppraisalPeriod

    assert BEAT["appraisal-periods"]["args"][0] == "appraisal.periods"
    assert BEAT["appraisal-pay-prepare"]["args"][0] == "appraisal.pay_prepare"
    _policy()
    clock.set(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    for _run in range(2):
        dispatch_to_townships.apply(args=("appraisal.periods",))
        dispatch_to_townships.apply(args=("appraisal.pay_prepare",))
    for world in (alpha, beta):
        with in_township(world.township):
            assert list(AppraisalPeriod.objects.values_list("starts_on", "status")) == [(D(2026, 11, 1), "open")]
            sheet = PaySheet.objects.get(year=2026, month=11)
            assert sorted(line.clerk.name for line in sheet.lines.all()) == sorted(
                [world.clerks.clerk.name, world.clerks.other.name])
    clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    dispatch_to_townships.apply(args=("appraisal.periods",))
    with in_township(alpha.township):
        assert list(AppraisalPeriod.objects.order_by("starts_on").values_list("starts_on", "status")) == [
            (D(2026, 11, 1), "closed"), (D(2026, 12, 1), "open")]
