"""County pages: the dashboard of every township, creating, provisioning, retrying and archiving."""
import datetime as dt

import pytest
from django_tenants.utils import schema_exists

from accounts.models import Role
from audit.models import AuditEvent
from notifications.models import Notification
from tenants.organisation.models import Member
from tenants.townships.models import Township
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_stored_rollups")]


@pytest.fixture
def county_client(client, make_user):
    client.force_login(make_user(Role.COUNTY_ADMIN))
    return client


def _fill(in_township, township, *, villages, members, probationary=0, migrant=0, elderly=0, gone=0):
    """`villages` villages with one branch each; members spread over the first branch."""
    with in_township(township):
        branches = [BranchFactory(village=VillageFactory()) for _ in range(villages)]
        for i in range(members):
            MemberFactory(
                branch=branches[0],
                kind=Member.Kind.PROBATIONARY if i < probationary else Member.Kind.FULL,
                probation_ends_on=dt.date(2026, 1, 1) if i < probationary else None,
                is_migrant=i < migrant, migrant_location="深圳" if i < migrant else "",
                is_elderly=i < elderly,
            )
        for _ in range(gone):  # not active: never counted
            MemberFactory(branch=branches[0], status=Member.Status.DECEASED)


@pytest.mark.parametrize("role", [Role.TOWNSHIP_OFFICE, Role.CLERK, None])
def test_dashboard_is_for_county_admins_only(client, make_user, township_a, role):
    client.force_login(make_user(role, township_a))
    assert client.get("/townships/").status_code == 403
    assert client.get(f"/townships/{township_a.pk}/").status_code == 403
    assert client.post("/townships/new/", {"name": "新镇", "code": "newtown", "time_zone": "Asia/Shanghai"}).status_code == 403
    assert not Township.objects.filter(code="newtown").exists()


