"""Pages and API of the scoring periods: scope, Chinese print page, objection flow, schema."""
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection, transaction

from accounts.models import Role
from common import clock
from scoring.ledger.models import LedgerEntry
from scoring.ledger.posting import Posting, ledger_post
from scoring.periods import services
from scoring.periods.models import Appraisal, Objection
from tests.factories import BranchFactory, MemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


@pytest.fixture
def notice(township_a, in_township):
    """Two branches, Q1 closed and published (objections open until 10 days from now)."""
    with in_township(township_a):
        a, b = BranchFactory(name="甲支部"), BranchFactory(name="乙支部")
        m1, m2 = MemberFactory(branch=a, name="张一"), MemberFactory(branch=a, name="李二")
        m3 = MemberFactory(branch=b, name="赵三")
        with transaction.atomic():
            ledger_post(postings=[
                Posting(kind="base", member_id=m.pk, points=Decimal("60"), occurred_on=dt.date(2026, 1, 1),
                        scoring_year=2026) for m in (m1, m2, m3)
            ] + [Posting(kind="adjustment", member_id=m1.pk, points=Decimal("4"), occurred_on=dt.date(2026, 2, 1),
                         scoring_year=2026)], actor_id=None)
        for month in (1, 2, 3):
            services.month_close(year=2026, month=month)
        publication = services.publication_open(actor=None, year=2026, quarter=1)
    connection.set_schema_to_public()
    return type("N", (), {"a": a, "b": b, "m1": m1, "m2": m2, "m3": m3, "publication": publication})


def _get(client, path):
    try:
        return client.get(path)
    finally:
        connection.set_schema_to_public()


def _post(client, path, data, as_json=False):
    try:
        if as_json:
            return client.post(path, json.dumps(data), content_type="application/json")
        return client.post(path, data)
    finally:
        connection.set_schema_to_public()


def test_office_sees_notice_and_a4_print_page_in_chinese(client, make_user, township_a, notice):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    page = _get(client, f"/t/alpha/scoring/periods/publications/{notice.publication.pk}/").content.decode()
    assert "Alpha 镇 2026年第一季度党员积分公示" in page
    assert "甲支部" in page
    assert "乙支部" in page
    printed = _get(client, f"/t/alpha/scoring/periods/publications/{notice.publication.pk}/print/").content.decode()
    assert "@page { size: A4;" in printed
    assert printed.count('<section class="sheet">') == 2  # one branch per page
    assert "公示期：" in printed
    assert "中共Alpha 镇委员会（盖章）" in printed
    assert "张一" in printed
    assert "64.00" in printed


def test_the_notice_as_a_pdf_in_chinese(client, make_user, township_a, notice):
    import io

    from pypdf import PdfReader

    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    response = _get(client, f"/t/alpha/scoring/periods/publications/{notice.publication.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2  # one A4 page per branch
    text = "".join(page.extract_text() for page in reader.pages)
    assert "张一" in text
    assert "64.00" in text
    assert reader.pages[0].mediabox.width == pytest.approx(595, abs=2)  # A4 in points


def test_member_sees_only_own_row_and_can_object(client, make_user, township_a, in_township, notice):
    client.force_login(make_user(Role.MEMBER, township_a, member_id=notice.m2.pk))
    url = f"/t/alpha/scoring/periods/publications/{notice.publication.pk}/"
    page = _get(client, url).content.decode()
    assert "李二" in page
    assert "张一" not in page
    assert "赵三" not in page
    ranking = _get(client, "/t/alpha/scoring/periods/ranking/?year=2026").content.decode()
    assert "李二" in ranking
    assert "张一" not in ranking
    response = _post(client, url, {"member": notice.m2.pk, "reason": "二月份的会议未计分"})
    assert response.status_code == 302
    with in_township(township_a):
        assert list(Objection.objects.values_list("member_id", "reason")) == [(notice.m2.pk, "二月份的会议未计分")]


def test_branch_secretary_sees_their_branch_only(client, make_user, township_a, notice):
    client.force_login(make_user(Role.BRANCH_SECRETARY, township_a, branch_id=notice.b.pk))
    ranking = _get(client, "/t/alpha/scoring/periods/ranking/?year=2026").content.decode()
    assert "赵三" in ranking
    assert "张一" not in ranking
    assert _get(client, f"/t/alpha/scoring/periods/ranking/?year=2026&branch={notice.a.pk}").status_code == 404
    month = _get(client, "/t/alpha/scoring/periods/months/2026/2/").content.decode()
    assert "赵三" in month
    assert "张一" not in month
    # writes are for the township office
    assert _post(client, "/t/alpha/scoring/periods/months/close/", {"year": 2026, "month": 4}).status_code == 403


def test_objection_flow_over_the_api(client, make_user, township_a, in_township, notice):
    member_user = make_user(Role.MEMBER, township_a, member_id=notice.m3.pk)
    client.force_login(member_user)
    base = "/t/alpha/api/v1/scoring/periods"
    response = _post(client, f"{base}/publications/{notice.publication.pk}/objections/",
                     {"member": notice.m3.pk, "reason": "漏记一次志愿服务"}, as_json=True)
    assert response.status_code == 201, response.content
    objection_id = response.json()["id"]
    # a member cannot answer
    assert _post(client, f"{base}/objections/{objection_id}/answer/",
                 {"uphold": True, "answer": "x"}, as_json=True).status_code == 403
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    response = _post(client, f"{base}/objections/{objection_id}/answer/",
                     {"uphold": True, "answer": "补记 2 分", "correction_points": "2"}, as_json=True)
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["correction_points"]) == ("upheld", "2.00")
    versions = _get(client, f"{base}/publications/").json()
    assert [(v["version"], v["status"]) for v in versions] == [(2, "open"), (1, "superseded")]
    old = _get(client, f"{base}/publications/{notice.publication.pk}/").json()
    new = _get(client, f"{base}/publications/{versions[0]['id']}/").json()
    row = lambda data: next(m for b in data["branches"] for m in b["members"] if m["id"] == notice.m3.pk)  # noqa: E731
    assert (row(old)["year_to_date"], row(new)["year_to_date"]) == ("60.00", "62.00")
    assert new["title"] == "Alpha 镇 2026年第一季度党员积分公示"
    ranking = _get(client, f"{base}/ranking/?year=2026").json()
    assert [(r["name"], r["total"], r["rank"]) for r in ranking] == [("张一", "64.00", 1), ("赵三", "62.00", 2),
                                                                     ("李二", "60.00", 3)]
    with in_township(township_a):
        assert LedgerEntry.objects.filter(kind="correction").count() == 1


