"""Organisation pages: tenancy, scopes by role, lists with filters and pages, forms."""
import datetime as dt

import pytest

from audit.models import AuditEvent
from tenants.organisation.models import Branch, Member, MemberTransfer, Village
from tests.factories import BranchFactory, MemberFactory, VillageFactory

FORBIDDEN_BY_ID = 900_001  # ids past any sequence value a test run reaches
SHARED_ID = 900_002


@pytest.fixture
def office_a(make_user, township_a):
    return make_user("township_office", township_a)


@pytest.fixture
def beta_rows(township_b, in_township):
    with in_township(township_b):
        village = VillageFactory(name="贝塔村")
        branch = BranchFactory(name="贝塔村党支部", village=village)
        member = MemberFactory(name="贝塔党员", branch=branch)
    return village, branch, member


def _pages(code, village, branch, member):
    prefix = f"/t/{code}/"
    return [
        prefix, f"{prefix}villages/", f"{prefix}villages/new/", f"{prefix}villages/{village.pk}/",
        f"{prefix}villages/{village.pk}/edit/", f"{prefix}branches/", f"{prefix}branches/new/",
        f"{prefix}branches/{branch.pk}/", f"{prefix}branches/{branch.pk}/edit/", f"{prefix}members/",
        f"{prefix}members/new/", f"{prefix}members/{member.pk}/", f"{prefix}members/{member.pk}/edit/",
        f"{prefix}members/{member.pk}/transfer/",
    ]


# --- tenancy ------------------------------------------------------------------------------------
def test_alpha_office_gets_403_on_every_beta_page(client, office_a, beta_rows, township_b, in_township):
    client.force_login(office_a)
    for url in _pages("beta", *beta_rows):
        assert client.get(url).status_code == 403, url
    with in_township(township_b):
        villages, members = Village.objects.count(), Member.objects.count()
    assert client.post("/t/beta/villages/new/", {"name": "入侵村", "code": "X1"}).status_code == 403
    assert client.post(f"/t/beta/members/{beta_rows[2].pk}/transfer/",
                       {"destination": "外县", "transferred_on": "2025-01-01"}).status_code == 403
    with in_township(township_b):
        assert (Village.objects.count(), Member.objects.count()) == (villages, members)
        assert not MemberTransfer.objects.exists()


def test_alpha_office_sees_alpha_pages(client, office_a, township_a, in_township):
    with in_township(township_a):
        member = MemberFactory()
    client.force_login(office_a)
    for url in _pages("alpha", member.branch.village, member.branch, member):
        assert client.get(url).status_code == 200, url


def test_a_beta_member_id_in_an_alpha_url_is_404(client, office_a, township_a, township_b, in_township):
    with in_township(township_b):
        stranger = MemberFactory(id=FORBIDDEN_BY_ID, name="贝塔党员")
    with in_township(township_a):
        assert not Member.objects.filter(pk=FORBIDDEN_BY_ID).exists()
    client.force_login(office_a)
    for suffix in ("", "edit/", "transfer/"):
        assert client.get(f"/t/alpha/members/{stranger.pk}/{suffix}").status_code == 404
    assert client.get(f"/t/alpha/branches/{stranger.branch_id + 10_000}/").status_code == 404


def test_the_same_id_in_both_townships_shows_only_the_asked_townships_row(
    client, office_a, make_user, township_a, township_b, in_township
):
    with in_township(township_a):
        MemberFactory(id=SHARED_ID, name="阿尔法党员")
    with in_township(township_b):
        MemberFactory(id=SHARED_ID, name="贝塔党员")
    client.force_login(office_a)
    html = client.get(f"/t/alpha/members/{SHARED_ID}/").content.decode()
    assert "阿尔法党员" in html
    assert "贝塔党员" not in html
    assert client.get(f"/t/beta/members/{SHARED_ID}/").status_code == 403

    client.force_login(make_user("township_office", township_b))
    html = client.get(f"/t/beta/members/{SHARED_ID}/").content.decode()
    assert "贝塔党员" in html
    assert "阿尔法党员" not in html


def test_county_admin_reads_both_townships_but_cannot_edit(
    client, make_user, township_a, township_b, in_township, beta_rows
):
    with in_township(township_a):
        alpha_member = MemberFactory(name="阿尔法党员")
    client.force_login(make_user("county_admin"))
    for code, (village, branch, member) in (
        ("alpha", (alpha_member.branch.village, alpha_member.branch, alpha_member)), ("beta", beta_rows)
    ):
        for url in _pages(code, village, branch, member):
            expected = 403 if url.endswith(("new/", "edit/", "transfer/")) else 200
            assert client.get(url).status_code == expected, url
    assert "阿尔法党员" in client.get("/t/alpha/members/").content.decode()
    assert "贝塔党员" in client.get("/t/beta/members/").content.decode()
    assert "贝塔村" in client.get("/t/beta/villages/").content.decode()
    html = client.get(f"/t/beta/members/{beta_rows[2].pk}/").content.decode()
    assert "/edit/" not in html  # no edit links for a reader


