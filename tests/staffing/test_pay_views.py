"""Appraisal and pay pages and API: a clerk sees only their own; another township sees nothing;
the sheet exports to Excel and the approved sheet is frozen over the API too."""
from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts.models import Role
from staffing.appraisal import services
from staffing.appraisal.models import Appraisal
from staffing.clerks import services as clerks
from staffing.county import services as county

pytestmark = [pytest.mark.django_db]
D = dt.date


def _req(client, method, path, data=None):
    try:
        if method == "get":
            return client.get(path)
        return client.post(path, json.dumps(data or {}), content_type="application/json")
    finally:
        connection.set_schema_to_public()


@pytest.fixture
def world(township_a, township_b, in_township, make_user):
    with schema_context("public"):
        county.pay_policy_set(actor=None, year=2026, base_pay="3000", performance_base="1000", floor="3500",
                              allowances={"A": "800", "B": "600", "C": "400", "D": "0"})
    me, other = make_user(Role.CLERK, township_a), make_user(Role.CLERK, township_a)
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    with in_township(township_a):
        mine = clerks.clerk_create(actor=None, name="王小明", gender="m", birth_date=D(1990, 1, 1),
                                   contract_start=D(2024, 1, 1), user_id=me.pk)
        theirs = clerks.clerk_create(actor=None, name="李小红", gender="f", birth_date=D(1991, 1, 1),
                                     contract_start=D(2024, 1, 1), user_id=other.pk)
        period = services.period_open()
    return type("W", (), {"me": me, "other": other, "office": office, "mine": mine, "theirs": theirs,
                          "period": period})


SCORES = {"village_observation": "95", "township_push": "90", "branch_material": "88", "unannounced_check": "100"}


def test_office_appraises_and_pays_clerk_sees_only_own(client, world, make_user, township_a, township_b,
                                                       in_township):
    client.force_login(world.office)
    for clerk in (world.mine, world.theirs):
        r = _req(client, "post", "/t/alpha/api/v1/staffing/appraisals/",
                 {"period": world.period.pk, "clerk": clerk.pk, **SCORES})
        assert r.status_code == 201, r.json()
    r = _req(client, "post", "/t/alpha/api/v1/staffing/pay/sheets/", {"year": 2026, "month": 11})
    assert r.status_code == 201, r.json()
    sheet_id = r.json()["id"]
    page = _req(client, "get", f"/t/alpha/staffing/pay/{sheet_id}/").content.decode()
    assert "王小明" in page
    assert "李小红" in page
    xlsx = _req(client, "get", f"/t/alpha/staffing/pay/{sheet_id}/export.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert sorted(r[0] for r in rows[1:]) == ["李小红", "王小明"]
    assert _req(client, "post", f"/t/alpha/api/v1/staffing/pay/sheets/{sheet_id}/approve/").status_code == 200
    assert _req(client, "post", "/t/alpha/api/v1/staffing/pay/sheets/", {"year": 2026, "month": 11}).status_code == 409
    line_id = _req(client, "get", "/t/alpha/api/v1/staffing/pay/lines/").json()[0]["id"]
    r = _req(client, "post", f"/t/alpha/api/v1/staffing/pay/lines/{line_id}/correct/",
             {"performance": "-12.50", "note": "补扣迟到"})
    assert (r.status_code, r.json()["total"], r.json()["corrects"]) == (201, "-12.50", line_id)
    office_page = _req(client, "get", "/t/alpha/staffing/appraisal/").content.decode()
    assert "李小红" in office_page

    client.force_login(world.me)
    lines = _req(client, "get", "/t/alpha/api/v1/staffing/pay/lines/").json()
    assert [line["clerk_name"] for line in lines] == ["王小明"]
    appraisals = _req(client, "get", "/t/alpha/api/v1/staffing/appraisals/").json()
    assert [a["clerk_name"] for a in appraisals] == ["王小明"]
    assert _req(client, "get", "/t/alpha/api/v1/staffing/pay/sheets/").status_code == 403
    assert _req(client, "get", f"/t/alpha/staffing/pay/{sheet_id}/").status_code == 403
    page = _req(client, "get", "/t/alpha/staffing/pay/").content.decode()
    assert "李小红" not in page
    page = _req(client, "get", "/t/alpha/staffing/appraisal/").content.decode()
    assert "李小红" not in page
    mine_id = appraisals[0]["id"]
    r = _req(client, "post", f"/t/alpha/api/v1/staffing/appraisals/{mine_id}/comment/", {"comment": "同意"})
    assert (r.status_code, r.json()["clerk_comment"]) == (200, "同意")
    with in_township(township_a):
        theirs_id = Appraisal.objects.get(clerk=world.theirs).pk
    r = _req(client, "post", f"/t/alpha/api/v1/staffing/appraisals/{theirs_id}/comment/", {"comment": "改"})
    assert r.status_code == 403

    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_b))
    assert _req(client, "get", "/t/beta/api/v1/staffing/pay/lines/").json() == []
    assert _req(client, "get", "/t/beta/api/v1/staffing/appraisals/").json() == []
    assert _req(client, "get", f"/t/beta/staffing/pay/{sheet_id}/").status_code == 404
    assert _req(client, "get", "/t/alpha/api/v1/staffing/pay/lines/").status_code == 403


