"""Rewards pages and API: honours entered and verified on the page, the charts' figures (json_script
plus a table, no inline script), the points card's tier reason, shortlist Excel and print, the
township and county APIs, and another township seeing nothing."""
from __future__ import annotations

import io
import json

import pytest
from django.db import connection
from openpyxl import load_workbook

from scoring.rewards import services
from scoring.rewards.county.models import HonourTemplate, StarRuleVersion, SubmittedShortlist
from scoring.rewards.county.services import star_rule_version_create
from scoring.rewards.models import Honour, Shortlist
from tests.scoring.rewards_world import acc, certificate, honour, make_world, member, rate, this_year

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def world(township_a, in_township, make_user, scoring_setup):
    return make_world(township=township_a, in_township=in_township, make_user=make_user, scoring_setup=scoring_setup,
                      year=this_year())


def _call(client, method, path, data=None, **extra):
    try:
        return getattr(client, method)(path, data or {}, **extra)
    finally:
        connection.set_schema_to_public()


def _login(client, user):
    client.force_login(user)
    return client


def test_clerk_enters_an_honour_on_the_page_and_the_office_verifies_it(client, world, in_township):
    with in_township(world.township):
        who = member(world, "页面党员")
    _login(client, world.users.clerk)
    page = _call(client, "get", "/t/alpha/rewards/honours/").content.decode()
    assert "录入荣誉" in page
    assert "页面党员" in page
    assert "最美X人" in page
    response = _call(client, "post", "/t/alpha/rewards/honours/new/", {
        "member": who.pk, "kind": "DDMF", "level": "county", "issuer": "县文明委", "title": "县级道德模范",
        "awarded_on": "", "certificates": certificate()})
    assert response.status_code == 302
    with in_township(world.township):
        assert not Honour.objects.exists()  # no date: refused, nothing written
    from common import clock

    response = _call(client, "post", "/t/alpha/rewards/honours/new/", {
        "member": who.pk, "kind": "DDMF", "level": "county", "issuer": "县文明委", "title": "县级道德模范",
        "awarded_on": clock.today().isoformat(), "certificates": certificate()})
    assert response.status_code == 302
    with in_township(world.township):
        item = Honour.objects.get()
    # The clerk sees the honour but has no verify button; the home page with tiers is the office's.
    detail = _call(client, "get", f"/t/alpha/rewards/honours/{item.pk}/").content.decode()
    assert "县级道德模范" in detail
    assert "核实" not in detail.split("证书", 1)[1].split("</ul>", 1)[1]
    assert _call(client, "get", "/t/alpha/rewards/").status_code == 403
    assert _call(client, "post", f"/t/alpha/rewards/honours/{item.pk}/verify/").status_code == 403
    with in_township(world.township):
        item_cert = item.certificates.get()
    cert = _call(client, "get", f"/t/alpha/rewards/honours/{item.pk}/certificates/{item_cert.pk}/")
    assert cert.status_code == 200
    assert cert["X-Content-Type-Options"] == "nosniff"
    _login(client, world.users.office)
    assert _call(client, "post", f"/t/alpha/rewards/honours/{item.pk}/verify/").status_code == 302
    with in_township(world.township):
        item.refresh_from_db()
        assert (item.status, item.entry.source) == ("verified", f"honour:{item.pk}")


def test_overview_charts_carry_their_figures_as_json_and_tables_and_the_card_shows_the_tier(client, world,
                                                                                          in_township):
    star_rule_version_create(actor=world.users.county, year=world.year,
                             conditions=[{"code": "rating_excellent"}, {"code": "tier", "min_tier": 2}], note="规则")
    with in_township(world.township):
        star = member(world, "星级党员")
        honour(world, star, level="county")
        rate(star, world.year, "excellent")
        plain = member(world, "普通党员")
        rate(plain, world.year, "qualified")
        services.star_evaluate(actor=world.users.office, year=world.year)
    _login(client, world.users.office)
    page = _call(client, "get", f"/t/alpha/rewards/?year={world.year}").content.decode()
    tier_data = json.loads(page.split('<script id="tier-chart-data" type="application/json">', 1)[1]
                           .split("</script>", 1)[0])
    assert tier_data["labels"][0] == "无星级"
    assert sum(tier_data["datasets"][0]["data"]) == 2
    assert tier_data["datasets"][0]["data"][2] == 1  # the two-star member
    funnel = json.loads(page.split('<script id="funnel-chart-data" type="application/json">', 1)[1]
                        .split("</script>", 1)[0])
    assert funnel["datasets"][0]["data"] == [2, 1, 1]
    assert 'data-chart-source="funnel-chart-data"' in page
    assert "chart.umd.min.js" in page
    assert "<td>二星党员</td><td>1</td>" in page  # the same figures as a table
    assert "星级党员" in page  # the eligible member listed
    stars = _call(client, "get", f"/t/alpha/rewards/stars/?year={world.year}&eligible=0").content.decode()
    assert "普通党员" in stars
    assert "年度评定：合格" in stars
    assert "星级党员 ·" not in stars
    card = _call(client, "get", f"/t/alpha/scoring/members/{star.pk}/card/?year={world.year}").content.decode()
    assert "二星党员" in card
    assert "荣誉分4.00" in card


