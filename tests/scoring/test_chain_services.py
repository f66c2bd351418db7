"""Reversals and corrections of posted ledger rows, and who may reverse or verify (pages and API)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from rest_framework.test import APIClient

from accounts.models import Role
from audit.models import AuditEvent
from common.errors import Conflict, DomainError, NotFound
from scoring.ledger.models import LedgerEntry, LedgerHead
from scoring.ledger.posting import Posting, ledger_post
from scoring.ledger.services_chain import ledger_correct, ledger_reverse
from scoring.ledger.verify import ledger_verify
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

YEAR = 2026


def _post(member, points="3", *, occurred_on=dt.date(YEAR, 3, 5), kind="adjustment"):
    with transaction.atomic():
        [row] = ledger_post(postings=[Posting(kind=kind, member_id=member.pk, points=Decimal(points),
                                              occurred_on=occurred_on, scoring_year=YEAR, note="会议")], actor_id=None)
    return row


def _state():
    return (list(LedgerEntry.objects.order_by("seq").values_list("seq", "kind", "points", "reverses_id")),
            AuditEvent.objects.count())


def test_reversal_negates_points_and_points_at_the_original(township_a, in_township, make_user):
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    with in_township(township_a):
        member = MemberFactory()
        original = _post(member, "3.5")

        row = ledger_reverse(actor=office, ledger_entry_id=original.pk, reason="录错了党员")

        assert (row.seq, row.kind, row.points, row.reverses_id) == (2, "reversal", Decimal("-3.50"), original.pk)
        assert (row.member_id, row.occurred_on, row.scoring_year, row.note, row.posted_by_id) == (
            member.pk, original.occurred_on, YEAR, "录错了党员", office.pk)
        assert row.prev_hash == original.hash
        assert LedgerEntry.objects.get(pk=original.pk).reversed_by == row
        assert LedgerEntry.objects.filter(member=member).aggregate(total=Sum("points"))["total"] == Decimal("0.00")
        event = AuditEvent.objects.get(action="ledger.reversal")
        assert (event.actor_id, event.object_id, event.before["seq"], event.after["points"]) == (
            office.pk, str(row.pk), 1, "-3.50")
        assert ledger_verify().ok


def test_a_correction_is_a_reversal_row(township_a, in_township, make_user):
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    with in_township(township_a):
        member = MemberFactory()
        original = _post(member, "5")

        fix = ledger_reverse(actor=office, ledger_entry_id=original.pk, reason="异议成立", kind="correction")
        again = ledger_correct(actor=office, member_id=member.pk, points=Decimal("2"), reason="异议成立，按2分计",
                               occurred_on=original.occurred_on, scoring_year=YEAR)

        assert (fix.kind, fix.points, fix.reverses_id) == ("correction", Decimal("-5.00"), original.pk)
        assert (again.seq, again.kind, again.points, again.reverses_id) == (3, "correction", Decimal("2.00"), None)
        assert LedgerEntry.objects.filter(member=member).aggregate(total=Sum("points"))["total"] == Decimal("2.00")
        assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
            "ledger.correction", "ledger.correction"]
        assert ledger_verify().checked == 3


def test_reversing_twice_is_refused_and_writes_nothing(township_a, in_township, make_user):
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    with in_township(township_a):
        original = _post(MemberFactory())
        ledger_reverse(actor=office, ledger_entry_id=original.pk, reason="第一次")
        before = _state()

        for kind in ("reversal", "correction"):
            with pytest.raises(Conflict) as excinfo:
                ledger_reverse(actor=office, ledger_entry_id=original.pk, reason="第二次", kind=kind)
            assert str(excinfo.value.message) == "该台账记录已被冲正，不能重复冲正。"
        assert _state() == before
        assert LedgerHead.objects.get().last_seq == 2


def test_reversal_of_a_reversal_and_bad_input_are_refused(township_a, in_township, make_user):
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    with in_township(township_a):
        member = MemberFactory()
        reversal = ledger_reverse(actor=office, ledger_entry_id=_post(member).pk, reason="错")
        third = _post(member)
        before = _state()

        with pytest.raises(Conflict, match="冲正记录本身不能再被冲正"):
            ledger_reverse(actor=office, ledger_entry_id=reversal.pk, reason="再冲")
        with pytest.raises(DomainError, match="请填写原因"):
            ledger_reverse(actor=office, ledger_entry_id=third.pk, reason="  ")
        with pytest.raises(NotFound, match="没有这条台账记录"):
            ledger_reverse(actor=office, ledger_entry_id=999_999, reason="无")
        with pytest.raises(DomainError, match="冲正记录的类型只能是冲正或更正"):
            ledger_reverse(actor=office, ledger_entry_id=third.pk, reason="x", kind="base")
        for points in ("0", "1.234", "abc", "100000"):
            with pytest.raises(DomainError, match="请输入不为零、最多两位小数的分值"):
                ledger_correct(actor=office, member_id=member.pk, points=points, reason="x",
                               occurred_on=dt.date(YEAR, 3, 1), scoring_year=YEAR)
        with pytest.raises(NotFound, match="没有这名党员"):
            ledger_correct(actor=office, member_id=999_999, points="1", reason="x",
                           occurred_on=dt.date(YEAR, 3, 1), scoring_year=YEAR)
        assert _state() == before
        assert LedgerHead.objects.get().last_seq == 3


def test_reversal_of_a_sealed_month_is_booked_in_the_first_open_month(township_a, in_township, make_user):
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    with in_township(township_a):
        original = _post(MemberFactory(), occurred_on=dt.date(YEAR, 3, 5))
        LedgerHead.objects.filter(pk=1).update(sealed_through=YEAR * 12 + 3)  # through April

        row = ledger_reverse(actor=office, ledger_entry_id=original.pk, reason="补正")

        assert (row.occurred_on, row.booked_year, row.booked_month) == (dt.date(YEAR, 3, 5), YEAR, 5)


# --- pages and API --------------------------------------------------------------------------------
class _Client:
    """A client whose calls always hand the connection back to the public schema."""

    def __init__(self, user):
        self.client = APIClient()
        self.client.force_login(user)

    def get(self, path, **params):
        try:
            return self.client.get(path, params)
        finally:
            connection.set_schema_to_public()

    def post(self, path, data, fmt="json"):
        try:
            return self.client.post(path, data, format=fmt)
        finally:
            connection.set_schema_to_public()


@pytest.fixture
def posted(township_a, in_township):
    with in_township(township_a):
        member = MemberFactory(name="赵六")
        return _post(member, "4")


def test_api_verify_for_office_and_county_admin_only(township_a, township_b, make_user, posted):
    url = "/t/alpha/api/v1/scoring/chain/verify/"
    for user in (make_user(Role.TOWNSHIP_OFFICE, township_a), make_user(Role.COUNTY_ADMIN)):
        response = _Client(user).get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["ok"], body["checked"], body["first_broken_seq"], body["head_matches"]) == (True, 1, None, True)
        assert body["reason"] == "台账完整：已核验 1 条记录。"
    for user in (make_user(Role.CLERK, township_a), make_user(Role.TOWNSHIP_OFFICE, township_b), make_user()):
        assert _Client(user).get(url).status_code == 403


def test_api_reverse_office_only(township_a, township_b, in_township, make_user, posted):
    url = f"/t/alpha/api/v1/scoring/chain/ledger-entries/{posted.pk}/reverse/"
    for user in (make_user(Role.CLERK, township_a), make_user(Role.TOWNSHIP_OFFICE, township_b),
                 make_user(Role.COUNTY_ADMIN)):
        assert _Client(user).post(url, {"reason": "错"}).status_code == 403
    office = _Client(make_user(Role.TOWNSHIP_OFFICE, township_a))
    assert office.post("/t/alpha/api/v1/scoring/chain/ledger-entries/999999/reverse/", {"reason": "x"}
                       ).status_code == 404
    with in_township(township_a):
        assert LedgerEntry.objects.count() == 1

    response = office.post(url, {"reason": "录错了", "kind": "correction"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["seq"], body["kind"], body["points"], body["reverses"]) == (2, "correction", "-4.00", posted.pk)
    again = office.post(url, {"reason": "再来"})
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "该台账记录已被冲正，不能重复冲正。"
    with in_township(township_a):
        assert LedgerEntry.objects.count() == 2


def test_verify_page_and_reverse_page(township_a, make_user, in_township, posted):
    office = _Client(make_user(Role.TOWNSHIP_OFFICE, township_a))
    page = office.get("/t/alpha/scoring/chain/")
    assert page.status_code == 200
    assert "台账核验" in page.content.decode()
    assert "已损坏" not in page.content.decode()
    page = office.get("/t/alpha/scoring/chain/", run="1")
    assert "台账完整：已核验 1 条记录。" in page.content.decode()
    assert _Client(make_user(Role.CLERK, township_a)).get("/t/alpha/scoring/chain/").status_code == 403
    assert _Client(make_user(Role.COUNTY_ADMIN)).get("/t/alpha/scoring/chain/").status_code == 200

    url = f"/t/alpha/scoring/chain/entries/{posted.pk}/reverse/"
    assert _Client(make_user(Role.COUNTY_ADMIN)).get(url).status_code == 403
    assert office.get(url).status_code == 200
    assert office.get("/t/alpha/scoring/chain/entries/999999/reverse/").status_code == 404
    blank = office.post(url, {"kind": "reversal", "reason": ""}, fmt="multipart")
    assert blank.status_code == 200
    with in_township(township_a):
        assert LedgerEntry.objects.count() == 1
    done = office.post(url, {"kind": "reversal", "reason": "重复录入"}, fmt="multipart")
    assert done.status_code == 302
    assert done["Location"] == "/t/alpha/scoring/chain/"
    with in_township(township_a):
        assert list(LedgerEntry.objects.values_list("seq", "points")) == [(1, Decimal("4.00")), (2, Decimal("-4.00"))]
    twice = office.post(url, {"kind": "reversal", "reason": "再来"}, fmt="multipart")
    assert "该台账记录已被冲正，不能重复冲正。" in twice.content.decode()
