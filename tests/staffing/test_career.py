"""Career decisions (issue 10 item 6): the township office proposes a clerk for an established post or
removal from the appraisal history; the county decides; an approval changes the clerk's status and
access in the township's schema in the same transaction, a rejection changes nothing; other townships
neither propose nor see; nobody decides their own case."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection

from accounts.access import access_for
from accounts.models import Role, RoleAssignment
from audit.models import AuditEvent
from common import clock
from common.errors import Conflict
from notifications.models import Delivery
from staffing.appraisal import services as appraisal
from staffing.clerks import services as clerks
from staffing.clerks.models import Clerk, Placement
from staffing.county.models import CareerProposal
from tests.factories import RoleFactory, VillageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]
SCORES = {"village_observation": "60", "township_push": "55", "branch_material": "50", "unannounced_check": "40"}


def _req(client, method, path, data=None, *, form=False):
    try:
        if method == "get":
            return client.get(path)
        if form:
            return client.post(path, data or {})
        return client.post(path, json.dumps(data or {}), content_type="application/json")
    finally:
        connection.set_schema_to_public()


@pytest.fixture
def world(township_a, township_b, in_township, make_user):
    me, other = make_user(username="career_me"), make_user(username="career_other")
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    county = make_user(Role.COUNTY_ADMIN)
    beta_office = make_user(Role.TOWNSHIP_OFFICE, township_b)
    with in_township(township_a):
        today = clock.today(township_a)
        v1, v2 = VillageFactory(name="东村"), VillageFactory(name="西村")
        mine = clerks.clerk_create(actor=None, name="王小明", gender="m", birth_date=dt.date(1990, 1, 1),
                                   contract_start=today - dt.timedelta(days=800), user_id=me.pk)
        theirs = clerks.clerk_create(actor=None, name="李小红", gender="f", birth_date=dt.date(1991, 1, 1),
                                     contract_start=today - dt.timedelta(days=800), user_id=other.pk)
        clerks.placement_start(actor=None, clerk=mine, village=v1, starts_on=today - dt.timedelta(days=400))
        clerks.placement_start(actor=None, clerk=theirs, village=v2, starts_on=today - dt.timedelta(days=400))
        period = appraisal.period_open()
        for clerk in (mine, theirs):
            appraisal.appraisal_record(actor=office, access=access_for(office, township_a), period_id=period.pk,
                                       clerk_id=clerk.pk, office_scores=SCORES)
    return type("W", (), {"me": me, "other": other, "office": office, "county": county, "beta_office": beta_office,
                          "mine": mine, "theirs": theirs, "v1": v1, "v2": v2, "today": today,
                          "alpha": township_a, "beta": township_b})


def _propose(client, w, kind="remove", clerk=None):
    client.force_login(w.office)
    r = _req(client, "post", "/t/alpha/api/v1/staffing/career/",
             {"clerk": (clerk or w.mine).pk, "kind": kind, "basis": "连续两期考核等次靠后，群众满意度低"})
    assert r.status_code == 201, r.json()
    return r.json()


def test_approved_removal_changes_status_and_access(client, world, in_township):
    w = world
    proposal = _propose(client, w)
    assert len(proposal["appraisal_history"]) == 1  # the history travels with it
    # The clerk still serves meanwhile, and does not see the pending proposal.
    client.force_login(w.me)
    assert _req(client, "get", "/t/alpha/staffing/").status_code == 200
    assert _req(client, "get", "/t/alpha/api/v1/staffing/career/").json() == []

    client.force_login(w.county)
    listed = _req(client, "get", "/api/v1/staffing/career/?status=pending").json()
    assert [(p["township_name"], p["clerk_name"], p["kind"]) for p in listed] == [("Alpha 镇", "王小明", "remove")]
    page = _req(client, "get", "/staffing/career/").content.decode()
    assert "王小明" in page
    assert "Alpha 镇" in page
    detail = _req(client, "get", f"/staffing/career/{proposal['id']}/").content.decode()
    assert "连续两期考核等次靠后" in detail
    r = _req(client, "post", f"/api/v1/staffing/career/{proposal['id']}/decide/",
             {"decision": "approve", "basis": "经县委组织部研究同意", "decision_date": w.today.isoformat(),
              "document_number": "县组干〔2026〕12号"})
    assert r.status_code == 200, r.json()
    assert (r.json()["status"], r.json()["decision_date"]) == ("approved", w.today.isoformat())
    again = _req(client, "post", f"/api/v1/staffing/career/{proposal['id']}/decide/",
                 {"decision": "reject", "basis": "x", "decision_date": w.today.isoformat()})
    assert again.status_code == 409

    with in_township(w.alpha):
        clerk = Clerk.objects.get(pk=w.mine.pk)
        assert clerk.status == Clerk.Status.REMOVED
        assert list(Placement.objects.filter(clerk=clerk).values_list("ends_on", flat=True)) == [w.today]
        assert Clerk.objects.get(pk=w.theirs.pk).status == Clerk.Status.ACTIVE  # nobody else
        assert AuditEvent.objects.filter(action__in=["career.decide", "clerks.clerk_career"]).count() == 2
        # A later office status change cannot undo the county's decision.
        with pytest.raises(Conflict) as refused:
            clerks.clerk_status_set(actor=None, clerk=clerk, status=Clerk.Status.ACTIVE)
        assert refused.value.message == clerks.STATUS_FINAL
    assert not RoleAssignment.objects.filter(user=w.me, role=Role.CLERK).exists()
    assert AuditEvent.objects.filter(action="career.decide").count() == 1  # the county's trail too

    # The clerk no longer sees the village (no clerk role left), but reads the outcome.
    client.force_login(w.me)
    assert _req(client, "get", "/t/alpha/staffing/").status_code == 403
    assert _req(client, "get", "/t/alpha/api/v1/staffing/placements/").status_code == 403
    mine = _req(client, "get", "/api/v1/staffing/career/mine/").json()
    assert [(p["status"], p["document_number"]) for p in mine] == [("approved", "县组干〔2026〕12号")]
    assert "县组干〔2026〕12号" in _req(client, "get", "/staffing/career/mine/").content.decode()

    # Notifications: the county heard of the proposal; the office and the clerk of the decision.
    decided = Delivery.objects.filter(notification__event="career.decided", channel="in_app")
    assert set(decided.values_list("recipient_id", flat=True)) == {w.office.pk, w.me.pk}
    assert decided.get(recipient=w.me).notification.township is None  # readable without a township role
    assert Delivery.objects.filter(notification__event="career.proposed", recipient=w.county).exists()


def test_rejection_changes_nothing(client, world, in_township):
    w = world
    proposal = _propose(client, w, kind="establish")
    client.force_login(w.county)
    r = _req(client, "post", f"/api/v1/staffing/career/{proposal['id']}/decide/",
             {"decision": "reject", "basis": "考核记录不足一年", "decision_date": w.today.isoformat()})
    assert r.status_code == 200, r.json()
    with in_township(w.alpha):
        assert Clerk.objects.get(pk=w.mine.pk).status == Clerk.Status.ACTIVE
        assert Placement.objects.get(clerk=w.mine).ends_on is None
    assert RoleAssignment.objects.get(user=w.me, role=Role.CLERK).village_ids == [w.v1.pk]
    client.force_login(w.me)
    assert "东村" in _req(client, "get", "/t/alpha/staffing/").content.decode()
    page = _req(client, "get", f"/t/alpha/staffing/clerks/{w.mine.pk}/").content.decode()
    assert "考核记录不足一年" in page  # the clerk sees the outcome on their page
    # A new proposal may follow a rejection.
    _propose(client, w, kind="establish")


def test_established_post_validation_then_effect_on_access_and_pay(client, world, in_township):
    w = world
    proposal = _propose(client, w, kind="establish")
    client.force_login(w.county)
    url = f"/api/v1/staffing/career/{proposal['id']}/decide/"
    tomorrow, yesterday = w.today + dt.timedelta(days=1), w.today - dt.timedelta(days=1)
    for data, field in [
        ({"decision": "approve", "basis": "优秀", "decision_date": tomorrow.isoformat(), "document_number": "1号"},
         "decision_date"),
        ({"decision": "approve", "basis": "优秀", "decision_date": yesterday.isoformat(), "document_number": "1号"},
         "decision_date"),
        ({"decision": "approve", "basis": "优秀", "decision_date": w.today.isoformat()}, "document_number"),
        ({"decision": "approve", "basis": "  ", "decision_date": w.today.isoformat(), "document_number": "1号"},
         "basis"),
    ]:
        r = _req(client, "post", url, data)
        assert r.status_code == 400, (data, r.json())
        assert field in r.json()["error"]["fields"], r.json()
    assert CareerProposal.objects.get(pk=proposal["id"]).status == "pending"  # nothing written
    # The page shows the error too, and changes nothing.
    page = _req(client, "post", f"/staffing/career/{proposal['id']}/",
                {"decide-decision": "approve", "decide-basis": "优秀", "decide-decision_date": tomorrow.isoformat(),
                 "decide-document_number": "1号"}, form=True)
    assert page.status_code == 200
    assert "cannot be in the future" in page.content.decode() or "不能晚于" in page.content.decode()
    r = _req(client, "post", f"/staffing/career/{proposal['id']}/",
             {"decide-decision": "approve", "decide-basis": "连续三年优秀", "decide-decision_date": w.today.isoformat(),
              "decide-document_number": "县组干〔2026〕15号"}, form=True)
    assert r.status_code == 302
    with in_township(w.alpha):
        assert Clerk.objects.get(pk=w.mine.pk).status == Clerk.Status.ESTABLISHED
        # Paid on the clerk sheet up to the decision month, not after.
        this_month = {c.pk for c in appraisal.paid_clerks(year=w.today.year, month=w.today.month)}
        nxt = w.today.replace(day=28) + dt.timedelta(days=7)
        next_month = {c.pk for c in appraisal.paid_clerks(year=nxt.year, month=nxt.month)}
        assert this_month == {w.mine.pk, w.theirs.pk}
        assert next_month == {w.theirs.pk}
    assert not RoleAssignment.objects.filter(user=w.me, role=Role.CLERK).exists()


def test_other_township_neither_proposes_nor_sees(client, world, make_user):
    w = world
    proposal = _propose(client, w)
    client.force_login(w.beta_office)
    r = _req(client, "post", "/t/beta/api/v1/staffing/career/", {"clerk": w.mine.pk, "kind": "remove", "basis": "x"})
    assert r.status_code == 404  # no such clerk in beta
    assert _req(client, "get", "/t/beta/api/v1/staffing/career/").json() == []
    assert _req(client, "get", "/t/alpha/api/v1/staffing/career/").status_code == 403
    assert _req(client, "post", "/t/alpha/api/v1/staffing/career/",
                {"clerk": w.mine.pk, "kind": "remove", "basis": "x"}).status_code == 403
    assert _req(client, "get", "/api/v1/staffing/career/").status_code == 403
    assert _req(client, "get", f"/staffing/career/{proposal['id']}/").status_code == 403
    assert _req(client, "post", f"/api/v1/staffing/career/{proposal['id']}/decide/",
                {"decision": "approve", "basis": "x", "decision_date": w.today.isoformat(),
                 "document_number": "1"}).status_code == 403
    # A clerk cannot propose, not even about a colleague.
    client.force_login(w.other)
    assert _req(client, "post", "/t/alpha/api/v1/staffing/career/",
                {"clerk": w.mine.pk, "kind": "remove", "basis": "x"}).status_code == 403
    assert _req(client, "get", f"/t/alpha/staffing/clerks/{w.mine.pk}/").status_code == 404


def test_nobody_decides_their_own_case(client, world, township_a, in_township):
    w = world
    # The office may not put a clerk's status to removed directly: that is the county's decision.
    client.force_login(w.office)
    r = _req(client, "post", f"/t/alpha/api/v1/staffing/clerks/{w.mine.pk}/status/", {"status": "removed"})
    assert r.status_code == 400
    # An office member who is also the clerk cannot propose themselves.
    RoleFactory(user=w.me, role=Role.TOWNSHIP_OFFICE, township=township_a)
    client.force_login(w.me)
    r = _req(client, "post", "/t/alpha/api/v1/staffing/career/", {"clerk": w.mine.pk, "kind": "establish", "basis": "x"})
    assert r.status_code == 403
    # The proposer cannot decide, even holding the county role; nor can the clerk concerned.
    proposal = _propose(client, w, kind="establish", clerk=w.theirs)
    RoleFactory(user=w.office, role=Role.COUNTY_ADMIN, township=None)
    RoleFactory(user=w.other, role=Role.COUNTY_ADMIN, township=None)
    decide = {"decision": "approve", "basis": "优秀", "decision_date": w.today.isoformat(), "document_number": "2号"}
    for who in (w.office, w.other):
        client.force_login(who)
        r = _req(client, "post", f"/api/v1/staffing/career/{proposal['id']}/decide/", decide)
        assert r.status_code == 403, r.json()
        assert "Record the decision" not in _req(client, "get", f"/staffing/career/{proposal['id']}/").content.decode()
    client.force_login(w.county)
    assert _req(client, "post", f"/api/v1/staffing/career/{proposal['id']}/decide/", decide).status_code == 200
    with in_township(w.alpha):
        assert Clerk.objects.get(pk=w.theirs.pk).status == Clerk.Status.ESTABLISHED


def test_office_proposes_from_the_clerk_page(client, world, in_township):
    w = world
    client.force_login(w.office)
    page = _req(client, "get", f"/t/alpha/staffing/clerks/{w.mine.pk}/").content.decode()
    assert "career-basis" in page.replace("id_career-basis", "career-basis")  # the form is there
    r = _req(client, "post", f"/t/alpha/staffing/clerks/{w.mine.pk}/career/",
             {"career-kind": "remove", "career-basis": ""}, form=True)
    assert r.status_code == 302
    assert not CareerProposal.objects.exists()  # a basis is required
    r = _req(client, "post", f"/t/alpha/staffing/clerks/{w.mine.pk}/career/",
             {"career-kind": "remove", "career-basis": "多次迟报"}, form=True)
    assert r.status_code == 302
    assert CareerProposal.objects.get().basis == "多次迟报"
    # One pending proposal per clerk; a clerk without appraisals cannot be proposed.
    r = _req(client, "post", "/t/alpha/api/v1/staffing/career/", {"clerk": w.mine.pk, "kind": "establish", "basis": "x"})
    assert r.status_code == 409
    with in_township(w.alpha):
        fresh = clerks.clerk_create(actor=None, name="赵新", gender="m", birth_date=dt.date(1995, 1, 1),
                                    contract_start=w.today)
    client.force_login(w.office)
    r = _req(client, "post", "/t/alpha/api/v1/staffing/career/", {"clerk": fresh.pk, "kind": "establish", "basis": "x"})
    assert r.status_code == 409
