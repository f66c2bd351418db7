"""A small rewards world for the rewards tests: a township with one village branch, the people who
enter, verify and review points, the county's honour template with an honour item (H01) in the
scoring catalogue, and helpers that go through the services (never writing rows by hand)."""
from __future__ import annotations

import types
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from accounts.access import access_for
from tests.factories import BranchFactory, MemberFactory, RoleFactory, VillageFactory
from tests.files import photo_bytes

HONOUR_ITEM = {"code": "H01", "name": "获得荣誉表彰", "category": "vanguard", "points_min": "1", "points_max": "10",
               "bound_min": "1", "bound_max": "10", "evidence_required": True, "applies_to": "all", "sort_order": 9}
KINDS = [("ZMR", "最美X人"), ("SXJ", "十星级文明户"), ("DDMF", "道德模范"), ("BZ", "表彰"), ("MT", "媒体报道")]


def this_year() -> int:
    """The scoring year containing today by the county's policy (read in the public schema)."""
    from common import clock
    from scoring.catalogue.services import scoring_year_label_for
    from scoring.county.selectors import county_policy_get

    return scoring_year_label_for(on=clock.today(), start_month=county_policy_get().year_start_month)


def acc(user, township):
    return access_for(user, township)


def certificate(seed: int = 1):
    return SimpleUploadedFile(f"cert{seed}.jpg", photo_bytes(seed, "JPEG"), content_type="image/jpeg")


def county_ensure(*, year: int, veto_tier_cap: int = 1):
    """The county's scoring template for `year` with the honour item, and the honour template."""
    from scoring.county.models import TemplateCatalogue
    from scoring.county.services import (
        template_catalogue_create,
        template_catalogue_publish,
        template_item_create,
    )
    from scoring.rewards.county.services import honour_template_set
    from tests.scoring.conftest import SCORING_ITEMS

    with schema_context("public"):
        if not TemplateCatalogue.objects.filter(year=year).exists():
            template = template_catalogue_create(actor=None, year=year, title=f"{year}年度党员积分目录")
            for item in [*SCORING_ITEMS, HONOUR_ITEM]:
                template_item_create(actor=None, catalogue=template, **item)
            template_catalogue_publish(actor=None, catalogue=template)
        return honour_template_set(actor=None, year=year, kinds=KINDS, rule_code="H01", veto_tier_cap=veto_tier_cap,
                                   shortlist_size=3)


def make_world(*, township, in_township, make_user, scoring_setup, year: int, name: str = "阿尔法村"):
    county_ensure(year=year)
    scoring_setup(township, year=year)
    with in_township(township):
        village = VillageFactory(name=name)
        branch = BranchFactory(name=f"{name}党支部", village=village)
        other_branch = BranchFactory(name=f"{name}第二党支部", village=VillageFactory(name=f"{name}二"))
    users = types.SimpleNamespace(
        office=make_user("township_office", township),
        clerk=make_user("clerk", township, village_ids=[village.pk, other_branch.village_id]),
        secretary=make_user("branch_secretary", township, branch_id=branch.pk),
        secretary_b=make_user("branch_secretary", township, branch_id=other_branch.pk),
        work_team=make_user("work_team", township, village_ids=[village.pk, other_branch.village_id]),
        liaison=make_user("liaison_leader", township, village_ids=[village.pk, other_branch.village_id]),
        discipline=make_user("discipline_commission", township),
        county=make_user("county_admin"),
    )
    return types.SimpleNamespace(township=township, village=village, branch=branch, other_branch=other_branch,
                                 users=users, year=year)


def member(world, name: str, branch=None):
    return MemberFactory(name=name, branch=branch or world.branch)


def review_all(world, entry):
    """Approve an entry at every level (the member's branch secretary, work team, liaison)."""
    from scoring.ledger.services import entry_review

    secretary = world.users.secretary if entry.member.branch_id == world.branch.pk else world.users.secretary_b
    for user in (secretary, world.users.work_team, world.users.liaison):
        entry_review(actor=user, access=acc(user, world.township), entry_id=entry.pk, decision="approve")


def honour(world, who, *, level: str, kind: str = "BZ", verify: bool = True, post: bool = True, on=None,
           title: str = "先进个人", seed: int = 1):
    """Enter an honour (by the clerk) and, by default, verify it (office) and post its entry (reviews)."""
    from common import clock
    from scoring.rewards import services

    clerk = world.users.clerk
    item = services.honour_create(actor=clerk, access=acc(clerk, world.township), member_id=who.pk, kind_code=kind,
                                  level=level, issuer=f"{level}党委", awarded_on=on or clock.today(), title=title,
                                  certificates=[certificate(seed)])
    if verify:
        office = world.users.office
        item = services.honour_verify(actor=office, access=acc(office, world.township), honour_id=item.pk)
        if post:
            review_all(world, item.entry)
    return item


def veto(world, who):
    """A posted one-vote veto row (X01) for the member, through entry and review."""
    from common import clock
    from scoring.ledger.services import entry_create

    entry = entry_create(actor=world.users.clerk, access=acc(world.users.clerk, world.township), member_id=who.pk,
                         rule_code="X01", occurred_on=clock.today(), points="0", note="严重违纪")
    review_all(world, entry)
    return entry


def bar_secretary(world, who):
    """`who` becomes the branch secretary's member record; a faking sanction in the village bars them."""
    from scoring.tips import services as tips

    RoleFactory(user=world.users.secretary, township=world.township, role="member", member_id=who.pk)
    access = acc(world.users.discipline, world.township)
    tip, _ = tips.tip_submit(subject="虚报积分", body="虚报", channel="box", actor=world.users.discipline,
                             access=access, village_id=world.village.pk)
    from common import clock

    tips.sanction_create(actor=world.users.discipline, access=access, kind="accountability", person_name="王书记",
                         village_id=world.village.pk, decided_on=clock.today(), decision_maker="镇纪委",
                         document_number="纪问〔1〕号", source=f"tip:{tip.pk}", faking_established=True)


def rate(who, year: int, rating: str, points: str = "95"):
    """The member's annual rating row (the periods app's result the Star rule reads)."""
    from common import clock
    from scoring.periods.models import AnnualRating

    return AnnualRating.objects.update_or_create(year=year, member=who, defaults={
        "total_points": Decimal(points), "rating": rating, "reasons": [], "rated_at": clock.now()})[0]
