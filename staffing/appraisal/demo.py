"""Appraisal and pay in the demo county (`settings.DEMO_STEPS`, after the clerks' step).

The county pay policy for this year and last (floor 3,500 yuan); in every demo township two appraisal
periods (last month and this month) with every active clerk appraised by the office, and the two
months' pay sheets, all above the floor; last month's is approved (frozen).
Idempotent: nothing is written when the township already has pay sheets.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django_tenants.utils import schema_context, tenant_context

from common import clock
from common.demo import DemoContext

POLICY = {"base_pay": "3000.00", "performance_base": "1000.00", "floor": "3500.00",
          "allowances": {"A": "800.00", "B": "600.00", "C": "400.00", "D": "0.00"},
          "pension_rate": "0.0800", "medical_rate": "0.0200", "unemployment_rate": "0.0050"}
OBSERVATIONS = ["92", "85", "78", "88", "95", "70"]


def demo_step(ctx: DemoContext) -> None:
    from staffing.county.models import pay_policy_get
    from staffing.county.services import pay_policy_set

    if not ctx.townships:
        return
    today = clock.today(ctx.townships[0][0])
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    with schema_context("public"):
        for year in sorted({today.year, last_month.year}):
            if pay_policy_get(year) is None:
                pay_policy_set(actor=ctx.county_admin, year=year, **POLICY)
                ctx.count("pay policies")
    for township, office in ctx.townships:
        with tenant_context(township):
            made = _build(township=township, office=office, today=today, last_month=last_month)
        for what, n in made.items():
            ctx.count(what, n)


@transaction.atomic
def _build(*, township, office, today: dt.date, last_month: dt.date) -> dict:
    from accounts.access import access_for
    from staffing.appraisal import services
    from staffing.appraisal.models import PaySheet
    from staffing.clerks.models import Clerk

    if PaySheet.objects.exists() or not Clerk.objects.exists():
        return {}
    access = access_for(office, township)
    made = {"appraisals": 0, "pay sheets": 0}
    clerks = list(Clerk.objects.filter(status=Clerk.Status.ACTIVE).exclude(user_id=office.pk))
    for day in (last_month, today):
        period = services.period_open(actor=office, on=day)
        for i, clerk in enumerate(clerks):
            obs = OBSERVATIONS[(i + day.month) % len(OBSERVATIONS)]
            services.appraisal_record(actor=office, access=access, period_id=period.pk, clerk_id=clerk.pk,
                                      office_scores={"village_observation": obs, "township_push": "85",
                                                     "branch_material": "80", "unannounced_check": "90"})
            made["appraisals"] += 1
    earlier = services.pay_sheet_prepare(actor=office, access=access, year=last_month.year, month=last_month.month)
    services.pay_sheet_approve(actor=office, access=access, sheet_id=earlier.pk)
    services.pay_sheet_prepare(actor=office, access=access, year=today.year, month=today.month)
    made["pay sheets"] = 2
    return made
