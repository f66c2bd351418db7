"""The login page: success, wrong passwords, and the lockout after too many failures."""
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"  # tests.factories.UserFactory's
INVALID_LOGIN = "请输入一个正确的用户名和密码。注意，两者都区分大小写。"  # Django's own, translated by Django
LOCKED = "登录失败次数过多，账户已被暂时锁定，请稍后再试。"


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_page_is_chinese_by_default(client):
    html = client.get("/accounts/login/").content.decode()
    assert "<h1>登录</h1>" in html
    assert 'lang="zh-hans"' in html


def test_correct_password_logs_in_and_goes_home(client):
    user = UserFactory(username="wang")
    response = _login(client, "wang", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_next_is_followed(client):
    UserFactory(username="wang")
    response = client.post("/accounts/login/", {"username": "wang", "password": PASSWORD, "next": "/t/alpha/"})
    assert response["Location"] == "/t/alpha/"


def test_wrong_password_shows_django_message_in_chinese(client):
    UserFactory(username="wang")
    response = _login(client, "wang", "wrong")
    assert response.status_code == 200
    assert INVALID_LOGIN in response.content.decode()
    assert not _logged_in(client)
    assert AccessAttempt.objects.get(username="wang").failures_since_start == 1


def test_account_locks_after_the_limit_and_refuses_the_right_password(client):
    UserFactory(username="wang")
    limit = settings.LOGIN_FAILURE_LIMIT
    for _ in range(limit - 1):
        html = _login(client, "wang", "wrong").content.decode()
        assert INVALID_LOGIN in html
        assert LOCKED not in html

    last = _login(client, "wang", "wrong").content.decode()  # the failure that reaches the limit
    assert LOCKED in last
    assert INVALID_LOGIN not in last

    refused = _login(client, "wang", PASSWORD)
    assert refused.status_code == 200
    assert LOCKED in refused.content.decode()
    assert not _logged_in(client)


def test_a_lockout_holds_only_at_the_address_the_failures_came_from(client):
    """Nobody can lock someone else's account everywhere: the owner elsewhere still logs in."""
    UserFactory(username="wang")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "WANG", "password": "wrong"}, REMOTE_ADDR="198.51.100.7")
    assert LOCKED in client.post("/accounts/login/", {"username": "wang", "password": PASSWORD},
                                 REMOTE_ADDR="198.51.100.7").content.decode()
    response = client.post("/accounts/login/", {"username": "wang", "password": PASSWORD}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302


def test_login_works_again_once_the_lock_has_expired(client, clock):
    UserFactory(username="wang")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, "wang", "wrong")
    assert LOCKED in _login(client, "wang", PASSWORD).content.decode()
    clock.set(clock.now() + timezone.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1))
    response = _login(client, "wang", PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)
    assert not AccessAttempt.objects.filter(username="wang").exists()  # reset on success


def test_unknown_user_gets_the_same_message(client):
    html = _login(client, "nobody", "wrong").content.decode()
    assert INVALID_LOGIN in html
    assert not User.objects.filter(username="nobody").exists()


def test_an_initial_password_must_be_changed_before_anything_else(client):
    from accounts.services import user_create

    user_create(actor=None, username="newbie", password="Initial-pass-42")
    assert _login(client, "newbie", "Initial-pass-42").status_code == 302
    assert client.get("/").url == "/accounts/password/"
    assert client.get("/t/alpha/").url == "/accounts/password/"
    api = client.get("/api/v1/me/")
    assert (api.status_code, api.json()["error"]["code"]) == (403, "password_change_required")
    page = client.get("/accounts/password/").content.decode()
    assert "初始密码" in page

    wrong = client.post("/accounts/password/", {"old_password": "nope", "new_password": "Own-pass-2026",
                                                "new_password_again": "Own-pass-2026"})
    assert wrong.status_code == 400
    assert "当前密码不正确" in wrong.content.decode()
    weak = client.post("/accounts/password/", {"old_password": "Initial-pass-42", "new_password": "12345678",
                                               "new_password_again": "12345678"})
    assert weak.status_code == 400
    done = client.post("/accounts/password/", {"old_password": "Initial-pass-42", "new_password": "Own-pass-2026",
                                               "new_password_again": "Own-pass-2026"})
    assert done.status_code == 302
    assert _logged_in(client)  # still logged in on this device
    user = User.objects.get(username="newbie")
    assert not user.must_change_password
    assert user.check_password("Own-pass-2026")
    assert client.get("/api/v1/me/").status_code == 200


def test_the_api_changes_passwords_and_tokens_of_initial_accounts_can_only_do_that(client):
    from rest_framework.test import APIClient

    from accounts.services import user_create

    user_create(actor=None, username="apiuser", password="Initial-pass-42")
    api = APIClient(REMOTE_ADDR="198.51.100.77")
    token = api.post("/api/v1/auth/token/", {"username": "apiuser", "password": "Initial-pass-42"}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    blocked = api.get("/api/v1/me/")
    assert (blocked.status_code, blocked.json()["error"]["code"]) == (403, "password_change_required")
    bad = api.post("/api/v1/me/password/", {"old_password": "Initial-pass-42", "new_password": "Initial-pass-42"})
    assert bad.status_code == 400
    assert api.post("/api/v1/me/password/", {"old_password": "Initial-pass-42",
                                            "new_password": "Own-pass-2026"}).status_code == 204
    assert api.get("/api/v1/me/").status_code == 200
    assert User.objects.get(username="apiuser").check_password("Own-pass-2026")
