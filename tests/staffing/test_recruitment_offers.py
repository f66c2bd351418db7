"""Declining offers and applicants' documents in township rounds (two townships): a decline recorded
by the office, by the candidate's link or by the deadline passing offers the next ranked candidate
(audited, idempotent job); documents are checked like evidence and served to the township office
only (another township, a clerk, the county: 404)."""
import datetime as dt
import json
from decimal import Decimal as Dec

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import Role
from audit.models import AuditEvent
from common.errors import Conflict, DomainError
from staffing.recruitment import services, tasks
from staffing.recruitment.models import Application, Document, Round
from tests.factories import VillageFactory
from tests.files import pdf_bytes, photo_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _docs():
    return {"id_card": [SimpleUploadedFile("id.jpg", photo_bytes(1), content_type="image/jpeg")],
            "diploma": [SimpleUploadedFile("diploma.pdf", pdf_bytes(), content_type="application/pdf")]}


def _apply(round_, phone, name, **over):
    data = {"name": name, "gender": "f", "birth_date": dt.date(1997, 4, 2), "phone": phone,
            "education": "college", "county_resident": True, "office_skills": True, **over}
    return services.application_submit(round_=round_, files=_docs(), **data)


def _get(client, path):
    try:
        return client.get(path)
    finally:
        connection.set_schema_to_public()


def _post(client, path, data=None, json_body=False):
    try:
        if json_body:
            return client.post(path, json.dumps(data or {}), content_type="application/json")
        return client.post(path, data or {})
    finally:
        connection.set_schema_to_public()


@pytest.fixture
def published(township_a, in_township, make_user, clock):
    """A round of one post with three scored applicants, ranking published: 1st offered, 2nd and 3rd waiting."""
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    today = clock.today()
    with in_township(township_a):
        village = VillageFactory(name="东村")
        round_ = services.round_open(
            actor=office, title="专职招聘", posts=1, village_ids=[village.pk], offer_days=5,
            applications_open=today - dt.timedelta(days=5), applications_close=today + dt.timedelta(days=5),
            test_on=today + dt.timedelta(days=6), interview_on=today + dt.timedelta(days=7),
            publish_on=today + dt.timedelta(days=8))
        apps = [_apply(round_, f"1390000000{i}", name) for i, name in enumerate(["甲一", "乙二", "丙三"], start=1)]
        for app, score in zip(apps, (Dec("90"), Dec("80"), Dec("70")), strict=True):
            services.scores_enter(actor=office, application=app, written=score, interview=score)
        services.ranking_publish(actor=office, round_=round_)
    return type("P", (), {"office": office, "round": round_, "village": village, "apps": apps})


def _statuses(township, in_township, published):
    with in_township(township):
        return {a.name: (a.status, a.declined_via, a.offer_deadline) for a in Application.objects.filter(
            round=published.round)}


def test_documents_are_stored_by_kind_and_checked_like_evidence(township_a, in_township, published):
    with in_township(township_a):
        kinds = sorted(Document.objects.filter(application=published.apps[0]).values_list("kind", "content_type"))
        assert kinds == [("diploma", "application/pdf"), ("id_card", "image/jpeg")]
        Round.objects.filter(pk=published.round.pk).update(status="open")
        with pytest.raises(DomainError) as exc:
            services.application_submit(
                round_=Round.objects.get(pk=published.round.pk), name="假", gender="m",
                birth_date=dt.date(1997, 1, 1), phone="13900000009", education="college", county_resident=True,
                office_skills=True, files={"id_card": [SimpleUploadedFile("id.jpg", b"\xff\xd8\xff\xe0not-a-jpeg",
                                                                            content_type="image/jpeg")]})
        assert "id.jpg" in str(exc.value.message)
        assert not Application.objects.filter(phone="13900000009").exists()
        assert Document.objects.count() == 6


def test_office_decline_offers_the_next_candidate_with_an_audit_trail(township_a, in_township, published, clock):
    today = clock.today()
    with in_township(township_a):
        first, second, third = published.apps
        declined, offered = services.offer_decline(actor=published.office, application=first)
        assert (declined.pk, offered.pk) == (first.pk, second.pk)
        with pytest.raises(Conflict):
            services.offer_decline(actor=published.office, application=first)
        actions = list(AuditEvent.objects.filter(action__startswith="recruitment.offer").order_by("pk")
                       .values_list("action", "object_id", "after"))
    assert _statuses(township_a, in_township, published) == {
        "甲一": ("declined", "office", today + dt.timedelta(days=5)),
        "乙二": ("offered", "", today + dt.timedelta(days=5)),
        "丙三": ("applied", "", None)}
    assert [(a, int(o)) for a, o, _after in actions] == [("recruitment.offer_decline", first.pk),
                                                         ("recruitment.offer_next", second.pk)]
    assert actions[1][2]["declined"] == first.pk


