"""The light duties' part of the demo county (`settings.DEMO_STEPS`), after the scoring step.

Every township gets the township's list of duties (a monthly one with a remote alternative and a
care alternative, a year-end one whose only alternative is for remote members, so elderly or ill
members are exempted from it). In the first township (whose demo branch has closed months):
`secretary1` marks one member of the branch as ill, the latest closed month is proposed (what the
nightly job does), and in `secretary1`'s branch the first proposal is confirmed and completed,
the second confirmed (waiting to be done), the rest left for the secretary to confirm.

Idempotent: nothing is written in a township that already has duties.
"""
from __future__ import annotations

from django.db import transaction
from django_tenants.utils import tenant_context

from accounts.access import access_for
from common.demo import DemoContext

DUTIES = [
    {"name": "打扫党员活动室一周", "period": "monthly", "sort_order": 1,
     "description": "每天开门通风、打扫卫生，整理学习资料和桌椅。",
     "remote_alternative": "远程志愿服务一次：通过手机在线参与政策宣传或为村里困难群众代办一件事。",
     "care_alternative": "在家完成一次学习笔记，由支部委员上门收取。"},
    {"name": "在年终村级活动上表演节目", "period": "year_end", "sort_order": 1,
     "description": "在年终村级党员大会或联欢活动上表演一个节目（唱歌、快板、朗诵均可）。",
     "remote_alternative": "录制一段视频（朗诵或讲述在外工作的感受），在年终活动上播放。",
     "care_alternative": ""},
]
ILL_REASON = "腰椎手术后休养，医嘱三个月内不宜劳动。"


def demo_step(ctx: DemoContext) -> None:
    from accounts.models import Role, RoleAssignment, User
    from scoring.duties.models import Duty

    for index, (township, office) in enumerate(ctx.townships):
        with tenant_context(township), transaction.atomic():
            if Duty.objects.exists():
                continue
            access = access_for(office, township)
            from scoring.duties import services

            for item in DUTIES:
                services.duty_create(actor=office, access=access, **item)
            ctx.count("light duties", len(DUTIES))
            if index != 0:
                continue
            secretary = User.objects.filter(username="secretary1").first()
            role = RoleAssignment.objects.filter(user=secretary, role=Role.BRANCH_SECRETARY,
                                                 township=township).first() if secretary else None
            _scenario(ctx, township=township, office=office, secretary=secretary,
                      branch_id=role.branch_id if role else None)


def _scenario(ctx: DemoContext, *, township, office, secretary, branch_id) -> None:
    from scoring.duties import selectors, services
    from scoring.duties.models import DutyAssignment
    from scoring.periods.models import MonthClose

    actor = secretary if branch_id else office
    access = access_for(actor, township)
    closes = list(MonthClose.objects.order_by("-year", "-month")[:services.RECENT_MONTHS])
    # The latest closed month with a bottom in the secretary's branch (a month where the whole
    # branch is tied has none); its lowest member falls ill before the proposal.
    target, bottom = None, []
    for close in closes:
        bottom = [row for row in selectors.bottom_of_close(close_id=close.pk, size=services.MONTHLY_SIZE)
                  if branch_id is None or row.branch_id == branch_id]
        if bottom:
            target = close
            break
    if target is None:
        return
    if branch_id:
        services.illness_mark(actor=actor, access=access, member_id=bottom[0].member_id, reason=ILL_REASON)
        ctx.count("illness flags")
    runs = [services.duties_propose(year=close.year, month=close.month) for close in reversed(closes)]
    runs += services.duties_propose_due()
    runs = {run.pk: run for run in runs if run is not None}
    ctx.count("light-duty proposals", sum(run.proposals for run in runs.values()))
    mine = DutyAssignment.objects.filter(run__year=target.year, run__month=target.month,
                                         status=DutyAssignment.Status.PROPOSED)
    if branch_id:
        mine = mine.filter(branch_id=branch_id)
    mine = list(mine.exclude(variant=DutyAssignment.Variant.EXEMPT).order_by("-bottom_rank", "member_id")[:2])
    for position, assignment in enumerate(mine):
        services.assignment_confirm(actor=actor, access=access, assignment_id=assignment.pk)
        ctx.count("light duties confirmed")
        if position == 0:
            services.assignment_complete(actor=actor, access=access, assignment_id=assignment.pk,
                                         note="已按要求完成，活动室整洁，支部委员已检查。")
            ctx.count("light duties completed")
