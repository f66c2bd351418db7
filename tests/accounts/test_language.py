"""Language (issue 14 defects): English chosen on the login page survives the login and is saved
on the account; a choice in the menu is saved too; Django's password messages are in the UI's
language; no Chinese in the English UI's own strings."""
from __future__ import annotations

import pytest
from django.conf import settings

from accounts.models import User
from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"  # tests.factories.UserFactory's
COOKIE = settings.LANGUAGE_COOKIE_NAME


def test_english_chosen_on_the_login_page_survives_login_and_is_saved(client):
    user = UserFactory(username="wang")
    assert user.language == "zh-hans"
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert client.cookies[COOKIE].value == "en"
    assert "Log in" in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/login/", {"username": "wang", "password": PASSWORD})
    assert response.status_code == 302
    assert client.cookies[COOKIE].value == "en"
    user.refresh_from_db()
    assert user.language == "en"
    assert AuditEvent.objects.filter(action="user.language_set", object_id=str(user.pk)).count() == 1
    # Another device (no cookie) gets English from the account.
    other = type(client)()
    other.post("/accounts/login/", {"username": "wang", "password": PASSWORD})
    assert other.cookies[COOKIE].value == "en"


def test_login_without_a_choice_uses_the_saved_language(client):
    UserFactory(username="li", language="en")
    client.post("/accounts/login/", {"username": "li", "password": PASSWORD})
    assert client.cookies[COOKIE].value == "en"
    assert User.objects.get(username="li").language == "en"
    assert not AuditEvent.objects.filter(action="user.language_set").exists()


def test_language_chosen_in_the_menu_is_saved_on_the_account(client):
    user = UserFactory(username="zhao")
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})  # not offered: ignored
    user.refresh_from_db()
    assert user.language == "en"


def test_password_messages_follow_the_ui_language(client):
    user = UserFactory(username="sun")
    client.force_login(user)
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password": "abc",
                                                    "new_password_again": "abc"})
    html = response.content.decode()
    assert "密码太短，至少需要 8 个字符。" in html
    assert "This password is too short" not in html
    client.cookies[COOKIE] = "en"
    html = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password": "abc",
                                               "new_password_again": "abc"}).content.decode()
    assert "This password is too short. It must contain at least 8 characters." in html
    assert "密码" not in html
