"""Scoring fixtures shared by the scoring tests.

`scoring_setup(township)` adopts a small catalogue for the scoring year containing today (or the
given `year`) in `township` and returns a namespace with `.year` (ScoringYear), `.rules`
(code → Rule version 1) and `.template` (the county TemplateCatalogue). It is safe to call
inside or outside `in_township(...)` and for several townships in one test (the template is
shared); it restores the schema it was called in.

Items (codes are stable, use them in tests):
- B01 basic, +1..+5 (bounds 0..8), evidence required, monthly cap 10, yearly cap 60
- V01 vanguard, +2..+10 (bounds 1..15), evidence required, may be left out
- D01 discipline, -10..-1 (bounds -20..-1), evidence not required
- X01 veto, 0..0, veto rating unqualified, evidence not required
- R01 basic for remote members (migrant or special occupation), +1..+3, evidence required
- E01 basic for elderly members, +1..+2, evidence not required
"""
from __future__ import annotations

import datetime as dt
import types
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

SCORING_ITEMS = [
    {"code": "B01", "name": "参加支部主题党日", "category": "basic", "points_min": "1", "points_max": "5", "bound_min": "0",
         "bound_max": "8", "monthly_cap": "10", "yearly_cap": "60", "evidence_required": True, "applies_to": "all", "sort_order": 1},
    {"code": "V01", "name": "带头参与乡村振兴", "category": "vanguard", "points_min": "2", "points_max": "10", "bound_min": "1",
         "bound_max": "15", "evidence_required": True, "applies_to": "all", "may_disable": True, "sort_order": 2},
    {"code": "D01", "name": "无故不参加组织生活", "category": "discipline", "points_min": "-10", "points_max": "-1",
         "bound_min": "-20", "bound_max": "-1", "evidence_required": False, "applies_to": "all", "sort_order": 3},
    {"code": "X01", "name": "严重违纪违法", "category": "veto", "points_min": "0", "points_max": "0", "bound_min": "0",
         "bound_max": "0", "evidence_required": False, "applies_to": "all", "veto_rating": "unqualified", "sort_order": 4},
    {"code": "R01", "name": "流动党员线上学习", "category": "basic", "points_min": "1", "points_max": "3", "bound_min": "1",
         "bound_max": "5", "evidence_required": True, "applies_to": "remote", "sort_order": 5},
    {"code": "E01", "name": "老党员传帮带", "category": "basic", "points_min": "1", "points_max": "2", "bound_min": "1",
         "bound_max": "3", "evidence_required": False, "applies_to": "elderly", "sort_order": 6},
]


def scoring_template_ensure(*, year: int):
    """The published county template for `year` with SCORING_ITEMS (made once per test)."""
    from scoring.county.models import TemplateCatalogue
    from scoring.county.services import (
        template_catalogue_create,
        template_catalogue_publish,
        template_item_create,
    )

    with schema_context("public"):
        template = TemplateCatalogue.objects.filter(year=year).first()
        if template is None:
            template = template_catalogue_create(actor=None, year=year, title=f"{year}年度党员积分目录")
            for item in SCORING_ITEMS:
                template_item_create(actor=None, catalogue=template, **item)
            template = template_catalogue_publish(actor=None, catalogue=template)
    return template


@pytest.fixture
def scoring_setup(db):
    """scoring_setup(township, *, year=None, base_score=None, **adopt_kwargs) -> namespace(year, rules, template)."""
    from scoring.catalogue.models import Rule
    from scoring.catalogue.services import scoring_year_adopt, scoring_year_label_for
    from scoring.county.selectors import county_policy_get

    def _setup(township, *, year: int | None = None, base_score: Decimal | str | None = None, **adopt_kwargs):
        if year is None:
            with schema_context("public"):
                start_month = county_policy_get().year_start_month
            today = dt.datetime.now(tz=township.time_zone_info()).date()
            year = scoring_year_label_for(on=today, start_month=start_month)
        template = scoring_template_ensure(year=year)
        previous = connection.tenant
        with tenant_context(township):
            scoring_year = scoring_year_adopt(actor=None, year=year, template_id=template.pk,
                                              base_score=base_score, **adopt_kwargs)
            rules = {r.code: r for r in Rule.objects.filter(scoring_year=scoring_year)}
        if previous is not None and connection.tenant != previous:
            connection.set_tenant(previous)
        return types.SimpleNamespace(year=scoring_year, rules=rules, template=template)

    return _setup
