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

Pages: the member list (`/t/<code>/members/`, its first page of `PAGE_SIZE` members: the selector
side reads the same number) and a member's points card (`/t/<code>/scoring/members/<id>/card/`).
Own database (`BENCH_DATABASE_NAME`, default `bench_request`).

The three measures of a page run in turn (URL, view, selector, URL, ...), so a machine shared with
other work slows all three alike; each is given as the median and the fastest run (the fastest is
the nearest to an idle machine), and both ratios.
"""
from __future__ import annotations

import os
import statistics
import sys
import time

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

    from accounts.access import access_for
    from tenants.townships.middleware import TownshipMiddleware

    request = RequestFactory().get(path)
    township.domain_subfolder = township.code
    request.tenant = township
    request.urlconf = TownshipMiddleware.get_urlconf(township)  # the township's, kept as requests keep it
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
    from tenants.organisation.views import PAGE_SIZE
    from tenants.townships.middleware import TownshipMiddleware

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
                            lambda access: list(member_list(access=access, filters={})[:PAGE_SIZE])),
            "points_card": (f"/t/{township.code}/scoring/members/{card_member}/card/",
                            lambda access: member_points_card(access=access, member_id=card_member)),
        }
        access = access_for(user, township)
        township.domain_subfolder = township.code
        for page, (path, selector) in pages.items():
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            url_sql = _common.statements(lambda path=path: client.get(path))
            connection.set_schema_to_public()
            match = resolve(path, TownshipMiddleware.get_urlconf(township))

            def url(path=path):
                connection.set_schema_to_public()  # as a new request finds the connection
                started = time.perf_counter()
                client.get(path)
                return time.perf_counter() - started

            def schema_set():
                with connection.cursor() as cursor:  # the SET search_path, outside the timing
                    cursor.execute("SELECT 1")

            def view(path=path, match=match):
                with tenant_context(township):
                    schema_set()
                    started = time.perf_counter()
                    response = match.func(direct_request(path, township, user), *match.args, **match.kwargs)
                    took = time.perf_counter() - started
                    set_urlconf(None)
                assert response.status_code == 200, response.status_code
                return took

            def alone(selector=selector):
                with tenant_context(township):
                    schema_set()
                    started = time.perf_counter()
                    selector(access)
                    return time.perf_counter() - started

            with tenant_context(township):
                schema_set()
                selector_sql = _common.statements(lambda selector=selector: selector(access))
                view_sql = [sql for sql in _common.statements(lambda view=view: view()) if sql != "SELECT 1"]
            times = {"url": [], "view": [], "selector": []}
            for run in (url, view, alone):  # warm-up
                run()
            for _ in range(REPEAT):
                for name, run in (("url", url), ("view", view), ("selector", alone)):
                    times[name].append(run() * 1000)
            connection.set_schema_to_public()
            median = {name: statistics.median(values) for name, values in times.items()}
            fastest = {name: min(values) for name, values in times.items()}
            out(f"{page}_url", f"{median['url']:.2f}", f"ms, fastest {fastest['url']:.2f} ms ({len(url_sql)} statements, "
                f"{sum(s.startswith('SET search_path') for s in url_sql)} of them SET search_path)")
            out(f"{page}_view", f"{median['view']:.2f}", f"ms, fastest {fastest['view']:.2f} ms "
                f"({len(view_sql)} statements)")
            out(f"{page}_selector", f"{median['selector']:.2f}", f"ms, fastest {fastest['selector']:.2f} ms "
                f"({len(selector_sql)} statements)")
            out(f"{page}_url_vs_view", f"{median['url'] / median['view']:.2f}",
                f"x, fastest {fastest['url'] / fastest['view']:.2f} x (the middleware's share)")
            out(f"{page}_url_vs_selector", f"{median['url'] / median['selector']:.2f}",
                f"x, fastest {fastest['url'] / fastest['selector']:.2f} x (target <= 1.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
