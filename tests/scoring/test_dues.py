"""Party dues: the county rule, arrears = expected − paid with exemptions (computed in SQL), the
append-only dues ledger and its corrections, receipts, scope and tenancy, reminders, exports."""
from __future__ import annotations

import datetime as dt
import io
import types
from decimal import Decimal

import openpyxl
import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from accounts.access import access_for
from audit.models import AuditEvent
from common.errors import DomainError, PermissionDenied
from scoring.dues import services
from scoring.dues.county.models import DuesPolicy
from scoring.dues.county.selectors import monthly_dues
from scoring.dues.models import DuesBase, DuesPayment
from scoring.dues.notices import remind_branch_arrears, remind_member_arrears
from scoring.dues.selectors import branch_dues, member_dues
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

D = Decimal


def call(client, method, path, data=None, **extra):
    try:
        return getattr(client, method)(path, data or {}, **extra)
    finally:
        connection.set_schema_to_public()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(township_a, township_b, in_township, make_user):
    with in_township(township_a):
        village = VillageFactory(name="桥头村")
        branch = BranchFactory(name="桥头村党支部", village=village)
        other = BranchFactory(name="别村党支部", village=VillageFactory(name="别村"))
    users = types.SimpleNamespace(
        office=make_user("township_office", township_a),
        clerk=make_user("clerk", township_a, village_ids=[village.pk]),
        secretary=make_user("branch_secretary", township_a, branch_id=branch.pk),
        office_b=make_user("township_office", township_b),
    )
    return types.SimpleNamespace(township=township_a, other_township=township_b, branch=branch, other=other,
                                 users=users)


def month(today: dt.date, m: int) -> dt.date:
    return dt.date(today.year, m, 1)


@pytest.mark.parametrize(("basis", "income", "expected"), [
    ("income", "2000", "10.00"),      # 0.5 %
    ("income", "3000", "15.00"),      # upper edge of the first bracket
    ("income", "4000", "40.00"),      # 1 %
    ("income", "8000.50", "120.01"),  # 1.5 %, half up to the cent
    ("income", "12000", "240.00"),    # 2 %
    ("income", "10", "0.20"),         # never below the minimum
    ("farmer", None, "1.00"),
    ("minimum", None, "0.20"),
])
def test_county_rule_monthly_amount(basis, income, expected):
    policy = DuesPolicy()
    assert monthly_dues(policy=policy, basis=basis, monthly_income=D(income) if income else None) == D(expected)