def test_anonymous_user_is_sent_to_log_in(client, db):
    response = client.get("/t/alpha/members/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_user_without_a_role_in_the_township_gets_403(client, make_user, township_b):
    client.force_login(make_user("clerk", township_b))
    assert client.get("/t/alpha/").status_code == 403
    assert client.get("/t/alpha/members/").status_code == 403


# --- scopes by role -----------------------------------------------------------------------------
def test_member_only_user_sees_only_their_own_record(client, make_user, township_a, in_township):
    with in_township(township_a):
        me = MemberFactory(name="本人")
        other = MemberFactory(name="他人", branch=me.branch)
    client.force_login(make_user("member", township_a, member_id=me.pk))

    # The member's home is their work queue (their points card, the open notice) and a link to
    # their own record, nothing about the township.
    home = client.get("/t/alpha/").content.decode()
    assert f'href="/t/alpha/members/{me.pk}/"' in home
    assert "/t/alpha/scoring/card/" in home
    assert "他人" not in home
    html = client.get(f"/t/alpha/members/{me.pk}/").content.decode()
    assert "本人" in html
    assert "他人" not in html
    assert client.get(f"/t/alpha/members/{other.pk}/").status_code == 404
    for url in ("/t/alpha/villages/", "/t/alpha/branches/", "/t/alpha/members/",
                f"/t/alpha/villages/{me.branch.village_id}/", f"/t/alpha/branches/{me.branch_id}/"):
        assert client.get(url).status_code == 403, url
    for url in ("/t/alpha/members/new/", f"/t/alpha/members/{me.pk}/edit/", f"/t/alpha/members/{me.pk}/transfer/"):
        assert client.get(url).status_code == 403, url


def test_clerk_sees_only_members_of_their_villages(client, make_user, township_a, in_township):
    with in_township(township_a):
        mine = MemberFactory(name="本村党员")
        theirs = MemberFactory(name="外村党员")
    client.force_login(make_user("clerk", township_a, village_ids=[mine.branch.village_id]))

    html = client.get("/t/alpha/members/").content.decode()
    assert "本村党员" in html
    assert "外村党员" not in html
    assert client.get(f"/t/alpha/members/{mine.pk}/").status_code == 200
    assert client.get(f"/t/alpha/members/{theirs.pk}/").status_code == 404
    assert client.get(f"/t/alpha/villages/{theirs.branch.village_id}/").status_code == 404
    assert client.get(f"/t/alpha/branches/{theirs.branch_id}/").status_code == 404
    villages = client.get("/t/alpha/villages/").content.decode()
    assert mine.branch.village.name in villages
    assert theirs.branch.village.name not in villages
    assert client.get(f"/t/alpha/members/{mine.pk}/edit/").status_code == 403
    assert client.get("/t/alpha/villages/new/").status_code == 403


def test_branch_secretary_sees_their_branch_and_its_children(client, make_user, township_a, in_township):
    with in_township(township_a):
        village = VillageFactory()
        general = BranchFactory(name="总支", kind=Branch.Kind.VILLAGE_GENERAL, village=village)
        child = BranchFactory(name="第一支部", parent=general, village=village)
        sibling = BranchFactory(name="别村支部")
        MemberFactory(name="总支党员", branch=general)
        MemberFactory(name="支部党员", branch=child)
        outsider = MemberFactory(name="别村党员", branch=sibling)
    client.force_login(make_user("branch_secretary", township_a, branch_id=general.pk))

    html = client.get("/t/alpha/members/").content.decode()
    assert ("总支党员" in html, "支部党员" in html, "别村党员" in html) == (True, True, False)
    detail = client.get(f"/t/alpha/branches/{general.pk}/").content.decode()
    assert f"/t/alpha/branches/{child.pk}/" in detail  # child branches are listed
    assert client.get(f"/t/alpha/branches/{sibling.pk}/").status_code == 404
    assert client.get(f"/t/alpha/members/{outsider.pk}/").status_code == 404


# --- lists --------------------------------------------------------------------------------------
def test_member_list_filters_and_keeps_them_in_page_links(client, office_a, township_a, in_township):
    with in_township(township_a):
        branch = BranchFactory()
        for n in range(51):
            MemberFactory(name=f"外出{n:02d}", branch=branch, is_migrant=True, migrant_location="广州")
        MemberFactory(name="在家党员", branch=branch)
    client.force_login(office_a)

    page1 = client.get(f"/t/alpha/members/?branch={branch.pk}&is_migrant=true")
    html = page1.content.decode()
    assert page1.context["page_obj"].paginator.count == 51
    assert len(page1.context["page_obj"].object_list) == 50
    assert "在家党员" not in html
    assert f"?branch={branch.pk}&amp;is_migrant=true&amp;page=2" in html
    page2 = client.get(f"/t/alpha/members/?branch={branch.pk}&is_migrant=true&page=2")
    assert [m.name for m in page2.context["page_obj"].object_list] == ["外出50"]

    home = client.get(f"/t/alpha/members/?branch={branch.pk}&is_migrant=false")
    assert [m.name for m in home.context["page_obj"].object_list] == ["在家党员"]


@pytest.mark.parametrize(("query", "expected"), [
    ("q=张三", ["张三"]),
    ("q=13711112222", ["李四"]),
    ("sex=F", ["李四"]),
    ("kind=probationary", ["李四"]),
    ("category=retired", ["王五"]),
    ("status=deceased", ["王五"]),
    ("is_special_occupation=true", ["张三"]),
    ("is_elderly=true", ["王五"]),
])
def test_member_list_filters(query, expected, client, office_a, township_a, in_township):
    with in_township(township_a):
        branch = BranchFactory()
        MemberFactory(name="张三", sex="M", branch=branch, is_special_occupation=True, special_occupation="渔民")
        MemberFactory(name="李四", sex="F", branch=branch, phone="13711112222", kind=Member.Kind.PROBATIONARY,
                      probation_ends_on=dt.date(2026, 7, 1))
        MemberFactory(name="王五", sex="M", branch=branch, category=Member.Category.RETIRED,
                      status=Member.Status.DECEASED, is_elderly=True)
    client.force_login(office_a)
    response = client.get(f"/t/alpha/members/?branch={branch.pk}&{query}")
    assert [m.name for m in response.context["page_obj"].object_list] == expected


def test_member_search_by_id_number_tail(client, office_a, township_a, in_township):
    with in_township(township_a):
        target = MemberFactory(name="尾号党员")
        MemberFactory(name="别的党员")
    client.force_login(office_a)
    response = client.get(f"/t/alpha/members/?q={target.id_number[-6:]}")
    assert [m.name for m in response.context["page_obj"].object_list] == ["尾号党员"]


def test_village_and_branch_lists_show_counts_and_filter(client, office_a, township_a, in_township):
    with in_township(township_a):
        village = VillageFactory(name="桃园村", code="TY01")
        general = BranchFactory(name="桃园村党总支", kind=Branch.Kind.VILLAGE_GENERAL, village=village)
        BranchFactory(name="桃园村第一支部", village=village, parent=general)
        MemberFactory.create_batch(2, branch=general)
        MemberFactory(branch=general, status=Member.Status.TRANSFERRED_OUT)
        VillageFactory(name="李庄村", code="LZ01")
    client.force_login(office_a)

    villages = client.get("/t/alpha/villages/?q=桃园").context["page_obj"].object_list
    assert [(v.name, v.branch_count, v.member_count) for v in villages] == [("桃园村", 2, 2)]
    branches = client.get(f"/t/alpha/branches/?village={village.pk}&kind=village_general").context["page_obj"]
    assert [(b.name, b.member_count) for b in branches] == [("桃园村党总支", 2)]
    detail = client.get(f"/t/alpha/villages/{village.pk}/")
    assert detail.context["member_count"] == 2
    assert [b.name for b in detail.context["branches"]] == ["桃园村党总支", "桃园村第一支部"]


# --- forms --------------------------------------------------------------------------------------
def test_office_creates_and_edits_a_village(client, office_a, township_a, in_township):
    client.force_login(office_a)
    response = client.post("/t/alpha/villages/new/", {"name": "梨花村", "code": "LH01"})
    with in_township(township_a):
        village = Village.objects.get(code="LH01")
    assert response["Location"] == f"/t/alpha/villages/{village.pk}/"
    client.post(f"/t/alpha/villages/{village.pk}/edit/", {"name": "梨花湾村", "code": "LH01"})
    with in_township(township_a):
        village.refresh_from_db()
        assert village.name == "梨花湾村"
        assert list(AuditEvent.objects.filter(object_id=str(village.pk), object_type="organisation.village")
                    .order_by("id").values_list("action", flat=True)) == ["village.create", "village.update"]


def test_branch_form_shows_the_parent_rule_and_writes_nothing(client, office_a, township_a, in_township):
    with in_township(township_a):
        plain = BranchFactory(kind=Branch.Kind.VILLAGE)
        branches = Branch.objects.count()
    client.force_login(office_a)
    # A plain village branch is not even offered as a parent.
    response = client.post("/t/alpha/branches/new/", {"name": "新支部", "kind": "organ", "parent": plain.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["parent"]
    response = client.post("/t/alpha/branches/new/", {"name": "新村支部", "kind": "village"})
    assert "村党支部或村党总支须注明所在村。" in response.content.decode()
    with in_township(township_a):
        assert Branch.objects.count() == branches


def test_office_creates_a_branch_under_a_general_branch(client, office_a, township_a, in_township):
    with in_township(township_a):
        village = VillageFactory()
        general = BranchFactory(kind=Branch.Kind.VILLAGE_GENERAL, village=village)
    client.force_login(office_a)
    response = client.post("/t/alpha/branches/new/", {
        "name": "新建支部", "kind": "village", "parent": general.pk, "village": village.pk,
    })
    with in_township(township_a):
        branch = Branch.objects.get(name="新建支部")
        assert (branch.parent_id, branch.village_id) == (general.pk, village.pk)
    assert response["Location"] == f"/t/alpha/branches/{branch.pk}/"


def test_member_edit_form_saves_and_shows_domain_errors(client, office_a, township_a, in_township):
    with in_township(township_a):
        member = MemberFactory(name="旧名")
    client.force_login(office_a)
    form = client.get(f"/t/alpha/members/{member.pk}/edit/").context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data = {k: v for k, v in data.items() if v is not False}
    data.update(name="新名", kind="probationary")
    response = client.post(f"/t/alpha/members/{member.pk}/edit/", data)
    assert response.status_code == 200
    assert "预备党员须填写预备期满日期。" in response.content.decode()
    data.update(probation_ends_on="2026-10-01")
    response = client.post(f"/t/alpha/members/{member.pk}/edit/", data)
    assert response.status_code == 302
    with in_township(township_a):
        member.refresh_from_db()
        assert (member.name, member.kind, member.probation_ends_on) == ("新名", "probationary", dt.date(2026, 10, 1))


def test_transfer_form_moves_a_member_inside_and_out_of_the_township(client, office_a, township_a, in_township):
    with in_township(township_a):
        member = MemberFactory()
        target = BranchFactory(name="目标支部")
    client.force_login(office_a)
    url = f"/t/alpha/members/{member.pk}/transfer/"

    both = client.post(url, {"to_branch": target.pk, "destination": "外县", "transferred_on": "2025-04-01"})
    assert both.status_code == 200
    assert "请选择本镇支部或镇外去向，二者只能选一项。" in both.content.decode()
    neither = client.post(url, {"transferred_on": "2025-04-01"})
    assert "请选择本镇的支部，或填写转出镇外的去向。" in neither.content.decode()
    with in_township(township_a):
        assert member.transfers.count() == 0

    assert client.post(url, {"to_branch": target.pk, "transferred_on": "2025-04-01", "reason": "迁居"}).status_code == 302
    assert client.post(url, {"destination": "邻县某镇党委", "transferred_on": "2025-06-01"}).status_code == 302
    with in_township(township_a):
        member.refresh_from_db()
        assert (member.branch_id, member.status) == (target.pk, Member.Status.TRANSFERRED_OUT)
        assert member.transfers.count() == 2
    html = client.get(f"/t/alpha/members/{member.pk}/").content.decode()
    assert "邻县某镇党委" in html
    assert "目标支部" in html
    assert client.get(url).status_code == 200  # the page opens; the service refuses an inactive member
    refused = client.post(url, {"destination": "再转", "transferred_on": "2025-07-01"})
    assert "只有在册党员才能转接组织关系。" in refused.content.decode()
    with in_township(township_a):
        assert member.transfers.count() == 2


def test_township_pages_link_under_the_township_prefix(client, office_a, township_a, in_township):
    with in_township(township_a):
        member = MemberFactory()
    client.force_login(office_a)
    html = client.get("/t/alpha/").content.decode()
    for link in ("/t/alpha/villages/", "/t/alpha/branches/", "/t/alpha/members/"):
        assert f'href="{link}"' in html
    detail = client.get(f"/t/alpha/members/{member.pk}/").content.decode()
    assert f'href="/t/alpha/members/{member.pk}/edit/"' in detail
    assert f'href="/t/alpha/members/{member.pk}/transfer/"' in detail
