"""Who sees what through the township API: two townships, every role's scope."""
from types import SimpleNamespace

import pytest

from accounts.models import Role
from audit.models import AuditEvent
from audit.services import audit_record
from tenants.organisation.models import Branch, Member, Village
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_stored_rollups")]

BETA_PK = 990001  # beta's rows get ids alpha never has, so "beta's id through alpha's API" is a clean miss


@pytest.fixture
def world(township_a, township_b, in_township):
    with in_township(township_a):
        east = VillageFactory(name="东村", code="A01")
        west = VillageFactory(name="西村", code="A02")
        east_branch = BranchFactory(name="东村党支部", village=east)
        west_branch = BranchFactory(name="西村党支部", village=west)
        east_member = MemberFactory(name="张一", branch=east_branch)
        west_member = MemberFactory(name="李二", branch=west_branch)
        alpha_event = audit_record(actor=None, action="alpha.thing", object_type="x", object_id=1)
    with in_township(township_b):
        beta_village = VillageFactory(id=BETA_PK, name="北村", code="B01")
        beta_branch = BranchFactory(id=BETA_PK, name="北村党支部", village=beta_village)
        beta_member = MemberFactory(id=BETA_PK, name="王五", branch=beta_branch)
        beta_event = audit_record(actor=None, action="beta.thing", object_type="x", object_id=1)
    return SimpleNamespace(
        east=east, west=west, east_branch=east_branch, west_branch=west_branch, east_member=east_member,
        west_member=west_member, alpha_event=alpha_event, beta_village=beta_village, beta_branch=beta_branch,
        beta_member=beta_member, beta_event=beta_event,
    )


def _names(response):
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def _counts(in_township, township):
    with in_township(township):
        return (Village.objects.count(), Branch.objects.count(), Member.objects.count(), AuditEvent.objects.count(),
                list(Member.objects.values_list("branch_id", "status", "phone").order_by("pk")))


def test_alpha_office_gets_403_for_every_beta_resource(api, make_user, world, township_a, township_b, in_township):
    client = api(make_user(Role.TOWNSHIP_OFFICE, township_a))
    before = _counts(in_township, township_b)
    member = {"name": "新人", "sex": "M", "birth_date": "1980-01-01", "id_number": world.beta_member.id_number,
              "joined_on": "2005-01-01", "branch": BETA_PK}
    calls = [
        ("get", "/t/beta/api/v1/villages/", None),
        ("get", f"/t/beta/api/v1/villages/{BETA_PK}/", None),
        ("get", "/t/beta/api/v1/branches/", None),
        ("get", f"/t/beta/api/v1/branches/{BETA_PK}/", None),
        ("get", "/t/beta/api/v1/members/", None),
        ("get", f"/t/beta/api/v1/members/{BETA_PK}/", None),
        ("get", f"/t/beta/api/v1/members/{BETA_PK}/transfers/", None),
        ("get", "/t/beta/api/v1/audit-events/", None),
        ("get", f"/t/beta/api/v1/audit-events/{world.beta_event.pk}/", None),
        ("post", "/t/beta/api/v1/villages/", {"name": "新村", "code": "B99"}),
        ("patch", f"/t/beta/api/v1/villages/{BETA_PK}/", {"name": "改名"}),
        ("post", "/t/beta/api/v1/branches/", {"name": "新支部", "kind": "organ"}),
        ("post", "/t/beta/api/v1/members/", member),
        ("patch", f"/t/beta/api/v1/members/{BETA_PK}/", {"phone": "13900000000"}),
        ("post", f"/t/beta/api/v1/members/{BETA_PK}/transfer/", {"destination": "外县", "transferred_on": "2026-01-01"}),
    ]

    for method, path, data in calls:
        response = getattr(client, method)(path, data) if data is not None else getattr(client, method)(path)
        assert response.status_code == 403, (method, path, response.content)
        assert response.json() == {"error": {"code": "permission_denied", "message": "您在本镇没有任何角色，无权访问。",
                                             "fields": {}}}

    assert _counts(in_township, township_b) == before


def test_beta_ids_through_alphas_api_find_nothing(api, make_user, world, township_a, in_township):
    client = api(make_user(Role.TOWNSHIP_OFFICE, township_a))

    for resource in ("villages", "branches", "members"):
        response = client.get(f"/t/alpha/api/v1/{resource}/{BETA_PK}/")
        assert response.status_code == 404, resource
        assert response.json() == {"error": {"code": "not_found", "message": "未找到。", "fields": {}}}
    assert client.get(f"/t/alpha/api/v1/members/?branch={BETA_PK}").json()["count"] == 0
    assert _names(client.get("/t/alpha/api/v1/members/")) == ["张一", "李二"]
    actions = [e["action"] for e in client.get("/t/alpha/api/v1/audit-events/").json()["results"]]
    assert actions == ["alpha.thing"]