def test_arrears_are_expected_minus_paid_with_exemptions(world, in_township, clock):
    """A table of members, each one case; expectations follow the clock's month M."""
    users = world.users
    today = clock.today()
    m = today.month
    office, clerk = access_for(users.office, world.township), access_for(users.clerk, world.township)
    receipts = iter(range(1, 100))

    def base(member, amount_basis, income=None, start=1):
        services.dues_base_set(actor=users.office, access=office, member_id=member.pk, basis=amount_basis,
                               monthly_income=income, effective_from=month(today, start))

    def pay(member, amount, first=1, last=1):
        return services.dues_payment_record(actor=users.clerk, access=clerk, member_id=member.pk, amount=amount,
                                            method="cash", receipt_number=f"DF-{next(receipts):04d}",
                                            year=today.year, first_month=first, last_month=last, paid_on=today)

    with in_township(world.township):
        people = {name: MemberFactory(name=name, branch=world.branch) for name in
                  ("a全缴", "b缴一月", "c本月免缴", "d无基数", "e农民冲正", "f基数变更", "g收入四千", "h老党员全年免缴")}
        people["h老党员全年免缴"].is_elderly = True
        people["h老党员全年免缴"].save()
        base(people["a全缴"], "income", "2000")                     # 10.00 a month
        pay(people["a全缴"], D("10.00") * m, 1, m)
        base(people["b缴一月"], "income", "2000")
        pay(people["b缴一月"], "10.00")
        base(people["c本月免缴"], "income", "2000")
        services.dues_exemption_grant(actor=users.office, access=office, member_id=people["c本月免缴"].pk,
                                      reason_kind="hardship", reason="大病住院", first_month=month(today, m),
                                      last_month=month(today, m))
        base(people["e农民冲正"], "farmer")                            # 1.00 a month
        wrong = pay(people["e农民冲正"], "5.00", 1, min(5, 12))
        services.dues_payment_correct(actor=users.clerk, access=clerk, payment_id=wrong.pk, amount="-2.00",
                                      reason="收据金额登记错误，实收3元")
        base(people["f基数变更"], "income", "2000")
        base(people["f基数变更"], "income", "4000", start=m)          # 40.00 from month M on
        base(people["g收入四千"], "income", "4000")
        base(people["h老党员全年免缴"], "farmer")
        services.dues_exemption_grant(actor=users.office, access=office, member_id=people["h老党员全年免缴"].pk,
                                      reason_kind="elderly", reason="年满80周岁，经镇党建办研究免缴",
                                      first_month=month(today, 1), last_month=month(today, 12))
        rows = {r.name: r for r in member_dues(branch_ids=[world.branch.pk], year=today.year, through=m)}
        f_expected = D("10.00") * (m - 1) + D("40.00")
        table = {  # name: (expected, paid, balance, arrears, exempt months)
            "a全缴": (D("10.00") * m, D("10.00") * m, D("0.00"), D("0.00"), 0),
            "b缴一月": (D("10.00") * m, D("10.00"), D("10.00") * (m - 1), D("10.00") * (m - 1), 0),
            "c本月免缴": (D("10.00") * (m - 1), D("0"), D("10.00") * (m - 1), D("10.00") * (m - 1), 1),
            "d无基数": (D("0"), D("0"), D("0"), D("0"), 0),
            "e农民冲正": (D("1.00") * m, D("3.00"), D("1.00") * m - 3, max(D("1.00") * m - 3, D("0")), 0),
            "f基数变更": (f_expected, D("0"), f_expected, f_expected, 0),
            "g收入四千": (D("40.00") * m, D("0"), D("40.00") * m, D("40.00") * m, 0),
            "h老党员全年免缴": (D("0"), D("0"), D("0"), D("0"), m),
        }
        assert {name: (r.expected, r.paid, r.balance, r.arrears, r.exempt_months) for name, r in rows.items()} == table
        for row in rows.values():
            assert all(isinstance(v, Decimal) for v in (row.expected, row.paid, row.balance, row.arrears))
        [summary] = branch_dues(branch_ids=[world.branch.pk, world.other.pk], year=today.year, through=m)
        assert (summary.branch_id, summary.members, summary.expected, summary.paid, summary.arrears,
                summary.members_in_arrears) == (
            world.branch.pk, 8, sum((t[0] for t in table.values()), D("0")), sum((t[1] for t in table.values()), D("0")),
            sum((t[3] for t in table.values()), D("0")), sum(1 for t in table.values() if t[3] > 0))
        # A year that has not started yet owes nothing; a year that ended counts all 12 months.
        assert {r.expected for r in member_dues(branch_ids=[world.branch.pk], year=today.year, through=0)} == {D("0")}


def test_payments_are_append_only_in_the_database(world, in_township, clock):
    users = world.users
    with in_township(world.township):
        member = MemberFactory(branch=world.branch)
        payment = services.dues_payment_record(
            actor=users.clerk, access=access_for(users.clerk, world.township), member_id=member.pk, amount="12.00",
            method="transfer", receipt_number="DF-0001", year=clock.today().year, first_month=1, last_month=1,
            paid_on=clock.today())
        base = services.dues_base_set(actor=users.office, access=access_for(users.office, world.township),
                                      member_id=member.pk, basis="farmer", effective_from=clock.today())
        for sql in ("UPDATE dues_duespayment SET amount = 1 WHERE id = %s", "DELETE FROM dues_duespayment WHERE id = %s",
                    "UPDATE dues_duesbase SET monthly_amount = 0 WHERE id = %s"):
            target = base.pk if "duesbase" in sql else payment.pk
            with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql, [target])
        payment.refresh_from_db()
        assert payment.amount == D("12.00")


