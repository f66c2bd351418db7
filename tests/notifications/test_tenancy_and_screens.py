"""One township's notifications never reach another's people; the inbox, preferences, failed
deliveries and delivery health pages and the API."""
import datetime as dt

import pytest
from django.db import transaction

from accounts.models import RoleAssignment
from audit.models import AuditEvent
from common.errors import DomainError
from notifications import services
from notifications.models import Delivery, Notification, Preference

pytestmark = pytest.mark.django_db


def _notify(township, users, event="month.closed", **context):
    with transaction.atomic():
        return services.notify(event=event, recipients=users, township=township, context=context or {"month": "2026-10"})


def test_a_user_without_a_role_in_the_township_cannot_receive_its_notification(township_a, township_b, person):
    a_office = person("township_office", township_a)
    b_office = person("township_office", township_b)
    with pytest.raises(DomainError) as caught:
        _notify(township_a, [a_office, b_office])
    assert caught.value.code == "recipient_outside_township"
    assert str(caught.value.message) == "有收件人在该乡镇没有任何角色，不能接收该乡镇的消息。"
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_county_admins_may_receive_township_events_and_anyone_county_events(township_a, person):
    admin = person("county_admin")
    newcomer = person(None)
    _notify(township_a, [admin])
    _notify(None, [newcomer], event="account.created", username=newcomer.username)
    assert set(Delivery.objects.values_list("recipient_id", flat=True)) == {admin.pk, newcomer.pk}


def test_a_b_user_never_sees_a_notifications(client, township_a, township_b, person):
    a_office = person("township_office", township_a)
    b_office = person("township_office", township_b)
    _notify(township_a, [a_office], month="2026-09")
    _notify(township_b, [b_office], month="2026-10")
    a_item = Delivery.objects.get(recipient=a_office, channel="in_app")

    client.force_login(b_office)
    listed = client.get("/api/v1/notifications/").json()
    assert [(r["township"], r["subject"]) for r in listed["results"]] == [("beta", "Beta 镇：2026-10 积分已结账")]
    assert client.get("/api/v1/notifications/?township=alpha").json()["results"] == []
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    assert client.post(f"/api/v1/notifications/{a_item.pk}/read/").status_code == 404
    page = client.get("/notifications/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Beta 镇：2026-10 积分已结账" in text
    assert "Alpha" not in text
    assert client.post(f"/notifications/{a_item.pk}/read/").status_code == 404
    a_item.refresh_from_db()
    assert a_item.read_at is None


def test_notifications_of_a_township_disappear_when_the_role_there_is_revoked(client, township_a, township_b, person):
    user = person("township_office", township_a)
    RoleAssignment.objects.create(user=user, township=township_b, role="township_office")
    _notify(township_a, [user], month="2026-09")
    _notify(township_b, [user], month="2026-10")
    client.force_login(user)
    assert [r["township"] for r in client.get("/api/v1/notifications/").json()["results"]] == ["beta", "alpha"]
    RoleAssignment.objects.filter(user=user, township=township_a).delete()
    assert [r["township"] for r in client.get("/api/v1/notifications/").json()["results"]] == ["beta"]


def test_inbox_page_filters_marks_read_and_shows_the_count_in_the_nav(client, township_a, township_b, person):
    user = person("township_office", township_a)
    RoleAssignment.objects.create(user=user, township=township_b, role="clerk", village_ids=[1])
    _notify(township_a, [user], month="2026-09")
    _notify(township_b, [user], month="2026-10")
    _notify(township_b, [user], event="roster.import_failed", file_name="x.xlsx", error_count=2)
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert "消息 (3)" in page
    assert "3 条未读" in page
    assert client.get("/t/alpha/").content.decode().count("消息 (3)") == 1
    filtered = client.get("/notifications/?township=beta&event=month.closed").content.decode()
    assert "Beta 镇：2026-10 积分已结账" in filtered
    assert "Alpha 镇：2026-09 积分已结账" not in filtered
    assert "Beta 镇：花名册导入未通过" not in filtered

    first = Delivery.objects.get(recipient=user, channel="in_app", notification__township=township_a)
    assert client.post(f"/notifications/{first.pk}/read/").status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    unread_page = client.get("/notifications/?read=false").content.decode()
    assert "Alpha 镇：2026-09 积分已结账" not in unread_page
    assert "消息 (2)" in unread_page
    assert client.post("/notifications/read-all/").status_code == 302
    assert Delivery.objects.filter(recipient=user, channel="in_app", read_at__isnull=True).count() == 0
    assert "消息 (0)" in client.get("/notifications/").content.decode()


def test_api_mark_read_and_all_read(client, township_a, person):
    user = person("township_office", township_a)
    _notify(township_a, [user], month="2026-09")
    _notify(township_a, [user], month="2026-10")
    client.force_login(user)
    first, second = client.get("/api/v1/notifications/").json()["results"]
    answer = client.post(f"/api/v1/notifications/{second['id']}/read/").json()
    assert (answer["id"], answer["read"], answer["event"]) == (second["id"], True, "month.closed")
    assert client.get("/api/v1/notifications/?read=false").json()["count"] == 1
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}


def test_preferences_page_saves_and_audits(client, township_a, person):
    user = person("township_office", township_a)
    client.force_login(user)
    assert "花名册导入完成" in client.get("/notifications/preferences/").content.decode()
    response = client.post("/notifications/preferences/", {
        "quiet_hours": "on", "quiet_start": "21:30", "quiet_end": "06:30", "daily_digest": "on",
        "event__roster__import_finished": ["in_app", "sms"],
    })
    assert response.status_code == 302
    preference = Preference.objects.get(user=user)
    assert (preference.quiet_start, preference.quiet_end, preference.daily_digest) == (dt.time(21, 30), dt.time(6, 30), True)
    assert preference.channels["roster.import_finished"] == ["in_app", "sms"]
    assert preference.channels["month.closed"] == []
    assert AuditEvent.objects.filter(action="notification.preferences", actor=user).count() == 1


