"""The tips' part of the demo county (`settings.DEMO_STEPS`), in the first township only.

Tips in every state, handled by `supervision1` and `discipline1` over the last weeks (the clock
is replayed with `common.clock.History`): one received on the public form, one triaged and
assigned, one under investigation with a note and a photo, one substantiated in the village of
`secretary1`'s branch (a correcting entry proposed against a posted entry there, and an
accountability sanction establishing faking, so `secretary1` loses this scoring year's award
eligibility), one found unsubstantiated, and one closed whose reporter asked and was answered
through the receipt `DEMO_RECEIPT` (printed in the README). A tip about the township office went
to the county (`DEMO_COUNTY_RECEIPT`). A circulated notice (通报) records a second sanction.

Idempotent: nothing is written when the township already has tips.
"""
from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django_tenants.utils import tenant_context

from accounts.access import access_for
from common import clock
from common.demo import DemoContext
from common.errors import DomainError

DEMO_RECEIPT = "8888 2026 0000 0001"
DEMO_COUNTY_RECEIPT = "8888 2026 0000 0002"


def demo_step(ctx: DemoContext) -> None:
    from accounts.models import Role, RoleAssignment, User
    from scoring.tips.models import Tip

    if not ctx.townships:
        return
    township = ctx.townships[0][0]
    users = {name: User.objects.filter(username=name).first() for name in ("supervision1", "discipline1", "secretary1")}
    if None in users.values():
        return
    secretary_role = RoleAssignment.objects.filter(user=users["secretary1"], role=Role.BRANCH_SECRETARY,
                                                   township=township).first()
    with tenant_context(township):
        if Tip.objects.exists():
            return
        from tenants.organisation.models import Branch

        branch = Branch.objects.filter(pk=getattr(secretary_role, "branch_id", None)).first()
        village_id = branch.village_id if branch is not None else None
        with clock.History() as history, transaction.atomic():
            made = _build(township=township, users=users, village_id=village_id, history=history)
    for what, n in made.items():
        ctx.count(what, n)


