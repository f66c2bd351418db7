"""People and roles of a township (/t/<code>/people/): who may see them, assign and revoke."""
import pytest
from django.db import connection

from accounts.models import Role, RoleAssignment, User
from audit.models import AuditEvent
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"


@pytest.fixture
def office(client, make_user, township_a):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a, username="office-a"))
    return client


@pytest.fixture
def alpha_org(in_township, township_a):
    with in_township(township_a):
        v1, v2 = VillageFactory(name="东村"), VillageFactory(name="西村")
        branch = BranchFactory(name="东村党支部", village=v1)
        member = MemberFactory(name="张三丰", branch=branch)
    return {"villages": [v1, v2], "branch": branch, "member": member}


def _events(in_township, township):
    """(public events, township events) counts. A township request leaves its schema set: reset it."""
    connection.set_schema_to_public()
    public = AuditEvent.objects.count()
    with in_township(township):
        local = AuditEvent.objects.count()
    return public, local


@pytest.mark.parametrize("role", [Role.CLERK, Role.BRANCH_SECRETARY, Role.MEMBER, Role.SUPERVISION_OFFICE, None])
def test_people_page_is_for_the_township_office(client, make_user, township_a, role):
    client.force_login(make_user(role, township_a))
    assert client.get("/t/alpha/people/").status_code == 403
    assert client.post("/t/alpha/people/assign/", {"username": "x", "role": Role.TOWNSHIP_OFFICE}).status_code == 403


def test_office_of_another_township_gets_403(client, make_user, township_b):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_b))
    assert client.get("/t/alpha/people/").status_code == 403


def test_county_admin_may_view(client, make_user):
    client.force_login(make_user(Role.COUNTY_ADMIN))
    assert client.get("/t/alpha/people/").status_code == 200


def test_list_shows_roles_with_scope_names(office, make_user, township_a, township_b, alpha_org):
    v1, v2 = alpha_org["villages"]
    make_user(Role.CLERK, township_a, username="clerk-a", village_ids=[v1.pk, v2.pk])
    make_user(Role.BRANCH_SECRETARY, township_a, username="sec-a", branch_id=alpha_org["branch"].pk)
    make_user(Role.MEMBER, township_a, username="member-a", member_id=alpha_org["member"].pk)
    make_user(Role.TOWNSHIP_OFFICE, township_b, username="office-b")

    response = office.get("/t/alpha/people/")

    assert response.status_code == 200
    people = {user.username: [(a.role, labels) for a, labels in roles] for user, roles in response.context["rows"]}
    assert people == {
        "clerk-a": [(Role.CLERK, ["东村", "西村"])],
        "member-a": [(Role.MEMBER, ["张三丰"])],
        "office-a": [(Role.TOWNSHIP_OFFICE, [])],
        "sec-a": [(Role.BRANCH_SECRETARY, ["东村党支部"])],
    }
    html = response.content.decode()
    assert "党建专职" in html
    assert "东村、西村" in html
    assert "office-b" not in html


def test_assign_role_to_existing_user_writes_one_audit_event(office, in_township, township_a, alpha_org):
    clerk = User.objects.create_user(username="li")
    v1, v2 = alpha_org["villages"]
    public_before, local_before = _events(in_township, township_a)

    response = office.post("/t/alpha/people/assign/", {
        "username": "li", "role": Role.CLERK, "village_ids": [v1.pk, v2.pk],
        "branch_id": alpha_org["branch"].pk,  # ignored: a clerk's scope is villages
    })

    assert response.status_code == 302
    assert response["Location"] == "/t/alpha/people/"
    assignment = RoleAssignment.objects.get(user=clerk)
    assert (assignment.role, assignment.township_id, assignment.village_ids, assignment.branch_id) == (
        Role.CLERK, township_a.pk, sorted([v1.pk, v2.pk]), None)
    # Users and roles live in public; so does their one audit event.
    assert _events(in_township, township_a) == (public_before + 1, local_before)
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor_label, event.object_id) == ("role.assign", "office-a", str(assignment.pk))


