"""Township organisation writes and list behaviour through the API."""
import datetime as dt

import pytest

from accounts.models import Role
from audit.models import AuditEvent
from tenants.organisation.models import Member, MemberTransfer, Village
from tests.factories import BranchFactory, MemberFactory, VillageFactory, make_id_number

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1975, 6, 15)
ID_NUMBER = make_id_number(birth_date=BIRTH, sex="M", serial=7)


@pytest.fixture
def office(make_user, township_a):
    return make_user(Role.TOWNSHIP_OFFICE, township_a, username="office-a")


@pytest.fixture
def branches(township_a, in_township):
    with in_township(township_a):
        east = BranchFactory(name="东村党支部", village=VillageFactory(name="东村", code="A01"))
        west = BranchFactory(name="西村党支部", village=VillageFactory(name="西村", code="A02"))
    return east, west


def _payload(to, **overrides):
    data = {
        "name": "赵六", "sex": "M", "birth_date": BIRTH.isoformat(), "id_number": ID_NUMBER,
        "phone": "13800001111", "joined_on": "2001-07-01", "branch": to.pk,
    }
    return {**data, **overrides}


def _state(in_township, township):
    with in_township(township):
        return Member.objects.count(), AuditEvent.objects.count(), MemberTransfer.objects.count()


def test_office_creates_a_member_through_the_service(api, office, branches, township_a, in_township):
    east, _west = branches
    # Typed with spaces and a lower-case x: the service normalises it.
    typed = f" {ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:].lower()}"
    payload = _payload(east, id_number=typed)

    response = api(office).post("/t/alpha/api/v1/members/", payload)

    assert response.status_code == 201, response.content
    body = response.json()
    with in_township(township_a):
        member = Member.objects.get()
        event = AuditEvent.objects.get(action="member.create")
    assert body["id"] == member.pk
    assert body["id_number"] == member.id_number == ID_NUMBER
    assert body["branch_name"] == "东村党支部"
    assert body["village_name"] == "东村"
    assert (event.actor_id, event.object_id) == (office.pk, str(member.pk))


def test_bad_id_number_is_a_field_error_in_chinese_and_nothing_is_written(
    api, office, branches, township_a, in_township,
):
    east, _west = branches
    bad = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    before = _state(in_township, township_a)

    response = api(office).post("/t/alpha/api/v1/members/", _payload(east, id_number=bad))

    assert response.status_code == 400
    assert response.json() == {"error": {
        "code": "invalid", "message": "请更正下列错误。",
        "fields": {"id_number": ["居民身份证号码校验位错误，请核对号码。"]},
    }}
    assert _state(in_township, township_a) == before


def test_serializer_errors_are_in_chinese_with_the_same_format(api, office, branches, township_a, in_township):
    east, _west = branches
    payload = _payload(east, birth_date="not-a-date")
    del payload["name"]
    before = _state(in_township, township_a)

    response = api(office).post("/t/alpha/api/v1/members/", payload)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["name"] == ["该字段是必填项。"]
    assert error["fields"]["birth_date"][0].startswith("日期格式错误")
    assert _state(in_township, township_a) == before


def test_duplicate_id_number_is_refused(api, office, branches, township_a, in_township):
    east, _west = branches
    client = api(office)
    assert client.post("/t/alpha/api/v1/members/", _payload(east)).status_code == 201
    before = _state(in_township, township_a)

    response = client.post("/t/alpha/api/v1/members/", _payload(east, name="重复"))

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"id_number": ["本镇已有使用该身份证号码的党员。"]}
    assert _state(in_township, township_a) == before


def test_branch_outside_township_or_unknown_is_refused(api, office, branches, township_a, in_township):
    east, _west = branches
    before = _state(in_township, township_a)

    response = api(office).post("/t/alpha/api/v1/members/", _payload(east, branch=987654))

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"branch": ["无效主键 “987654” － 对象不存在。"]}
    assert _state(in_township, township_a) == before


def test_update_member(api, office, branches, township_a, in_township):
    east, _west = branches
    with in_township(township_a):
        member = MemberFactory(branch=east, name="钱七", phone="13800000000")

    response = api(office).patch(f"/t/alpha/api/v1/members/{member.pk}/", {"phone": "13911112222", "branch": 1})

    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "13911112222"
    assert response.json()["branch"] == east.pk  # moving goes through the transfer action only
    with in_township(township_a):
        member.refresh_from_db()
        event = AuditEvent.objects.get(action="member.update")
    assert member.phone == "13911112222"
    assert (event.before["phone"], event.after["phone"]) == ("13800000000", "13911112222")


