"""The county's appraisal template page, the office's pay floor exception and correction pages, and the
staffing notifications (period opened, result ready, comment, pay slip, floor exception decided)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts.access import access_for
from accounts.models import Role
from audit.models import AuditEvent
from common import clock
from notifications.models import Delivery
from staffing.appraisal import calc
from staffing.appraisal import services as appraisal
from staffing.appraisal.models import PayLine
from staffing.clerks import services as clerks
from staffing.county import services as county
from staffing.county.models import PayException, appraisal_template_get

pytestmark = [pytest.mark.django_db]


def _get(client, path):
    try:
        return client.get(path)
    finally:
        connection.set_schema_to_public()


def _post(client, path, data, *, as_json=False):
    try:
        if as_json:
            return client.post(path, json.dumps(data), content_type="application/json")
        return client.post(path, data)
    finally:
        connection.set_schema_to_public()


def _template_data(**changes):
    data = {"period_kind": "quarterly", **{f"w_{k}": v for k, v in calc.DEFAULT_WEIGHTS.items()},
            "min_A": "85", "coef_A": "1.30", "min_B": "70", "coef_B": "1.00", "min_C": "60", "coef_C": "0.80",
            "min_D": "0", "coef_D": "0.50"}
    data.update(changes)
    return data


def test_county_sets_the_appraisal_template_on_a_page(client, make_user, township_a):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    assert _get(client, "/staffing/career/appraisal-template/").status_code == 403
    client.force_login(make_user(Role.COUNTY_ADMIN))
    assert _get(client, "/staffing/career/appraisal-template/").status_code == 200
    # Weights not summing to 100, grades out of order: refused with the reason, nothing saved.
    bad = _post(client, "/staffing/career/appraisal-template/", _template_data(w_timeliness=16))
    assert bad.status_code == 200
    assert "100" in bad.content.decode()
    bad = _post(client, "/staffing/career/appraisal-template/", _template_data(min_B="90"))
    assert bad.status_code == 200
    bad = _post(client, "/staffing/career/appraisal-template/", _template_data(min_D="5"))
    assert bad.status_code == 200
    assert appraisal_template_get().version == 0
    ok = _post(client, "/staffing/career/appraisal-template/", _template_data())
    assert ok.status_code == 302
    template = appraisal_template_get()
    assert (template.period_kind, template.version, template.grades["A"]) == (
        "quarterly", 1, {"min": "85", "coefficient": "1.30"})
    event = AuditEvent.objects.get(action="staffing.appraisal_template_set")
    assert event.after["version"] == 1
    assert event.before["version"] == 0
    assert "quarterly" in _get(client, "/staffing/career/appraisal-template/").content.decode()
    # The grades decide the grade and coefficient of an appraisal.
    assert calc.grade_for(Decimal("86"), template.grades) == "A"
    assert calc.coefficient_for("A", template.grades) == Decimal("1.30")
    assert calc.grade_for(Decimal("86")) == "B"  # the defaults without a template


@pytest.fixture
def paid(township_a, township_b, in_township, make_user):
    with schema_context("public"):
        county.pay_policy_set(actor=None, year=2026, base_pay="3000", performance_base="1000", floor="3500",
                              allowances={"A": "800", "B": "600", "C": "400", "D": "0"})
    me, other = make_user(Role.CLERK, township_a), make_user(Role.CLERK, township_a)
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    beta_office = make_user(Role.TOWNSHIP_OFFICE, township_b)
    with in_township(township_a):
        mine = clerks.clerk_create(actor=None, name="王小明", gender="m", birth_date=clock.today().replace(year=1990),
                                   contract_start=clock.today().replace(year=2024), user_id=me.pk)
        theirs = clerks.clerk_create(actor=None, name="李小红", gender="f", birth_date=clock.today().replace(year=1991),
                                     contract_start=clock.today().replace(year=2024), user_id=other.pk)
        period = appraisal.period_open(actor=office)
    return type("P", (), {"me": me, "other": other, "office": office, "beta_office": beta_office, "mine": mine,
                          "theirs": theirs, "period": period, "alpha": township_a})


def test_office_asks_for_a_floor_exception_on_a_page_and_county_sees_names(client, paid, make_user):
    client.force_login(paid.office)
    page = _get(client, "/t/alpha/staffing/pay/exceptions/?year=2026&month=11")
    assert page.status_code == 200
    assert 'value="2026"' in page.content.decode()
    r = _post(client, "/t/alpha/staffing/pay/exceptions/",
              {"clerk": paid.mine.pk, "year": "2026", "month": "11", "reason": ""})
    assert r.status_code == 200
    assert not PayException.objects.exists()
    r = _post(client, "/t/alpha/staffing/pay/exceptions/",
              {"clerk": paid.mine.pk, "year": "2026", "month": "11", "reason": "病假半月，按批复执行"})
    assert r.status_code == 302
    exc = PayException.objects.get()
    assert (exc.township_code, exc.clerk_name, exc.status) == ("alpha", "王小明", "pending")
    again = _post(client, "/t/alpha/staffing/pay/exceptions/",
                  {"clerk": paid.mine.pk, "year": "2026", "month": "11", "reason": "再次申请"})
    assert again.status_code == 200
    assert PayException.objects.count() == 1
    assert "王小明" in _get(client, "/t/alpha/staffing/pay/exceptions/").content.decode()
    # Another township's office sees none of it.
    client.force_login(paid.beta_office)
    assert "王小明" not in _get(client, "/t/beta/staffing/pay/exceptions/").content.decode()
    # The county's list names the township and the clerk; deciding tells the office.
    client.force_login(make_user(Role.COUNTY_ADMIN))
    county_page = _get(client, "/staffing/pay/").content.decode()
    assert "Alpha 镇 · 王小明" in county_page
    listed = _get(client, "/api/v1/staffing/pay/exceptions/").json()
    assert (listed[0]["township_name"], listed[0]["clerk_name"]) == ("Alpha 镇", "王小明")
    assert _post(client, f"/staffing/pay/exceptions/{exc.pk}/decide/", {"decision": "approve"}).status_code == 302
    delivery = Delivery.objects.get(notification__event="pay.exception_decided")
    assert delivery.recipient_id == paid.office.pk
    assert delivery.notification.context["clerk"] == "王小明"


def test_office_corrects_an_approved_line_on_a_page(client, paid, in_township):
    access = access_for(paid.office, paid.alpha)
    with in_township(paid.alpha):
        sheet = appraisal.pay_sheet_prepare(actor=paid.office, access=access, year=2026, month=11)
        line = sheet.lines.get(clerk=paid.mine)
    client.force_login(paid.office)
    draft = _get(client, f"/t/alpha/staffing/pay/lines/{line.pk}/correct/").content.decode()
    assert "prepare the draft again" in draft or "重新生成" in draft
    with in_township(paid.alpha):
        appraisal.pay_sheet_approve(actor=paid.office, access=access, sheet_id=sheet.pk)
    assert f"/staffing/pay/lines/{line.pk}/correct/" in _get(client, f"/t/alpha/staffing/pay/{sheet.pk}/").content.decode()
    r = _post(client, f"/t/alpha/staffing/pay/lines/{line.pk}/correct/",
              {"base": "0", "allowance": "0", "performance": "-12.50", "note": ""})
    assert r.status_code == 200  # the note is required: the form shows it
    r = _post(client, f"/t/alpha/staffing/pay/lines/{line.pk}/correct/",
              {"base": "0", "allowance": "0", "performance": "-2000", "note": "扣减"})
    assert r.status_code == 200  # below the floor without an exception: refused with the reason
    assert "3500" in r.content.decode()
    r = _post(client, f"/t/alpha/staffing/pay/lines/{line.pk}/correct/",
              {"base": "0", "allowance": "0", "performance": "-12.50", "note": "补扣迟到"})
    assert r.status_code == 302
    with in_township(paid.alpha):
        correction = PayLine.objects.get(corrects=line)
        assert (correction.total, correction.note) == (Decimal("-12.50"), "补扣迟到")
    client.force_login(paid.me)
    assert _get(client, f"/t/alpha/staffing/pay/lines/{line.pk}/correct/").status_code == 403


def test_staffing_notifications(client, paid, in_township):
    opened = Delivery.objects.filter(notification__event="appraisal.period_opened")
    assert set(opened.values_list("recipient_id", flat=True)) == {paid.office.pk}
    access = access_for(paid.office, paid.alpha)
    scores = {"village_observation": "90", "township_push": "90", "branch_material": "90", "unannounced_check": "90"}
    with in_township(paid.alpha):
        mine = appraisal.appraisal_record(actor=paid.office, access=access, period_id=paid.period.pk,
                                          clerk_id=paid.mine.pk, office_scores=scores)
        appraisal.appraisal_record(actor=paid.office, access=access, period_id=paid.period.pk,
                                   clerk_id=paid.theirs.pk, office_scores=scores)
    ready = Delivery.objects.filter(notification__event="appraisal.result_ready", channel="in_app")
    assert sorted(ready.values_list("recipient_id", flat=True)) == sorted([paid.me.pk, paid.other.pk])
    assert ready.get(recipient=paid.me).notification.context["clerk"] == "王小明"
    with in_township(paid.alpha):
        appraisal.appraisal_comment(actor=paid.me, appraisal_id=mine.pk, comment="观摩得分偏低，请复核")
    commented = Delivery.objects.get(notification__event="appraisal.commented")
    assert (commented.recipient_id, commented.notification.context["comment"]) == (paid.office.pk, "观摩得分偏低，请复核")
    with in_township(paid.alpha):
        sheet = appraisal.pay_sheet_prepare(actor=paid.office, access=access, year=2026, month=11)
        appraisal.pay_sheet_approve(actor=paid.office, access=access, sheet_id=sheet.pk)
        totals = {line.clerk.user_id: str(line.total) for line in sheet.lines.select_related("clerk")}
    slips = Delivery.objects.filter(notification__event="pay.sheet_approved", channel="in_app")
    assert slips.count() == 2
    for slip in slips:  # each clerk hears of their own slip only
        assert slip.notification.context["total"] == totals[slip.recipient_id]
        assert {d.recipient_id for d in slip.notification.deliveries.all()} == {slip.recipient_id}
    # The messages render in both languages.
    client.force_login(paid.me)
    inbox = _get(client, "/notifications/").content.decode()
    assert "2026-11" in inbox
