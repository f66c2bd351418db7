"""Recruitment with the database, two townships: refusal with the reason, who sees applicants,
ranking by weights, hiring (user with the clerk role + Clerk), the audit trail, the public page."""
import base64
import datetime as dt
import json
from decimal import Decimal as Dec

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import Role, RoleAssignment, User
from audit.models import AuditEvent
from common.errors import DomainError
from staffing.clerks.models import Clerk
from staffing.recruitment import services
from staffing.recruitment.models import Application
from tests.factories import VillageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")  # a 1x1 image


def _files():
    return [SimpleUploadedFile("id.png", PNG, content_type="image/png")]


def _apply(round_, phone, **over):
    data = {"name": "张三", "gender": "m", "birth_date": dt.date(1996, 5, 1), "phone": phone, "education": "college",
            "county_resident": True, "office_skills": True, **over}
    return services.application_submit(round_=round_, files=_files(), **data)


def _req(client, method, path, data=None):
    try:
        if method == "get":
            return client.get(path)
        return client.post(path, json.dumps(data or {}), content_type="application/json")
    finally:
        connection.set_schema_to_public()


@pytest.fixture
def recruiting(township_a, in_township, make_user, clock):
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    today = clock.today()
    with in_township(township_a):
        village = VillageFactory(name="南村")
        round_ = services.round_open(
            actor=office, title="专职招聘", posts=1, village_ids=[village.pk],
            applications_open=today - dt.timedelta(days=5), applications_close=today + dt.timedelta(days=5),
            test_on=today + dt.timedelta(days=10), interview_on=today + dt.timedelta(days=12),
            publish_on=today + dt.timedelta(days=15), written_weight=Dec("0.30"), interview_weight=Dec("0.70"))
        strong_writer = _apply(round_, "13900000001", name="李写")
        strong_talker = _apply(round_, "13900000002", name="王说")
    return type("R", (), {"office": office, "round": round_, "village": village, "writer": strong_writer,
                          "talker": strong_talker})


def test_ineligible_application_refused_with_reason(township_a, in_township, recruiting):
    with in_township(township_a):
        with pytest.raises(DomainError) as exc:
            _apply(recruiting.round, "13900000009", education="senior")
        assert str(exc.value.message) == "不符合报名条件：学历须为中专及以上。"
        with pytest.raises(DomainError) as exc:
            _apply(recruiting.round, "13900000009", county_resident=False)
        assert str(exc.value.message) == "不符合报名条件：户籍须在本县。"
        assert Application.objects.count() == 2


