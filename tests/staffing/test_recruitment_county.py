"""County-wide recruitment rounds (public schema), two townships: posts per township, the public
county page (no account, refusal with the reason, throttled), ranking per post, declines offering the
next candidate of the same post (office, link, deadline job), hiring into the chosen township in one
transaction, and applicants' data and documents visible to the county office only."""
import datetime as dt
import json
from decimal import Decimal as Dec

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import Role, RoleAssignment, User
from audit.models import AuditEvent
from common.errors import DomainError
from staffing.clerks.models import Clerk, Placement
from staffing.recruitment.county import services, tasks
from staffing.recruitment.county.models import CountyApplication, CountyDocument, CountyPost, CountyRound
from tests.factories import VillageFactory
from tests.files import photo_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]
API = "/api/v1/staffing/recruitment"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _docs(seed=1):
    return {"id_card": [SimpleUploadedFile("id.jpg", photo_bytes(seed), content_type="image/jpeg")]}


def _req(client, method, path, data=None):
    try:
        if method == "get":
            return client.get(path)
        return client.post(path, json.dumps(data or {}), content_type="application/json")
    finally:
        connection.set_schema_to_public()


@pytest.fixture
def county_round(township_a, township_b, in_township, make_user, clock):
    admin = make_user(Role.COUNTY_ADMIN)
    today = clock.today()
    with in_township(township_a):
        north, south = VillageFactory(name="北村"), VillageFactory(name="南村")
    with in_township(township_b):
        west = VillageFactory(name="西村")
    round_ = services.county_round_open(
        actor=admin, title="全县专职招聘", offer_days=3, written_weight=Dec("0.50"), interview_weight=Dec("0.50"),
        posts=[{"township": township_a, "places": 1, "village_ids": [north.pk]},
               {"township": township_b, "places": 1}],
        applications_open=today - dt.timedelta(days=3), applications_close=today + dt.timedelta(days=3),
        test_on=today + dt.timedelta(days=4), interview_on=today + dt.timedelta(days=5),
        publish_on=today + dt.timedelta(days=6))
    post_a, post_b = (CountyPost.objects.get(round=round_, township=t) for t in (township_a, township_b))
    apps = {}
    for i, (name, post, score) in enumerate([("赵甲", post_a, "90"), ("钱乙", post_a, "80"), ("孙丙", post_a, "70"),
                                             ("李丁", post_b, "60")], start=1):
        apps[name] = services.county_application_submit(
            round_=round_, post_id=post.pk, name=name, gender="m", birth_date=dt.date(1995, 6, 1),
            phone=f"1370000000{i}", education="bachelor", county_resident=True, office_skills=True, files=_docs(i))
        services.county_scores_enter(actor=admin, application=apps[name], written=Dec(score), interview=Dec(score))
    return type("C", (), {"admin": admin, "round": round_, "apps": apps, "north": north, "south": south,
                          "west": west, "post_a": post_a, "post_b": post_b})


def _status():
    return {a.name: a.status for a in CountyApplication.objects.all()}


def test_round_posts_need_ready_townships_and_their_own_villages(township_a, township_b, county_round, clock):
    today = clock.today()
    kwargs = {"actor": county_round.admin, "title": "x", "applications_open": today, "applications_close": today,
              "test_on": today, "interview_on": today, "publish_on": today}
    with pytest.raises(DomainError) as exc:  # a village of beta named for a post in alpha
        services.county_round_open(posts=[{"township": township_a, "places": 1,
                                           "village_ids": [county_round.west.pk + 1000]}], **kwargs)
    assert str(exc.value.message) == "岗位中有的村不属于该乡镇。"
    with pytest.raises(DomainError):
        services.county_round_open(posts=[], **kwargs)
    with pytest.raises(DomainError):
        services.county_round_open(posts=[{"township": township_a, "places": 1}] * 2, **kwargs)
    assert CountyRound.objects.count() == 1


