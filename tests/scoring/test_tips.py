"""Tips (举报): public intake and receipt, who may read the reporter's identity, routing to the
county, case handling, sanctions and award ineligibility, tenancy."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import types
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation
from django_tenants.utils import tenant_context

from accounts.access import access_for
from audit.models import AuditEvent
from common.errors import Conflict, DomainError, PermissionDenied
from notifications.models import Notification
from scoring.tips import receipts, services
from scoring.tips.base import TipStatus
from scoring.tips.county.models import CountyTip
from scoring.tips.models import AwardIneligibility, Sanction, Tip, TipMessage, TipNote
from scoring.tips.notices import remind_tips_due
from scoring.tips.selectors import award_ineligible, award_ineligible_users
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = [pytest.mark.django_db]

CODE_RE = re.compile(r"\b\d{4} \d{4} \d{4} \d{4}\b")
_addresses = itertools.count(1)


def fresh_client(user=None) -> Client:
    """A client with its own address, so the throttles never carry over between tests or runs."""
    address = f"10.{uuid.uuid4().int % 250}.{next(_addresses) % 250}.{uuid.uuid4().int % 250 + 1}"
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT="Mozilla/5.0 TipTestAgent")
    if user is not None:
        client.force_login(user)
    return client


def call(client, method, path, data=None, **extra):
    try:
        return getattr(client, method)(path, data or {}, **extra)
    finally:
        connection.set_schema_to_public()


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


@pytest.fixture
def tips_world(township_a, township_b, in_township, make_user):
    with in_township(township_a):
        village = VillageFactory(name="阿尔法村")
        branch = BranchFactory(name="阿尔法村党支部", village=village)
        member = MemberFactory(name="王书记", branch=branch)
    users = types.SimpleNamespace(
        office=make_user("township_office", township_a),
        supervision=make_user("supervision_office", township_a),
        discipline=make_user("discipline_commission", township_a),
        secretary=make_user("branch_secretary", township_a, branch_id=branch.pk),
        clerk=make_user("clerk", township_a, village_ids=[village.pk]),
        office_b=make_user("township_office", township_b),
        supervision_b=make_user("supervision_office", township_b),
        county=make_user("county_admin"),
    )
    return types.SimpleNamespace(township=township_a, other=township_b, village=village, branch=branch,
                                 member=member, users=users)


def acc(user, township):
    return access_for(user, township)


def submit(client, **data):
    payload = {"subject": "村委会", "body": "虚报党员积分", "anonymous": "on"}
    payload.update(data)
    response = call(client, "post", "/t/alpha/tips/new/", payload)
    match = CODE_RE.search(response.content.decode())
    return response, match.group(0) if match else None


# --- receipts: pure functions ---------------------------------------------------------------------------
def test_receipt_codes_are_16_random_digits_and_only_hashes_are_kept(settings):
    codes = {receipts.receipt_new() for _ in range(50)}
    assert len(codes) == 50
    assert all(re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code) for code in codes)
    code = codes.pop()
    digits = code.replace(" ", "")
    assert receipts.receipt_normalise(f" {code[:9]}-{code[10:]} ") == digits
    assert receipts.receipt_normalise("1234 5678 9012 345") is None
    assert receipts.receipt_normalise("１２３４５６７８９０１２３４５６") is None  # full-width digits refused
    stored = receipts.receipt_secure(code)
    assert digits not in json.dumps(stored)
    assert len(stored["receipt_hash"]) == 64
    assert len(stored["receipt_salt"]) == 32
    assert receipts.receipt_matches(digits, salt_hex=stored["receipt_salt"], stored_hash=stored["receipt_hash"])
    assert not receipts.receipt_matches("0" * 16, salt_hex=stored["receipt_salt"], stored_hash=stored["receipt_hash"])
    # Same code, another salt: another hash; the fingerprint depends on the key only.
    again = receipts.receipt_secure(code)
    assert again["receipt_hash"] != stored["receipt_hash"]
    assert again["receipt_fingerprint"] == stored["receipt_fingerprint"]
    settings.SECRET_KEY = "another-key"
    assert receipts.receipt_fingerprint(digits) != stored["receipt_fingerprint"]


# --- intake and receipt -----------------------------------------------------------------------------------
def test_anonymous_tip_receipt_shows_status_and_messages_and_nothing_else(tips_world, in_township):
    reporter = fresh_client()
    form = call(reporter, "get", "/t/alpha/tips/new/")
    assert form.status_code == 200  # public: no login
    response, code = submit(reporter, subject="阿尔法村", body="书记给亲属多记积分")
    assert response.status_code == 200
    assert code
    handler = tips_world.users.supervision
    with in_township(tips_world.township):
        tip = Tip.objects.get()
        assert (tip.status, tip.anonymous, tip.reporter_name, tip.reporter_contact, tip.channel) == (
            "received", True, "", "", "web")
        # Nothing about the reporter's connection is stored anywhere in the row.
        stored = json.dumps({f.attname: str(getattr(tip, f.attname)) for f in Tip._meta.concrete_fields})
        assert reporter.defaults["REMOTE_ADDR"] not in stored
        assert "TipTestAgent" not in stored
        assert code.replace(" ", "") not in stored
        assert not [f.name for f in Tip._meta.fields if f.name == "ip" or "agent" in f.name or "addr" in f.name]
        a = acc(handler, tips_world.township)
        services.tip_status_set(actor=handler, access=a, tip_id=tip.pk, status="triaged")
        services.tip_note_add(actor=handler, access=a, tip_id=tip.pk, body="内部备注：先核对台账")
        services.tip_message(actor=handler, access=a, tip_id=tip.pk, body="请问是哪个月的记录？")
    connection.set_schema_to_public()
    page = call(reporter, "post", "/t/alpha/tips/receipt/", {"code": code})
    html = page.content.decode()
    assert page.status_code == 200
    assert zh(TipStatus.TRIAGED.label) in html
    assert "请问是哪个月的记录？" in html
    assert "内部备注" not in html
    assert str(handler) not in html
    assert handler.username not in html
    reply = call(reporter, "post", "/t/alpha/tips/receipt/", {"code": code, "body": "十月的主题党日"})
    assert reply.status_code == 200
    assert "十月的主题党日" in reply.content.decode()
    with in_township(tips_world.township):
        assert list(TipMessage.objects.values_list("from_reporter", "author_id", "body")) == [
            (False, handler.pk, "请问是哪个月的记录？"), (True, None, "十月的主题党日")]


def test_a_wrong_receipt_reveals_nothing_and_is_throttled(tips_world, in_township):
    reporter = fresh_client()
    _response, code = submit(reporter)
    guesser = fresh_client()
    wrong = "0000 0000 0000 0001" if code != "0000 0000 0000 0001" else "0000 0000 0000 0002"
    answers = [call(guesser, "post", "/t/alpha/tips/receipt/", {"code": c})
               for c in (wrong, "not a code", wrong, "1234", wrong)]
    assert [a.status_code for a in answers] == [404] * 5
    bodies = {re.sub(r"[A-Za-z0-9]{64}", "", a.content.decode()) for a in answers}  # CSRF tokens differ
    assert len(bodies) == 1  # the same answer whatever was wrong
    assert zh(TipStatus.RECEIVED.label) not in bodies.pop()
    # Now even the right code is refused from that address, without a word about the tip.
    blocked = call(guesser, "post", "/t/alpha/tips/receipt/", {"code": code})
    assert blocked.status_code == 429
    assert zh(TipStatus.RECEIVED.label) not in blocked.content.decode()
    # Another address with the right code still gets in.
    assert call(fresh_client(), "post", "/t/alpha/tips/receipt/", {"code": code}).status_code == 200


def test_intake_is_throttled_per_address(tips_world, in_township):
    reporter = fresh_client()
    statuses = [submit(reporter, subject=f"事项{i}")[0].status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]
    with in_township(tips_world.township):
        assert Tip.objects.count() == 5


# --- who reads the reporter's identity --------------------------------------------------------------------
def test_only_the_discipline_commission_reads_a_named_reporter(tips_world, in_township):
    _response, code = submit(fresh_client(), anonymous="", reporter_name="赵举报", reporter_contact="13800001111")
    assert code
    with in_township(tips_world.township):
        tip = Tip.objects.get()
        assert (tip.anonymous, tip.reporter_name) == (False, "赵举报")
        events = json.dumps(list(AuditEvent.objects.values("before", "after", "object_repr")), ensure_ascii=False)
        assert "赵举报" not in events
        assert "13800001111" not in events
    users = tips_world.users
    for user in (users.office, users.supervision):
        client = fresh_client(user)
        page = call(client, "get", f"/t/alpha/tips/{tip.pk}/")
        assert page.status_code == 200
        assert "赵举报" not in page.content.decode()
        assert "13800001111" not in page.content.decode()
        api = call(client, "get", f"/t/alpha/api/v1/tips/{tip.pk}/")
        assert api.status_code == 200
        assert api.json()["reporter"] is None
        assert "赵举报" not in api.content.decode()
        listing = call(client, "get", "/t/alpha/api/v1/tips/")
        assert "赵举报" not in listing.content.decode()
        assert [row["id"] for row in listing.json()["results"]] == [tip.pk]
    client = fresh_client(users.discipline)
    assert "赵举报" in call(client, "get", f"/t/alpha/tips/{tip.pk}/").content.decode()
    assert call(client, "get", f"/t/alpha/api/v1/tips/{tip.pk}/").json()["reporter"] == {
        "name": "赵举报", "contact": "13800001111"}
    # The people tips are about (secretary, clerk) see no tips at all.
    for user in (users.secretary, users.clerk):
        client = fresh_client(user)
        assert call(client, "get", "/t/alpha/tips/").status_code == 403
        assert call(client, "get", f"/t/alpha/tips/{tip.pk}/").status_code == 403
        assert call(client, "get", "/t/alpha/api/v1/tips/").status_code == 403
        assert call(client, "get", "/t/alpha/api/v1/sanctions/").status_code == 403


def test_a_tip_about_the_township_office_reaches_the_county_not_the_township(tips_world, in_township):
    reporter = fresh_client()
    response, code = submit(reporter, subject="镇党建办", body="党建办主任授意虚报", about_office="on",
                            anonymous="", reporter_name="钱某", reporter_contact="139")
    assert response.status_code == 200
    assert code
    with in_township(tips_world.township):
        assert Tip.objects.count() == 0
    county_tip = CountyTip.objects.get()
    assert (county_tip.township_id, county_tip.subject, county_tip.reporter_name) == (
        tips_world.township.pk, "镇党建办", "钱某")
    users = tips_world.users
    for user in (users.office, users.supervision, users.discipline):
        client = fresh_client(user)
        assert "党建办主任授意虚报" not in call(client, "get", "/t/alpha/tips/").content.decode()
        assert call(client, "get", "/t/alpha/api/v1/tips/").json()["count"] == 0
        assert call(client, "get", "/oversight/tips/").status_code == 403
    county = fresh_client(users.county)
    listing = call(county, "get", "/oversight/tips/")
    assert listing.status_code == 200
    assert "镇党建办" in listing.content.decode()
    detail = call(county, "get", f"/oversight/tips/{county_tip.pk}/")
    assert "党建办主任授意虚报" in detail.content.decode()
    assert "钱某" in detail.content.decode()
    # The county answers; the reporter reads it with the receipt on the township's page.
    assert call(county, "post", f"/oversight/tips/{county_tip.pk}/status/", {"status": "triaged"}).status_code == 302
    call(county, "post", f"/oversight/tips/{county_tip.pk}/note/", {"body": "县委组织部内部备注"})
    call(county, "post", f"/oversight/tips/{county_tip.pk}/message/", {"body": "县里已受理"})
    page = call(reporter, "post", "/t/alpha/tips/receipt/", {"code": code})
    html = page.content.decode()
    assert page.status_code == 200
    assert "县里已受理" in html
    assert zh(TipStatus.TRIAGED.label) in html
    assert "县委组织部内部备注" not in html
    assert AuditEvent.objects.filter(action="county_tip.receive", object_id=str(county_tip.pk)).exists()


# --- case handling ----------------------------------------------------------------------------------------
def test_case_path_assignment_deadline_and_reminders(tips_world, in_township, clock):
    users = tips_world.users
    with in_township(tips_world.township):
        a = acc(users.supervision, tips_world.township)
        tip, _code = services.tip_submit(subject="甲", body="乙", channel="phone", actor=users.supervision, access=a)
        assert (tip.channel, tip.recorded_by_id) == ("phone", users.supervision.pk)
        with pytest.raises(PermissionDenied):
            services.tip_status_set(actor=users.office, access=acc(users.office, tips_world.township),
                                    tip_id=tip.pk, status="triaged")
        with pytest.raises(Conflict):
            services.tip_status_set(actor=users.supervision, access=a, tip_id=tip.pk, status="substantiated",
                                    outcome="x")
        tip = services.tip_status_set(actor=users.supervision, access=a, tip_id=tip.pk, status="triaged")
        assert tip.due_on == clock.today() + dt.timedelta(days=30)
        with pytest.raises(DomainError) as exc:
            services.tip_assign(actor=users.supervision, access=a, tip_id=tip.pk, assignee_id=users.office.pk)
        assert "assignee" in exc.value.field_errors
        due = clock.today() + dt.timedelta(days=2)
        services.tip_assign(actor=users.supervision, access=a, tip_id=tip.pk, assignee_id=users.discipline.pk,
                            due_on=due)
        assigned = Notification.objects.get(event="tip.assigned")
        assert set(assigned.deliveries.values_list("recipient_id", flat=True)) == {users.discipline.pk}
        sent = remind_tips_due(township=tips_world.township)
        assert len(sent) == 1
        assert sent[0].context == {"count": 1, "overdue": 0, "days": 3}
        assert set(sent[0].deliveries.values_list("recipient_id", flat=True)) == {users.discipline.pk}
        assert remind_tips_due(township=tips_world.township) == []  # once a day
        # Registered with the notification registries: a daily beat entry per township.
        from common.schedule import BEAT
        from notifications.reminders import reminder_run

        assert BEAT["remind-tip.due"]["args"] == ("notifications.run_reminder", "tip.due")
        assert reminder_run(kind="tip.due", township=tips_world.township) == 0
        services.tip_status_set(actor=users.discipline, access=acc(users.discipline, tips_world.township),
                                tip_id=tip.pk, status="investigating")
        with pytest.raises(DomainError) as exc:
            services.tip_status_set(actor=users.discipline, access=acc(users.discipline, tips_world.township),
                                    tip_id=tip.pk, status="unsubstantiated")
        assert "outcome" in exc.value.field_errors
        services.tip_status_set(actor=users.discipline, access=acc(users.discipline, tips_world.township),
                                tip_id=tip.pk, status="unsubstantiated", outcome="经核实不属实")
        tip = services.tip_status_set(actor=users.discipline, access=acc(users.discipline, tips_world.township),
                                      tip_id=tip.pk, status="closed")
        assert tip.status == "closed"
        actions = list(AuditEvent.objects.filter(object_type="tips.tip", object_id=str(tip.pk))
                       .order_by("id").values_list("action", flat=True))
        assert actions == ["tip.receive", "tip.status", "tip.assign", "tip.status", "tip.status", "tip.status"]


def test_handlers_work_a_case_on_the_pages(tips_world, in_township, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    from django.core.files.uploadedfile import SimpleUploadedFile

    _response, _code = submit(fresh_client(), village=str(tips_world.village.pk))
    with in_township(tips_world.township):
        tip = Tip.objects.get()
        assert tip.village_id == tips_world.village.pk
    client = fresh_client(tips_world.users.supervision)
    base = f"/t/alpha/tips/{tip.pk}/"
    assert call(client, "post", base + "status/", {"status": "investigating"}).status_code == 400  # not next
    assert call(client, "post", base + "status/", {"status": "triaged"}).status_code == 302
    assert call(client, "post", base + "note/", {"body": "备注一"}).status_code == 302
    from scoring.demo import demo_photo

    photo = SimpleUploadedFile("p.png", demo_photo(seed=1, label="tip"), content_type="image/png")
    assert call(client, "post", base + "evidence/", {"evidence": [photo]}).status_code == 302
    fake = SimpleUploadedFile("f.jpg", b"not a photo", content_type="image/jpeg")
    assert call(client, "post", base + "evidence/", {"evidence": [fake]}).status_code == 400
    office = fresh_client(tips_world.users.office)
    assert call(office, "post", base + "note/", {"body": "office"}).status_code == 403
    page = call(office, "get", base)
    assert page.status_code == 200
    assert "备注一" in page.content.decode()
    with in_township(tips_world.township):
        [evidence] = Tip.objects.get().evidence.all()
        assert evidence.content_type == "image/png"
        assert list(TipNote.objects.values_list("body", flat=True)) == ["备注一"]
    assert call(office, "get", f"{base}evidence/{evidence.pk}/").status_code == 200
    assert call(fresh_client(tips_world.users.clerk), "get", f"{base}evidence/{evidence.pk}/").status_code == 403


# --- outcomes -----------------------------------------------------------------------------------------------
def test_a_faking_sanction_removes_the_secretarys_award_eligibility(tips_world, in_township, make_user):
    users = tips_world.users
    other_secretary = make_user("branch_secretary", tips_world.township)
    with in_township(tips_world.township):
        # The secretary's own member record is linked through their member role.
        from tests.factories import RoleFactory

        RoleFactory(user=users.secretary, township=tips_world.township, role="member", member_id=tips_world.member.pk)
        other_village = VillageFactory(name="贝塔村")
        other_branch = BranchFactory(name="贝塔村党支部", village=other_village)
        other_secretary.roles.filter(role="branch_secretary").update(branch_id=other_branch.pk)
        a = acc(users.discipline, tips_world.township)
        tip, _ = services.tip_submit(subject="阿尔法村", body="虚报", channel="box", actor=users.discipline, access=a)
        plain = services.sanction_create(
            actor=users.discipline, access=a, kind="notice", person_name="李会计", village_id=tips_world.village.pk,
            decided_on=dt.date(2026, 11, 18), decision_maker="镇纪委", document_number="纪通〔2026〕1号",
            source=f"tip:{tip.pk}")
        assert (plain.scoring_year, AwardIneligibility.objects.count()) == (2026, 0)
        sanction = services.sanction_create(
            actor=users.discipline, access=a, kind="accountability", person_name="王书记",
            village_id=tips_world.village.pk, decided_on=dt.date(2026, 11, 19), decision_maker="镇纪委",
            document_number="纪问〔2026〕2号", source=f"check:{_check(tips_world).pk}", faking_established=True)
        [row] = AwardIneligibility.objects.all()
        assert (row.user_id, row.member_id, row.scoring_year, row.sanction_id) == (
            users.secretary.pk, tips_world.member.pk, 2026, sanction.pk)
        assert award_ineligible(year=2026) == {tips_world.member.pk: row.reason}
        assert award_ineligible_users(year=2026) == {users.secretary.pk: row.reason}
        assert "阿尔法村" in row.reason
        assert "纪问〔2026〕2号" in row.reason
        assert award_ineligible(year=2025) == {}
        assert other_secretary.pk not in award_ineligible_users(year=2026)
        assert AuditEvent.objects.filter(action="award.ineligible").count() == 1
        # Refused: a source that is neither a tip nor a check, a missing tip, faking without a village.
        before = (Sanction.objects.count(), AuditEvent.objects.count())
        for kwargs, field in (({"source": "x:1"}, "source"), ({"source": "tip:999999"}, "source"),
                              ({"source": "check:999999"}, "source"),
                              ({"source": f"tip:{tip.pk}", "village_id": None, "faking_established": True}, "village")):
            params = {"kind": "notice", "person_name": "某", "decided_on": dt.date(2026, 11, 19),
                      "decision_maker": "镇纪委", "document_number": "1", "village_id": tips_world.village.pk}
            params.update(kwargs)
            with pytest.raises(DomainError) as exc:
                services.sanction_create(actor=users.discipline, access=a, **params)
            assert field in exc.value.field_errors
        assert (Sanction.objects.count(), AuditEvent.objects.count()) == before
        with pytest.raises(PermissionDenied):
            services.sanction_create(actor=users.office, access=acc(users.office, tips_world.township),
                                     kind="notice", person_name="某", decided_on=dt.date(2026, 11, 19),
                                     decision_maker="镇纪委", document_number="1", source=f"tip:{tip.pk}")


def _check(tips_world):
    """A spot check of the world's village (the sanction's source), opened by the supervision office."""
    from scoring.oversight.services import check_unannounced_open

    with tenant_context(tips_world.township):
        return check_unannounced_open(actor=tips_world.users.supervision,
                                      access=acc(tips_world.users.supervision, tips_world.township),
                                      village_id=tips_world.village.pk)


def test_the_sanction_page_takes_a_spot_check_link_and_records(tips_world, in_township):
    client = fresh_client(tips_world.users.supervision)
    village = tips_world.village.pk
    check = _check(tips_world)
    form = call(client, "get", f"/t/alpha/tips/sanctions/new/?source=check:{check.pk}&village={village}")
    html = form.content.decode()
    assert form.status_code == 200
    assert f'value="check:{check.pk}"' in html
    assert f'<option value="{village}" selected>' in html
    response = call(client, "post", "/t/alpha/tips/sanctions/new/", {
        "kind": "admonishment", "person_name": "王书记", "village": village, "decided_on": "2026-11-19",
        "decision_maker": "镇纪委书记", "document_number": "诫〔2026〕3号", "source": f"check:{check.pk}",
        "faking_established": "on"})
    assert response.status_code == 302
    listing = call(client, "get", "/t/alpha/tips/sanctions/").content.decode()
    assert "诫〔2026〕3号" in listing
    assert str(tips_world.users.secretary) in listing
    assert call(fresh_client(tips_world.users.office), "get", "/t/alpha/tips/sanctions/new/").status_code == 403
    api = call(fresh_client(tips_world.users.discipline), "get", "/t/alpha/api/v1/sanctions/").json()
    assert [(r["source"], r["ineligible_user_ids"]) for r in api["results"]] == [
        (f"check:{check.pk}", [tips_world.users.secretary.pk])]


def test_a_substantiated_tip_corrects_an_entry_only_after_review(tips_world, in_township, scoring_setup, make_user,
                                                                 settings, tmp_path):
    from decimal import Decimal

    from scoring.ledger import services as ledger
    from scoring.ledger.models import Entry, LedgerEntry
    from scoring.ledger.selectors import township_today
    from tests.scoring.test_entries_services import jpeg

    settings.MEDIA_ROOT = str(tmp_path)
    scoring_setup(tips_world.township)
    township, village = tips_world.township, tips_world.village
    work_team = make_user("work_team", township, village_ids=[village.pk])
    liaison = make_user("liaison_leader", township, village_ids=[village.pk])
    reviewers = (tips_world.users.secretary, work_team, liaison)
    users = tips_world.users
    with in_township(township):
        member = MemberFactory(name="张三", branch=tips_world.branch)
        outsider = MemberFactory(name="外村", branch=BranchFactory(village=VillageFactory()))

        def posted(who):
            entry = ledger.entry_create(actor=users.clerk, access=acc(users.clerk, township), member_id=who.pk,
                                        rule_code="B01", occurred_on=township_today(), points="4", note="主题党日",
                                        evidence_files=[jpeg()])
            for user in reviewers:
                ledger.entry_review(actor=user, access=acc(user, township), entry_id=entry.pk, decision="approve")
            return entry

        original = posted(member)
        office = acc(users.office, township)
        foreign = ledger.entry_create(actor=users.office, access=office, member_id=outsider.pk, rule_code="B01",
                                      occurred_on=township_today(), points="2", evidence_files=[jpeg()])
        row = LedgerEntry.objects.get(entry=original)
        snapshot = (row.pk, row.points, row.hash)
        a = acc(users.discipline, township)
        tip, _ = services.tip_submit(subject="张三", body="未参加", village_id=village.pk, channel="phone",
                                     actor=users.discipline, access=a)
        with pytest.raises(Conflict):
            services.tip_correction_propose(actor=users.discipline, access=a, tip_id=tip.pk, entry_id=original.pk,
                                            points="-4", reason="未参加")
        for status, outcome in (("triaged", ""), ("investigating", ""), ("substantiated", "属实")):
            services.tip_status_set(actor=users.discipline, access=a, tip_id=tip.pk, status=status, outcome=outcome)
        with pytest.raises(DomainError) as exc:
            services.tip_correction_propose(actor=users.discipline, access=a, tip_id=tip.pk, entry_id=foreign.pk,
                                            points="-2", reason="x")
        assert "entry" in exc.value.field_errors
        ledger_rows = LedgerEntry.objects.count()
        correction = services.tip_correction_propose(actor=users.discipline, access=a, tip_id=tip.pk,
                                                     entry_id=original.pk, points="-4", reason="经查未参加")
        assert (correction.status, correction.corrects_id, correction.source) == (
            Entry.Status.IN_REVIEW, original.pk, f"tip:{tip.pk}")
        assert LedgerEntry.objects.count() == ledger_rows  # nothing posted before review
        for user in reviewers:
            ledger.entry_review(actor=user, access=acc(user, township), entry_id=correction.pk, decision="approve")
        posted_row = LedgerEntry.objects.get(entry=correction)
        assert (posted_row.kind, posted_row.points) == ("correction", Decimal("-4.00"))
        row = LedgerEntry.objects.get(entry=original)
        assert (row.pk, row.points, row.hash) == snapshot
        original.refresh_from_db()
        assert (original.status, original.final_points) == (Entry.Status.POSTED, Decimal("4.00"))
    page = call(fresh_client(users.discipline), "get", f"/t/alpha/tips/{tip.pk}/").content.decode()
    assert f"#{correction.pk}" in page


# --- tenancy ------------------------------------------------------------------------------------------------
def test_one_township_never_sees_anothers_tips_or_sanctions(tips_world, in_township):
    users = tips_world.users
    with in_township(tips_world.township):
        a = acc(users.supervision, tips_world.township)
        tip, _ = services.tip_submit(subject="阿尔法机密", body="x", channel="phone", actor=users.supervision, access=a)
        services.sanction_create(actor=users.supervision, access=a, kind="notice", person_name="阿尔法某",
                                 decided_on=dt.date(2026, 11, 19), decision_maker="镇纪委", document_number="A-1",
                                 source=f"tip:{tip.pk}")
    with in_township(tips_world.other):
        assert Tip.objects.count() == 0
        assert Sanction.objects.count() == 0
    for user in (users.office_b, users.supervision_b):
        client = fresh_client(user)
        assert call(client, "get", f"/t/beta/tips/{tip.pk}/").status_code == 404
        assert call(client, "get", f"/t/beta/api/v1/tips/{tip.pk}/").status_code == 404
        assert call(client, "get", "/t/beta/api/v1/tips/").json()["count"] == 0
        assert call(client, "get", "/t/beta/api/v1/sanctions/").json()["count"] == 0
        assert "阿尔法" not in call(client, "get", "/t/beta/tips/sanctions/").content.decode()
        assert "阿尔法" not in call(client, "get", "/t/beta/tips/").content.decode()
        # And in alpha's URLs they hold no role.
        assert call(client, "get", "/t/alpha/tips/").status_code == 403
        assert call(client, "get", f"/t/alpha/api/v1/tips/{tip.pk}/").status_code == 403
        assert call(client, "get", "/t/alpha/api/v1/sanctions/").status_code == 403
    # A receipt of alpha is unknown in beta.
    reporter = fresh_client()
    _r, code = submit(reporter)
    assert call(reporter, "post", "/t/beta/tips/receipt/", {"code": code}).status_code == 404
    # The county's rollup counts each township's own tips.
    county = call(fresh_client(users.county), "get", "/oversight/tips/")
    rollup = {row["township"].code: row["total"] for row in county.context["rollup"]}
    assert (rollup["alpha"], rollup["beta"]) == (2, 0)


def test_api_lets_handlers_act_and_refuses_the_office(tips_world, in_township):
    users = tips_world.users
    supervision = fresh_client(users.supervision)
    created = call(supervision, "post", "/t/alpha/api/v1/tips/", json.dumps({
        "channel": "phone", "subject": "来电", "body": "电话举报", "anonymous": False, "reporter_name": "孙某"}),
        content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert CODE_RE.fullmatch(body["receipt"])
    assert body["tip"]["reporter"] is None
    pk = body["tip"]["id"]
    moved = call(supervision, "post", f"/t/alpha/api/v1/tips/{pk}/status/", json.dumps({"status": "triaged"}),
                 content_type="application/json")
    assert moved.status_code == 200
    assert moved.json()["status"] == "triaged"
    office = fresh_client(users.office)
    refused = call(office, "post", f"/t/alpha/api/v1/tips/{pk}/notes/", json.dumps({"body": "x"}),
                   content_type="application/json")
    assert refused.status_code == 403
    wrong = call(supervision, "post", f"/t/alpha/api/v1/tips/{pk}/status/", json.dumps({"status": "closed"}),
                 content_type="application/json")
    assert wrong.status_code == 409
    schema = call(supervision, "get", "/t/alpha/api/v1/schema/").content.decode()
    assert "/t/{code}/api/v1/tips/" in schema
    assert "/t/{code}/api/v1/sanctions/" in schema


def test_county_api_lists_routed_tips_and_the_rollup_for_the_county_only(tips_world, in_township):
    _r, code = submit(fresh_client(), subject="镇领导", about_office="on")
    assert code
    submit(fresh_client(), subject="普通事项")
    county = fresh_client(tips_world.users.county)
    listing = call(county, "get", "/api/v1/oversight/tips/")
    assert listing.status_code == 200
    assert [(r["township_code"], r["subject"]) for r in listing.json()["results"]] == [("alpha", "镇领导")]
    rollup = {r["township"]: (r["total"], r["county_total"], r["counts"])
              for r in call(county, "get", "/api/v1/oversight/tips/rollup/").json()}
    assert rollup["alpha"] == (1, 1, {"received": 1})
    assert rollup["beta"] == (0, 0, {})
    for user in (tips_world.users.office, tips_world.users.discipline):
        assert call(fresh_client(user), "get", "/api/v1/oversight/tips/").status_code == 403
        assert call(fresh_client(user), "get", "/api/v1/oversight/tips/rollup/").status_code == 403
    schema = call(county, "get", "/api/v1/schema/").content.decode()
    assert "/api/v1/oversight/tips/rollup/" in schema


def test_public_api_files_a_tip_and_reads_it_by_receipt_only(tips_world, in_township):
    reporter = fresh_client()
    filed = call(reporter, "post", "/t/alpha/api/v1/tips/intake/", json.dumps({"subject": "接口", "body": "举报"}),
                 content_type="application/json")
    assert filed.status_code == 201
    code = filed.json()["receipt"]
    assert CODE_RE.fullmatch(code)
    with in_township(tips_world.township):
        tip = Tip.objects.get()
        services.tip_note_add(actor=tips_world.users.supervision,
                              access=acc(tips_world.users.supervision, tips_world.township), tip_id=tip.pk,
                              body="不给举报人看")
    seen = call(reporter, "post", "/t/alpha/api/v1/tips/receipt/", json.dumps({"receipt": code, "body": "补充"}),
                content_type="application/json")
    assert seen.status_code == 200
    assert seen.json()["status"] == "received"
    assert [(m["from_reporter"], m["body"]) for m in seen.json()["messages"]] == [(True, "补充")]
    assert "不给举报人看" not in seen.content.decode()
    assert set(seen.json()) == {"status", "status_label", "messages"}
    guesser = fresh_client()
    misses = [call(guesser, "post", "/t/alpha/api/v1/tips/receipt/", json.dumps({"receipt": "1111 1111 1111 1111"}),
                   content_type="application/json").status_code for _ in range(6)]
    assert misses == [404] * 5 + [429]
    # Everything else of the API still needs a handler's login.
    assert call(reporter, "get", "/t/alpha/api/v1/tips/").status_code in (401, 403)
