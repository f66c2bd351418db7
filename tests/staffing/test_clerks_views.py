"""Pages and API of the clerks app: scope per role and per township, the county rollup."""
import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from staffing.clerks import selectors, services
from tests.factories import VillageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]
D = dt.date


def _req(client, method, path, data=None):
    try:
        if method == "get":
            return client.get(path)
        return client.post(path, json.dumps(data or {}), content_type="application/json")
    finally:
        connection.set_schema_to_public()


@pytest.fixture
def corps(township_a, in_township, make_user):
    me, other = make_user(username="clerk_me"), make_user(username="clerk_other")
    with in_township(township_a):
        v1, v2 = VillageFactory(name="东村"), VillageFactory(name="西村")
        services.village_required_set(actor=None, village=v2, required=2)
        mine = services.clerk_create(actor=None, name="王小明", gender="m", birth_date=D(1990, 1, 1),
                                     contract_start=D(2024, 1, 1), user_id=me.pk)
        theirs = services.clerk_create(actor=None, name="李小红", gender="f", birth_date=D(1991, 1, 1),
                                       contract_start=D(2024, 1, 1), user_id=other.pk)
        services.placement_start(actor=None, clerk=mine, village=v1, starts_on=D(2024, 1, 1))
        services.placement_start(actor=None, clerk=theirs, village=v2, starts_on=D(2024, 1, 1))
    return type("C", (), {"me": me, "other": other, "v1": v1, "v2": v2, "mine": mine, "theirs": theirs})


def test_office_page_shows_gap_and_clerks(client, make_user, township_a, corps):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    page = _req(client, "get", "/t/alpha/staffing/").content.decode()
    assert "王小明" in page
    assert "李小红" in page
    assert "西村" in page
    response = _req(client, "post", "/t/alpha/api/v1/staffing/placements/",
                    {"clerk": corps.mine.pk, "village": corps.v2.pk, "starts_on": "2026-12-01"})
    assert response.status_code == 409, response.json()  # the clerk already has an open placement
    coverage = {r["name"]: r for r in _req(client, "get", "/t/alpha/api/v1/staffing/coverage/").json()}
    assert coverage["西村"]["gap"] == 1
    assert coverage["东村"]["gap"] == 0


def test_clerk_sees_own_placements_only(client, township_a, corps):
    client.force_login(corps.me)
    page = _req(client, "get", "/t/alpha/staffing/").content.decode()
    assert "东村" in page
    assert "西村" not in page
    assert "李小红" not in page
    clerks = _req(client, "get", "/t/alpha/api/v1/staffing/clerks/").json()
    assert [c["name"] for c in clerks] == ["王小明"]
    placements = _req(client, "get", "/t/alpha/api/v1/staffing/placements/").json()
    assert {p["clerk"] for p in placements} == {corps.mine.pk}
    assert _req(client, "get", "/t/alpha/api/v1/staffing/coverage/").status_code == 403
    assert _req(client, "post", "/t/alpha/api/v1/staffing/plans/").status_code == 403


def test_other_township_sees_nothing_of_alpha(client, make_user, township_b, corps):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_b))
    assert _req(client, "get", "/t/alpha/staffing/").status_code == 403
    assert _req(client, "get", "/t/alpha/api/v1/staffing/clerks/").status_code == 403
    assert _req(client, "get", "/t/beta/api/v1/staffing/clerks/").json() == []
    client.force_login(corps.me)  # the alpha clerk has no role in beta
    assert _req(client, "get", "/t/beta/staffing/").status_code == 403


def test_county_rollup_one_query_and_page(client, make_user, township_a, township_b, corps):
    from tenants.townships.selectors import township_list_ready

    townships = list(township_list_ready())
    with CaptureQueriesContext(connection) as one:
        selectors.county_rollup(townships=townships[:1], day=D(2026, 11, 20), limit=1096)
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.county_rollup(townships=townships, day=D(2026, 11, 20), limit=1096)
    assert len(townships) >= 2
    assert len(queries) == len(one) <= 2  # the UNION ALL (and at most the schema switch)
    alpha = next(r for r in rows if r["township"].code == "alpha")
    assert (alpha["villages"], alpha["clerks"], alpha["gaps"]) == (2, 2, 1)
    client.force_login(make_user(Role.COUNTY_ADMIN))
    assert "alpha" in str(_req(client, "get", "/api/v1/staffing/rollup/").json())
    assert _req(client, "get", "/staffing/").status_code == 200
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    assert _req(client, "get", "/api/v1/staffing/rollup/").status_code == 403


def test_removing_a_clerk_ends_placement_and_access(client, make_user, township_a, corps, in_township):
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    client.force_login(office)
    # Removal is the county's decision on the office's proposal (tests/staffing/test_career.py), not a status.
    response = _req(client, "post", f"/t/alpha/api/v1/staffing/clerks/{corps.mine.pk}/status/", {"status": "removed"})
    assert response.status_code == 400, response.json()
    # Leave ends the placement and the clerk role's villages at once.
    response = _req(client, "post", f"/t/alpha/api/v1/staffing/clerks/{corps.mine.pk}/status/", {"status": "on_leave"})
    assert response.status_code == 200, response.json()
    client.force_login(corps.me)
    assert _req(client, "get", "/t/alpha/staffing/").status_code == 403  # no clerk role left
