"""The clerks' part of the demo county (`settings.DEMO_STEPS`), in every demo township.

Each village gets its required number (1, or 2 for every third village) and clerks with a placement
history (an earlier placement elsewhere, then the current one); the first village's clerk is
`clerk1` (the demo login), whose three years there end in about two months, so the planner proposes
a move and the six-month reminder is due; the last village needs two clerks and has one: a gap.
Idempotent: nothing is written when the township already has clerks.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django_tenants.utils import tenant_context

from common import clock
from common.demo import DemoContext

NAMES = ["张晓燕", "王建国", "李秀英", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴敏", "徐强", "孙婷",
         "胡军", "朱琳", "高鹏", "林芳", "何伟", "郭娟", "马超", "罗红"]


def demo_step(ctx: DemoContext) -> None:
    from accounts.models import User

    clerk_user = User.objects.filter(username="clerk1").first()
    for index, (township, office) in enumerate(ctx.townships):
        with tenant_context(township):
            made = _build(township=township, actor=office, user=clerk_user if index == 0 else None)
        for what, n in made.items():
            ctx.count(what, n)


@transaction.atomic
def _build(*, township, actor, user) -> dict:
    from staffing.clerks import services
    from staffing.clerks.models import Clerk
    from tenants.organisation.models import Village

    if Clerk.objects.exists():
        return {}
    villages = list(Village.objects.order_by("code"))
    if not villages:
        return {}
    today = clock.today(township)
    limit = services.township_limit_days()
    made = {"clerks": 0, "placements": 0}
    names = iter(NAMES * 10)
    for i, village in enumerate(villages):
        last = i == len(villages) - 1 and len(villages) > 1
        required = 2 if (i % 3 == 2 or last) else 1
        services.village_required_set(actor=actor, village=village, required=required)
        for k in range(1 if last else required):
            elsewhere = villages[(i + 1) % len(villages)]
            home = villages[(i + 2) % len(villages)] if len(villages) > 2 else None
            clerk = services.clerk_create(
                actor=actor, name=next(names), gender="f" if (i + k) % 2 == 0 else "m",
                birth_date=dt.date(1988 + (i + k) % 10, 1 + (i % 12), 1 + (k * 7) % 28),
                contract_start=today - dt.timedelta(days=5 * 365), home_village=home,
                user_id=user.pk if (user is not None and i == 0 and k == 0) else None)
            if i == 0 and k == 0:
                since = today - dt.timedelta(days=limit - 60)  # reaches the limit in about two months
            else:
                since = today - dt.timedelta(days=200 + 97 * ((i + k) % 8))
            services.placement_start(actor=actor, clerk=clerk, village=village, starts_on=since)
            if elsewhere.pk != village.pk:  # the earlier placement (recorded second: the scope stays)
                services.placement_start(actor=actor, clerk=clerk, village=elsewhere,
                                         starts_on=since - dt.timedelta(days=500), ends_on=since - dt.timedelta(days=1))
                made["placements"] += 1
            made["clerks"] += 1
            made["placements"] += 1
    return made