def test_public_page_refuses_in_chinese_and_is_throttled(client, township_a, in_township, recruiting):
    url = f"/t/alpha/staffing/apply/{recruiting.round.pk}/"
    assert client.get(url).status_code == 200  # no account
    connection.set_schema_to_public()
    form = {"name": "赵六", "gender": "f", "birth_date": "1997-01-01", "phone": "13900000007",
            "education": "senior", "county_resident": "on", "office_skills": "on"}
    response = client.post(url, {**form, "evidence": SimpleUploadedFile("a.png", PNG, content_type="image/png")},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    connection.set_schema_to_public()
    assert response.status_code == 400
    assert "不符合报名条件：学历须为中专及以上。" in response.content.decode()
    response = client.post(url, {**form, "education": "college",
                                 "evidence": SimpleUploadedFile("a.png", PNG, content_type="image/png")})
    connection.set_schema_to_public()
    assert response.status_code == 200
    with in_township(township_a):
        assert Application.objects.filter(phone="13900000007").exists()
    for _ in range(5):
        response = client.post(url, form)
        connection.set_schema_to_public()
    assert response.status_code == 429


def test_applicants_invisible_to_other_township_clerks_and_county(client, make_user, township_a, township_b,
                                                                    recruiting):
    pk = recruiting.round.pk
    other_office = make_user(Role.TOWNSHIP_OFFICE, township_b)
    client.force_login(other_office)
    assert _req(client, "get", f"/t/beta/api/v1/staffing/recruitment/rounds/{pk}/applications/").status_code == 404
    assert _req(client, "get", f"/t/alpha/api/v1/staffing/recruitment/rounds/{pk}/applications/").status_code == 403
    assert _req(client, "get", f"/t/alpha/staffing/recruitment/{pk}/").status_code == 403
    for user in (make_user(Role.CLERK, township_a, village_ids=[recruiting.village.pk]),
                 make_user(Role.COUNTY_ADMIN)):
        client.force_login(user)
        assert _req(client, "get", f"/t/alpha/api/v1/staffing/recruitment/rounds/{pk}/applications/").status_code == 403
        assert _req(client, "get", f"/t/alpha/staffing/recruitment/{pk}/").status_code == 403
        assert _req(client, "get", "/t/alpha/staffing/recruitment/").status_code == 403
    client.force_login(recruiting.office)
    page = _req(client, "get", f"/t/alpha/staffing/recruitment/{pk}/").content.decode()
    assert "李写" in page
    assert "13900000001" in page
    rows = _req(client, "get", f"/t/alpha/api/v1/staffing/recruitment/rounds/{pk}/applications/").json()
    assert {r["phone"] for r in rows} == {"13900000001", "13900000002"}


def test_ranking_by_weights_then_hiring_makes_a_clerk_with_an_audit_trail(client, township_a, in_township,
                                                                           recruiting):
    client.force_login(recruiting.office)
    base = "/t/alpha/api/v1/staffing/recruitment"
    assert _req(client, "post", f"{base}/rounds/{recruiting.round.pk}/publish/").status_code == 400  # no scores
    _req(client, "post", f"{base}/applications/{recruiting.writer.pk}/scores/", {"written": "95", "interview": "60"})
    _req(client, "post", f"{base}/applications/{recruiting.talker.pk}/scores/", {"written": "70", "interview": "90"})
    ranked = _req(client, "post", f"{base}/rounds/{recruiting.round.pk}/publish/").json()
    # interview weighs 0.7: 0.3*70+0.7*90 = 84.00 beats 0.3*95+0.7*60 = 70.50
    assert [(r["name"], r["total"], r["rank"], r["status"]) for r in ranked] == [
        ("王说", "84.00", 1, "offered"), ("李写", "70.50", 2, "applied")]
    public = client.get(f"/t/alpha/staffing/apply/{recruiting.round.pk}/ranking/").content.decode()
    connection.set_schema_to_public()
    assert "王*" in public
    assert "84.00" in public
    assert "13900000002" not in public
    assert _req(client, "post", f"{base}/applications/{recruiting.writer.pk}/accept/",
                {"username": "x1", "password": "Xy-2026-start", "village": recruiting.village.pk,
                 "starts_on": "2026-12-01"}).status_code == 409  # not offered
    response = _req(client, "post", f"{base}/applications/{recruiting.talker.pk}/accept/",
                    {"username": "wangshuo", "password": "Xy-2026-start", "village": recruiting.village.pk,
                     "starts_on": "2026-11-20"})
    assert response.status_code == 201, response.json()
    user = User.objects.get(username="wangshuo")
    assert user.must_change_password
    assert RoleAssignment.objects.get(user=user, township=township_a, role=Role.CLERK).village_ids == [
        recruiting.village.pk]
    with in_township(township_a):
        clerk = Clerk.objects.get(user_id=user.pk)
        assert clerk.name == "王说"
        assert clerk.placements.get().village_id == recruiting.village.pk
        actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
        recruiting.round.refresh_from_db()
        assert recruiting.round.status == "closed"
    assert [a for a in actions if a.startswith("recruitment.")] == [
        "recruitment.round_open", "recruitment.application_submit", "recruitment.application_submit",
        "recruitment.scores_enter", "recruitment.scores_enter", "recruitment.ranking_publish",
        "recruitment.offer_accept", "recruitment.round_close"]
    assert {"clerks.clerk_create", "clerks.placement_start"} <= set(actions)


def test_office_pages_open_score_publish_and_hire(client, township_a, in_township, recruiting, clock):
    """The same flow through the office's HTML forms."""
    client.force_login(recruiting.office)
    today = clock.today()
    response = client.post("/t/alpha/staffing/recruitment/", {
        "title": "第二批", "posts": 1, "villages": [recruiting.village.pk], "min_education": "technical",
        "min_age": 18, "max_age": 35, "county_residence_required": "on", "office_skills_required": "on",
        "applications_open": today, "applications_close": today, "test_on": today, "interview_on": today,
        "publish_on": today - dt.timedelta(days=1), "written_weight": "0.5", "interview_weight": "0.5"})
    connection.set_schema_to_public()
    assert response.status_code == 200  # publication before the interview: refused, the form shown again
    pk = recruiting.round.pk
    for app, scores in ((recruiting.writer, ("88", "70")), (recruiting.talker, ("60", "61"))):
        client.post(f"/t/alpha/staffing/recruitment/applications/{app.pk}/scores/",
                    {"written": scores[0], "interview": scores[1]})
        connection.set_schema_to_public()
    client.post(f"/t/alpha/staffing/recruitment/{pk}/publish/")
    connection.set_schema_to_public()
    response = client.post(f"/t/alpha/staffing/recruitment/applications/{recruiting.writer.pk}/accept/", {
        "username": "lixie", "password": "Xy-2026-start", "village": recruiting.village.pk, "starts_on": today})
    connection.set_schema_to_public()
    assert response.status_code == 302
    with in_township(township_a):
        assert Application.objects.get(pk=recruiting.writer.pk).status == "accepted"
        assert Clerk.objects.filter(name="李写", user_id=User.objects.get(username="lixie").pk).exists()
    page = _req(client, "get", f"/t/alpha/staffing/recruitment/{pk}/").content.decode()
    assert "75.40" in page  # 0.3 * 88 + 0.7 * 70 (the round's weights)