def test_shortlist_pages_export_and_print_and_submit(client, world, in_township):
    with in_township(world.township):
        who = member(world, "推荐党员")
        honour(world, who, level="province")
        office = acc(world.users.office, world.township)
        shortlist = services.shortlist_generate(actor=world.users.office, access=office, kind="july1",
                                                year=world.year)
    _login(client, world.users.office)
    page = _call(client, "get", f"/t/alpha/rewards/shortlists/{shortlist.pk}/").content.decode()
    assert "推荐党员" in page
    assert "省级道德模范" not in page
    assert "先进个人" in page
    export = _call(client, "get", f"/t/alpha/rewards/shortlists/{shortlist.pk}/export/")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2] == "推荐党员"
    assert rows[1][4] == "四星党员"
    assert "先进个人" in rows[1][10]
    printed = _call(client, "get", f"/t/alpha/rewards/shortlists/{shortlist.pk}/print/").content.decode()
    assert "data-print" in printed
    assert "推荐党员" in printed
    assert _call(client, "post", f"/t/alpha/rewards/shortlists/{shortlist.pk}/submit/").status_code == 302
    with in_township(world.township):
        shortlist.refresh_from_db()
        assert shortlist.status == Shortlist.Status.SUBMITTED
    county = _login(client, world.users.county)
    page = _call(county, "get", f"/rewards/?year={world.year}").content.decode()
    assert "推荐党员" in page
    assert world.township.name in page


def test_township_api_honours_tiers_stars_and_shortlists(client, world, in_township):
    from common import clock

    star_rule_version_create(actor=world.users.county, year=world.year, conditions=[{"code": "tier", "min_tier": 1}],
                             note="规则")
    with in_township(world.township):
        who = member(world, "接口党员")
        other = member(world, "外支部", branch=world.other_branch)
    _login(client, world.users.clerk)
    created = _call(client, "post", "/t/alpha/api/v1/rewards/honours/", {
        "member": who.pk, "kind": "BZ", "level": "township", "issuer": "镇党委", "title": "优秀党员",
        "awarded_on": clock.today().isoformat(), "certificates": [certificate()]})
    assert created.status_code == 201, created.content
    honour_id = created.json()["id"]
    bad = _call(client, "post", "/t/alpha/api/v1/rewards/honours/", {
        "member": who.pk, "kind": "BZ", "level": "township", "issuer": "镇党委", "title": "优秀党员",
        "awarded_on": clock.today().isoformat()})
    assert bad.status_code == 400
    assert "evidence" in json.dumps(bad.json())
    assert _call(client, "post", f"/t/alpha/api/v1/rewards/honours/{honour_id}/verify/").status_code == 403
    assert _call(client, "get", "/t/alpha/api/v1/rewards/tiers/").status_code == 403
    _login(client, world.users.office)
    verified = _call(client, "post", f"/t/alpha/api/v1/rewards/honours/{honour_id}/verify/")
    assert verified.status_code == 200
    assert verified.json()["status"] == "verified"
    again = _call(client, "post", f"/t/alpha/api/v1/rewards/honours/{honour_id}/verify/")
    assert again.status_code == 409
    tiers = _call(client, "get", f"/t/alpha/api/v1/rewards/tiers/?year={world.year}").json()
    assert [(t["member_name"], t["tier"]) for t in tiers["tiers"]] == [("接口党员", 1)]
    stars = _call(client, "post", "/t/alpha/api/v1/rewards/stars/", {"year": world.year},
                  content_type="application/json").json()
    assert (stars["rule_version"], stars["eligible"], stars["funnel"][0]["holds"]) == (1, 1, 1)
    made = _call(client, "post", "/t/alpha/api/v1/rewards/shortlists/", {"kind": "year_end", "year": world.year},
                 content_type="application/json")
    assert made.status_code == 201
    assert [c["member_name"] for c in made.json()["candidates"]] == ["接口党员"]
    shortlist_id = made.json()["id"]
    edited = _call(client, "post", f"/t/alpha/api/v1/rewards/shortlists/{shortlist_id}/edit/",
                   {"member": other.pk, "action": "add", "reason": "群众推荐"}, content_type="application/json")
    assert edited.status_code == 200
    assert len(edited.json()["candidates"]) == 2
    submitted = _call(client, "post", f"/t/alpha/api/v1/rewards/shortlists/{shortlist_id}/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    locked = _call(client, "post", f"/t/alpha/api/v1/rewards/shortlists/{shortlist_id}/edit/",
                   {"member": other.pk, "action": "remove", "reason": "x"}, content_type="application/json")
    assert locked.status_code == 409


