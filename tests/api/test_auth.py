import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_stored_rollups")]

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
    assert AccessAttempt.objects.get(username="someone").failures_since_start == 1


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
    # Another address is not locked out: the owner still gets in.
    assert api().post("/api/v1/auth/token/", {"username": "target", "password": PASSWORD}).status_code == 200


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


def test_forwarded_headers_are_ignored_unless_the_peer_is_a_trusted_proxy(api, settings):
    """Rotating X-Forwarded-For must not rotate the throttle's key (the audit's 30 of 30)."""
    client = api()
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    statuses = [
        client.post("/api/v1/auth/token/", {"username": f"nobody-{i}", "password": "x"},
                    HTTP_X_FORWARDED_FOR=f"192.0.2.{i + 1}").status_code
        for i in range(rate + 5)
    ]
    assert statuses.count(429) == 5

    # Behind a configured proxy, the client's address from the header counts.
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    behind = api()
    for i in range(rate + 2):
        response = behind.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"},
                               HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}, 10.1.1.1")
        assert response.status_code == 400  # every attempt from another client address


def test_the_login_page_is_throttled_per_address(client, settings):
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    pages = [client.post("/accounts/login/", {"username": f"nobody-{i}", "password": "x"},
                         REMOTE_ADDR="198.51.100.20").content.decode() for i in range(rate + 3)]
    refused = [page for page in pages if "该网络的登录尝试过多" in page]
    assert len(refused) == 3
    other = client.post("/accounts/login/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="198.51.100.21")
    assert "该网络的登录尝试过多" not in other.content.decode()


def test_guessing_one_account_from_many_addresses_spares_its_owner(api, make_user, settings):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 6
    make_user(None, username="admin-x")
    home = api()
    assert home.post("/api/v1/auth/token/", {"username": "admin-x", "password": PASSWORD}).status_code == 200
    for _ in range(6):  # six attackers, one try each
        assert api().post("/api/v1/auth/token/", {"username": "admin-x", "password": "guess"}).status_code == 400
    stranger = api().post("/api/v1/auth/token/", {"username": "admin-x", "password": PASSWORD})
    assert stranger.status_code == 403
    assert stranger.json()["error"]["code"] == "account_guarded"
    # The owner's usual address still works.
    assert home.post("/api/v1/auth/token/", {"username": "admin-x", "password": PASSWORD}).status_code == 200


def test_the_county_admin_sees_and_lifts_lockouts(client, make_user, settings):
    from audit.models import AuditEvent

    make_user(None, username="victim")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "victim", "password": "bad"}, REMOTE_ADDR="198.51.100.30")
    office = make_user(None, username="someone-else")
    client.force_login(office)
    assert client.get("/accounts/lockouts/").status_code == 403
    admin = make_user("county_admin", username="county")
    client.force_login(admin)
    page = client.get("/accounts/lockouts/").content.decode()
    assert "victim" in page
    assert "198.51.100.30" in page
    attempt = AccessAttempt.objects.get(username="victim")
    assert client.post("/accounts/lockouts/", {"attempt": attempt.pk}).status_code == 302
    assert not AccessAttempt.objects.filter(username="victim").exists()
    assert AuditEvent.objects.filter(action="login.unlock", object_id="victim").exists()
    client.logout()
    response = client.post("/accounts/login/", {"username": "victim", "password": PASSWORD},
                           REMOTE_ADDR="198.51.100.30")
    assert response.status_code == 302


def test_tokens_expire_and_can_be_revoked_by_their_user_and_the_township_office(api, make_user, township_a, clock,
                                                                               settings):
    from accounts.models import Role as R

    clerk = make_user(R.CLERK, township_a, username="clerk-t", village_ids=[])
    token = api().post("/api/v1/auth/token/", {"username": "clerk-t", "password": PASSWORD}).json()["token"]
    client = api(token=token)
    assert client.get("/api/v1/me/").status_code == 200
    # Expiry: after the lifetime the token is refused, and a new login issues a new one.
    clock.set(clock.now() + timezone.timedelta(days=settings.API_TOKEN_TTL_DAYS, minutes=1))
    expired = client.get("/api/v1/me/")
    assert (expired.status_code, expired.json()["error"]["code"]) == (401, "token_expired")
    fresh = api().post("/api/v1/auth/token/", {"username": "clerk-t", "password": PASSWORD}).json()["token"]
    assert fresh != token
    # The user revokes it.
    client = api(token=fresh)
    assert client.delete("/api/v1/me/token/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401
    # The township office revokes someone's in its township, not a county admin's or an outsider's.
    again = api().post("/api/v1/auth/token/", {"username": "clerk-t", "password": PASSWORD}).json()["token"]
    office = api(token=api().post("/api/v1/auth/token/", {
        "username": make_user(R.TOWNSHIP_OFFICE, township_a, username="office-t").username,
        "password": PASSWORD}).json()["token"])
    admin = make_user(R.COUNTY_ADMIN, username="admin-t")
    assert office.delete(f"/t/alpha/api/v1/people/{admin.pk}/token/").status_code == 400
    assert office.delete(f"/t/alpha/api/v1/people/{clerk.pk}/token/").status_code == 204
    assert api(token=again).get("/api/v1/me/").status_code == 401
    assert api(token=again).get("/t/alpha/api/v1/me/").status_code == 401
    clerk_client = api(user=clerk)
    assert clerk_client.delete(f"/t/alpha/api/v1/people/{admin.pk}/token/").status_code == 403


def test_schema_and_docs_need_a_login_in_production(api, township_a, make_user):
    assert api().get("/api/v1/schema/").status_code == 401
    assert api().get("/t/alpha/api/v1/schema/").status_code == 401
    assert api(user=make_user(Role.TOWNSHIP_OFFICE, township_a)).get("/t/alpha/api/v1/schema/").status_code == 200


def test_production_headers_and_cookies(client, make_user, settings):
    assert settings.SESSION_COOKIE_SECURE
    assert settings.CSRF_COOKIE_SECURE
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "script-src 'self';" in policy + ";"  # no inline script allowed
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response.cookies["csrftoken"]["secure"]
