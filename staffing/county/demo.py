"""Career decisions in the demo county (`settings.DEMO_STEPS`, after appraisal and recruitment).

In the first demo township: the office proposed `clerk1` (the demo clerk login) for an established post and
the county rejected it (the clerk reads the outcome on their clerk page), and the office proposes another
appraised clerk for removal, waiting for the county's decision (on /staffing/career/). A rejection changes
no placement or role, so the rest of the demo stays as built.
Idempotent: nothing is written when the township already has career proposals.
"""
from __future__ import annotations

from django.db import transaction
from django_tenants.utils import tenant_context

from common import clock
from common.demo import DemoContext

DECIDED_BASIS = "连续两期考核为良好，任职未满三年，暂缓研究进入事业编制。"
PENDING_BASIS = "近两期考核靠后：录入迟报较多、抽查发现不符，经约谈仍未改进，提议解聘。"


def demo_step(ctx: DemoContext) -> None:
    from accounts.access import access_for
    from accounts.models import User

    if not ctx.townships or ctx.county_admin is None:
        return
    township, office = ctx.townships[0]
    clerk_user = User.objects.filter(username="clerk1").first()
    with tenant_context(township):
        made = _build(township=township, office=office, access=access_for(office, township),
                      county=ctx.county_admin, county_access=access_for(ctx.county_admin, None),
                      clerk_user=clerk_user)
    for what, n in made.items():
        ctx.count(what, n)


@transaction.atomic
def _build(*, township, office, access, county, county_access, clerk_user) -> dict:
    from staffing.appraisal.models import Appraisal
    from staffing.clerks.models import Clerk
    from staffing.county.models import CareerProposal
    from staffing.county.services import career_decide, career_propose

    if CareerProposal.objects.filter(township=township).exists():
        return {}
    appraised = list(Clerk.objects.filter(status=Clerk.Status.ACTIVE, pk__in=Appraisal.objects.values("clerk_id"))
                     .exclude(user_id=office.pk).order_by("pk"))
    if not appraised:
        return {}
    first = next((c for c in appraised if clerk_user is not None and c.user_id == clerk_user.pk), appraised[0])
    made = {"career proposals": 0}
    decided = career_propose(actor=office, access=access, clerk_id=first.pk, kind=CareerProposal.Kind.ESTABLISH,
                             basis="连续考核良好以上，群众评价好，提议进入事业编制。")
    career_decide(actor=county, access=county_access, proposal_id=decided.pk, approve=False, basis=DECIDED_BASIS,
                  decision_date=clock.today(township))
    made["career proposals"] += 1
    other = next((c for c in appraised if c.pk != first.pk), None)
    if other is not None:
        career_propose(actor=office, access=access, clerk_id=other.pk, kind=CareerProposal.Kind.REMOVE,
                       basis=PENDING_BASIS)
        made["career proposals"] += 1
    return made