def test_county_api_sets_templates_and_rule_versions_and_lists_submissions(client, world, make_user, township_a):
    year = world.year + 1
    county = _login(client, world.users.county)
    body = {"year": year, "rule_code": "H01", "village_points": "1", "township_points": "2", "county_points": "3",
            "city_points": "5", "province_points": "8", "one_star": "1", "two_star": "2", "three_star": "4",
            "four_star": "6", "five_star": "8", "outstanding": "12", "veto_tier_cap": 0, "shortlist_size": 5,
            "kinds": [{"code": "ZMR", "name": "最美X人"}]}
    response = _call(county, "post", "/api/v1/rewards/honour-templates/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert HonourTemplate.objects.get(year=year).county_points == 3
    falling = {**body, "two_star": "0.5"}
    assert _call(county, "post", "/api/v1/rewards/honour-templates/", falling,
                 content_type="application/json").status_code == 400
    rule = {"year": year, "note": "两组条件", "conditions": [
        {"group": 1, "code": "rating_excellent"}, {"group": 1, "code": "honours", "kinds": ["ZMR"]},
        {"group": 2, "code": "tier", "min_tier": 3}]}
    created = _call(county, "post", "/api/v1/rewards/star-rules/", rule, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["version"] == 1
    assert len(created.json()["conditions"]) == 3
    assert StarRuleVersion.objects.get(year=year).conditions.filter(group=2).get().min_tier == 3
    listed = _call(county, "get", f"/api/v1/rewards/star-rules/?year={year}").json()
    assert [r["version"] for r in listed] == [1]
    assert _call(county, "get", "/api/v1/rewards/shortlists/").status_code == 200
    office = _login(client, world.users.office)
    assert _call(office, "get", "/api/v1/rewards/star-rules/").status_code == 403
    assert _call(office, "get", "/rewards/").status_code == 403


def test_another_townships_office_sees_no_honour_shortlist_or_certificate(client, world, township_b, in_township,
                                                                         make_user):
    with in_township(world.township):
        who = member(world, "阿尔法党员")
        item = honour(world, who, level="county")
        shortlist = services.shortlist_generate(actor=world.users.office, access=acc(world.users.office,
                                                world.township), kind="july1", year=world.year)
        cert = item.certificates.get()
    other = make_user("township_office", township_b)
    _login(client, other)
    assert _call(client, "get", f"/t/beta/rewards/honours/{item.pk}/").status_code == 404
    assert _call(client, "get", f"/t/beta/rewards/honours/{item.pk}/certificates/{cert.pk}/").status_code == 404
    assert _call(client, "get", f"/t/beta/rewards/shortlists/{shortlist.pk}/").status_code == 404
    assert "阿尔法党员" not in _call(client, "get", "/t/beta/rewards/honours/").content.decode()
    assert _call(client, "get", f"/t/beta/api/v1/rewards/honours/{item.pk}/").status_code == 404
    assert _call(client, "get", "/t/beta/api/v1/rewards/shortlists/").json()["results"] == []
    # alpha's office cannot reach into beta with alpha's session either: no role there.
    _login(client, world.users.office)
    assert _call(client, "get", "/t/beta/rewards/honours/").status_code == 403
    assert SubmittedShortlist.objects.count() == 0