def test_dashboard_needs_login(client):
    response = client.get("/townships/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_sends_county_admin_to_dashboard(county_client):
    response = county_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/townships/"


def test_dashboard_shows_each_township_and_county_totals(county_client, in_township, township_a, township_b):
    _fill(in_township, township_a, villages=2, members=5, probationary=2, migrant=1, elderly=3, gone=1)
    _fill(in_township, township_b, villages=3, members=4, probationary=1, migrant=2, elderly=0)

    response = county_client.get("/townships/")

    assert response.status_code == 200
    by_code = {t.code: headline for t, headline in response.context["rows"]}
    assert by_code["alpha"] == {"villages": 2, "branches": 2, "members": 5, "probationary": 2, "migrant": 1,
                                "elderly": 3}
    assert by_code["beta"] == {"villages": 3, "branches": 3, "members": 4, "probationary": 1, "migrant": 2,
                               "elderly": 0}
    assert response.context["totals"] == {"villages": 5, "branches": 5, "members": 9, "probationary": 3,
                                          "migrant": 3, "elderly": 3}
    html = response.content.decode()
    assert "Alpha 镇" in html
    assert "Beta 镇" in html
    assert "已开通" in html  # the ready badge, in Chinese by default
    assert "县委组织部" not in [t.name for t, _ in response.context["rows"]]  # the county row is no township


def test_create_township_from_the_form_provisions_it(county_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = county_client.post("/townships/new/", {"name": "甘棠镇", "code": "gantang-v",
                                                          "time_zone": "Asia/Urumqi"})
    assert response.status_code == 302
    assert response["Location"] == "/townships/"
    # The provisioning task, then the delivery of "township provisioned" to the county admins.
    assert len(callbacks) == 2
    assert Notification.objects.filter(event="township.provisioned", township__code="gantang-v").count() == 1
    township = Township.objects.get(code="gantang-v")
    assert (township.name, township.status, township.time_zone) == ("甘棠镇", Township.Status.READY, "Asia/Urumqi")
    assert schema_exists("t_gantang_v")
    assert list(AuditEvent.objects.filter(object_id=str(township.pk)).order_by("id")
                .values_list("action", flat=True)) == ["township.create", "township.ready"]

    page = county_client.get("/townships/")
    row = {t.code: headline for t, headline in page.context["rows"]}["gantang-v"]
    assert row == {"villages": 0, "branches": 0, "members": 0, "probationary": 0, "migrant": 0, "elderly": 0}
    assert county_client.get("/t/gantang-v/").status_code == 200


def test_provisioning_township_is_polled_until_ready(county_client, make_user):
    from tenants.townships.services import township_create, township_provision

    township = township_create(actor=make_user(Role.COUNTY_ADMIN), name="慢镇", code="slow-v")  # task not run

    page = county_client.get("/townships/").content.decode()
    assert f'hx-get="/townships/{township.pk}/row/"' in page
    assert "开通中" in page
    row = county_client.get(f"/townships/{township.pk}/row/").content.decode()
    assert "hx-trigger=" in row
    assert "开通中" in row

    township_provision(township_id=township.pk)

    row = county_client.get(f"/townships/{township.pk}/row/").content.decode()
    assert "hx-trigger=" not in row
    assert "已开通" in row


def test_create_township_with_bad_code_shows_chinese_error_and_writes_nothing(county_client, township_a):
    townships, events = Township.objects.count(), AuditEvent.objects.count()

    taken = county_client.post("/townships/new/", {"name": "重复镇", "code": "alpha", "time_zone": "Asia/Shanghai"})
    bad = county_client.post("/townships/new/", {"name": "坏镇", "code": "Bad_Code", "time_zone": "Asia/Shanghai"})

    assert taken.status_code == 200
    assert "该代码的乡镇已存在。" in taken.content.decode()
    assert bad.status_code == 200
    assert "请使用2至31位小写字母、数字或连字符，并以字母开头。" in bad.content.decode()
    assert (Township.objects.count(), AuditEvent.objects.count()) == (townships, events)


def test_detail_links_to_the_township_and_its_audit(county_client, township_a):
    html = county_client.get(f"/townships/{township_a.pk}/").content.decode()
    assert 'href="/t/alpha/"' in html
    assert 'href="/t/alpha/audit/"' in html
    assert f"/audit/?object_type=townships.township&amp;object_id={township_a.pk}" in html


def test_retry_failed_township_makes_it_ready(county_client, django_capture_on_commit_callbacks):
    township = Township.objects.create(name="失败镇", code="failed-v", schema_name="t_failed_v",
                                       status=Township.Status.FAILED, failure_reason="RuntimeError: boom")
    detail = county_client.get(f"/townships/{township.pk}/").content.decode()
    assert "开通失败" in detail
    assert "RuntimeError: boom" in detail

    with django_capture_on_commit_callbacks(execute=True):
        response = county_client.post(f"/townships/{township.pk}/retry/")

    assert response.status_code == 302
    township.refresh_from_db()
    assert township.status == Township.Status.READY
    assert schema_exists("t_failed_v")


def test_retry_of_a_ready_township_is_refused(county_client, township_a):
    events = AuditEvent.objects.count()
    response = county_client.post(f"/townships/{township_a.pk}/retry/", follow=True)
    assert "只有开通失败的乡镇才能重试。" in response.content.decode()
    township_a.refresh_from_db()
    assert township_a.status == Township.Status.READY
    assert AuditEvent.objects.count() == events


def test_archive_asks_then_archives(county_client, township_a):
    confirm = county_client.get(f"/townships/{township_a.pk}/archive/")
    assert confirm.status_code == 200
    township_a.refresh_from_db()
    assert township_a.status == Township.Status.READY  # a GET changes nothing

    refused = county_client.post(f"/townships/{township_a.pk}/archive/", {"reason": "撤并", "confirm": "beta"})
    assert refused.status_code == 400
    assert "请输入乡镇代码以确认：alpha" in refused.content.decode()
    township_a.refresh_from_db()
    assert township_a.status == Township.Status.READY

    response = county_client.post(f"/townships/{township_a.pk}/archive/", {"reason": "乡镇撤并", "confirm": "alpha"})

    assert response.status_code == 302
    township_a.refresh_from_db()
    assert township_a.status == Township.Status.ARCHIVED
    assert AuditEvent.objects.filter(action="township.archive", object_id=str(township_a.pk)).count() == 1
    page = county_client.get("/townships/")
    assert {t.code: headline for t, headline in page.context["rows"]}["alpha"] is None
    assert county_client.get("/t/alpha/").status_code == 404

    assert county_client.get(f"/townships/{township_a.pk}/restore/").status_code == 200
    restored = county_client.post(f"/townships/{township_a.pk}/restore/", {"reason": "撤并决定撤回"})
    assert restored.status_code == 302
    township_a.refresh_from_db()
    assert (township_a.status, township_a.archive_reason) == (Township.Status.READY, "")
    assert county_client.get("/t/alpha/").status_code != 404
