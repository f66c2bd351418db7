"""Notifications lead to what they are about, and the inbox opened from a township keeps the
township's menu (issue 14 defects)."""
import pytest
from django.db import transaction

from notifications import services
from notifications.models import Delivery

pytestmark = pytest.mark.django_db


def _notify(township, users, event, **context):
    with transaction.atomic():
        return services.notify(event=event, recipients=users, township=township, context=context)


def test_notifications_link_to_their_page(client, township_a, person):
    user = person("clerk", township_a, village_ids=[1])
    _notify(township_a, [user], "entry.rejected", entry_id=41, member_name="张三", item="主题党日", points="3",
            reason="证据不足")
    _notify(township_a, [user], "month.closed", month="2026-10")
    _notify(township_a, [user], "roster.import_failed", file_name="x.xlsx", error_count=2)  # nothing to open
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert '<a href="/t/alpha/scoring/entries/41/">' in page
    assert '<a href="/t/alpha/scoring/periods/">' in page
    assert page.count("查看详情") == 2


def test_a_link_whose_context_lacks_its_id_is_left_out(client, township_a, person):
    user = person("clerk", township_a, village_ids=[1])
    _notify(township_a, [user], "entry.approved", member_name="张三", item="主题党日", points="3")
    client.force_login(user)
    assert "/t/alpha/scoring/entries/" not in client.get("/notifications/").content.decode()


def test_inbox_from_a_township_keeps_its_menu(client, township_a, person):
    user = person("township_office", township_a)
    _notify(township_a, [user], "month.closed", month="2026-10")
    client.force_login(user)
    home = client.get("/t/alpha/").content.decode()
    assert 'href="/t/alpha/notifications/" class="nav-inbox"' in home
    inbox = client.get("/t/alpha/notifications/")
    assert inbox.status_code == 200
    html = inbox.content.decode()
    assert "Alpha 镇：2026-10 积分已结账" in html
    assert 'href="/t/alpha/scoring/entries/"' in html  # the township's menu
    assert 'action="/t/alpha/notifications/' in html  # marking read stays in the township
    delivery = Delivery.objects.get(recipient=user, channel="in_app")
    response = client.post(f"/t/alpha/notifications/{delivery.pk}/read/", {"next": "/t/alpha/notifications/"})
    assert response.status_code == 302
    assert response["Location"] == "/t/alpha/notifications/"
    delivery.refresh_from_db()
    assert delivery.read_at is not None
