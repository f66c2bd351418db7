"""The county-level townships API."""
import pytest

from accounts.models import Role
from audit.models import AuditEvent
from tenants.townships.models import Domain, Township

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_stored_rollups")]


def _failed_township():
    township = Township.objects.create(name="坏镇", code="broken", schema_name="t_broken",
                                       status=Township.Status.FAILED, failure_reason="boom")
    Domain.objects.create(domain="broken", tenant=township, is_primary=True)
    return township


def _state():
    return (list(Township.objects.values_list("code", "status").order_by("code")), AuditEvent.objects.count())


def test_county_admin_lists_every_township_with_status(api, make_user, township_a, township_b):
    _failed_township()
    client = api(make_user(Role.COUNTY_ADMIN))

    body = client.get("/api/v1/townships/").json()
    failed = client.get("/api/v1/townships/", {"status": "failed"}).json()

    assert body["count"] == 3
    assert [(t["code"], t["status"], t["status_label"]) for t in body["results"]] == [
        ("alpha", "ready", "已开通"), ("beta", "ready", "已开通"), ("broken", "failed", "开通失败"),
    ]
    assert body["results"][0]["api_root"] == "/t/alpha/api/v1/"
    assert [t["code"] for t in failed["results"]] == ["broken"]
    assert client.get("/api/v1/townships/beta/").json()["name"] == township_b.name


def test_county_admin_creates_a_township_answered_202(api, make_user, township_a):
    admin = make_user(Role.COUNTY_ADMIN)

    response = api(admin).post("/api/v1/townships/", {"name": "甘棠镇", "code": "gantang"})

    assert response.status_code == 202, response.content
    assert response.json()["status"] == "provisioning"
    assert response.json()["code"] == "gantang"
    township = Township.objects.get(code="gantang")
    assert (township.schema_name, township.status) == ("t_gantang", Township.Status.PROVISIONING)
    assert AuditEvent.objects.get(action="township.create").actor_id == admin.pk


def test_create_with_bad_code_writes_nothing(api, make_user, township_a):
    client = api(make_user(Role.COUNTY_ADMIN))
    before = _state()

    taken = client.post("/api/v1/townships/", {"name": "重名", "code": "alpha"})
    bad = client.post("/api/v1/townships/", {"name": "坏", "code": "9-Bad"})

    assert taken.status_code == 400
    assert taken.json()["error"]["fields"] == {"code": ["该代码的乡镇已存在。"]}
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["code"]
    assert _state() == before


def test_only_county_admin_writes(api, make_user, township_a):
    failed = _failed_township()
    client = api(make_user(Role.TOWNSHIP_OFFICE, township_a))
    before = _state()

    assert client.post("/api/v1/townships/", {"name": "甘棠镇", "code": "gantang"}).status_code == 403
    assert client.post("/api/v1/townships/alpha/archive/", {"reason": "x", "confirm": "alpha"}).status_code == 403
    assert client.post(f"/api/v1/townships/{failed.code}/retry/").status_code == 403
    assert _state() == before


def test_archive_and_retry(api, make_user, township_a):
    failed = _failed_township()
    client = api(make_user(Role.COUNTY_ADMIN))

    retried = client.post("/api/v1/townships/broken/retry/")
    again = client.post("/api/v1/townships/broken/retry/")
    unconfirmed = client.post("/api/v1/townships/broken/archive/", {"reason": "撤并", "confirm": "alpha"})
    no_reason = client.post("/api/v1/townships/broken/archive/", {"confirm": "broken"})
    archived = client.post("/api/v1/townships/broken/archive/", {"reason": "乡镇撤并", "confirm": "broken"})
    twice = client.post("/api/v1/townships/broken/archive/", {"reason": "乡镇撤并", "confirm": "broken"})

    assert unconfirmed.status_code == 400
    assert unconfirmed.json()["error"]["fields"] == {"confirm": ["请输入乡镇代码以确认：broken"]}
    assert no_reason.status_code == 400
    assert twice.status_code == 409
    assert retried.status_code == 202
    assert retried.json()["status"] == "provisioning"
    assert again.status_code == 409
    assert again.json()["error"] == {"code": "conflict", "message": "只有开通失败的乡镇才能重试。", "fields": {}}
    assert archived.status_code == 200
    assert (archived.json()["status"], archived.json()["archive_reason"]) == ("archived", "乡镇撤并")
    failed.refresh_from_db()
    assert failed.status == Township.Status.ARCHIVED

    assert client.post("/api/v1/townships/broken/restore/", {}).status_code == 400
    restored = client.post("/api/v1/townships/broken/restore/", {"reason": "撤并决定撤回"})
    assert restored.status_code == 200
    # It never finished provisioning, so it comes back as failed (and may be retried).
    assert (restored.json()["status"], restored.json()["archive_reason"]) == ("failed", "")
    assert client.post("/api/v1/townships/broken/restore/", {"reason": "再次"}).status_code == 409
    events = AuditEvent.objects.filter(object_id=str(failed.pk)).order_by("id")
    assert list(events.values_list("action", flat=True)) == ["township.retry", "township.archive", "township.restore"]
    assert events.last().after["reason"] == "撤并决定撤回"


def test_other_users_see_only_ready_townships_they_hold_a_role_in(api, make_user, township_a, township_b):
    _failed_township()
    user = make_user(Role.CLERK, township_b, village_ids=[1])

    client = api(user)

    assert [t["code"] for t in client.get("/api/v1/townships/").json()["results"]] == ["beta"]
    assert client.get("/api/v1/townships/beta/").status_code == 200
    assert client.get("/api/v1/townships/alpha/").status_code == 404
    assert client.get("/api/v1/townships/broken/").status_code == 404


def test_county_audit_trail_is_for_county_admins(api, make_user, township_a):
    admin = make_user(Role.COUNTY_ADMIN)
    api(admin).post("/api/v1/townships/", {"name": "甘棠镇", "code": "gantang"})

    events = api(admin).get("/api/v1/audit-events/", {"action": "township"}).json()

    assert [e["action"] for e in events["results"]] == ["township.create"]
    assert api(make_user(Role.TOWNSHIP_OFFICE, township_a)).get("/api/v1/audit-events/").status_code == 403
