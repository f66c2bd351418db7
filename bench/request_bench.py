"""Request overhead: the same read through a township URL and called directly with the tenant set.

One township (`BENCH_MEMBERS` members, default 2,000, in 40 branches; a year of ledger rows, the
member of the points card with about 60 of them), a township-office user. For each page, median of
`BENCH_REPEAT` (default 15) after a warm-up, measured side by side in one run:

  - `<page>_url`: the whole request through Django's test client (`/t/<code>/...`: tenant
    middleware, session, authentication, access, the view, the template), with its statements;
  - `<page>_view`: the view function called directly (request built by hand with the tenant, user
    and access set, as the middleware leaves it), so `_url / _view` is the middleware's share;
  - `<page>_selector`: the selector alone with the tenant set (the member list's first page; the
    points card of one member), so `_url / _selector` is the township request overhead the issue
    targets (at most 1.3 x).

Pages: the member list (`/t/<code>/members/`) and a member's points card
(`/t/<code>/scoring/members/<id>/card/`). Own database (`BENCH_DATABASE_NAME`, default
`bench_request`).
"""
from __future__ import annotations

import os
import sys

import _common
from _common import out

_common.setup("request")

from django.db import connection  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from common import clock  # noqa: E402

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "2000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
YEAR = clock.today().year


def direct_request(path: str, township, user):
    """A GET request as the middleware leaves it: tenant, URL configuration, session, user, access."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory
    from django.urls import set_urlconf
    from django_tenants.urlresolvers import get_subfolder_urlconf

    from accounts.access import access_for

    request = RequestFactory().get(path)
    township.domain_subfolder = township.code
    request.tenant = township
    request.urlconf = get_subfolder_urlconf(township)
    set_urlconf(request.urlconf)
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request._messages = FallbackStorage(request)
    request.user = user
    request.access = access_for(user, township)
    request.LANGUAGE_CODE = "zh-hans"
    request.csp_nonce = "bench"
    return request


def main() -> int:
    from django.test import Client
    from django.urls import resolve, set_urlconf

    from accounts.access import access_for
    from accounts.models import Role, RoleAssignment, User
    from scoring.ledger.selectors import member_points_card
    from tenants.organisation.selectors import member_list

    with _common.bench_database():
        township = _common.township_new("req", "请求镇")
        user = User.objects.create(username="req-office", full_name="镇党建办")
        RoleAssignment.objects.create(user=user, township=township, role=Role.TOWNSHIP_OFFICE)
        with tenant_context(township):
            member_ids, _branches = _common.organisation_load(villages=40, members=MEMBERS)
            rule_ids = _common.catalogue_load(YEAR)
            postings = _common.postings_make(member_ids, rule_ids, len(member_ids) * 6, YEAR, until=clock.today())
            postings += _common.postings_make(member_ids[:1], rule_ids, 60, YEAR, seed=9, until=clock.today())[1:]
            _common.ledger_load(postings)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        card_member = member_ids[0]
        client = Client()
        client.force_login(user)
        pages = {
            "member_list": (f"/t/{township.code}/members/",
                            lambda access: list(member_list(access=access, filters={})[:20])),
            "points_card": (f"/t/{township.code}/scoring/members/{card_member}/card/",
                            lambda access: member_points_card(access=access, member_id=card_member)),
        }
        for page, (path, selector) in pages.items():
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            url_sql = _common.statements(lambda path=path: client.get(path))
            url_ms = _common.median_ms(lambda path=path: client.get(path), REPEAT)
            connection.set_schema_to_public()

            with tenant_context(township):
                request = direct_request(path, township, user)
                match = resolve(path, request.urlconf)

                def view(path=path, match=match):
                    response = match.func(direct_request(path, township, user), *match.args, **match.kwargs)
                    assert response.status_code == 200, response.status_code
                    return response

                view_sql = _common.statements(view)
                view_ms = _common.median_ms(view, REPEAT)
                access = access_for(user, township)
                selector_sql = _common.statements(lambda selector=selector, access=access: selector(access))
                selector_ms = _common.median_ms(lambda selector=selector, access=access: selector(access), REPEAT)
                set_urlconf(None)
            out(f"{page}_url", f"{url_ms:.2f}", f"ms ({len(url_sql)} statements, "
                f"{sum(s.startswith('SET search_path') for s in url_sql)} of them SET search_path)")
            out(f"{page}_view", f"{view_ms:.2f}", f"ms ({len(view_sql)} statements)")
            out(f"{page}_selector", f"{selector_ms:.2f}", f"ms ({len(selector_sql)} statements)")
            out(f"{page}_url_vs_view", f"{url_ms / view_ms:.2f}", "x (the middleware's share)")
            out(f"{page}_url_vs_selector", f"{url_ms / selector_ms:.2f}", "x (target <= 1.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