def test_county_admin_reads_both_townships_with_masked_id_numbers(api, make_user, world):
    client = api(make_user(Role.COUNTY_ADMIN))

    assert _names(client.get("/t/alpha/api/v1/members/")) == ["张一", "李二"]
    assert _names(client.get("/t/beta/api/v1/members/")) == ["王五"]
    assert _names(client.get("/t/beta/api/v1/villages/")) == ["北村"]
    detail = client.get(f"/t/beta/api/v1/members/{BETA_PK}/").json()
    number = world.beta_member.id_number
    assert detail["id_number"] == number[:3] + "*" * 11 + number[-4:]
    assert detail["branch_name"] == "北村党支部"
    assert detail["village_name"] == "北村"
    assert [e["action"] for e in client.get("/t/beta/api/v1/audit-events/").json()["results"]] == ["beta.thing"]
    # Reading is not managing: the county admin cannot write a township's organisation.
    assert client.patch(f"/t/beta/api/v1/members/{BETA_PK}/", {"phone": "13900000000"}).status_code == 403


def test_township_office_sees_full_id_numbers(api, make_user, world, township_a):
    client = api(make_user(Role.TOWNSHIP_OFFICE, township_a))

    detail = client.get(f"/t/alpha/api/v1/members/{world.east_member.pk}/").json()

    assert detail["id_number"] == world.east_member.id_number


def test_member_only_user_gets_only_their_own_record(api, make_user, world, township_a, in_township):
    user = make_user(Role.MEMBER, township_a, member_id=world.east_member.pk)
    client = api(user)
    before = _counts(in_township, township_a)

    listed = client.get("/t/alpha/api/v1/members/").json()
    own = client.get(f"/t/alpha/api/v1/members/{world.east_member.pk}/")
    other = client.get(f"/t/alpha/api/v1/members/{world.west_member.pk}/")

    assert listed["count"] == 1
    assert [m["id"] for m in listed["results"]] == [world.east_member.pk]
    assert own.status_code == 200
    number = world.east_member.id_number
    assert own.json()["id_number"] == number[:3] + "*" * 11 + number[-4:]
    assert other.status_code == 404
    assert client.get("/t/alpha/api/v1/villages/").json()["count"] == 0
    assert client.get("/t/alpha/api/v1/branches/").json()["count"] == 0
    assert client.get("/t/alpha/api/v1/audit-events/").status_code == 403
    assert client.patch(f"/t/alpha/api/v1/members/{world.east_member.pk}/", {"phone": "1"}).status_code == 403
    assert client.get(f"/t/beta/api/v1/members/{BETA_PK}/").status_code == 403
    assert _counts(in_township, township_a) == before


def test_clerk_sees_only_their_villages(api, make_user, world, township_a, in_township):
    client = api(make_user(Role.CLERK, township_a, village_ids=[world.east.pk]))
    before = _counts(in_township, township_a)

    assert _names(client.get("/t/alpha/api/v1/members/")) == ["张一"]
    assert _names(client.get("/t/alpha/api/v1/villages/")) == ["东村"]
    assert _names(client.get("/t/alpha/api/v1/branches/")) == ["东村党支部"]
    assert client.get(f"/t/alpha/api/v1/members/{world.west_member.pk}/").status_code == 404
    assert client.get(f"/t/alpha/api/v1/villages/{world.west.pk}/").status_code == 404
    assert client.get(f"/t/alpha/api/v1/members/{world.east_member.pk}/").status_code == 200
    assert client.get(f"/t/alpha/api/v1/members/{world.east_member.pk}/").json()["id_number"].count("*") == 11
    # Writes need the township office, even inside the clerk's villages.
    response = client.patch(f"/t/alpha/api/v1/members/{world.east_member.pk}/", {"phone": "13900000000"})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "您无权执行此操作。"
    assert client.post("/t/alpha/api/v1/villages/", {"name": "新村", "code": "A09"}).status_code == 403
    assert client.get("/t/alpha/api/v1/audit-events/").status_code == 403
    assert _counts(in_township, township_a) == before


def test_alpha_user_cannot_list_or_read_beta_at_county_level(api, make_user, world, township_a):
    client = api(make_user(Role.TOWNSHIP_OFFICE, township_a))

    assert [t["code"] for t in client.get("/api/v1/townships/").json()["results"]] == ["alpha"]
    assert client.get("/api/v1/townships/beta/").status_code == 404
    assert client.get("/api/v1/audit-events/").status_code == 403