def test_a_duplicate_receipt_is_refused_with_a_clear_error_and_nothing_written(world, in_township, clock):
    users = world.users
    clerk = access_for(users.clerk, world.township)
    with in_township(world.township):
        a, b = MemberFactory(branch=world.branch), MemberFactory(branch=world.branch)
        kwargs = {"amount": "6.00", "method": "cash", "receipt_number": "DF-2026-0007", "year": clock.today().year,
                  "first_month": 1, "last_month": 1, "paid_on": clock.today()}
        services.dues_payment_record(actor=users.clerk, access=clerk, member_id=a.pk, **kwargs)
        lines, events = DuesPayment.objects.count(), AuditEvent.objects.count()
        with pytest.raises(DomainError) as exc:
            services.dues_payment_record(actor=users.clerk, access=clerk, member_id=b.pk, **kwargs)
        # The message in whatever language is active (the constant, formatted as the service does).
        assert {key: [str(m) for m in messages] for key, messages in exc.value.field_errors.items()} == {
            "receipt_number": [str(services.RECEIPT_DUPLICATE % {"number": "DF-2026-0007"})]}
        assert (DuesPayment.objects.count(), AuditEvent.objects.count()) == (lines, events)
    api = call(client_for(users.clerk), "post", "/t/alpha/api/v1/dues/payments/",
               {"member": b.pk, **kwargs, "paid_on": kwargs["paid_on"].isoformat()}, content_type="application/json")
    assert api.status_code == 400
    assert "DF-2026-0007" in api.json()["error"]["fields"]["receipt_number"][0]


def test_corrections_keep_the_payment_and_cannot_go_below_zero(world, in_township, clock):
    users = world.users
    clerk = access_for(users.clerk, world.township)
    with in_township(world.township):
        member = MemberFactory(branch=world.branch)
        payment = services.dues_payment_record(actor=users.clerk, access=clerk, member_id=member.pk, amount="3.00",
                                               method="cash", receipt_number="DF-9", year=clock.today().year,
                                               first_month=1, last_month=3, paid_on=clock.today())
        with pytest.raises(DomainError) as exc:
            services.dues_payment_correct(actor=users.clerk, access=clerk, payment_id=payment.pk, amount="-4.00",
                                          reason="x")
        assert "amount" in exc.value.field_errors
        with pytest.raises(DomainError) as exc:
            services.dues_payment_correct(actor=users.clerk, access=clerk, payment_id=payment.pk, amount="-1.00",
                                          reason="")
        assert "reason" in exc.value.field_errors
        line = services.dues_payment_correct(actor=users.clerk, access=clerk, payment_id=payment.pk,
                                             amount="-1.00", reason="多记1元")
        assert (line.kind, line.amount, line.corrects_id, line.first_month, line.last_month) == (
            "correction", D("-1.00"), payment.pk, 1, 3)
        with pytest.raises(DomainError):
            services.dues_payment_correct(actor=users.clerk, access=clerk, payment_id=line.pk, amount="1.00",
                                          reason="x")
        payment.refresh_from_db()
        assert payment.amount == D("3.00")


def test_who_may_do_what_and_scope(world, in_township, clock):
    users = world.users
    with in_township(world.township):
        member = MemberFactory(branch=world.branch)
        outsider = MemberFactory(branch=world.other)
        with pytest.raises(PermissionDenied):
            services.dues_base_set(actor=users.clerk, access=access_for(users.clerk, world.township),
                                   member_id=member.pk, basis="farmer", effective_from=clock.today())
        with pytest.raises(PermissionDenied):
            services.dues_payment_record(actor=users.secretary, access=access_for(users.secretary, world.township),
                                         member_id=member.pk, amount="1", method="cash", receipt_number="X1",
                                         year=clock.today().year, first_month=1, last_month=1, paid_on=clock.today())
        with pytest.raises(DomainError) as exc:
            services.dues_payment_record(actor=users.clerk, access=access_for(users.clerk, world.township),
                                         member_id=outsider.pk, amount="1", method="cash", receipt_number="X2",
                                         year=clock.today().year, first_month=1, last_month=1, paid_on=clock.today())
        assert "member" in exc.value.field_errors
        with pytest.raises(DomainError) as exc:  # the elderly ground needs an elderly member
            services.dues_exemption_grant(actor=users.office, access=access_for(users.office, world.township),
                                          member_id=member.pk, reason_kind="elderly", reason="x",
                                          first_month=clock.today(), last_month=clock.today())
        assert "reason_kind" in exc.value.field_errors
        assert DuesPayment.objects.count() == 0
        assert DuesBase.objects.count() == 0


