"""A forgotten password (issue 14 item 3): reset by an e-mailed link or an SMS code, through the
notification channels; the answer never reveals whether an account exists; throttles and
lockouts apply."""
from __future__ import annotations

import datetime as dt
import logging
import re
import zoneinfo

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.authtoken.models import Token

from accounts.models import PasswordResetCode, Role, User
from audit.models import AuditEvent
from notifications.models import Delivery, Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NEW = "Fresh-Start-2026"
SENT_URL = "/accounts/password/forgot/sent/"
LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/[^/\s]+/[^/\s]+/)")
CODE = re.compile(r"验证码：(\d{6})|code to reset[^:]*: (\d{6})")


@pytest.fixture(autouse=True)
def _channels(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_PROVIDER = "log"


@pytest.fixture
def sms(caplog):
    caplog.set_level(logging.INFO, logger="notifications.channels")

    def _codes(phone):
        return [next(g for g in m.groups() if g)
                for line in caplog.messages if line.startswith(f"SMS to {phone}:")
                for m in [CODE.search(line)] if m]

    return _codes


def _ask(client, identifier, capture):
    with capture(execute=True):
        return client.post("/accounts/password/forgot/", {"identifier": identifier})


def _validator_message(password, language):
    with translation.override(language):
        try:
            validate_password(password)
        except ValidationError as exc:
            return exc.messages[0]
    raise AssertionError("the password passed the validators")


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_links_to_the_reset_in_both_languages(client):
    assert "忘记密码？" in client.get("/accounts/login/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password/forgot/"' in html
    assert "Forgot your password?" in html


def test_reset_by_email_link_end_to_end(client, make_user, township_a, django_capture_on_commit_callbacks):
    user = make_user(Role.TOWNSHIP_OFFICE, township_a, username="office-a")
    user.email, user.must_change_password = "office-a@example.org", True
    user.save(update_fields=["email", "must_change_password"])
    Token.objects.create(user=user)

    response = _ask(client, "Office-A", django_capture_on_commit_callbacks)
    assert (response.status_code, response["Location"]) == (302, SENT_URL)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["office-a@example.org"]
    assert message.subject == "重置密码"
    path = LINK.search(message.body).group(1)
    # The secret was made by the delivery: never in the outbox nor in anyone's inbox.
    notification = Notification.objects.get(event="account.password_reset")
    assert "link" not in notification.context
    assert path not in str(notification.context)
    assert list(notification.deliveries.values_list("channel", "state")) == [("email", "sent")]

    assert client.get(path).status_code == 200
    response = client.post(path, {"new_password": NEW, "new_password_again": NEW})
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert not user.must_change_password
    assert not Token.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="user.password_reset")
    assert (event.actor_id, event.after) == (user.pk, {"via": "email", "was_initial": True,
                                                       "api_token_revoked": True})
    assert _login(client, "office-a", NEW).status_code == 302

    # Single use: the same link no longer works once the password changed.
    client.logout()
    response = client.post(path, {"new_password": "Another-One-77", "new_password_again": "Another-One-77"})
    assert response.status_code == 400
    assert "此重置链接无效" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_reset_by_sms_code_for_a_member_with_phone_only(client, make_user, township_a, sms,
                                                        django_capture_on_commit_callbacks):
    user = make_user(Role.MEMBER, township_a, username="li", member_id=1)
    user.phone, user.email = "13900001111", ""
    user.save(update_fields=["phone", "email"])

    response = _ask(client, "139 0000 1111", django_capture_on_commit_callbacks)
    assert response["Location"] == SENT_URL
    assert mail.outbox == []
    [code] = sms("13900001111")
    row = PasswordResetCode.objects.get(user=user)
    assert code not in row.code_hash
    assert len(row.code_hash) == 64
    assert code not in str(Notification.objects.get(event="account.password_reset").context)

    page = client.get("/accounts/password/reset/code/")
    assert 'value="139 0000 1111"' in page.content.decode()  # the identifier is remembered
    response = client.post("/accounts/password/reset/code/", {
        "identifier": "13900001111", "code": code, "new_password": NEW, "new_password_again": NEW})
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert AuditEvent.objects.get(action="user.password_reset").after["via"] == "sms"

    # Used once.
    response = client.post("/accounts/password/reset/code/", {
        "identifier": "li", "code": code, "new_password": "Another-One-77", "new_password_again": "Another-One-77"})
    assert response.status_code == 400
    assert "验证码错误、已过期或已使用" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_expired_link_and_expired_code_are_refused(client, person_with_both, set_clock, clock, sms,
                                                   django_capture_on_commit_callbacks):
    user = person_with_both
    _ask(client, user.username, django_capture_on_commit_callbacks)
    path = LINK.search(mail.outbox[0].body).group(1)
    [code] = sms(user.phone)
    # (In the township's zone: time-machine then keeps the naive local clock Django's token reads.)
    set_clock(clock.now().astimezone(SHANGHAI) + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60))
    assert client.get(path).status_code == 400
    response = client.post("/accounts/password/reset/code/", {
        "identifier": user.username, "code": code, "new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 400
    user.refresh_from_db()
    assert not user.check_password(NEW)
    assert not AuditEvent.objects.filter(action="user.password_reset").exists()


@pytest.fixture
def person_with_both(make_user, township_a):
    user = make_user(Role.CLERK, township_a, username="zhao", village_ids=[1])
    user.email, user.phone = "zhao@example.org", "13900002222"
    user.save(update_fields=["email", "phone"])
    return user


def test_wrong_codes_kill_the_code_after_the_limit(client, person_with_both, sms, django_capture_on_commit_callbacks):
    user = person_with_both
    _ask(client, user.username, django_capture_on_commit_callbacks)
    [code] = sms(user.phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(settings.PASSWORD_RESET_CODE_ATTEMPTS):
        response = client.post("/accounts/password/reset/code/", {
            "identifier": user.phone, "code": wrong, "new_password": NEW, "new_password_again": NEW})
        assert response.status_code == 400
    response = client.post("/accounts/password/reset/code/", {
        "identifier": user.phone, "code": code, "new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 400
    user.refresh_from_db()
    assert not user.check_password(NEW)
    assert PasswordResetCode.objects.get(user=user).attempts == settings.PASSWORD_RESET_CODE_ATTEMPTS


def test_unknown_account_gets_the_same_answer_and_nothing_is_sent(client, person_with_both,
                                                                   django_capture_on_commit_callbacks):
    known = _ask(client, person_with_both.username, django_capture_on_commit_callbacks)
    unknown = _ask(client, "nobody-here", django_capture_on_commit_callbacks)
    unknown_mail = _ask(client, "nobody@example.org", django_capture_on_commit_callbacks)
    assert {(r.status_code, r["Location"]) for r in (known, unknown, unknown_mail)} == {(302, SENT_URL)}
    assert Notification.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["zhao@example.org"]]
    page = client.get(SENT_URL).content.decode()
    assert "如果有账号与您填写的内容相符" in page


def test_the_new_password_runs_the_validators_in_the_users_language(client, person_with_both,
                                                                     django_capture_on_commit_callbacks):
    _ask(client, person_with_both.username, django_capture_on_commit_callbacks)
    path = LINK.search(mail.outbox[0].body).group(1)
    response = client.post(path, {"new_password": "12345", "new_password_again": "12345"})
    assert response.status_code == 400
    assert _validator_message("12345", "zh-hans") in response.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(path, {"new_password": "12345", "new_password_again": "12345"})
    html = response.content.decode()
    assert _validator_message("12345", "en") in html
    person_with_both.refresh_from_db()
    assert not person_with_both.check_password("12345")
    assert not AuditEvent.objects.filter(action="user.password_reset").exists()


def test_english_speakers_get_english_messages(client, person_with_both, sms, django_capture_on_commit_callbacks):
    person_with_both.language = "en"
    person_with_both.save(update_fields=["language"])
    _ask(client, person_with_both.email, django_capture_on_commit_callbacks)
    assert mail.outbox[0].subject == "Reset your password"
    assert "open within 60 minutes" in mail.outbox[0].body
    assert len(sms(person_with_both.phone)) == 1


def test_requests_are_throttled_per_address_and_per_account(client, person_with_both, settings,
                                                            django_capture_on_commit_callbacks):
    for _ in range(settings.PASSWORD_RESET_ACCOUNT_LIMIT + 1):
        assert _ask(client, person_with_both.username, django_capture_on_commit_callbacks)["Location"] == SENT_URL
    # The account gets no more than its hourly share, silently (the answer is the same).
    assert len(mail.outbox) == settings.PASSWORD_RESET_ACCOUNT_LIMIT
    for _ in range(settings.PASSWORD_RESET_ADDRESS_LIMIT - settings.PASSWORD_RESET_ACCOUNT_LIMIT - 1):
        _ask(client, "nobody", django_capture_on_commit_callbacks)
    response = _ask(client, "nobody", django_capture_on_commit_callbacks)
    assert response.status_code == 429
    assert "密码重置尝试次数过多" in response.content.decode()
    # Another address is not affected.
    other = client.post("/accounts/password/forgot/", {"identifier": "nobody"}, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 302


def test_urgent_sms_is_not_held_in_quiet_hours(client, person_with_both, set_clock, sms,
                                               django_capture_on_commit_callbacks):
    set_clock(dt.datetime(2026, 11, 20, 23, 30, tzinfo=SHANGHAI))
    _ask(client, person_with_both.username, django_capture_on_commit_callbacks)
    assert set(Delivery.objects.values_list("channel", "state")) == {("email", "sent"), ("sms", "sent")}
    assert len(sms(person_with_both.phone)) == 1


def test_a_reset_does_not_lift_a_lockout(client, person_with_both, django_capture_on_commit_callbacks):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, person_with_both.username, "wrong")
    assert AccessAttempt.objects.get(username="zhao").failures_since_start == settings.LOGIN_FAILURE_LIMIT
    _ask(client, person_with_both.username, django_capture_on_commit_callbacks)
    path = LINK.search(mail.outbox[0].body).group(1)
    assert client.post(path, {"new_password": NEW, "new_password_again": NEW}).status_code == 302
    response = _login(client, "zhao", NEW)
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_inactive_account_gets_nothing(client, django_capture_on_commit_callbacks):
    UserFactory(username="gone", email="gone@example.org", is_active=False)
    assert _ask(client, "gone", django_capture_on_commit_callbacks)["Location"] == SENT_URL
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert User.objects.get(username="gone").check_password("pass-Word-123")