def test_county_sets_policy_decides_exception_and_sees_totals(client, world, make_user, township_a):
    client.force_login(world.office)
    r = _req(client, "post", "/t/alpha/api/v1/staffing/pay/exceptions/",
             {"clerk": world.mine.pk, "year": 2026, "month": 11, "reason": "病假，按规定发放"})
    assert r.status_code == 201, r.json()
    exception_id = r.json()["id"]
    assert _req(client, "post", "/api/v1/staffing/pay/exceptions/1/decide/", {"decision": "approve"}).status_code == 403
    assert _req(client, "get", "/staffing/pay/").status_code == 403
    # The floor rises above everyone's pay: refused until the county approves the exceptions.
    admin = make_user(Role.COUNTY_ADMIN)
    client.force_login(admin)
    r = _req(client, "post", "/api/v1/staffing/pay/policies/", {
        "year": 2026, "base_pay": "3000", "performance_base": "1000", "floor": "9000",
        "allowances": {"A": "800", "B": "600", "C": "400", "D": "0"}})
    assert r.status_code == 200, r.json()
    client.force_login(world.office)
    assert _req(client, "post", "/t/alpha/api/v1/staffing/pay/sheets/", {"year": 2026, "month": 11}).status_code == 409
    client.force_login(admin)
    r = _req(client, "post", f"/api/v1/staffing/pay/exceptions/{exception_id}/decide/", {"decision": "approve"})
    assert (r.status_code, r.json()["status"]) == (200, "approved")
    client.force_login(world.office)
    r = _req(client, "post", "/t/alpha/api/v1/staffing/pay/exceptions/",
             {"clerk": world.theirs.pk, "year": 2026, "month": 11, "reason": "同上"})
    client.force_login(admin)
    _req(client, "post", f"/api/v1/staffing/pay/exceptions/{r.json()['id']}/decide/", {"decision": "approve"})
    client.force_login(world.office)
    assert _req(client, "post", "/t/alpha/api/v1/staffing/pay/sheets/", {"year": 2026, "month": 11}).status_code == 201
    client.force_login(admin)
    totals = [t for t in _req(client, "get", "/api/v1/staffing/pay/totals/").json() if t["code"] == "alpha"]
    assert [(t["month"], t["clerks"], t["total"], t["below_floor"]) for t in totals] == [(11, 2, "9200.00", True)]
    page = _req(client, "get", "/staffing/pay/").content.decode()
    assert "病假，按规定发放" in page
