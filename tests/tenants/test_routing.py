"""Path routing keeps one URLconf per township for the life of the process, so Django's resolver
(built once per URLconf) is reused instead of rebuilt on every township request, and each
township's URLs still carry its own prefix."""
from __future__ import annotations

import pytest
from django.db import connection
from django.urls import get_resolver

from accounts.models import Role

pytestmark = pytest.mark.django_db


def get(client, path):
    try:
        response = client.get(path)
    finally:
        connection.set_schema_to_public()
    assert response.status_code == 200, path
    return response


def test_each_township_keeps_its_urlconf_and_resolver_across_requests(client, make_user, township_a, township_b):
    client.force_login(make_user(Role.COUNTY_ADMIN))
    first_alpha = get(client, "/t/alpha/members/")
    first_beta = get(client, "/t/beta/members/")
    resolvers = [get_resolver(first_alpha.wsgi_request.urlconf), get_resolver(first_beta.wsgi_request.urlconf)]
    again_alpha = get(client, "/t/alpha/members/")
    again_beta = get(client, "/t/beta/members/")
    # The same, already built resolvers serve the next requests: nothing is rebuilt.
    assert [get_resolver(again_alpha.wsgi_request.urlconf), get_resolver(again_beta.wsgi_request.urlconf)] == resolvers
    assert all(resolver._populated for resolver in resolvers)
    assert again_alpha.wsgi_request.urlconf is first_alpha.wsgi_request.urlconf
    assert again_beta.wsgi_request.urlconf is first_beta.wsgi_request.urlconf
    assert first_alpha.wsgi_request.urlconf is not first_beta.wsgi_request.urlconf
    # Links on each page point into its own township.
    assert 'href="/t/alpha/members/"' in again_alpha.content.decode()
    assert 'href="/t/beta/members/"' in again_beta.content.decode()
    assert "/t/alpha/" not in again_beta.content.decode()


def test_unknown_and_unready_townships_are_still_not_found(client, make_user, township_a):
    from tenants.townships.models import Township

    client.force_login(make_user(Role.COUNTY_ADMIN))
    assert client.get("/t/nowhere/members/").status_code == 404
    Township.objects.filter(pk=township_a.pk).update(status=Township.Status.ARCHIVED)
    response = client.get("/t/alpha/members/")
    connection.set_schema_to_public()
    assert response.status_code == 404
