"""Grouped selectors name every selected column in GROUP BY (Citus, issue 13 item 6).

PostgreSQL accepts `SELECT village.name, COUNT(...) ... GROUP BY village.id` because every column
depends on the primary key; Citus does not always keep that rule (a filter that can never match
made the village selector fail there with `column "organisation_village.name" must appear in the
GROUP BY clause`). The project's backend (`common.postgresql`) groups by every selected column;
these tests read the SQL Django builds for each grouped selector.
"""
from __future__ import annotations

import pytest
from django.db import connection

from accounts.access import Access
from accounts.models import Role
from scoring.county.selectors import template_catalogue_list
from scoring.oversight.selectors import checks_counted
from scoring.rewards.selectors import shortlists
from tenants.organisation.models import Village
from tenants.organisation.selectors import branch_list, village_list

pytestmark = pytest.mark.django_db


def ungrouped_columns(qs) -> list[str]:
    """The selected non-aggregate expressions of a grouped queryset missing from its GROUP BY."""
    compiler = qs.query.get_compiler(connection=connection)
    _extra, _order, group_by = compiler.pre_sql_setup()
    assert group_by, "the queryset is expected to aggregate with GROUP BY"
    grouped = {sql for sql, _params in group_by}
    missing = []
    for expression, (sql, _params), _alias in compiler.select:
        if expression.contains_aggregate or getattr(expression, "contains_over_clause", False):
            continue
        if sql not in grouped:
            missing.append(sql)
    return missing


def _office(township) -> Access:
    return Access(user_id=None, township_id=township.pk, roles=frozenset({Role.TOWNSHIP_OFFICE}))


def _clerk(township, *village_ids) -> Access:
    return Access(user_id=None, township_id=township.pk, roles=frozenset({Role.CLERK}),
                  village_ids=frozenset(village_ids))


def _secretary(township, *branch_ids) -> Access:
    return Access(user_id=None, township_id=township.pk, roles=frozenset({Role.BRANCH_SECRETARY}),
                  branch_ids=frozenset(branch_ids))


def test_the_backend_groups_by_every_selected_column():
    assert connection.features.allows_group_by_selected_pks is False


def test_organisation_selectors_group_by_every_selected_column(township_a, in_township):
    with in_township(township_a):
        grouped = {
            "villages (office)": village_list(access=_office(township_a)),
            "villages (clerk)": village_list(access=_clerk(township_a, 1, 2)),
            "villages (clerk, one village)": village_list(access=_clerk(township_a, 1)).filter(pk=999),
            "villages (secretary)": village_list(access=_secretary(township_a, 3)),
            "villages (filtered)": village_list(access=_office(township_a), filters={"q": "东"}),
            "branches (office)": branch_list(access=_office(township_a)),
            "branches (clerk)": branch_list(access=_clerk(township_a, 1), filters={"village": "1"}),
            "branches (secretary)": branch_list(access=_secretary(township_a, 3)),
        }
        for label, qs in grouped.items():
            assert ungrouped_columns(qs) == [], label
            # Every column of the village (and of the joined tables for branches) is grouped.
            assert '"organisation_village"."name"' in str(qs.query).split("GROUP BY", 1)[1], label


def test_scoring_selectors_group_by_every_selected_column(township_a, in_township):
    assert ungrouped_columns(template_catalogue_list()) == []
    with in_township(township_a):
        assert ungrouped_columns(shortlists()) == []
        assert ungrouped_columns(checks_counted(year=2026, month=11)) == []


def test_the_check_catches_a_group_by_of_the_primary_key_alone(township_a, in_township, monkeypatch):
    """Without the project's backend (PostgreSQL's own shortcut) the checker names the columns."""
    monkeypatch.setattr(connection.features, "allows_group_by_selected_pks", True)
    with in_township(township_a):
        missing = ungrouped_columns(village_list(access=_office(township_a)))
    assert '"organisation_village"."name"' in missing
    assert '"organisation_village"."id"' not in missing
    assert len(missing) == len(Village._meta.concrete_fields) - 1


def test_grouped_village_list_outside_scope_is_empty_and_counts_inside(township_a, in_township):
    from tests.factories import BranchFactory, MemberFactory, VillageFactory

    with in_township(township_a):
        east, west = VillageFactory(name="东村", code="E1"), VillageFactory(name="西村", code="W1")
        branch = BranchFactory(village=east)
        MemberFactory(branch=branch)
        MemberFactory(branch=branch)
        clerk = _clerk(township_a, east.pk)
        assert list(village_list(access=clerk).filter(pk=west.pk)) == []
        (row,) = village_list(access=clerk).filter(pk=east.pk)
        assert (row.name, row.branch_count, row.member_count) == ("东村", 1, 2)