def test_create_user_and_give_role(office, township_a, alpha_org):
    response = office.post("/t/alpha/people/assign/", {
        "username": "zhao", "password": "Zhao-pass-2025", "full_name": "赵六", "phone": "13900000000",
        "role": Role.BRANCH_SECRETARY, "branch_id": alpha_org["branch"].pk,
    })

    assert response.status_code == 302
    user = User.objects.get(username="zhao")
    assert user.full_name == "赵六"
    assert user.check_password("Zhao-pass-2025")
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", "branch_id")) == [
        (Role.BRANCH_SECRETARY, alpha_org["branch"].pk)]
    connection.set_schema_to_public()
    assert list(AuditEvent.objects.filter(actor_label="office-a").order_by("id").values_list("action", flat=True)) == [
        "user.create", "role.assign"]


def test_member_role_by_searched_member(office, township_a, alpha_org):
    options = office.get("/t/alpha/people/member-options/", {"member_search": "张三"}).content.decode()
    member = alpha_org["member"]
    assert f'<option value="{member.pk}">张三丰（东村党支部）</option>' in options

    User.objects.create_user(username="zhang")
    response = office.post("/t/alpha/people/assign/", {"username": "zhang", "role": Role.MEMBER,
                                                       "member_id": member.pk})
    assert response.status_code == 302
    assert RoleAssignment.objects.get(user__username="zhang").member_id == member.pk


def test_village_of_another_township_is_refused_and_nothing_written(
    office, in_township, township_a, township_b, alpha_org
):
    User.objects.create_user(username="li")
    alpha_ids = {v.pk for v in alpha_org["villages"]}
    with in_township(township_b):
        foreign = VillageFactory(name="外镇村")
        while foreign.pk in alpha_ids:  # ids are per schema: make sure this one is not alpha's
            foreign = VillageFactory()
    before = _events(in_township, township_a)

    response = office.post("/t/alpha/people/assign/", {"username": "li", "role": Role.CLERK,
                                                       "village_ids": [foreign.pk]})

    assert response.status_code == 200
    assert response.context["form"].errors["village_ids"]
    assert not RoleAssignment.objects.filter(user__username="li").exists()
    assert _events(in_township, township_a) == before


def test_service_error_is_shown_in_chinese_and_no_user_is_created(office, in_township, township_a, alpha_org):
    before = _events(in_township, township_a)

    response = office.post("/t/alpha/people/assign/", {
        "username": "newbie", "password": "Newbie-pass-2025", "role": Role.CLERK,  # a clerk without villages
    })

    assert response.status_code == 200
    assert "该角色须至少指定一个村。" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()
    assert _events(in_township, township_a) == before


def test_unknown_username_without_password_is_refused(office, in_township, township_a):
    before = _events(in_township, township_a)
    response = office.post("/t/alpha/people/assign/", {"username": "ghost", "role": Role.TOWNSHIP_OFFICE})
    assert response.status_code == 200
    assert "用户名不存在" in response.content.decode()
    assert _events(in_township, township_a) == before


def test_revoke_removes_the_role_and_is_audited(office, make_user, township_a, township_b):
    clerk = make_user(Role.SUPERVISION_OFFICE, township_a, username="du")
    assignment = clerk.roles.get()

    response = office.post(f"/t/alpha/people/roles/{assignment.pk}/revoke/")

    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    connection.set_schema_to_public()
    assert AuditEvent.objects.filter(action="role.revoke", object_id=str(assignment.pk)).count() == 1


def test_revoke_of_another_townships_role_is_404(office, make_user, in_township, township_a, township_b):
    other = make_user(Role.TOWNSHIP_OFFICE, township_b).roles.get()
    before = _events(in_township, township_a)
    assert office.post(f"/t/alpha/people/roles/{other.pk}/revoke/").status_code == 404
    assert office.get(f"/t/alpha/people/roles/{other.pk}/revoke/").status_code == 405
    assert RoleAssignment.objects.filter(pk=other.pk).exists()
    assert _events(in_township, township_a) == before


def test_people_list_resolves_scopes_in_bulk(office, make_user, township_a, alpha_org):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    v1, v2 = alpha_org["villages"]

    def queries():
        with CaptureQueriesContext(conn) as ctx:
            assert office.get("/t/alpha/people/").status_code == 200
        return len(ctx.captured_queries)

    make_user(Role.CLERK, township_a, village_ids=[v1.pk])
    make_user(Role.BRANCH_SECRETARY, township_a, branch_id=alpha_org["branch"].pk)
    few = queries()
    for _ in range(4):
        make_user(Role.CLERK, township_a, village_ids=[v1.pk, v2.pk])
        make_user(Role.BRANCH_SECRETARY, township_a, branch_id=alpha_org["branch"].pk)
    assert queries() == few