def _build(*, township, users, village_id, history) -> dict:
    from scoring.demo import demo_photo
    from scoring.ledger.models import Entry
    from scoring.tips import services

    supervision, discipline = users["supervision1"], users["discipline1"]
    sup, dis = access_for(supervision, township), access_for(discipline, township)
    today = clock.today(township, at=history.real_now)
    zone = township.time_zone_info()

    def at(days_ago: int, hour: int = 10) -> None:
        history.set(dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(hour, 0), tzinfo=zone))

    def step(tip, *statuses, actor=discipline, access=dis, outcome=""):
        for status in statuses:
            services.tip_status_set(actor=actor, access=access, tip_id=tip.pk, status=status,
                                    outcome=outcome if status in ("substantiated", "unsubstantiated") else "")

    made = {"tips": 0, "sanctions": 0, "tip corrections": 0}
    at(20)
    closed, _code = services.tip_submit(subject="村务公开栏积分公示", body="公示的积分和实际不一致，希望核实。",
                                        village_id=village_id, receipt_code=DEMO_RECEIPT)
    at(19)
    step(closed, "triaged", actor=supervision, access=sup)
    services.tip_message(actor=supervision, access=sup, tip_id=closed.pk, body="已收到，请问是哪一个月的公示？")
    at(18, 20)
    services.tip_reporter_message(tip=closed, body="九月份的公示。")
    at(16)
    services.tip_note_add(actor=supervision, access=sup, tip_id=closed.pk, body="核对九月台账：公示与台账一致，系理解偏差。")
    step(closed, "unsubstantiated", actor=supervision, access=sup, outcome="经核对台账，公示积分与记录一致。")
    services.tip_message(actor=supervision, access=sup, tip_id=closed.pk,
                         body="经核对，九月公示积分与台账一致。感谢监督，如有新情况请继续反映。")
    step(closed, "closed", actor=supervision, access=sup)

    at(15)
    faked, _ = services.tip_submit(subject="支部书记给亲属多记积分", body="书记给自家亲属记了没有参加的主题党日积分。",
                                   village_id=village_id, channel="phone", anonymous=False, reporter_name="陈某某",
                                   reporter_contact="13900000000", actor=discipline, access=dis)
    step(faked, "triaged", "investigating")
    services.tip_assign(actor=discipline, access=dis, tip_id=faked.pk, assignee_id=discipline.pk,
                        due_on=today + dt.timedelta(days=10))
    services.tip_note_add(actor=discipline, access=dis, tip_id=faked.pk, body="走访三名党员，均称当天未组织活动。")
    at(8)
    step(faked, "substantiated", outcome="经走访核实，虚记主题党日积分属实。")
    entry = (Entry.objects.filter(status=Entry.Status.POSTED, corrects__isnull=True, points__gt=1,
                                  member__branch__village_id=village_id).order_by("-occurred_on", "-pk").first()
             if village_id else None)
    if entry is not None:
        try:
            with transaction.atomic():
                services.tip_correction_propose(actor=discipline, access=dis, tip_id=faked.pk, entry_id=entry.pk,
                                                points="-1", reason="举报查实：该次活动未组织，扣回虚记积分。")
            made["tip corrections"] += 1
        except (DomainError, DatabaseError):
            pass
    if village_id:
        services.sanction_create(actor=discipline, access=dis, kind="accountability", person_name="刘长海",
                                 village_id=village_id, decided_on=clock.today(township), decision_maker="镇纪委",
                                 document_number="青纪问〔2026〕1号", source=f"tip:{faked.pk}",
                                 faking_established=True, scoring_year=services.scoring_year_of(today),
                                 note="虚报党员积分，取消本年度评优资格。")
        services.sanction_create(actor=discipline, access=dis, kind="notice", person_name="村党建专职",
                                 village_id=village_id, decided_on=clock.today(township), decision_maker="镇党委",
                                 document_number="青通〔2026〕3号", source=f"tip:{faked.pk}",
                                 scoring_year=services.scoring_year_of(today))
        made["sanctions"] += 2

    at(12)
    unfounded, _ = services.tip_submit(subject="积分排名", body="怀疑排名靠前的党员积分有水分。")
    step(unfounded, "triaged", actor=supervision, access=sup)
    at(10)
    step(unfounded, "unsubstantiated", actor=supervision, access=sup, outcome="抽查相关记录，佐证齐全。")

    at(6)
    investigating, _ = services.tip_submit(subject="流动党员线上学习积分", body="有人代替流动党员打卡学习。",
                                           channel="box", actor=supervision, access=sup)
    step(investigating, "triaged", "investigating", actor=supervision, access=sup)
    services.tip_assign(actor=supervision, access=sup, tip_id=investigating.pk, assignee_id=supervision.pk,
                        due_on=today + dt.timedelta(days=2))
    services.tip_note_add(actor=supervision, access=sup, tip_id=investigating.pk, body="已调取学习平台记录。")
    services.tip_evidence_add(actor=supervision, access=sup, tip_id=investigating.pk, files=[
        SimpleUploadedFile("学习记录截图.png", demo_photo(seed=9001, label="tip"), content_type="image/png")])

    at(3)
    triaged, _ = services.tip_submit(subject="志愿服务积分", body="志愿服务签到表有代签。", village_id=village_id)
    step(triaged, "triaged", actor=supervision, access=sup)
    services.tip_assign(actor=supervision, access=sup, tip_id=triaged.pk, assignee_id=discipline.pk,
                        due_on=today + dt.timedelta(days=20))

    at(1)
    services.tip_submit(subject="党费收缴", body="党费收据与实际不符。")
    at(2)
    services.tip_submit(subject="镇党建办", body="镇党建办工作人员授意村里补录积分。", about_office=True,
                        receipt_code=DEMO_COUNTY_RECEIPT)
    made["tips"] += 7
    return made
