"""API parity (issue 14 item 8): people and roles, member accounts, roster import and every Excel
export of the pages, through the township API with the pages' services and rights."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation
from rest_framework.authtoken.models import Token

from accounts import services
from accounts.models import Role, RoleAssignment, User
from audit.models import AuditEvent
from tenants.organisation.models import Member, RosterImport
from tests.factories import BranchFactory, MemberFactory, VillageFactory, make_id_number

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    storages["default"].__dict__.pop("relative_media_root", None)
    yield
    storages["default"].__dict__.pop("relative_media_root", None)


@pytest.fixture
def org(in_township, township_a):
    with in_township(township_a):
        village = VillageFactory(name="一村", code="A01")
        branch = BranchFactory(name="一村党支部", village=village)
        members = [MemberFactory(branch=branch, name=n) for n in ("张三", "李四")]
    return {"village": village, "branch": branch, "members": members}


@pytest.fixture
def office(make_user, township_a, api):
    user = make_user(Role.TOWNSHIP_OFFICE, township_a, username="office-a")
    return api(token=Token.objects.create(user=user).key)


def _rows(response) -> list[list]:
    assert response["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- people and roles -------------------------------------------------------------------------------
def test_office_gives_changes_and_revokes_roles(office, org, township_a, make_user):
    response = office.post("/t/alpha/api/v1/people/roles/", {
        "username": "clerk-new", "password": "Initial-Pass-99", "full_name": "周清", "role": "clerk",
        "village_ids": [org["village"].pk]})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["user"]["username"], body["role"], body["scope_labels"]) == ("clerk-new", "clerk", ["一村"])
    user = User.objects.get(username="clerk-new")
    assert user.must_change_password

    listed = office.get("/t/alpha/api/v1/people/roles/").json()
    assert {(r["user"]["username"], r["role"]) for r in listed} == {("office-a", "township_office"),
                                                                     ("clerk-new", "clerk")}

    # Same rules as the page: an unknown village of this township is refused, nothing changes.
    response = office.patch(f"/t/alpha/api/v1/people/roles/{body['id']}/", {"village_ids": [999999]})
    assert response.status_code == 400
    assert RoleAssignment.objects.get(pk=body["id"]).village_ids == [org["village"].pk]
    response = office.patch(f"/t/alpha/api/v1/people/roles/{body['id']}/", {"village_ids": []})
    assert response.status_code == 400
    with translation.override("zh-hans"):
        assert response.json()["error"]["fields"] == {"village_ids": [str(services.ROLE_NEEDS_VILLAGES)]}

    # An existing user without a password gets a second role; a password for them is refused.
    assert office.post("/t/alpha/api/v1/people/roles/", {
        "username": "clerk-new", "password": "x-Other-123", "role": "work_team",
        "village_ids": [org["village"].pk]}).status_code == 400
    assert office.post("/t/alpha/api/v1/people/roles/", {
        "username": "clerk-new", "role": "work_team", "village_ids": [org["village"].pk]}).status_code == 201

    assert office.delete(f"/t/alpha/api/v1/people/roles/{body['id']}/").status_code == 204
    assert set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == {"work_team"}
    assert list(AuditEvent.objects.filter(action__in=["user.create", "role.assign", "role.revoke"])
                .order_by("id").values_list("action", flat=True)) == [
        "user.create", "role.assign", "role.assign", "role.revoke"]


def test_people_api_is_for_the_office_of_this_township_only(api, make_user, township_a, township_b, org):
    other_office = make_user(Role.TOWNSHIP_OFFICE, township_b)
    clerk = make_user(Role.CLERK, township_a, village_ids=[org["village"].pk])
    foreign = make_user(Role.CLERK, township_b, village_ids=[1])
    beta_role = RoleAssignment.objects.get(user=foreign)
    for user in (other_office, clerk):
        client = api(user=user)
        assert client.get("/t/alpha/api/v1/people/roles/").status_code == 403
        assert client.post("/t/alpha/api/v1/people/member-accounts/",
                           {"branch_id": org["branch"].pk}).status_code == 403
    # A role of another township is not found from here.
    office = api(user=make_user(Role.TOWNSHIP_OFFICE, township_a))
    assert office.delete(f"/t/alpha/api/v1/people/roles/{beta_role.pk}/").status_code == 404
    assert RoleAssignment.objects.filter(pk=beta_role.pk).exists()


def test_member_accounts_through_the_api(office, org, township_a):
    response = office.post("/t/alpha/api/v1/people/member-accounts/", {"branch_id": org["branch"].pk})
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    created = response.json()["created"]
    assert {c["username"] for c in created} == {f"alpha-m{m.pk}" for m in org["members"]}
    for c in created:
        assert User.objects.get(username=c["username"]).check_password(c["password"])
    again = office.post("/t/alpha/api/v1/people/member-accounts/", {"branch_id": org["branch"].pk}).json()
    assert again == {"created": [], "already": 2}
    assert office.post("/t/alpha/api/v1/people/member-accounts/", {}).status_code == 400


# --- roster import ------------------------------------------------------------------------------------
def _roster(rows) -> bytes:
    template = openpyxl.Workbook()
    sheet = template.active
    sheet.append(["姓名", "性别(男/女)", "出生日期", "身份证号", "联系电话", "入党日期", "党员类型(正式党员/预备党员)",
                  "预备期满日期", "人员类别(农村/机关/企业/退休)", "所在支部", "是否外出务工(是/否)", "务工地点",
                  "是否特殊职业(是/否)", "特殊职业", "是否老年党员(是/否)"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


def _member_row(name, id_number, branch="一村党支部"):
    return [name, "男", dt.date(1970, 3, 15), id_number, "", dt.date(1995, 7, 1), "正式党员", None, "农村", branch,
            "否", None, "否", None, "否"]


def test_roster_upload_progress_and_error_report(office, org, township_a, in_township,
                                                 django_capture_on_commit_callbacks):
    good = make_id_number(birth_date=dt.date(1970, 3, 15), sex="M", serial=41)
    content = _roster([_member_row("王五", good), _member_row("赵六", good[:17] + "X", branch="不存在的支部")])
    with django_capture_on_commit_callbacks(execute=True):
        response = office.client.post("/t/alpha/api/v1/roster/imports/",
                                      {"file": SimpleUploadedFile("r.xlsx", content, content_type=XLSX)},
                                      format="multipart")
    connection.set_schema_to_public()
    assert response.status_code == 202, response.content
    pk = response.json()["id"]
    progress = office.get(f"/t/alpha/api/v1/roster/imports/{pk}/").json()
    assert (progress["status"], progress["total_rows"], progress["created_count"]) == ("failed", 2, 0)
    assert progress["error_count"] >= 2
    assert {e["row"] for e in progress["errors"]} == {3}
    report = _rows(office.get(f"/t/alpha/api/v1/roster/imports/{pk}/errors/"))
    assert len(report) - 1 == progress["error_count"]
    with in_township(township_a):
        assert Member.objects.count() == 2  # nothing half-written

    with django_capture_on_commit_callbacks(execute=True):
        response = office.client.post("/t/alpha/api/v1/roster/imports/",
                                      {"file": SimpleUploadedFile("r.xlsx", _roster([_member_row("王五", good)]),
                                                                  content_type=XLSX)}, format="multipart")
    connection.set_schema_to_public()
    ok = office.get(f"/t/alpha/api/v1/roster/imports/{response.json()['id']}/").json()
    assert (ok["status"], ok["created_count"]) == ("succeeded", 1)
    assert office.get(f"/t/alpha/api/v1/roster/imports/{ok['id']}/errors/").status_code == 404
    assert [r["id"] for r in office.get("/t/alpha/api/v1/roster/imports/").json()] == [ok["id"], pk]
    with in_township(township_a):
        assert RosterImport.objects.count() == 2


def test_a_bad_upload_is_a_clear_error(office, org):
    response = office.client.post("/t/alpha/api/v1/roster/imports/",
                                  {"file": SimpleUploadedFile("r.csv", b"a,b", content_type="text/csv")},
                                  format="multipart")
    connection.set_schema_to_public()
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "请上传 Excel 工作簿（.xlsx 文件）。"


# --- exports -------------------------------------------------------------------------------------------
def test_every_list_export_is_in_the_api_with_the_pages_scope(office, api, make_user, org, township_a):
    rows = _rows(office.get("/t/alpha/api/v1/roster/export/members/"))
    assert sorted(r[0] for r in rows[1:]) == ["张三", "李四"]
    assert len(_rows(office.get("/t/alpha/api/v1/roster/export/villages/"))) == 2
    assert len(_rows(office.get("/t/alpha/api/v1/roster/export/branches/"))) == 2
    assert _rows(office.get("/t/alpha/api/v1/roster/template/"))[0][0] == "姓名"
    filtered = _rows(office.get("/t/alpha/api/v1/roster/export/members/", {"q": "张"}))
    assert [r[0] for r in filtered[1:]] == ["张三"]
    # A member sees no lists; the office of another township sees nothing here.
    member = api(user=make_user(Role.MEMBER, township_a, member_id=org["members"][0].pk))
    assert member.get("/t/alpha/api/v1/roster/export/members/").status_code == 403
    beta = api(user=make_user(Role.TOWNSHIP_OFFICE, township_b := township_a.__class__.objects.get(code="beta")))
    assert township_b.code == "beta"
    assert beta.get("/t/alpha/api/v1/roster/export/members/").status_code == 403
    assert beta.get("/t/alpha/api/v1/roster/template/").status_code == 403


def test_the_pages_exports_and_the_apis_are_the_same_workbook(office, client, make_user, township_a, org):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    page = client.get("/t/alpha/roster/export/members.xlsx")
    connection.set_schema_to_public()
    assert _rows(page) == _rows(office.get("/t/alpha/api/v1/roster/export/members/"))
    year, month = 2026, 11
    page = client.get(f"/t/alpha/oversight/report/{year}/{month}/?format=xlsx")
    connection.set_schema_to_public()
    assert page.status_code == 200
    api_report = office.get(f"/t/alpha/api/v1/oversight/reports/{year}/{month}/export/")
    assert _rows(page) == _rows(api_report)
    assert office.get("/t/alpha/api/v1/oversight/reports/2026/13/export/").status_code == 404
    assert office.get("/t/alpha/api/v1/staffing/pay/sheets/999999/export/").status_code == 404
