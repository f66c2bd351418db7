"""`{% id_url %}` (common.reverse.id_reverse) gives each row's link what `{% url %}` gives, with one
`reverse` per township and page kind instead of one per row: the township's own prefix, any id."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_urlconf

from accounts.models import Role
from common.reverse import id_reverse
from tenants.townships.middleware import TownshipMiddleware
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _urlconf(township):
    township.domain_subfolder = township.code
    return TownshipMiddleware.get_urlconf(township)


@pytest.mark.parametrize("pk", [0, 1, 7, 10, 987, 2**40])
def test_the_same_as_reverse_in_each_township(township_a, township_b, pk):
    try:
        for township in (township_a, township_b):
            set_urlconf(_urlconf(township))
            expected = reverse("organisation:member_detail", args=[pk])
            assert expected.startswith(f"/t/{township.code}/")
            assert id_reverse("organisation:member_detail", pk) == expected
            tag = Template("{% load common_urls %}{% id_url 'organisation:member_detail' pk %}")
            url = Template("{% url 'organisation:member_detail' pk %}")
            assert tag.render(Context({"pk": pk})) == url.render(Context({"pk": pk})) == expected
    finally:
        set_urlconf(None)


def test_anything_but_an_integer_id_goes_to_reverse(township_a):
    try:
        set_urlconf(_urlconf(township_a))
        assert id_reverse("organisation:member_detail", "12") == reverse("organisation:member_detail", args=["12"])
        with pytest.raises(NoReverseMatch):
            id_reverse("organisation:member_detail", "x")
        with pytest.raises(NoReverseMatch):
            id_reverse("organisation:member_list", 3)  # a URL without an id
    finally:
        set_urlconf(None)


def test_member_list_links_point_into_their_own_township(client, make_user, township_a, township_b, in_township):
    client.force_login(make_user(Role.COUNTY_ADMIN))
    for township in (township_a, township_b):
        with in_township(township):
            ids = {MemberFactory().pk for _ in range(3)}
        response = client.get(f"/t/{township.code}/members/")
        connection.set_schema_to_public()
        links = re.findall(r'href="(/t/[a-z]+/members/\d+/)"', response.content.decode())
        assert {int(link.rstrip("/").rsplit("/", 1)[1]) for link in links} >= ids
        assert all(link.startswith(f"/t/{township.code}/members/") for link in links)
