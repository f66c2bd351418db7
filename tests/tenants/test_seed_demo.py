"""The demo data command: realistic, valid, and idempotent.

`seed_demo --small` provisions a real township schema (t_qingshi) inside the test's transaction,
so the schema and every row vanish when the test's transaction is rolled back.
"""
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_exists

from accounts.models import Role, RoleAssignment, User
from audit.models import AuditEvent
from tenants.organisation.models import Branch, Member, MemberTransfer, Village
from tenants.organisation.validators import id_number_birth_date, id_number_sex, validate_id_number
from tenants.townships.management.commands.seed_demo import DEMO_PASSWORD, FULL, TOWNSHIPS, Planner
from tenants.townships.models import Township

pytestmark = pytest.mark.django_db

DEMO_USERNAMES = ["clerk1", "county", "discipline1", "liaison1", "member1", "office1", "secretary1",
                  "supervision1", "workteam1"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The demo users get real passwords; PBKDF2 takes ~1 s per user, which tests do not need.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--small", stdout=out)
    return out.getvalue()


def _public_counts() -> dict:
    return {
        "townships": Township.objects.exclude(schema_name="public").count(),
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "public_audit": AuditEvent.objects.count(),
    }


def _counts(in_township, before: dict) -> dict:
    """Rows made by the seed: public rows as the difference from `before`, township rows in full."""
    counts = {key: value - before[key] for key, value in _public_counts().items()}
    with in_township(Township.objects.get(code="qingshi")):
        counts.update(
            villages=Village.objects.count(), branches=Branch.objects.count(), members=Member.objects.count(),
            transfers=MemberTransfer.objects.count(), township_audit=AuditEvent.objects.count(),
        )
    return counts


def test_small_seed_builds_a_township_and_a_second_run_changes_nothing(in_township, client):
    assert not Township.objects.filter(code="qingshi").exists()
    before = _public_counts()

    first_output = _seed()
    first = _counts(in_township, before)
    second_output = _seed()

    assert first == {
        "townships": 1,
        "users": 9, "roles": 9,
        "public_audit": 20,  # 9 user.create + 9 role.assign + township.create + township.ready
        "villages": 2, "branches": 6, "members": 20, "transfers": 2,
        "township_audit": 30,  # 2 villages + 6 branches + 20 members + 2 transfers
    }
    assert _counts(in_township, before) == first
    assert "created nothing (already complete)" in second_output
    assert "members 20" in first_output
    assert "Demo logins (password: demo12345)" in first_output

    township = Township.objects.get(code="qingshi")
    assert township.status == Township.Status.READY
    assert schema_exists("t_qingshi")
    demo_users = User.objects.filter(username__in=DEMO_USERNAMES)
    assert demo_users.count() == len(DEMO_USERNAMES)
    assert set(RoleAssignment.objects.filter(user__in=demo_users).values_list("role", flat=True)) == set(Role.values)
    assert client.login(username="office1", password=DEMO_PASSWORD)
    assert client.get("/t/qingshi/").status_code == 200


def test_small_seed_has_every_kind_of_branch_and_member(in_township):
    _seed()
    township = Township.objects.get(code="qingshi")
    with in_township(township):
        assert set(Branch.objects.values_list("kind", flat=True)) == set(Branch.Kind.values)
        general = Branch.objects.get(kind=Branch.Kind.VILLAGE_GENERAL)
        assert general.children.count() == 1
        members = list(Member.objects.all())
        assert {m.category for m in members} == set(Member.Category.values)
        probationary = [m for m in members if m.kind == Member.Kind.PROBATIONARY]
        assert len(probationary) == 1
        assert probationary[0].probation_ends_on == probationary[0].joined_on + dt.timedelta(days=365)
        assert [m.migrant_location != "" for m in members if m.is_migrant] == [True]
        assert [m.special_occupation for m in members if m.is_special_occupation] in (
            [["海员"], ["远洋渔船船员"], ["石油钻井平台工人"]])
        assert sum(m.is_elderly for m in members) >= 1
        assert sorted(m.status for m in members if m.status != Member.Status.ACTIVE) == [
            Member.Status.DECEASED, Member.Status.TRANSFERRED_OUT]
        out = MemberTransfer.objects.get(to_branch__isnull=True)
        assert out.member.status == Member.Status.TRANSFERRED_OUT
        assert out.destination
        within = MemberTransfer.objects.get(to_branch__isnull=False)
        assert within.member.branch_id == within.to_branch_id != within.from_branch_id
        for member in members:
            validate_id_number(member.id_number)
            assert id_number_birth_date(member.id_number) == member.birth_date
            assert id_number_sex(member.id_number) == member.sex
            assert member.joined_on > member.birth_date
        member_role = RoleAssignment.objects.get(user__username="member1", role=Role.MEMBER)
        secretary = RoleAssignment.objects.get(user__username="secretary1", role=Role.BRANCH_SECRETARY)
        assert Member.objects.get(pk=member_role.member_id).branch_id == secretary.branch_id


def test_full_plan_is_a_realistic_county_and_does_not_depend_on_the_day():
    plans = [Planner(code=code, name=name, number=number, size=FULL, today=dt.date(2026, 5, 1)).build()
             for code, name, number in TOWNSHIPS]
    assert [len(p.villages) for p in plans] == [15, 15, 15]
    assert all(len({name for _code, name in p.villages}) == 15 for p in plans)
    assert sum(len(p.members) for p in plans) >= 2000
    for plan in plans:
        ids = [m.fields["id_number"] for m in plan.members]
        assert len(ids) == len(set(ids))
        assert {b.kind for b in plan.branches} == set(Branch.Kind.values)
    later = Planner(code="qingshi", name="青石镇", number="101", size=FULL, today=dt.date(2027, 2, 3)).build()
    assert [m.fields["id_number"] for m in later.members] == [m.fields["id_number"] for m in plans[0].members]
