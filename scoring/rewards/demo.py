"""The rewards' part of the demo county (`settings.DEMO_STEPS`), after the scoring and tips steps.

County: the honour template of the running scoring year (kinds 最美X人, 十星级文明户, 道德模范, 表彰,
媒体报道; village 1, township 2, county 4, city 6, province 10 points; tiers from 1, 3, 6, 10, 15, 20
honour points) and two versions of the Party-member Star rule: version 1 is the report's rule
(outstanding in the annual rating AND one of 最美X人/十星级文明户/道德模范, a commendation at township
level or above, or county-level media coverage, as three OR groups), under which nobody qualified;
version 2, in force, asks for a two-star tier, a place in the branch's top 30 % by points, no veto
and no faking bar.

First township, in the demo branch (secretary1's, clerk1's villages): honours at every level entered by
clerk1 with a certificate, verified by office1 (their points proposed and reviewed by secretary1,
workteam1 and liaison1), one rejected and one awaiting verification; tiers follow; the year is
evaluated (at least one Party-member Star, the page explains why the others are not); the 七一
shortlist is generated and submitted to the county.

Idempotent: the county's rows are made when missing; the township's when it has no honour yet.
Everything happens at the current time (the points entries are booked today, in an open month).
"""
from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django_tenants.utils import schema_context, tenant_context

from accounts.access import access_for
from common import clock
from common.demo import DemoContext

KINDS = [("ZMR", "最美X人"), ("SXJ", "十星级文明户"), ("DDMF", "道德模范"), ("BZ", "表彰"), ("MT", "媒体报道")]
HONOUR_RULE_CODE = "RY01"
RULE_V1 = [
    {"group": 1, "code": "rating_excellent"}, {"group": 1, "code": "honours", "kinds": ["ZMR", "SXJ", "DDMF"]},
    {"group": 2, "code": "rating_excellent"}, {"group": 2, "code": "honours", "kinds": ["BZ"], "min_level": "township"},
    {"group": 3, "code": "rating_excellent"}, {"group": 3, "code": "honours", "kinds": ["MT"], "min_level": "county"},
]
RULE_V2 = [{"code": "tier", "min_tier": 2}, {"code": "rank_top", "top_percent": "30"}, {"code": "no_veto"},
           {"code": "not_barred"}]
# (rank of the member in the demo branch by points, kind, level, title, issuer, days before today)
HONOURS = [
    (0, "BZ", "county", "全县优秀共产党员", "中共某县委", 60),
    (0, "ZMR", "township", "最美志愿者", "青石镇党委", 40),
    (1, "DDMF", "province", "省级道德模范", "省文明委", 90),
    (2, "MT", "city", "市报专题报道：带富能手", "市日报社", 30),
    (3, "SXJ", "village", "十星级文明户", "村党支部", 20),
    (4, "BZ", "township", "优秀党员志愿者", "青石镇党委", 10),
]


def demo_step(ctx: DemoContext) -> None:
    from accounts.models import User
    from scoring.rewards.county.models import HonourTemplate, StarRuleVersion
    from scoring.rewards.county.services import honour_template_set, star_rule_version_create
    from scoring.rewards.models import Honour

    if not ctx.townships:
        return
    township, office = ctx.townships[0]
    users = {name: User.objects.filter(username=name).first()
             for name in ("clerk1", "secretary1", "workteam1", "liaison1", "office1")}
    with tenant_context(township):
        from scoring.periods.calendar import scoring_year_label

        today = clock.today(township)
        year = scoring_year_label(today)
    with schema_context("public"), transaction.atomic():
        if not HonourTemplate.objects.filter(year=year).exists():
            honour_template_set(actor=ctx.county_admin, year=year, kinds=KINDS, rule_code=HONOUR_RULE_CODE)
            ctx.count("honour templates")
        if not StarRuleVersion.objects.filter(year=year).exists():
            star_rule_version_create(actor=ctx.county_admin, year=year, conditions=RULE_V1,
                                     note="报告中的原规则：优秀共产党员且获得指定荣誉之一。")
            star_rule_version_create(actor=ctx.county_admin, year=year, conditions=RULE_V2,
                                     note="三年无人符合：改为二星级以上、积分位于支部前30%、无一票否决、未被取消评优资格。")
            ctx.count("Party-member Star rule versions", 2)
    if None in users.values():
        return
    with tenant_context(township):
        from scoring.catalogue.models import Rule

        if Honour.objects.exists():
            return
        if not Rule.objects.filter(code=HONOUR_RULE_CODE, scoring_year__year=year).exists():
            ctx.say(f"rewards: the {year} catalogue has no {HONOUR_RULE_CODE} item (seeded before it existed); "
                    "no demo honours")
            return
        with transaction.atomic():
            made = _build(township=township, users=users, year=year, today=today)
    for what, n in made.items():
        ctx.count(what, n)


