"""Quiet hours in the township's time zone, and the SMS providers."""
import datetime as dt
import http.server
import json
import logging
import threading

import pytest
from django.db import transaction

from notifications import services
from notifications.channels import (
    HttpSmsProvider,
    PermanentDeliveryError,
    TransientDeliveryError,
    sms_provider,
)
from notifications.models import Delivery

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

UTC = dt.UTC


def _notify_alpha(township, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.notify(event="township.provisioning_failed", recipients=users, township=township,
                        context={"code": township.code, "reason": "disk full"})


def test_sms_in_quiet_hours_is_held_in_the_townships_time_zone_and_released_after(
    township_a, person, set_clock, caplog, django_capture_on_commit_callbacks
):
    township_a.time_zone = "Europe/London"
    township_a.save(update_fields=["time_zone"])
    admin = person("county_admin", phone="13912345678")
    # 23:30 in London (GMT in January) is inside 22:00-07:00; it is 07:30 in Shanghai, outside.
    set_clock(dt.datetime(2026, 1, 15, 23, 30, tzinfo=UTC))
    caplog.set_level(logging.INFO, logger="notifications.channels")
    _notify_alpha(township_a, [admin], django_capture_on_commit_callbacks)
    sms = Delivery.objects.get(channel="sms")
    assert (sms.state, sms.not_before, sms.attempts) == ("held", dt.datetime(2026, 1, 16, 7, 0, tzinfo=UTC), 0)
    assert Delivery.objects.get(channel="email").state == "sent"
    assert "SMS to" not in caplog.text

    set_clock(dt.datetime(2026, 1, 16, 6, 59, tzinfo=UTC))
    assert services.outbox_sweep() == 0
    sms.refresh_from_db()
    assert sms.state == "held"

    set_clock(dt.datetime(2026, 1, 16, 7, 1, tzinfo=UTC))
    assert services.outbox_sweep() == 1
    sms.refresh_from_db()
    assert (sms.state, sms.attempts, sms.sent_at) == ("sent", 1, dt.datetime(2026, 1, 16, 7, 1, tzinfo=UTC))
    assert caplog.text.count("SMS to 13912345678: 乡镇“Alpha 镇”开通失败") == 1


def test_the_same_moment_is_not_quiet_for_a_shanghai_township(township_b, person, set_clock, caplog,
                                                              django_capture_on_commit_callbacks):
    assert township_b.time_zone == "Asia/Shanghai"
    admin = person("county_admin", phone="13912345678")
    set_clock(dt.datetime(2026, 1, 15, 23, 30, tzinfo=UTC))  # 07:30 in Shanghai
    caplog.set_level(logging.INFO, logger="notifications.channels")
    _notify_alpha(township_b, [admin], django_capture_on_commit_callbacks)
    assert Delivery.objects.get(channel="sms").state == "sent"
    assert "SMS to 13912345678: 乡镇“Beta 镇”开通失败" in caplog.text


def test_a_user_without_quiet_hours_gets_sms_at_night(township_a, person, set_clock,
                                                       django_capture_on_commit_callbacks):
    admin = person("county_admin")
    services.preference_update(actor=admin, user=admin, channels={}, quiet_hours=False,
                               quiet_start=dt.time(22), quiet_end=dt.time(7), daily_digest=False)
    set_clock(dt.datetime(2026, 1, 15, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai
    _notify_alpha(township_a, [admin], django_capture_on_commit_callbacks)
    assert Delivery.objects.get(channel="sms").state == "sent"


def test_quiet_hours_end_handles_windows_with_and_without_midnight():
    from notifications.models import Preference

    shanghai = dt.timezone(dt.timedelta(hours=8))
    night = Preference(quiet_hours=True, quiet_start=dt.time(22), quiet_end=dt.time(7))
    at = dt.datetime(2026, 3, 1, 23, 0, tzinfo=shanghai)
    assert services.quiet_hours_end(preference=night, zone=shanghai, now=at) == dt.datetime(2026, 3, 2, 7, 0, tzinfo=shanghai)
    at = dt.datetime(2026, 3, 1, 6, 59, tzinfo=shanghai)
    assert services.quiet_hours_end(preference=night, zone=shanghai, now=at) == dt.datetime(2026, 3, 1, 7, 0, tzinfo=shanghai)
    assert services.quiet_hours_end(preference=night, zone=shanghai, now=at.replace(hour=7, minute=0)) is None
    noon = Preference(quiet_hours=True, quiet_start=dt.time(12), quiet_end=dt.time(14))
    assert services.quiet_hours_end(preference=noon, zone=shanghai, now=at.replace(hour=13)) == at.replace(hour=14, minute=0)
    assert services.quiet_hours_end(preference=noon, zone=shanghai, now=at.replace(hour=23)) is None


# --- the HTTP SMS gateway --------------------------------------------------------------------------
class _Gateway(http.server.BaseHTTPRequestHandler):
    status = 200
    received: list = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, self.headers["Authorization"], json.loads(body)))
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    _Gateway.received = []
    _Gateway.status = 200
    server = http.server.HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, _Gateway
    server.shutdown()
    server.server_close()


def test_http_provider_posts_json_with_the_token(gateway, settings, township_a, person,
                                                 django_capture_on_commit_callbacks):
    server, handler = gateway
    settings.SMS_PROVIDER = "http"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_HTTP_TOKEN = "secret-token"
    assert isinstance(sms_provider(), HttpSmsProvider)
    admin = person("county_admin", phone="13700000000")
    services.preference_update(actor=admin, user=admin, channels={"township.provisioning_failed": ["sms"]},
                               quiet_hours=False, quiet_start=dt.time(22), quiet_end=dt.time(7), daily_digest=False)
    _notify_alpha(township_a, [admin], django_capture_on_commit_callbacks)
    assert Delivery.objects.get().state == "sent"
    assert handler.received == [(
        "/send", "Bearer secret-token",
        {"phone": "13700000000",
         "text": "乡镇“Alpha 镇”开通失败 乡镇“Alpha 镇”（代码 alpha）的数据空间创建失败：disk full\n请在县级管理页面重试。"},
    )]


@pytest.mark.parametrize(("status", "error"), [(503, TransientDeliveryError), (429, TransientDeliveryError),
                                               (400, PermanentDeliveryError)])
def test_http_provider_classifies_gateway_answers(gateway, status, error):
    server, handler = gateway
    handler.status = status
    provider = HttpSmsProvider(url=f"http://127.0.0.1:{server.server_port}/send", token="t")
    with pytest.raises(error, match=f"HTTP {status}"):
        provider.send("13700000000", "hi")


def test_http_provider_unreachable_is_transient(free_port):
    with pytest.raises(TransientDeliveryError, match="unreachable"):
        HttpSmsProvider(url=f"http://127.0.0.1:{free_port}/send", token="t", timeout=2).send("1", "hi")