def test_appraisal_form_and_rating_page(client, make_user, township_a, in_township, notice, scoring_setup,
                                        set_clock):
    setup = scoring_setup(township_a, year=2026)
    secretary = make_user(Role.BRANCH_SECRETARY, township_a, branch_id=notice.a.pk)
    client.force_login(secretary)
    url = f"/t/alpha/scoring/periods/appraisals/2026/2/branches/{notice.a.pk}/"
    assert _get(client, url).status_code == 200
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "2"}
    for i, (member, result) in enumerate([(notice.m1, "excellent"), (notice.m2, "")]):
        data.update({f"form-{i}-member_id": member.pk, f"form-{i}-result": result, f"form-{i}-votes_excellent": 9,
                     f"form-{i}-votes_qualified": 1, f"form-{i}-votes_basic": 0, f"form-{i}-votes_unqualified": 0})
    assert _post(client, url, data).status_code == 302
    with in_township(township_a):
        assert list(Appraisal.objects.values_list("member_id", "result", "votes_excellent")) == [
            (notice.m1.pk, "excellent", 9)]
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    # Refused while 2026 is open: the page lists what is missing and nothing is rated.
    assert _post(client, "/t/alpha/scoring/periods/ratings/run/", {"scoring_year": 2026}).status_code == 302
    page = _get(client, "/t/alpha/scoring/periods/ratings/2026/").content.decode()
    assert 'id="rating-missing"' in page
    assert "2026-04" in page
    assert "李二" in page
    # The year over (relative to the pinned moment) and every month closed: runs with an override.
    if clock.today() <= setup.year.ends_on:
        set_clock(dt.datetime.combine(setup.year.ends_on + dt.timedelta(days=1), dt.time(0, 10),
                                      tzinfo=township_a.time_zone_info()))
    with in_township(township_a):
        for month in range(4, 13):
            services.month_close(year=2026, month=month)
    assert _post(client, "/t/alpha/scoring/periods/ratings/run/",
                 {"scoring_year": 2026, "override_reason": "二人外出务工"}).status_code == 302
    page = _get(client, "/t/alpha/scoring/periods/ratings/2026/").content.decode()
    assert "下半年民主评议：优秀。" in page
    assert "未登记下半年民主评议结果。" in page


def test_other_township_and_roles(client, make_user, township_a, township_b, notice):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_b))
    assert _get(client, "/t/alpha/scoring/periods/").status_code == 403
    assert _get(client, "/t/beta/scoring/periods/months/2026/1/").status_code == 404
    assert _get(client, "/t/beta/api/v1/scoring/periods/publications/").json() == []
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    assert _get(client, "/t/alpha/scoring/periods/").status_code == 200
    assert _get(client, "/t/alpha/scoring/periods/months/2026/1/").status_code == 200
    assert _get(client, "/t/alpha/scoring/periods/publications/").status_code == 200


def test_township_schema_lists_periods_endpoints(client, township_a, make_user):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))  # the schema needs a login
    paths = set(_get(client, "/t/alpha/api/v1/schema/?format=json").json()["paths"])
    assert {"/t/{code}/api/v1/scoring/periods/months/", "/t/{code}/api/v1/scoring/periods/ranking/",
            "/t/{code}/api/v1/scoring/periods/publications/{id}/objections/",
            "/t/{code}/api/v1/scoring/periods/objections/{id}/answer/",
            "/t/{code}/api/v1/scoring/periods/ratings/run/"} <= paths
