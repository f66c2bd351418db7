"""Member accounts in bulk (issue 14 item 3): the township office creates member-role accounts
for a branch, sees the initial passwords once (never stored in clear), atomic and idempotent."""
from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.db import connection

from accounts import services
from accounts.models import Role, RoleAssignment, User
from audit.models import AuditEvent
from common.errors import DomainError
from tests.factories import BranchFactory, MemberFactory

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<td class="secret">([^<]+)</td><td class="secret">([^<]+)</td>')


@pytest.fixture
def branch_members(in_township, township_a):
    with in_township(township_a):
        branch = BranchFactory(name="东村党支部")
        other = BranchFactory(name="西村党支部")
        members = [MemberFactory(branch=branch, name=name, phone=f"1390000000{i}")
                   for i, name in enumerate(["张三", "李四", "王五"])]
        gone = MemberFactory(branch=branch, name="赵六", status="deceased")
        MemberFactory(branch=other, name="钱七")
    return branch, members, gone


@pytest.fixture
def office(client, make_user, township_a):
    user = make_user(Role.TOWNSHIP_OFFICE, township_a, username="office-a")
    client.force_login(user)
    return client


def test_office_creates_accounts_for_a_branch_and_sees_passwords_once(office, township_a, branch_members):
    branch, members, gone = branch_members
    page = office.get(f"/t/alpha/people/members/?branch={branch.pk}").content.decode()
    assert all(m.name in page for m in members)
    assert gone.name not in page

    response = office.post("/t/alpha/people/members/", {"branch": branch.pk})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "@page { size: A4" in html
    assert "data-print" in html
    connection.set_schema_to_public()  # a township request leaves its schema set
    rows = dict(ROW.findall(html))
    expected = {f"alpha-m{m.pk}" for m in members}
    assert set(rows) == expected
    for member in members:
        user = User.objects.get(username=f"alpha-m{member.pk}")
        password = rows[user.username]
        assert (user.full_name, user.phone, user.must_change_password) == (member.name, member.phone, True)
        assert password not in user.password
        assert check_password(password, user.password)
        assert RoleAssignment.objects.filter(user=user, role=Role.MEMBER, township=township_a,
                                             member_id=member.pk).exists()
    # The passwords are in no audit event, only the usernames.
    batch = AuditEvent.objects.get(action="member_accounts.create")
    assert sorted(batch.after["created"]) == sorted(expected)
    assert not any(p in str(list(AuditEvent.objects.values_list("after", flat=True))) for p in rows.values())
    assert AuditEvent.objects.filter(action="user.create").count() == 3

    # A member logs in with the printed password and must choose their own first.
    office.logout()
    username, password = next(iter(rows.items()))
    response = office.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302
    assert office.get("/t/alpha/").status_code == 302


def test_again_creates_nothing_and_chosen_members_only(office, township_a, branch_members):
    branch, members, _gone = branch_members
    response = office.post("/t/alpha/people/members/", {"branch": branch.pk, "member_ids": [members[0].pk]})
    assert set(dict(ROW.findall(response.content.decode()))) == {f"alpha-m{members[0].pk}"}
    response = office.post("/t/alpha/people/members/", {"branch": branch.pk})
    assert set(dict(ROW.findall(response.content.decode()))) == {f"alpha-m{m.pk}" for m in members[1:]}
    users = User.objects.count()
    response = office.post("/t/alpha/people/members/", {"branch": branch.pk})
    assert response.status_code == 302
    connection.set_schema_to_public()
    assert User.objects.count() == users
    assert AuditEvent.objects.filter(action="member_accounts.create").count() == 3


def test_a_taken_username_gets_a_suffix(township_a, make_user, branch_members):
    branch, members, _gone = branch_members
    make_user(username=f"alpha-m{members[0].pk}")
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    result = services.member_accounts_create(actor=office, township=township_a, member_ids=[members[0].pk])
    assert [c.username for c in result.created] == [f"alpha-m{members[0].pk}-2"]


def test_unknown_members_refuse_the_whole_batch(township_a, township_b, make_user, in_township, branch_members):
    branch, members, gone = branch_members
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    users = User.objects.count()
    for ids in ([members[0].pk, gone.pk], [members[0].pk, 999999]):
        with pytest.raises(DomainError) as error:
            services.member_accounts_create(actor=office, township=township_a, member_ids=ids)
        assert error.value.message == services.BULK_UNKNOWN_MEMBERS
    assert User.objects.count() == users
    assert not AuditEvent.objects.filter(action__in=["user.create", "member_accounts.create"]).exists()


def test_only_the_office_may_create_member_accounts(client, make_user, township_a, township_b, branch_members):
    branch, _members, _gone = branch_members
    for user in (make_user(Role.CLERK, township_a, village_ids=[branch.village_id]),
                 make_user(Role.TOWNSHIP_OFFICE, township_b)):
        client.force_login(user)
        assert client.post("/t/alpha/people/members/", {"branch": branch.pk}).status_code == 403
    assert not RoleAssignment.objects.filter(role=Role.MEMBER).exists()


def test_the_page_speaks_english_too(office, settings, branch_members):
    branch, _members, _gone = branch_members
    office.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = office.post("/t/alpha/people/members/", {"branch": branch.pk}).content.decode()
    assert "Initial passwords: 东村党支部" in html
    assert "3 accounts created" in html
    office.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = office.get(f"/t/alpha/people/members/?branch={branch.pk}").content.decode()
    assert "已有账号" in html