def test_update_with_a_broken_rule_writes_nothing(api, office, branches, township_a, in_township):
    east, _west = branches
    with in_township(township_a):
        member = MemberFactory(branch=east)
    before = _state(in_township, township_a)

    response = api(office).patch(f"/t/alpha/api/v1/members/{member.pk}/", {"kind": "probationary"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"probation_ends_on": ["预备党员须填写预备期满日期。"]}
    with in_township(township_a):
        member.refresh_from_db()
    assert member.kind == Member.Kind.FULL
    assert _state(in_township, township_a) == before


def test_transfer_to_another_branch_and_out(api, office, branches, township_a, in_township):
    east, west = branches
    with in_township(township_a):
        moving = MemberFactory(branch=east)
        leaving = MemberFactory(branch=east)
    client = api(office)

    moved = client.post(f"/t/alpha/api/v1/members/{moving.pk}/transfer/",
                        {"to_branch": west.pk, "transferred_on": "2026-03-01", "reason": "搬家"})
    left = client.post(f"/t/alpha/api/v1/members/{leaving.pk}/transfer/",
                       {"destination": "外县某镇", "transferred_on": "2026-03-02"})
    history = client.get(f"/t/alpha/api/v1/members/{moving.pk}/transfers/")

    assert moved.status_code == 201, moved.content
    assert moved.json()["from_branch"] == east.pk
    assert moved.json()["to_branch_name"] == "西村党支部"
    assert left.status_code == 201
    assert left.json()["to_branch"] is None
    assert [t["reason"] for t in history.json()] == ["搬家"]
    with in_township(township_a):
        moving.refresh_from_db()
        leaving.refresh_from_db()
        assert AuditEvent.objects.filter(action="member.transfer").count() == 2
    assert moving.branch_id == west.pk
    assert leaving.status == Member.Status.TRANSFERRED_OUT


def test_transfer_domain_error_reaches_the_one_error_format(api, office, branches, township_a, in_township):
    east, _west = branches
    with in_township(township_a):
        member = MemberFactory(branch=east)
    before = _state(in_township, township_a)

    same = api(office).post(f"/t/alpha/api/v1/members/{member.pk}/transfer/",
                            {"to_branch": east.pk, "transferred_on": "2026-03-01"})
    nowhere = api(office).post(f"/t/alpha/api/v1/members/{member.pk}/transfer/", {"transferred_on": "2026-03-01"})

    assert same.status_code == 400
    assert same.json()["error"]["fields"] == {"to_branch": ["该党员已在此支部。"]}
    assert nowhere.status_code == 400
    assert nowhere.json()["error"]["message"] == "请选择本镇的支部，或填写转出镇外的去向。"
    assert _state(in_township, township_a) == before


def test_office_creates_and_edits_villages_and_branches(api, office, township_a, in_township):
    client = api(office)

    village = client.post("/t/alpha/api/v1/villages/", {"name": "南村", "code": "A03"})
    branch = client.post("/t/alpha/api/v1/branches/",
                         {"name": "南村党支部", "kind": "village", "village": village.json()["id"]})
    renamed = client.patch(f"/t/alpha/api/v1/villages/{village.json()['id']}/", {"name": "南山村"})
    no_village = client.post("/t/alpha/api/v1/branches/", {"name": "无村支部", "kind": "village"})

    assert village.status_code == 201
    assert village.json() | {"id": 0, "created_at": "", "updated_at": ""} == {
        "id": 0, "name": "南村", "code": "A03", "branch_count": 0, "member_count": 0, "created_at": "",
        "updated_at": "",
    }
    assert branch.status_code == 201
    assert (branch.json()["village_name"], branch.json()["kind_label"], branch.json()["member_count"]) == (
        "南村", "村党支部", 0)
    assert renamed.json()["name"] == "南山村"
    assert renamed.json()["branch_count"] == 1
    assert no_village.status_code == 400
    assert no_village.json()["error"]["fields"] == {"village": ["村党支部或村党总支须注明所在村。"]}
    with in_township(township_a):
        assert list(Village.objects.values_list("name", flat=True)) == ["南山村"]
        assert sorted(AuditEvent.objects.values_list("action", flat=True)) == [
            "branch.create", "village.create", "village.update"]


def test_members_list_pagination_filters_and_ordering(api, office, branches, township_a, in_township):
    east, west = branches
    with in_township(township_a):
        for i in range(7):
            MemberFactory(branch=east, name=f"东{i}", kind="probationary" if i < 3 else "full",
                          probation_ends_on=dt.date(2026, 12, 1) if i < 3 else None)
        for i in range(5):
            MemberFactory(branch=west, name=f"西{i}", is_migrant=i < 2, migrant_location="深圳" if i < 2 else "")
    client = api(office)

    first = client.get("/t/alpha/api/v1/members/", {"page_size": 5, "ordering": "name"}).json()
    third = client.get("/t/alpha/api/v1/members/", {"page_size": 5, "ordering": "name", "page": 3}).json()

    assert first["count"] == 12
    assert len(first["results"]) == 5
    assert first["next"] == "http://testserver/t/alpha/api/v1/members/?ordering=name&page=2&page_size=5"
    assert first["previous"] is None
    assert [m["name"] for m in third["results"]] == ["西3", "西4"]
    assert third["next"] is None
    assert client.get("/t/alpha/api/v1/members/", {"branch": east.pk}).json()["count"] == 7
    assert client.get("/t/alpha/api/v1/members/", {"village": west.village_id}).json()["count"] == 5
    assert client.get("/t/alpha/api/v1/members/", {"kind": "probationary"}).json()["count"] == 3
    assert client.get("/t/alpha/api/v1/members/", {"is_migrant": "true"}).json()["count"] == 2
    assert client.get("/t/alpha/api/v1/members/", {"is_migrant": "true", "branch": east.pk}).json()["count"] == 0
    searched = client.get("/t/alpha/api/v1/members/", {"q": "西"}).json()
    assert (searched["count"], len(searched["results"])) == (5, 5)
    ordered = client.get("/t/alpha/api/v1/members/", {"ordering": "-name", "branch": west.pk}).json()
    assert [m["name"] for m in ordered["results"]] == ["西4", "西3", "西2", "西1", "西0"]
    branches_listed = client.get("/t/alpha/api/v1/branches/", {"ordering": "-member_count"}).json()
    assert [(b["name"], b["member_count"]) for b in branches_listed["results"]] == [("东村党支部", 7), ("西村党支部", 5)]
    bad = client.get("/t/alpha/api/v1/members/", {"kind": "bogus"})
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["kind"]


def test_page_beyond_the_end_is_a_404_in_the_error_format(api, office, branches):
    response = api(office).get("/t/alpha/api/v1/members/", {"page": 9})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_members_list_query_count_does_not_grow_with_rows(api, office, branches, township_a, in_township):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    east, west = branches
    client = api(office)
    with in_township(township_a):
        MemberFactory(branch=east)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/t/alpha/api/v1/members/").json()["count"] == 1
    with in_township(township_a):
        for i in range(10):
            MemberFactory(branch=west if i % 2 else east)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/t/alpha/api/v1/members/").json()["count"] == 11

    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("transferred_on", "9999-12-31", "请输入 1900-01-01 至 2036-11-20 之间的日期。"),
    ("transferred_on", "0001-01-01", "请输入 1900-01-01 至 2036-11-20 之间的日期。"),
    ("transferred_on", "2026-11-21", "该日期晚于今天，请填写实际发生的日期。"),
])
def test_implausible_transfer_dates_are_refused(api, office, branches, township_a, in_township, field, value, message):
    """Issue 9, defect 7 (the clock is pinned at 2026-11-20)."""
    east, west = branches
    with in_township(township_a):
        moving = MemberFactory(branch=east)
    before = _state(in_township, township_a)
    response = api(office).post(f"/t/alpha/api/v1/members/{moving.pk}/transfer/",
                                {"to_branch": west.pk, field: value, "reason": "搬家"})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"][field] == [message]
    assert _state(in_township, township_a) == before


def test_a_join_date_in_the_future_is_refused(api, office, branches, township_a, in_township):
    east, _west = branches
    before = _state(in_township, township_a)
    response = api(office).post("/t/alpha/api/v1/members/", _payload(east, joined_on="2026-12-01"))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["joined_on"] == ["该日期晚于今天，请填写实际发生的日期。"]
    assert _state(in_township, township_a) == before
