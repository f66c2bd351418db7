"""Party dues in the demo county (`settings.DEMO_STEPS`), in every township.

The county's dues rule is saved with its defaults. In each township's demo branch (see
`scoring.reports.demo.demo_branch`) the township office sets every active member's base from
January of the running year (farmers 1 yuan a month; organ, enterprise and retired members a
percentage of a monthly income), exempts one elderly member for the year (or, without one, a
member in hardship for the running month); the clerk records payments with receipts for the
months so far: every fourth member has paid only January (arrears), one payment is corrected.

Idempotent: nothing is written in a township whose demo branch already has dues bases.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django_tenants.utils import schema_context, tenant_context

from accounts.access import access_for
from common import clock
from common.demo import DemoContext

INCOMES = ("2600", "4200", "6800", "3500")


def demo_step(ctx: DemoContext) -> None:
    from scoring.dues.county.models import DuesPolicy
    from scoring.dues.county.services import dues_policy_update

    if not ctx.townships:
        return
    with schema_context("public"):
        if not DuesPolicy.objects.filter(pk=1).exists() and ctx.county_admin is not None:
            with transaction.atomic():
                dues_policy_update(actor=ctx.county_admin, access=access_for(ctx.county_admin, None))
            ctx.count("dues rule")
    for township, office in ctx.townships:
        with tenant_context(township):
            from scoring.dues.models import DuesBase
            from scoring.reports.demo import branch_staff, demo_branch

            branch = demo_branch(township)
            if branch is None or DuesBase.objects.filter(member__branch=branch).exists():
                continue
            with transaction.atomic():
                staff = branch_staff(ctx, township, branch)
                _build(ctx, township, office, staff.get("clerk") or office, branch)


def _build(ctx: DemoContext, township, office, clerk, branch) -> None:
    from scoring.dues import services
    from tenants.organisation.models import Member

    today = clock.today(township)
    year, month = today.year, today.month
    january = dt.date(year, 1, 1)
    office_access, clerk_access = access_for(office, township), access_for(clerk, township)
    members = list(Member.objects.filter(branch=branch, status=Member.Status.ACTIVE).order_by("pk"))
    elderly = next((m for m in members if m.is_elderly), None)
    bases = {}
    for number, member in enumerate(members):
        if member.category == Member.Category.RURAL:
            base = services.dues_base_set(actor=office, access=office_access, member_id=member.pk, basis="farmer",
                                          effective_from=january)
        else:
            base = services.dues_base_set(actor=office, access=office_access, member_id=member.pk, basis="income",
                                          monthly_income=INCOMES[number % len(INCOMES)], effective_from=january)
        bases[member.pk] = base.monthly_amount
        ctx.count("dues bases")
    exempt = elderly or (members[0] if members else None)
    if exempt is not None:
        services.dues_exemption_grant(
            actor=office, access=office_access, member_id=exempt.pk,
            reason_kind="elderly" if exempt.is_elderly else "hardship",
            reason="年满80周岁，行动不便，经镇党建办研究免缴" if exempt.is_elderly else "因病致贫，经镇党建办研究免缴",
            first_month=january if exempt.is_elderly else today.replace(day=1),
            last_month=dt.date(year, 12, 1) if exempt.is_elderly else today.replace(day=1))
        ctx.count("dues exemptions")
    receipt = 0
    first_payment = None
    for number, member in enumerate(members):
        if member == exempt and member.is_elderly:
            continue
        last = 1 if number % 4 == 3 else month  # every fourth member has paid January only
        receipt += 1
        payment = services.dues_payment_record(
            actor=clerk, access=clerk_access, member_id=member.pk, amount=bases[member.pk] * last,
            method="transfer" if number % 2 else "cash", receipt_number=f"{township.code.upper()}-{year}-{receipt:04d}",
            year=year, first_month=1, last_month=last, paid_on=today)
        first_payment = first_payment or payment
        ctx.count("dues payments")
    if first_payment is not None:
        services.dues_payment_correct(actor=clerk, access=clerk_access, payment_id=first_payment.pk,
                                      amount="0.50", reason="收据金额少记0.5元，按实收补记")
        ctx.count("dues corrections")