def test_pages_exports_and_tenancy(world, in_township, clock):
    users = world.users
    today = clock.today()
    with in_township(world.township):
        member = MemberFactory(name="欠费党员", branch=world.branch)
        services.dues_base_set(actor=users.office, access=access_for(users.office, world.township),
                               member_id=member.pk, basis="income", monthly_income="4000", effective_from=today)
    clerk = client_for(users.clerk)
    response = call(clerk, "post", f"/t/alpha/dues/branch/{world.branch.pk}/pay/", {
        "member": member.pk, "amount": "20.00", "method": "cash", "receipt_number": "DF-W1", "year": today.year,
        "first_month": today.month, "last_month": today.month, "paid_on": today.isoformat()})
    assert response.status_code == 302
    page = call(clerk, "get", f"/t/alpha/dues/branch/{world.branch.pk}/").content.decode()
    assert "欠费党员" in page
    assert "20.00" in page
    overview = call(clerk, "get", "/t/alpha/dues/")
    assert [(r.branch_id, r.arrears) for r in overview.context["rows"]] == [(world.branch.pk, D("20.00"))]
    export = call(clerk, "get", f"/t/alpha/dues/branch/{world.branch.pk}/ledger.xlsx", {"month": today.strftime("%Y-%m")})
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    payments, dues = book.worksheets
    assert [c.value for c in list(payments.iter_rows())[1]][1:6] == ["欠费党员", "缴纳", 20, "现金", "DF-W1"]
    assert [c.value for c in list(dues.iter_rows())[1]] == ["欠费党员", 40, None, 40, 20, 20]
    archive = call(clerk, "get", "/t/alpha/reports/archive.xlsx", {"branch": world.branch.pk, "year": today.year})
    assert archive.status_code == 200
    assert [ws.title for ws in openpyxl.load_workbook(io.BytesIO(archive.content)).worksheets] == [
        "汇报", "党费", "党费缴纳记录"]
    api = call(clerk, "get", "/t/alpha/api/v1/dues/arrears/members/", {"branch": world.branch.pk})
    assert [(r["name"], r["arrears"]) for r in api.json()] == [("欠费党员", "20.00")]
    # Another township: 404 for alpha's branch, and nothing of alpha in its lists.
    office_b = client_for(users.office_b)
    assert call(office_b, "get", f"/t/beta/dues/branch/{world.branch.pk}/").status_code == 404
    assert call(office_b, "get", "/t/beta/api/v1/dues/arrears/members/", {"branch": world.branch.pk}).status_code == 404
    assert call(office_b, "get", "/t/beta/api/v1/dues/payments/").json()["count"] == 0
    assert call(office_b, "get", "/t/alpha/dues/").status_code == 403


def test_arrears_reminders_are_sent_once_a_month(world, in_township, make_user, clock):
    from notifications.models import Reminder

    users = world.users
    today = clock.today()
    previous = today.replace(day=1) - dt.timedelta(days=1)
    with in_township(world.township):
        owing = MemberFactory(name="欠费甲", branch=world.branch)
        paid = MemberFactory(name="已缴乙", branch=world.branch)
        for member in (owing, paid):
            services.dues_base_set(actor=users.office, access=access_for(users.office, world.township),
                                   member_id=member.pk, basis="farmer", effective_from=previous)
        services.dues_payment_record(actor=users.clerk, access=access_for(users.clerk, world.township),
                                     member_id=paid.pk, amount="1.00", method="cash", receipt_number="R-1",
                                     year=previous.year, first_month=previous.month, last_month=previous.month,
                                     paid_on=today)
    owing_user = make_user("member", world.township, member_id=owing.pk)
    make_user("member", world.township, member_id=paid.pk)
    with in_township(world.township):
        assert remind_member_arrears(township=world.township) == 1
        assert remind_member_arrears(township=world.township) == 0
        assert remind_branch_arrears(township=world.township) == 1
        assert remind_branch_arrears(township=world.township) == 0
    key = f"{previous.year}-{previous.month:02d}"
    assert list(Reminder.objects.filter(kind="dues.arrears").values_list("recipient_id", "period_key")) == [
        (owing_user.pk, key)]
    assert sorted(Reminder.objects.filter(kind="dues.branch_arrears").values_list("recipient_id", flat=True)) == sorted(
        [users.clerk.pk, users.secretary.pk])