def _branch_members(users, year):
    from accounts.models import Role, RoleAssignment
    from scoring.ledger.models import MemberYearTotal
    from scoring.ledger.selectors import linked_member_ids
    from tenants.organisation.models import Member

    role = RoleAssignment.objects.filter(user=users["secretary1"], role=Role.BRANCH_SECRETARY).first()
    # Nobody reviews or verifies points about themselves: leave out the demo people's own records.
    own = set().union(*(linked_member_ids(user.pk) for user in users.values()))
    members = list(Member.objects.filter(branch_id=getattr(role, "branch_id", None), status=Member.Status.ACTIVE)
                   .exclude(pk__in=own))
    totals = dict(MemberYearTotal.objects.filter(scoring_year=year, member__in=members)
                  .values_list("member_id", "total"))
    return sorted(members, key=lambda m: (-(totals.get(m.pk) or 0), m.pk))


def _build(*, township, users, year: int, today: dt.date) -> dict:
    from scoring.catalogue.models import ScoringYear
    from scoring.demo import demo_photo
    from scoring.ledger.services import entry_review
    from scoring.rewards import services

    starts_on = ScoringYear.objects.get(year=year).starts_on
    access = {name: access_for(user, township) for name, user in users.items()}
    members = _branch_members(users, year)
    made = {"honours": 0, "star evaluations": 0, "shortlists submitted": 0}
    if len(members) < 2:
        return made

    def enter(member, kind, level, title, issuer, days, seed):
        awarded_on = max(starts_on, today - dt.timedelta(days=days))
        certificate = SimpleUploadedFile(f"荣誉证书{seed}.png", demo_photo(seed=7000 + seed, label="honour"),
                                         content_type="image/png")
        made["honours"] += 1
        return services.honour_create(actor=users["clerk1"], access=access["clerk1"], member_id=member.pk,
                                      kind_code=kind, level=level, issuer=issuer, awarded_on=awarded_on,
                                      title=title, certificates=[certificate])

    for seed, (rank, kind, level, title, issuer, days) in enumerate(HONOURS):
        member = members[min(rank, len(members) - 1)]
        honour = enter(member, kind, level, title, issuer, days, seed)
        honour = services.honour_verify(actor=users["office1"], access=access["office1"], honour_id=honour.pk)
        for name in ("secretary1", "workteam1", "liaison1"):
            entry_review(actor=users[name], access=access[name], entry_id=honour.entry_id, decision="approve")
    last = members[-1]
    rejected = enter(last, "MT", "county", "县电视台新闻报道", "县融媒体中心", 15, 90)
    services.honour_reject(actor=users["office1"], access=access["office1"], honour_id=rejected.pk,
                           reason="证书照片看不清颁发单位印章，请补拍后重新录入。")
    enter(last, "ZMR", "township", "最美家庭", "青石镇妇联", 5, 91)  # awaiting verification
    services.star_evaluate(actor=users["office1"], year=year)
    made["star evaluations"] += 1
    shortlist = services.shortlist_generate(actor=users["office1"], access=access["office1"], kind="july1", year=year)
    services.shortlist_submit(actor=users["office1"], access=access["office1"], shortlist_id=shortlist.pk)
    made["shortlists submitted"] += 1
    return made
