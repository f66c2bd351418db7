"""The county reward rollup of the demo county (`settings.DEMO_STEPS`, after the rewards step).

The demo year's reward policy (budget ¥200,000.00, special fund for objective scorers ¥20,000.00,
weights 10 per Party-member Star, 1 per tier level, 2 per shortlist candidate, 5 per outstanding
branch) and the rollup of the 七一 awards of the demo year over every ready township, collected and
left for the county to approve. Idempotent: the policy is made when missing, and the rollup runs at
most once per period by design.
"""
from __future__ import annotations

from django.db import transaction
from django_tenants.utils import schema_context, tenant_context

from common.demo import DemoContext

POLICY = {"budget": "200000.00", "special_fund": "20000.00", "per_star": "10", "per_tier_level": "1",
          "per_candidate": "2", "per_branch": "5"}


def demo_step(ctx: DemoContext) -> None:
    from common import clock
    from scoring.rewards.county.models import RewardPolicy, RollupRun
    from scoring.rewards.county.services import reward_policy_set, rollup_run

    if not ctx.townships:
        return
    township, _office = ctx.townships[0]
    with tenant_context(township):
        from scoring.periods.calendar import scoring_year_label

        year = scoring_year_label(clock.today(township))
    with schema_context("public"), transaction.atomic():
        if not RewardPolicy.objects.filter(year=year).exists():
            reward_policy_set(actor=ctx.county_admin, year=year, **POLICY)
            ctx.count("reward policies")
        if not RollupRun.objects.filter(year=year, kind="july1").exists():
            rollup_run(actor=ctx.county_admin, year=year, kind="july1")
            ctx.count("reward rollups")
