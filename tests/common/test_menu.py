"""Every page's menu is kept once rendered (common.menu) per access, township, language and URL
configuration: what it shows must be what rendering it afresh shows, for every kind of visitor,
and never another township's or another language's menu."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.urls import set_urlconf
from django.utils import translation

from accounts.access import Access
from accounts.models import Role
from common import menu
from tenants.townships.middleware import TownshipMiddleware

pytestmark = pytest.mark.django_db

ACCESSES = {
    "office": {"roles": frozenset({Role.TOWNSHIP_OFFICE})},
    "clerk": {"roles": frozenset({Role.CLERK}), "village_ids": frozenset({1, 2})},
    "secretary": {"roles": frozenset({Role.BRANCH_SECRETARY}), "branch_ids": frozenset({3})},
    "member": {"roles": frozenset({Role.MEMBER}), "member_id": 4},
    "member without record": {"roles": frozenset({Role.MEMBER})},
    "supervision": {"roles": frozenset({Role.SUPERVISION_OFFICE})},
    "county admin": {"is_county_admin": True},
}


def _in(township):
    if township is None:  # the county's pages, as the middleware routes them
        set_urlconf(settings.PUBLIC_SCHEMA_URLCONF)
        return
    township.domain_subfolder = township.code
    set_urlconf(TownshipMiddleware.get_urlconf(township))


@pytest.fixture(autouse=True)
def _forget_menus():
    menu._menus.clear()
    yield
    menu._menus.clear()
    set_urlconf(None)


def test_kept_menus_are_the_menus_rendered_afresh(township_a, township_b):
    seen = {}
    for _round in range(2):  # the second round answers from what the first kept
        for township in (township_a, township_b, None):
            _in(township)
            for name, scope in ACCESSES.items():
                access = Access(user_id=9, township_id=township.pk if township else None, **scope)
                for language in ("zh-hans", "en"):
                    with translation.override(language):
                        kept = menu.menu_html(access=access, township=township, home_url="/")
                        assert kept == menu._render(access, township, "/"), (township, name, language)
                    seen[(township.code if township else None, name, language)] = kept
    assert len(menu._menus) == len(seen)
    office_a, office_b = seen[("alpha", "office", "zh-hans")], seen[("beta", "office", "zh-hans")]
    assert 'href="/t/alpha/members/"' in office_a
    assert "/t/beta/" not in office_a
    assert 'href="/t/beta/members/"' in office_b
    assert "/t/alpha/" not in office_b
    assert seen[("alpha", "office", "en")] != office_a
    assert 'href="/t/alpha/members/"' not in seen[("alpha", "member", "zh-hans")]
    assert 'href="/t/alpha/members/4/"' in seen[("alpha", "member", "zh-hans")]


def test_at_most_menus_kept_are_kept(township_a, monkeypatch):
    monkeypatch.setattr(menu, "MENUS_KEPT", 3)
    _in(township_a)
    for user_id in range(5):
        menu.menu_html(access=Access(user_id=user_id, township_id=township_a.pk,
                                     roles=frozenset({Role.TOWNSHIP_OFFICE})), township=township_a, home_url="/")
    assert len(menu._menus) == 3


def test_pages_show_the_menu_of_their_visitor(client, make_user, township_a):
    office, member_only = make_user(Role.TOWNSHIP_OFFICE, township_a), make_user(Role.MEMBER, township_a)
    client.force_login(office)
    office_page = client.get("/t/alpha/scoring/catalogue/").content.decode()
    client.force_login(member_only)
    member_page = client.get("/t/alpha/scoring/periods/publications/").content.decode()
    connection.set_schema_to_public()
    assert 'href="/t/alpha/members/"' in office_page
    assert 'href="/t/alpha/members/"' not in member_page
    assert 'href="/t/alpha/scoring/periods/publications/"' in member_page
