"""Branded 403/404/500 pages: the product's layout and language with a way back; the township's
menu inside a township; the API keeps its JSON errors."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_stored_rollups")]


def test_403_inside_a_township_is_branded_with_the_township_menu(client, township_a, make_user):
    member_user = make_user("clerk", township_a)
    client.force_login(member_user)
    response = client.get("/t/alpha/people/")  # the people pages are the office's
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "无权访问" in html
    assert "Forbidden" not in html
    assert 'href="/t/alpha/"' in html  # back to the township
    assert 'class="nav"' in html  # the township's menu is kept
    assert "/t/alpha/scoring/entries/" in html


def test_403_in_english_when_chosen(client, township_a, make_user):
    client.force_login(make_user("clerk", township_a))
    client.cookies["django_language"] = "en"
    html = client.get("/t/alpha/people/").content.decode()
    assert "Not allowed" in html
    assert "无权访问" not in html


def test_404_is_branded_in_a_township_and_in_the_county(client, township_a, make_user):
    client.force_login(make_user("township_office", township_a))
    response = client.get("/t/alpha/villages/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert 'href="/t/alpha/"' in html
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert 'href="/"' in response.content.decode()


def test_anonymous_404_offers_login(client):
    html = client.get("/no-such-page/").content.decode()
    assert "页面不存在" in html
    assert 'href="/accounts/login/"' in html


def test_500_is_branded_and_the_api_keeps_json(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.utils import translation

    from common import views

    request = rf.get("/somewhere/")
    request.user = AnonymousUser()
    with translation.override("zh-hans"):
        response = views.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "出错了" in html
    assert 'href="/"' in html
    api = views.server_error(rf.get("/api/v1/townships/"))
    assert api.status_code == 500
    assert api["Content-Type"] == "application/json"


def test_handlers_are_installed_for_county_and_townships():
    from config import urls_public, urls_tenant

    for urls in (urls_public, urls_tenant):
        assert urls.handler403 == "common.views.permission_denied"
        assert urls.handler404 == "common.views.not_found"
        assert urls.handler500 == "common.views.server_error"


def test_api_403_stays_json(rf):
    from django.core.exceptions import PermissionDenied

    from common import views

    response = views.permission_denied(rf.get("/t/alpha/api/v1/members/"), PermissionDenied("nope"))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