def test_preferences_with_equal_quiet_hours_are_refused(client, township_a, person):
    user = person("township_office", township_a)
    client.force_login(user)
    response = client.post("/notifications/preferences/", {"quiet_hours": "on", "quiet_start": "22:00", "quiet_end": "22:00"})
    assert response.status_code == 200
    assert "免打扰时段的开始和结束时间不能相同。" in response.content.decode()
    assert not Preference.objects.filter(user=user).exists()


def test_preferences_api(client, township_a, person):
    user = person("township_office", township_a)
    client.force_login(user)
    data = client.get("/api/v1/notifications/preferences/").json()
    assert (data["quiet_start"], data["quiet_end"], data["daily_digest"]) == ("22:00", "07:00", False)
    assert data["channels"]["month.closing"] == ["in_app", "email", "sms"]
    response = client.put("/api/v1/notifications/preferences/", {"channels": {"month.closing": ["in_app"]},
                                                                  "daily_digest": True}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["channels"]["month.closing"] == ["in_app"]
    assert response.json()["channels"]["month.closed"] == ["in_app", "email"]
    assert response.json()["daily_digest"] is True
    bad = client.put("/api/v1/notifications/preferences/", {"channels": {"month.closing": ["fax"]}},
                     content_type="application/json")
    assert bad.status_code == 400
    assert Preference.objects.get(user=user).channels["month.closing"] == ["in_app"]


# --- failed deliveries and health --------------------------------------------------------------------
def _failed_email(township, user, django_capture_on_commit_callbacks):
    user.email = ""
    user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        _notify(township, [user])
    return Delivery.objects.get(recipient=user, channel="email", notification__township=township)


def test_township_office_sees_and_retries_only_its_townships_failures(
    client, township_a, township_b, person, django_capture_on_commit_callbacks
):
    a_office = person("township_office", township_a)
    b_office = person("township_office", township_b)
    a_failed = _failed_email(township_a, a_office, django_capture_on_commit_callbacks)
    b_failed = _failed_email(township_b, b_office, django_capture_on_commit_callbacks)
    assert a_failed.state == b_failed.state == "failed"

    client.force_login(a_office)
    page = client.get("/notifications/failed/").content.decode()
    assert "Alpha 镇：2026-10 积分已结账" in page
    assert "Beta 镇" not in page
    assert "Beta 镇" not in client.get("/notifications/failed/?township=beta").content.decode()
    assert client.post(f"/notifications/deliveries/{b_failed.pk}/retry/").status_code == 404
    b_failed.refresh_from_db()
    assert b_failed.state == "failed"

    a_office.email = "fixed@example.org"
    a_office.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/notifications/deliveries/{a_failed.pk}/retry/").status_code == 302
    a_failed.refresh_from_db()
    assert (a_failed.state, a_failed.attempts, a_failed.reason) == ("sent", 1, "")
    assert AuditEvent.objects.filter(action="notification.delivery_retry", object_id=str(a_failed.pk)).count() == 1


def test_retrying_a_delivery_that_did_not_fail_is_refused(township_a, person):
    office = person("township_office", township_a)
    _notify(township_a, [office])
    pending = Delivery.objects.get(recipient=office, channel="email")
    pending.state = "sent"
    pending.save(update_fields=["state"])
    with pytest.raises(DomainError) as caught:
        services.delivery_retry(actor=office, delivery_id=pending.pk)
    assert str(caught.value.message) == "只能重发发送失败的消息。"
    assert AuditEvent.objects.filter(action="notification.delivery_retry").count() == 0


def test_people_without_office_cannot_open_failed_deliveries(client, township_a, person):
    clerk = person("clerk", township_a, village_ids=[1])
    client.force_login(clerk)
    assert client.get("/notifications/failed/").status_code == 403


def test_delivery_health_is_for_county_admins_only(client, township_a, township_b, person,
                                                   django_capture_on_commit_callbacks):
    admin = person("county_admin")
    a_office = person("township_office", township_a)
    _failed_email(township_a, a_office, django_capture_on_commit_callbacks)
    b_office = person("township_office", township_b)
    _notify(township_b, [b_office])
    from notifications.selectors import delivery_health

    rows = {row["code"]: {k: row[k] for k in ("pending", "held", "digest", "sent", "failed", "total")}
            for row in delivery_health()}
    assert rows == {
        "alpha": {"pending": 0, "held": 0, "digest": 0, "sent": 1, "failed": 1, "total": 2},
        "beta": {"pending": 2, "held": 0, "digest": 0, "sent": 0, "failed": 0, "total": 2},
    }
    client.force_login(a_office)
    assert client.get("/notifications/health/").status_code == 403
    client.force_login(admin)
    page = client.get("/notifications/health/")
    assert page.status_code == 200
    assert "Alpha 镇" in page.content.decode()
    assert "Beta 镇" in page.content.decode()


def test_recipients_in_township_filters_out_people_without_a_role_there(township_a, township_b, person):
    from notifications.selectors import recipients_in_township

    a_office, b_office, admin = (person("township_office", township_a), person("township_office", township_b),
                                 person("county_admin"))
    assert recipients_in_township(township=township_a, users=[a_office, b_office, admin, None]) == [a_office, admin]