def test_public_county_page_apply_for_a_township_post(client, county_round):
    url = f"/staffing/apply/{county_round.round.pk}/"
    page = client.get(url)
    assert page.status_code == 200  # no account
    assert "Alpha 镇" in page.content.decode()
    assert "Beta 镇" in page.content.decode()
    form = {"post": county_round.post_b.pk, "name": "周戊", "gender": "f", "birth_date": "1998-01-01",
            "phone": "13700000009", "education": "senior", "county_resident": "on", "office_skills": "on"}
    response = client.post(url, {**form, "id_card": SimpleUploadedFile("a.jpg", photo_bytes(9), "image/jpeg")},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "不符合报名条件：学历须为中专及以上。" in response.content.decode()
    response = client.post(url, {**form, "education": "college",
                                 "id_card": SimpleUploadedFile("a.jpg", photo_bytes(9), "image/jpeg"),
                                 "diploma": SimpleUploadedFile("d.jpg", photo_bytes(10), "image/jpeg")})
    assert response.status_code == 200
    app = CountyApplication.objects.get(phone="13700000009")
    assert app.post_id == county_round.post_b.pk
    assert sorted(app.documents.values_list("kind", flat=True)) == ["diploma", "id_card"]
    for _ in range(5):
        response = client.post(url, form)
    assert response.status_code == 429


def test_ranking_per_post_decline_and_hire_into_the_chosen_township(client, township_a, township_b, in_township,
                                                                    county_round):
    client.force_login(county_round.admin)
    ranked = _req(client, "post", f"{API}/rounds/{county_round.round.pk}/publish/").json()
    assert [(r["township"], r["name"], r["rank"], r["status"]) for r in ranked] == [
        ("alpha", "赵甲", 1, "offered"), ("alpha", "钱乙", 2, "applied"), ("alpha", "孙丙", 3, "applied"),
        ("beta", "李丁", 1, "offered")]
    body = _req(client, "post", f"{API}/applications/{county_round.apps['赵甲'].pk}/decline/").json()
    assert (body["declined"]["declined_via"], body["offered"]["name"]) == ("office", "钱乙")
    second = county_round.apps["钱乙"]
    # a village outside the post's villages: refused, nothing written
    response = _req(client, "post", f"{API}/applications/{second.pk}/accept/", {
        "username": "qianyi", "password": "Xy-2026-start", "village_id": county_round.south.pk,
        "starts_on": "2026-11-20"})
    assert response.status_code == 400
    assert not User.objects.filter(username="qianyi").exists()
    response = _req(client, "post", f"{API}/applications/{second.pk}/accept/", {
        "username": "qianyi", "password": "Xy-2026-start", "village_id": county_round.north.pk,
        "starts_on": "2026-11-20"})
    assert response.status_code == 201, response.json()
    user = User.objects.get(username="qianyi")
    assert response.json()["township"] == "alpha"
    assert RoleAssignment.objects.get(user=user, role=Role.CLERK).township_id == township_a.pk
    assert RoleAssignment.objects.get(user=user, role=Role.CLERK).village_ids == [county_round.north.pk]
    with in_township(township_a):
        clerk = Clerk.objects.get(user_id=user.pk)
        assert (clerk.name, clerk.placements.get().village_id) == ("钱乙", county_round.north.pk)
        assert AuditEvent.objects.filter(action="clerks.clerk_create", object_id=str(clerk.pk)).exists()
    with in_township(township_b):
        assert not Clerk.objects.filter(user_id=user.pk).exists()
    assert CountyApplication.objects.get(pk=second.pk).clerk_id == clerk.pk
    assert CountyRound.objects.get(pk=county_round.round.pk).status == "published"  # beta's offer still open
    actions = list(AuditEvent.objects.filter(action__startswith="recruitment.").order_by("pk")
                   .values_list("action", flat=True))
    assert actions[-4:] == ["recruitment.ranking_publish", "recruitment.offer_decline", "recruitment.offer_next",
                            "recruitment.offer_accept"]


def test_hiring_is_one_transaction(client, township_a, in_township, county_round, make_user):
    make_user(username="taken")
    services.county_ranking_publish(actor=county_round.admin, round_=county_round.round)
    client.force_login(county_round.admin)
    response = _req(client, "post", f"{API}/applications/{county_round.apps['赵甲'].pk}/accept/", {
        "username": "taken", "password": "Xy-2026-start", "village_id": county_round.north.pk,
        "starts_on": "2026-11-20"})
    assert response.status_code == 400
    assert CountyApplication.objects.get(pk=county_round.apps["赵甲"].pk).status == "offered"
    with in_township(township_a):
        assert Clerk.objects.count() == 0
        assert Placement.objects.count() == 0


def test_deadline_job_declines_and_offers_next_once(county_round, clock, set_clock):
    services.county_ranking_publish(actor=county_round.admin, round_=county_round.round)
    assert tasks.offers_expire.apply().get() == 0
    set_clock(clock.now() + dt.timedelta(days=4))
    assert tasks.offers_expire.apply().get() == 2  # both posts' offers lapsed
    assert tasks.offers_expire.apply().get() == 0
    assert _status() == {"赵甲": "declined", "钱乙": "offered", "孙丙": "applied", "李丁": "declined"}
    assert CountyApplication.objects.get(name="李丁").declined_via == "deadline"
    assert CountyRound.objects.get(pk=county_round.round.pk).status == "published"


def test_candidate_link_declines_in_the_county(client, county_round):
    services.county_ranking_publish(actor=county_round.admin, round_=county_round.round)
    token = services.county_offer_token(CountyApplication.objects.get(name="李丁"))
    assert client.get(f"/t/alpha/staffing/apply/offer/{token}/").status_code == 404  # a township's page
    connection.set_schema_to_public()
    assert client.get(f"/staffing/apply/offer/{token}/").status_code == 200
    assert client.post(f"/staffing/apply/offer/{token}/").status_code == 200
    assert CountyApplication.objects.get(name="李丁").declined_via == "link"
    assert CountyRound.objects.get(pk=county_round.round.pk).status == "published"  # alpha's offer open


def test_applicants_and_documents_only_for_the_county_office(client, make_user, township_a, county_round):
    doc = CountyDocument.objects.filter(application=county_round.apps["赵甲"]).get()
    pk = county_round.round.pk
    client.force_login(county_round.admin)
    assert "13700000001" in _req(client, "get", f"/staffing/recruitment/{pk}/").content.decode()
    assert len(_req(client, "get", f"{API}/rounds/{pk}/applications/").json()) == 4
    response = _req(client, "get", f"/staffing/recruitment/documents/{doc.pk}/")
    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    assert _req(client, "get", f"{API}/documents/{doc.pk}/").status_code == 200
    for user in (make_user(Role.TOWNSHIP_OFFICE, township_a), make_user(Role.CLERK, township_a,
                                                                          village_ids=[county_round.north.pk])):
        client.force_login(user)
        assert _req(client, "get", f"/staffing/recruitment/documents/{doc.pk}/").status_code == 404
        assert _req(client, "get", f"{API}/documents/{doc.pk}/").status_code == 404
        assert _req(client, "get", f"/t/alpha/staffing/recruitment/documents/{doc.pk}/").status_code == 404
        assert _req(client, "get", f"/staffing/recruitment/{pk}/").status_code == 403
        assert _req(client, "get", f"{API}/rounds/{pk}/applications/").status_code == 403
        assert _req(client, "get", f"{API}/rounds/").status_code == 403
        assert "13700000001" not in _req(client, "get", "/t/alpha/staffing/recruitment/").content.decode()


def test_county_pages_open_a_round_with_posts(client, township_a, township_b, county_round, clock):
    client.force_login(county_round.admin)
    today = clock.today()
    response = client.post(
        "/staffing/recruitment/", {
            "title": "第二批", "min_education": "technical", "min_age": 18, "max_age": 35,
            "county_residence_required": "on", "office_skills_required": "on", "applications_open": today,
            "applications_close": today, "test_on": today, "interview_on": today, "publish_on": today,
            "written_weight": "0.5", "interview_weight": "0.5", "offer_days": 7, "places_alpha": 2, "places_beta": 0})
    connection.set_schema_to_public()
    assert response.status_code == 302, response.content.decode()[:2000]
    created = CountyRound.objects.get(title="第二批")
    assert [(p.township.code, p.places) for p in created.township_posts.all()] == [("alpha", 2)]
    assert client.get("/staffing/recruitment/").status_code == 200
    assert client.get(f"/staffing/recruitment/{created.pk}/").status_code == 200
