"""Catalogue pages and API: county-only pages, township tenancy, adoption, localisation, base scores."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from audit.models import AuditEvent
from scoring.catalogue.models import Rule, ScoringYear
from scoring.catalogue.services import rule_localise
from scoring.county.models import CountyPolicy, TemplateCatalogue, TemplateItem
from scoring.ledger.models import LedgerEntry
from tests.factories import MemberFactory
from tests.scoring.conftest import scoring_template_ensure

pytestmark = pytest.mark.django_db

YEAR = 2026


def _get(client, url, **kw):
    try:
        return client.get(url, **kw)
    finally:
        connection.set_schema_to_public()


def _post(client, url, data=None, **kw):
    try:
        return client.post(url, data or {}, **kw)
    finally:
        connection.set_schema_to_public()


@pytest.fixture
def county_admin(make_user):
    return make_user("county_admin")


@pytest.fixture
def office_a(make_user, township_a):
    return make_user("township_office", township_a)


@pytest.fixture
def office_b(make_user, township_b):
    return make_user("township_office", township_b)


# --- county pages ------------------------------------------------------------------------------------
def test_county_pages_are_403_for_township_users(client, office_a, township_a, in_township):
    template = scoring_template_ensure(year=YEAR)
    item = template.items.first()
    client.force_login(office_a)
    for url in ["/scoring/policy/", "/scoring/templates/", f"/scoring/templates/{template.pk}/",
                f"/scoring/templates/{template.pk}/items/new/",
                f"/scoring/templates/{template.pk}/items/{item.pk}/edit/",
                f"/scoring/templates/{template.pk}/localisations/"]:
        assert _get(client, url).status_code == 403, url
    events = AuditEvent.objects.count()
    assert _post(client, "/scoring/templates/", {"year": 2032, "title": "偷建"}).status_code == 403
    assert _post(client, f"/scoring/templates/{template.pk}/copy/", {"year": 2032}).status_code == 403
    assert _post(client, "/scoring/policy/", {"year_start_month": 3, "default_base_score": 1, "late_window_days": 1,
                                              "objection_days": 1, "objection_answer_days": 1}).status_code == 403
    assert not TemplateCatalogue.objects.filter(year=2032).exists()
    assert CountyPolicy.objects.filter(year_start_month=3).count() == 0
    assert AuditEvent.objects.count() == events
    api = APIClient()
    api.force_authenticate(office_a)
    assert api.get("/api/v1/scoring/policy/").status_code == 403
    assert api.get("/api/v1/scoring/templates/").status_code == 403
    assert api.post("/api/v1/scoring/templates/", {"year": 2032, "title": "偷建"}, format="json").status_code == 403


def test_county_admin_builds_publishes_and_copies_a_template(client, county_admin):
    client.force_login(county_admin)
    response = _post(client, "/scoring/policy/", {"year_start_month": 1, "default_base_score": "80",
                                                  "late_window_days": 7, "objection_days": 7,
                                                  "objection_answer_days": 5})
    assert response.status_code == 302
    assert CountyPolicy.objects.get(pk=1).default_base_score == Decimal("80.00")
    response = _post(client, "/scoring/templates/", {"year": 2031, "title": "2031年度党员积分目录"})
    catalogue = TemplateCatalogue.objects.get(year=2031)
    assert response["Location"] == f"/scoring/templates/{catalogue.pk}/"
    response = _post(client, f"/scoring/templates/{catalogue.pk}/items/new/", {
        "code": "A1", "name": "参加主题党日", "category": "basic", "points_min": "1", "points_max": "3",
        "monthly_cap": "6", "applies_to": "all", "bound_min": "0", "bound_max": "5", "evidence_required": "on"})
    assert response.status_code == 302
    # Out-of-range item: the form shows the Chinese message and nothing is saved.
    response = _post(client, f"/scoring/templates/{catalogue.pk}/items/new/", {
        "code": "K1", "name": "扣分", "category": "discipline", "points_min": "-3", "points_max": "2",
        "applies_to": "all"})
    assert response.status_code == 200
    assert "扣分项的分值不能为正数。" in response.content.decode()
    assert list(catalogue.items.values_list("code", flat=True)) == ["A1"]
    page = _get(client, f"/scoring/templates/{catalogue.pk}/").content.decode()
    assert "参加主题党日" in page
    assert "草稿" in page
    assert _post(client, f"/scoring/templates/{catalogue.pk}/publish/").status_code == 302
    catalogue.refresh_from_db()
    assert catalogue.is_published is True
    assert _post(client, f"/scoring/templates/{catalogue.pk}/copy/", {"year": 2032}).status_code == 302
    copy = TemplateCatalogue.objects.get(year=2032)
    assert (copy.title, copy.is_published, list(copy.items.values_list("code", "bound_max"))) == (
        "2032年度党员积分目录", False, [("A1", Decimal("5.00"))])


def test_county_api_manages_templates(county_admin):
    api = APIClient()
    api.force_authenticate(county_admin)
    response = api.post("/api/v1/scoring/templates/", {"year": 2031, "title": "API目录"}, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = api.post(f"/api/v1/scoring/templates/{pk}/items/", {
        "code": "A1", "name": "加分", "category": "vanguard", "points_min": "2", "points_max": "4"}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["evidence_required"], response.json()["bound_min"]) == (True, "2.00")
    item_id = response.json()["id"]
    response = api.patch(f"/api/v1/scoring/templates/{pk}/items/{item_id}/", {"bound_max": "6"}, format="json")
    assert (response.status_code, response.json()["bound_max"]) == (200, "6.00")
    response = api.post(f"/api/v1/scoring/templates/{pk}/items/", {
        "code": "A1", "name": "重复", "category": "vanguard", "points_min": "2", "points_max": "4"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "本模板中已有相同编号的条目。"
    assert api.post(f"/api/v1/scoring/templates/{pk}/publish/").json()["is_published"] is True
    response = api.patch(f"/api/v1/scoring/templates/{pk}/items/{item_id}/", {"bound_max": "8"}, format="json")
    assert response.status_code == 409
    assert TemplateItem.objects.get(pk=item_id).bound_max == Decimal("6.00")
    response = api.patch("/api/v1/scoring/policy/", {"year_start_month": 13}, format="json")
    assert response.status_code == 400
    assert CountyPolicy.objects.filter(year_start_month=13).count() == 0


def test_county_sees_alphas_localisation_without_betas_changes(
        client, county_admin, township_a, township_b, in_township, scoring_setup):
    a = scoring_setup(township_a, year=YEAR)
    b = scoring_setup(township_b, year=YEAR)
    with in_township(township_a):
        rule_localise(actor=None, scoring_year=a.year, code="B01", effective_from=dt.date(2026, 12, 1),
                      points_max="7", today=dt.date(2026, 11, 24))
    with in_township(township_b):
        rule_localise(actor=None, scoring_year=b.year, code="V01", effective_from=dt.date(2026, 12, 1),
                      is_active=False, today=dt.date(2026, 11, 24))
    client.force_login(county_admin)
    page = _get(client, f"/scoring/templates/{a.template.pk}/localisations/").content.decode()
    alpha_section, beta_section = page.split("Alpha 镇")[1].split("Beta 镇")
    assert "B01" in alpha_section
    assert "7.00" in alpha_section
    assert "V01" not in alpha_section
    assert "V01" in beta_section
    assert "B01" not in beta_section
    api = APIClient()
    api.force_authenticate(county_admin)
    rows = {r["township"]: r for r in api.get(f"/api/v1/scoring/templates/{a.template.pk}/localisations/").json()}
    assert rows["alpha"]["diffs"] == [{"code": "B01", "name": "参加支部主题党日", "version": 2,
                                       "effective_from": "2026-12-01", "fields": [
                                           {"field": "points_max", "template": "5.00", "township": "7.00"}]}]
    assert [d["code"] for d in rows["beta"]["diffs"]] == ["V01"]


# --- township pages ----------------------------------------------------------------------------------
def test_beta_users_cannot_see_or_change_alphas_catalogue(client, office_b, township_a, in_township, scoring_setup):
    setup = scoring_setup(township_a, year=YEAR)
    client.force_login(office_b)
    for url in ["/t/alpha/scoring/catalogue/", f"/t/alpha/scoring/catalogue/{YEAR}/",
                "/t/alpha/scoring/catalogue/adopt/", f"/t/alpha/scoring/catalogue/{YEAR}/rules/B01/localise/"]:
        assert _get(client, url).status_code == 403, url
    assert _post(client, f"/t/alpha/scoring/catalogue/{YEAR}/base-scores/").status_code == 403
    assert _post(client, f"/t/alpha/scoring/catalogue/{YEAR}/rules/B01/localise/", {
        "effective_from": "2026-12-20", "points_min": "1", "points_max": "8", "monthly_cap": "10",
        "yearly_cap": "60", "evidence_required": "on", "is_active": "on"}).status_code == 403
    api = APIClient()
    api.force_authenticate(office_b)
    for url in ["/t/alpha/api/v1/scoring/catalogue/years/", f"/t/alpha/api/v1/scoring/catalogue/years/{YEAR}/",
                "/t/alpha/api/v1/scoring/catalogue/rules-in-force/"]:
        assert api.get(url).status_code == 403, url
        connection.set_schema_to_public()
    assert api.post(f"/t/alpha/api/v1/scoring/catalogue/years/{YEAR}/base-scores/").status_code == 403
    connection.set_schema_to_public()
    with in_township(township_a):
        assert list(Rule.objects.filter(code="B01").values_list("version", flat=True)) == [1]
        assert LedgerEntry.objects.count() == 0
        assert setup.year.pk == ScoringYear.objects.get().pk


def test_office_adopts_localises_and_grants_base_scores_in_pages(client, office_a, township_a, in_township):
    scoring_template_ensure(year=YEAR)
    client.force_login(office_a)
    assert "尚未采用积分目录" in _get(client, "/t/alpha/scoring/catalogue/").content.decode()
    response = _post(client, "/t/alpha/scoring/catalogue/adopt/", {
        "year": YEAR, "template_id": TemplateCatalogue.objects.get(year=YEAR).pk, "base_score": "",
        "review_levels": ["branch", "liaison"], "weight_branch": "0.5", "weight_liaison": "0.4",
        "excellent_line": "90", "pass_line": "60", "basic_line": "50"})
    assert "权重之和必须为 1" in response.content.decode()
    with in_township(township_a):
        assert ScoringYear.objects.count() == 0
    response = _post(client, "/t/alpha/scoring/catalogue/adopt/", {
        "year": YEAR, "template_id": TemplateCatalogue.objects.get(year=YEAR).pk, "base_score": "100",
        "review_levels": ["branch", "liaison"], "weight_branch": "0.4", "weight_liaison": "0.6",
        "excellent_line": "90", "pass_line": "60", "basic_line": "50"})
    assert response.status_code == 302
    assert response["Location"] == f"/t/alpha/scoring/catalogue/{YEAR}/"
    with in_township(township_a):
        year = ScoringYear.objects.get()
        assert (year.base_score, year.review_levels, year.review_weights) == (
            Decimal("100.00"), ["branch", "liaison"], {"branch": "0.4", "liaison": "0.6"})
        members = [MemberFactory(), MemberFactory()]
    # Outside the county's bounds: the Chinese message, no new version.
    response = _post(client, f"/t/alpha/scoring/catalogue/{YEAR}/rules/B01/localise/", {
        "effective_from": "2026-12-31", "points_min": "1", "points_max": "9", "monthly_cap": "10",
        "yearly_cap": "60", "evidence_required": "on", "is_active": "on"})
    assert "分值必须在县里规定的范围 0.00 至 8.00 之内。" in response.content.decode()
    with in_township(township_a):
        assert Rule.objects.filter(code="B01").count() == 1
    response = _post(client, f"/t/alpha/scoring/catalogue/{YEAR}/rules/B01/localise/", {
        "effective_from": "2026-12-31", "points_min": "1", "points_max": "8", "monthly_cap": "10",
        "yearly_cap": "60", "evidence_required": "on", "is_active": "on"})
    assert response.status_code == 302
    page = _get(client, f"/t/alpha/scoring/catalogue/{YEAR}/?on=2026-12-31").content.decode()
    assert "与县级模板的差异" in page
    assert "v2" in page
    for _ in range(2):
        assert _post(client, f"/t/alpha/scoring/catalogue/{YEAR}/base-scores/").status_code == 302
    with in_township(township_a):
        assert sorted(LedgerEntry.objects.filter(kind="base").values_list("member_id", "points")) == sorted(
            (m.pk, Decimal("100.00")) for m in members)


def test_township_api_adopt_rules_in_force_and_localise(office_a, make_user, township_a, in_township):
    scoring_template_ensure(year=YEAR)
    api = APIClient()
    api.force_authenticate(office_a)
    base = "/t/alpha/api/v1/scoring/catalogue/"
    response = api.post(f"{base}years/", {"year": YEAR}, format="json")
    connection.set_schema_to_public()
    assert response.status_code == 201, response.json()
    assert (response.json()["starts_on"], response.json()["ends_on"], response.json()["base_score"]) == (
        "2026-01-01", "2026-12-31", "60.00")
    with in_township(township_a):
        migrant = MemberFactory(is_migrant=True, migrant_location="宁波")
    response = api.get(f"{base}rules-in-force/", {"on": "2026-06-01", "member": migrant.pk})
    connection.set_schema_to_public()
    assert sorted(r["code"] for r in response.json()) == ["B01", "D01", "R01", "V01", "X01"]
    response = api.post(f"{base}years/{YEAR}/rules/D01/localise/",
                        {"effective_from": "2026-12-30", "points_min": "-25"}, format="json")
    connection.set_schema_to_public()
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["points_min"] == ["分值必须在县里规定的范围 -20.00 至 -1.00 之内。"]
    response = api.post(f"{base}years/{YEAR}/rules/D01/localise/",
                        {"effective_from": "2026-12-30", "points_min": "-20"}, format="json")
    connection.set_schema_to_public()
    assert (response.status_code, response.json()["version"], response.json()["points_min"]) == (201, 2, "-20.00")
    # A clerk may read the catalogue but not change it.
    clerk = make_user("clerk", township_a)
    api.force_authenticate(clerk)
    assert api.get(f"{base}years/{YEAR}/").status_code == 200
    connection.set_schema_to_public()
    response = api.post(f"{base}years/{YEAR}/base-scores/")
    connection.set_schema_to_public()
    assert response.status_code == 403
    with in_township(township_a):
        assert LedgerEntry.objects.count() == 0


def test_catalogue_endpoints_are_in_the_openapi_schemas(client, county_admin, township_a):
    client.force_login(county_admin)
    county = _get(client, "/api/v1/schema/", data={"format": "json"}).json()["paths"]
    assert {"/api/v1/scoring/policy/", "/api/v1/scoring/templates/", "/api/v1/scoring/templates/{id}/",
            "/api/v1/scoring/templates/{id}/items/", "/api/v1/scoring/templates/{id}/items/{item_pk}/",
            "/api/v1/scoring/templates/{id}/copy/", "/api/v1/scoring/templates/{id}/publish/",
            "/api/v1/scoring/templates/{id}/localisations/"} <= set(county)
    township = _get(client, "/t/alpha/api/v1/schema/", data={"format": "json"}).json()["paths"]
    prefix = "/t/{code}/api/v1/scoring/catalogue/"
    assert {f"{prefix}years/", f"{prefix}years/{{year}}/", f"{prefix}years/{{year}}/rules/{{item_code}}/localise/",
            f"{prefix}years/{{year}}/base-scores/", f"{prefix}rules-in-force/"} <= set(township)
