"""Organisation services: one audit event per change, nothing written on bad input, transfers."""
import datetime as dt

import pytest
from django.utils import translation

from accounts.access import access_for
from audit.models import AuditEvent
from common.errors import DomainError, PermissionDenied
from tenants.organisation import services
from tenants.organisation.models import (
    BRANCH_PARENT_MUST_BE_GENERAL,
    MEMBER_MIGRANT_LOCATION_REQUIRED,
    Branch,
    Member,
    MemberTransfer,
    Village,
)
from tests.factories import BranchFactory, MemberFactory, VillageFactory, make_id_number


@pytest.fixture
def office(make_user, township_a):
    return make_user("township_office", township_a)


def _actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", "object_id"))


def _member_data(branch, **overrides):
    birth = dt.date(1960, 5, 4)
    data = {
        "name": "李建国", "sex": "M", "birth_date": birth, "id_number": make_id_number(birth_date=birth, sex="M"),
        "phone": "13900000000", "joined_on": dt.date(1985, 7, 1), "kind": Member.Kind.FULL,
        "category": Member.Category.RURAL, "branch": branch,
    }
    data.update(overrides)
    return data


def test_village_create_and_update_each_write_one_audit_event(office, township_a, in_township):
    with in_township(township_a):
        before = _actions()
        village = services.village_create(actor=office, name=" 柳树村 ", code="LS01")
        services.village_update(actor=office, village=village, name="柳树湾村")
        village.refresh_from_db()
        assert (village.name, village.code) == ("柳树湾村", "LS01")
        assert _actions()[len(before):] == [("village.create", str(village.pk)), ("village.update", str(village.pk))]
        event = AuditEvent.objects.get(action="village.update", object_id=str(village.pk))
        assert (event.before["name"], event.after["name"], event.actor_label) == ("柳树村", "柳树湾村", office.username)


def test_duplicate_village_writes_nothing(office, township_a, in_township):
    with in_township(township_a):
        VillageFactory(name="杏花村", code="XH01")
        villages, events = Village.objects.count(), AuditEvent.objects.count()
        with pytest.raises(DomainError):
            services.village_create(actor=office, name="杏花村", code="XH02")
        assert (Village.objects.count(), AuditEvent.objects.count()) == (villages, events)


def test_branch_create_and_update_each_write_one_audit_event(office, township_a, in_township):
    with in_township(township_a):
        village = VillageFactory()
        before = _actions()
        general = services.branch_create(actor=office, name="柳树村党总支", kind=Branch.Kind.VILLAGE_GENERAL, village=village)
        child = services.branch_create(actor=office, name="柳树村第一支部", kind=Branch.Kind.VILLAGE, village=village)
        services.branch_update(actor=office, branch=child, parent=general)
        child.refresh_from_db()
        assert child.parent_id == general.pk
        assert _actions()[len(before):] == [
            ("branch.create", str(general.pk)), ("branch.create", str(child.pk)), ("branch.update", str(child.pk)),
        ]


def test_branch_under_a_non_general_branch_writes_nothing(office, township_a, in_township):
    with in_township(township_a):
        plain = BranchFactory(kind=Branch.Kind.VILLAGE)
        branches, events = Branch.objects.count(), AuditEvent.objects.count()
        with pytest.raises(DomainError) as exc_info:
            services.branch_create(actor=office, name="新支部", kind=Branch.Kind.ORGAN, parent=plain)
        assert exc_info.value.field_errors == {"parent": [str(BRANCH_PARENT_MUST_BE_GENERAL)]}
        assert (Branch.objects.count(), AuditEvent.objects.count()) == (branches, events)


def test_member_create_and_update_each_write_one_audit_event(office, township_a, in_township):
    with in_township(township_a):
        branch = BranchFactory()
        before = _actions()
        member = services.member_create(actor=office, **_member_data(branch))
        services.member_update(
            actor=office, member=member, is_migrant=True, migrant_location="浙江宁波", phone="13911111111"
        )
        member.refresh_from_db()
        assert (member.is_migrant, member.migrant_location, member.phone) == (True, "浙江宁波", "13911111111")
        assert _actions()[len(before):] == [("member.create", str(member.pk)), ("member.update", str(member.pk))]
        update = AuditEvent.objects.get(action="member.update", object_id=str(member.pk))
        assert (update.before["phone"], update.after["phone"]) == ("13900000000", "13911111111")


def test_invalid_member_writes_no_row_and_no_audit_event(office, township_a, in_township):
    with in_township(township_a):
        branch = BranchFactory()
        members, events = Member.objects.count(), AuditEvent.objects.count()
        bad = _member_data(branch, is_migrant=True, migrant_location="")
        with pytest.raises(DomainError) as exc_info:
            services.member_create(actor=office, **bad)
        assert exc_info.value.field_errors == {"migrant_location": [str(MEMBER_MIGRANT_LOCATION_REQUIRED)]}
        with pytest.raises(DomainError) as exc_info:
            services.member_create(actor=office, **_member_data(branch, id_number="110105194912310021"))
        with translation.override("zh-hans"):
            assert exc_info.value.field_errors["id_number"] == ["居民身份证号码校验位错误，请核对号码。"]
        assert (Member.objects.count(), AuditEvent.objects.count()) == (members, events)


