"""A village or branch outside a clerk's scope is a 404 decided before any aggregate runs.

On Citus the grouped selector met a filter that can never match and answered 500 (issue 13
item 6); the API now checks scope on the plain selector first, so no GROUP BY is sent for an
object the asker may not see. Two townships, as every tenancy test.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(township_a, township_b, in_township):
    with in_township(township_a):
        east = VillageFactory(name="东村", code="A01")
        west = VillageFactory(name="西村", code="A02")
        east_branch = BranchFactory(name="东村党支部", village=east)
        west_branch = BranchFactory(name="西村党支部", village=west)
        MemberFactory(name="张一", branch=east_branch)
        MemberFactory(name="张二", branch=east_branch)
        MemberFactory(name="李二", branch=west_branch)
    with in_township(township_b):
        north = VillageFactory(name="北村", code="B01")
    return SimpleNamespace(east=east, west=west, east_branch=east_branch, west_branch=west_branch, north=north)


def _grouped(queries) -> list[str]:
    return [q["sql"] for q in queries if "GROUP BY" in q["sql"]]


@pytest.mark.parametrize(("resource", "inside", "outside"), [
    ("villages", "east", "west"),
    ("branches", "east_branch", "west_branch"),
])
def test_out_of_scope_is_404_before_the_aggregate(api, make_user, world, township_a, resource, inside, outside):
    client = api(make_user(Role.CLERK, township_a, village_ids=[world.east.pk]))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/t/alpha/api/v1/{resource}/{getattr(world, outside).pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert _grouped(queries.captured_queries) == []

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/t/alpha/api/v1/{resource}/{getattr(world, inside).pk}/")
    assert response.status_code == 200
    assert response.json()["member_count"] == 2
    (grouped,) = _grouped(queries.captured_queries)
    # Every selected column of the row is grouped, not only its primary key.
    assert '"name"' in grouped.split("GROUP BY", 1)[1]


def test_another_townships_village_is_404_and_the_office_sees_its_counts(api, make_user, world, township_a):
    office = api(make_user(Role.TOWNSHIP_OFFICE, township_a))
    assert office.get(f"/t/alpha/api/v1/villages/{world.north.pk + 10_000}/").status_code == 404
    body = office.get(f"/t/alpha/api/v1/villages/{world.west.pk}/").json()
    assert (body["name"], body["branch_count"], body["member_count"]) == ("西村", 1, 1)
    # A malformed id is a 404 too, not a 500.
    assert office.get("/t/alpha/api/v1/villages/abc/").status_code == 404


def test_editing_outside_scope_is_refused_and_changes_nothing(api, make_user, world, township_a, in_township):
    from tenants.organisation.models import Village

    clerk = api(make_user(Role.CLERK, township_a, village_ids=[world.east.pk]))
    response = clerk.patch(f"/t/alpha/api/v1/villages/{world.west.pk}/", {"name": "改名"})
    assert response.status_code == 403  # writes need the township office, whatever the object
    with in_township(township_a):
        assert Village.objects.get(pk=world.west.pk).name == "西村"