def test_deadline_passing_counts_as_decline_once(township_a, in_township, published, clock, set_clock):
    today = clock.today()
    with in_township(township_a):
        assert tasks.offers_expire.apply().get() == 0  # deadline not passed
        set_clock(clock.now() + dt.timedelta(days=6))
        assert tasks.offers_expire.apply().get() == 1
        assert tasks.offers_expire.apply().get() == 0  # idempotent: the new offer runs from today
        later = today + dt.timedelta(days=6)
    assert _statuses(township_a, in_township, published) == {
        "甲一": ("declined", "deadline", today + dt.timedelta(days=5)),
        "乙二": ("offered", "", later + dt.timedelta(days=5)),
        "丙三": ("applied", "", None)}
    with in_township(township_a):
        assert AuditEvent.objects.filter(action="recruitment.offer_decline", actor=None).count() == 1


def test_last_decline_closes_the_round(township_a, in_township, published):
    with in_township(township_a):
        for app in published.apps:
            services.offer_decline(actor=published.office, application=app)
        assert Round.objects.get(pk=published.round.pk).status == "closed"
        assert AuditEvent.objects.filter(action="recruitment.round_close").count() == 1


def test_candidate_declines_by_link_and_a_forged_or_used_link_is_404(client, township_a, township_b, in_township,
                                                                     published):
    with in_township(township_a):
        token = services.offer_token(Application.objects.get(pk=published.apps[0].pk))
    assert _get(client, f"/t/beta/staffing/apply/offer/{token}/").status_code == 404  # another township
    assert _get(client, f"/t/alpha/staffing/apply/offer/{token}x/").status_code == 404  # forged
    page = _get(client, f"/t/alpha/staffing/apply/offer/{token}/")
    assert page.status_code == 200
    assert "甲一" in page.content.decode()
    assert _post(client, f"/t/alpha/staffing/apply/offer/{token}/").status_code == 200
    assert _get(client, f"/t/alpha/staffing/apply/offer/{token}/").status_code == 404  # no longer open
    statuses = _statuses(township_a, in_township, published)
    assert (statuses["甲一"][:2], statuses["乙二"][0]) == (("declined", "link"), "offered")


def test_office_page_and_api_record_a_decline(client, township_a, in_township, published):
    client.force_login(published.office)
    page = _get(client, f"/t/alpha/staffing/recruitment/{published.round.pk}/").content.decode()
    assert "http://testserver/t/alpha/staffing/apply/offer/" in page
    assert f"http://testserver/t/alpha/staffing/apply/{published.round.pk}/" in page
    assert _post(client, f"/t/alpha/staffing/recruitment/applications/{published.apps[0].pk}/decline/").status_code == 302
    body = _post(client, f"/t/alpha/api/v1/staffing/recruitment/applications/{published.apps[1].pk}/decline/",
                 json_body=True).json()
    assert (body["declined"]["name"], body["declined"]["declined_via"], body["offered"]["name"]) == (
        "乙二", "office", "丙三")
    assert _post(client, f"/t/alpha/api/v1/staffing/recruitment/applications/{published.apps[1].pk}/decline/",
                 json_body=True).status_code == 409


def test_documents_served_to_the_township_office_only(client, make_user, township_a, township_b, in_township,
                                                      published):
    with in_township(township_a):
        doc = Document.objects.filter(application=published.apps[0], kind="id_card").get()
    page = f"/t/alpha/staffing/recruitment/documents/{doc.pk}/"
    api = f"/t/alpha/api/v1/staffing/recruitment/documents/{doc.pk}/"
    client.force_login(published.office)
    response = _get(client, page)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == photo_bytes(1)
    assert _get(client, api).status_code == 200
    other = make_user(Role.TOWNSHIP_OFFICE, township_b)
    for user in (make_user(Role.CLERK, township_a, village_ids=[published.village.pk]), make_user(Role.COUNTY_ADMIN),
                 other):
        client.force_login(user)
        assert _get(client, page).status_code == 404
        assert _get(client, api).status_code == 404
    client.force_login(other)
    assert _get(client, f"/t/beta/staffing/recruitment/documents/{doc.pk}/").status_code == 404
    assert _get(client, f"/t/beta/api/v1/staffing/recruitment/documents/{doc.pk}/").status_code == 404