def test_member_with_a_taken_id_number_writes_nothing(office, township_a, in_township):
    with in_township(township_a):
        existing = MemberFactory()
        members, events = Member.objects.count(), AuditEvent.objects.count()
        data = _member_data(existing.branch, id_number=existing.id_number, birth_date=existing.birth_date,
                            sex=existing.sex, joined_on=existing.joined_on)
        with pytest.raises(DomainError) as exc_info:
            services.member_create(actor=office, **data)
        assert exc_info.value.field_errors == {"id_number": [str(services.ID_NUMBER_TAKEN)]}
        assert (Member.objects.count(), AuditEvent.objects.count()) == (members, events)


def test_failed_update_leaves_the_member_unchanged(office, township_a, in_township):
    with in_township(township_a):
        member = MemberFactory(name="原名")
        events = AuditEvent.objects.count()
        with pytest.raises(DomainError):
            services.member_update(actor=office, member=member, name="新名", kind=Member.Kind.PROBATIONARY)
        member.refresh_from_db()
        assert (member.name, member.kind, AuditEvent.objects.count()) == ("原名", Member.Kind.FULL, events)


def test_transfers_keep_history_and_write_one_audit_event_each(office, township_a, in_township):
    with in_township(township_a):
        first, second = BranchFactory(), BranchFactory()
        member = MemberFactory(branch=first)
        before = _actions()
        services.member_transfer(actor=office, member=member, to_branch=second,
                                 transferred_on=dt.date(2025, 3, 1), reason="搬迁")
        services.member_transfer(actor=office, member=member, destination="县城关镇党委",
                                 transferred_on=dt.date(2025, 9, 1), reason="工作调动")
        member.refresh_from_db()
        assert (member.branch_id, member.status) == (second.pk, Member.Status.TRANSFERRED_OUT)
        history = list(MemberTransfer.objects.filter(member=member).values_list(
            "from_branch_id", "to_branch_id", "destination", "transferred_on", "reason", "recorded_by_id"
        ))
        assert history == [
            (second.pk, None, "县城关镇党委", dt.date(2025, 9, 1), "工作调动", office.pk),
            (first.pk, second.pk, "", dt.date(2025, 3, 1), "搬迁", office.pk),
        ]
        assert _actions()[len(before):] == [("member.transfer", str(member.pk))] * 2


@pytest.mark.parametrize("case", ["same_branch", "no_target", "inactive"])
def test_refused_transfer_writes_nothing(case, office, township_a, in_township):
    with in_township(township_a):
        member = MemberFactory(status=Member.Status.DECEASED if case == "inactive" else Member.Status.ACTIVE)
        kwargs = {"same_branch": {"to_branch": member.branch}, "no_target": {"destination": "  "},
                  "inactive": {"destination": "外县"}}[case]
        events = AuditEvent.objects.count()
        expected = {"same_branch": services.TRANSFER_SAME_BRANCH, "no_target": services.TRANSFER_NEEDS_TARGET,
                    "inactive": services.TRANSFER_INACTIVE}[case]
        with pytest.raises(DomainError) as exc_info:
            services.member_transfer(actor=office, member=member, transferred_on=dt.date(2025, 1, 1), **kwargs)
        assert str(exc_info.value.message) == str(expected)
        member.refresh_from_db()
        assert member.transfers.count() == 0
        assert AuditEvent.objects.count() == events
        assert member.status == (Member.Status.DECEASED if case == "inactive" else Member.Status.ACTIVE)


def test_services_refuse_a_reader_and_write_nothing(make_user, township_a, in_township):
    county = make_user("county_admin")
    access = access_for(county, township_a)
    with in_township(township_a):
        member = MemberFactory()
        villages, events = Village.objects.count(), AuditEvent.objects.count()
        with pytest.raises(PermissionDenied):
            services.village_create(actor=county, access=access, name="读者村", code="RD01")
        with pytest.raises(PermissionDenied):
            services.member_transfer(actor=county, access=access, member=member, destination="外县",
                                     transferred_on=dt.date(2025, 1, 1))
        assert (Village.objects.count(), AuditEvent.objects.count(), member.transfers.count()) == (villages, events, 0)


# --- resident ID numbers on the member page -----------------------------------------------------
@pytest.mark.parametrize(("role", "sees_full"), [
    ("township_office", True),
    ("county_admin", False),
    ("supervision_office", False),
    ("clerk", False),
    ("branch_secretary", False),
    ("member", False),
])
def test_id_number_is_masked_except_for_the_township_office(role, sees_full, client, make_user, township_a, in_township):
    with in_township(township_a):
        member = MemberFactory(birth_date=dt.date(1970, 1, 2), sex="M",
                               id_number=make_id_number(birth_date=dt.date(1970, 1, 2), sex="M", serial=42))
    scope = {"clerk": {"village_ids": [member.branch.village_id]}, "branch_secretary": {"branch_id": member.branch_id},
             "member": {"member_id": member.pk}}.get(role, {})
    client.force_login(make_user(role, township_a, **scope))

    for url in (f"/t/alpha/members/{member.pk}/", f"/t/alpha/members/?q={member.id_number[-4:]}"):
        if role == "member" and url.startswith("/t/alpha/members/?"):
            continue  # a member has no lists
        html = client.get(url).content.decode()
        assert (member.id_number in html) is sees_full, url
        assert (member.masked_id_number in html) is not sees_full, url
    assert member.masked_id_number == member.id_number[:3] + "*" * 11 + member.id_number[-4:]
