import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from accounts.models import Role

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"  # tests.factories.UserFactory
LOCKED = "登录失败次数过多，账户已被暂时锁定，请稍后再试。"


def test_token_login_and_me_with_token(api, make_user, township_a, township_b):
    user = make_user(Role.TOWNSHIP_OFFICE, township_a, username="office-a")
    client = api()

    response = client.post("/api/v1/auth/token/", {"username": "office-a", "password": PASSWORD})

    assert response.status_code == 200
    token = Token.objects.get(user=user)
    assert response.json() == {"token": token.key}
    me = api(token=token.key).get("/api/v1/me/")
    assert me.status_code == 200
    body = me.json()
    assert body["user"]["username"] == "office-a"
    assert body["roles"] == [{
        "township": "alpha", "township_name": township_a.name, "role": "township_office",
        "role_label": "镇党建办", "village_ids": [], "branch_id": None, "member_id": None,
    }]
    assert body["access"]["township"] is None
    assert body["access"]["is_county_admin"] is False


def test_token_grants_the_same_access_as_a_session(api, make_user, township_a, township_b):
    make_user(Role.TOWNSHIP_OFFICE, township_a, username="office-a")
    key = api().post("/api/v1/auth/token/", {"username": "office-a", "password": PASSWORD}).json()["token"]
    client = api(token=key)

    assert client.get("/t/alpha/api/v1/members/").status_code == 200
    assert client.get("/t/beta/api/v1/members/").status_code == 403
    me = client.get("/t/alpha/api/v1/me/").json()
    assert me["access"] == {
        "township": "alpha", "is_county_admin": False, "can_enter_township": True,
        "can_manage_organisation": True, "can_view_id_numbers": True, "can_view_audit": True,
    }


def test_wrong_password_is_refused_in_chinese_and_gives_no_token(api, make_user):
    user = make_user(None, username="someone")

    response = api().post("/api/v1/auth/token/", {"username": "someone", "password": "wrong"})

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid_credentials", "message": "用户名或密码错误。", "fields": {}}}
    assert not Token.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.failed_login_count == 1


def test_missing_fields_are_reported_per_field_in_chinese(api):
    response = api().post("/api/v1/auth/token/", {"username": "someone"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"password": ["该字段是必填项。"]}
    assert response.json()["error"]["code"] == "invalid"


def test_lockout_after_repeated_failures_even_with_the_right_password(api, make_user):
    user = make_user(None, username="target")
    client = api()
    limit = settings.LOGIN_FAILURE_LIMIT

    statuses = [
        client.post("/api/v1/auth/token/", {"username": "target", "password": f"wrong-{i}"}).status_code
        for i in range(limit - 1)
    ]
    locking = client.post("/api/v1/auth/token/", {"username": "target", "password": "wrong-last"})
    right = client.post("/api/v1/auth/token/", {"username": "target", "password": PASSWORD})

    assert statuses == [400] * (limit - 1)
    assert locking.status_code == 403
    assert right.status_code == 403
    expected = {"error": {"code": "account_locked", "message": LOCKED, "fields": {}}}
    assert locking.json() == expected
    assert right.json() == expected
    assert not Token.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.locked_until is not None


def test_login_is_throttled(api, make_user):
    make_user(None, username="throttled")
    client = api()
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])

    # Unknown usernames: no account gets locked, so only the throttle can stop these.
    statuses = [
        client.post("/api/v1/auth/token/", {"username": f"nobody-{i}", "password": "x"}).status_code
        for i in range(rate)
    ]
    blocked = client.post("/api/v1/auth/token/", {"username": "throttled", "password": PASSWORD})

    assert statuses == [400] * rate
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "throttled"
    assert not Token.objects.exists()


def test_api_needs_a_login(api, township_a):
    for path in ("/api/v1/me/", "/api/v1/townships/", "/t/alpha/api/v1/members/"):
        response = api().get(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == "Token"
        assert response.json() == {"error": {"code": "not_authenticated", "message": "身份认证信息未提供。",
                                             "fields": {}}}


def test_bad_token_is_refused(api, township_a):
    response = api(token="0" * 40).get("/t/alpha/api/v1/members/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"] == {"code": "authentication_failed", "message": "认证令牌无效。", "fields": {}}
