"""Favouritism signals against the database: flags with reasons, peers, decisions, the beat job,
and scope (pages, API, county rollup) across two townships."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection, transaction

from accounts.models import Role
from audit.models import AuditEvent
from common import clock
from common.errors import Conflict, DomainError
from notifications.models import Notification
from scoring.favouritism import services
from scoring.favouritism.models import Signal, SignalRun
from scoring.ledger.models import Entry
from scoring.ledger.posting import Posting, ledger_post
from scoring.periods import services as periods
from scoring.periods.calendar import last_ended_month
from tests.factories import BranchFactory, MemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]
D = Decimal
HASH = "a" * 64


def _record(rows, *, rule):
    """rows: (member, scorer_id, occurred_on, entered_at, points, late, evidence) -> posted entries."""
    entries = []
    for member, scorer_id, occurred_on, entered_at, points, late, evidence in rows:
        entry = Entry.objects.create(member=member, rule=rule, occurred_on=occurred_on, points=points,
                                     status=Entry.Status.POSTED, is_late=late, entered_by_id=scorer_id,
                                     lag_days=(entered_at.date() - occurred_on).days, final_points=points)
        Entry.objects.filter(pk=entry.pk).update(entered_at=entered_at)
        entries.append((entry, evidence))
    with transaction.atomic():
        ledger_post(postings=[Posting(kind="adjustment", member_id=e.member_id, points=e.points,
                                      occurred_on=e.occurred_on, scoring_year=e.occurred_on.year, rule_id=rule.pk,
                                      entry_id=e.pk, evidence_hashes=(HASH,) if evidence else ())
                              for e, evidence in entries], actor_id=None)
    return [e for e, _evidence in entries]


@pytest.fixture
def month_data(township_a, in_township, make_user, scoring_setup):
    """Last ended month in township_a: scorer `bad` enters late entries without evidence in the
    month's last two days for branch A; scorer `clean` enters with evidence a day after the event
    for branch B; both branches of the same type; then the month is closed."""
    setup = scoring_setup(township_a)
    bad, clean = make_user(Role.BRANCH_SECRETARY, township_a), make_user(Role.CLERK, township_a)
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    with in_township(township_a):
        zone = township_a.time_zone_info()
        year, month = last_ended_month(clock.today(township_a))
        last_day = (dt.date(year, month, 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        a, b = BranchFactory(name="甲村党支部"), BranchFactory(name="乙村党支部")
        members_a = [MemberFactory(branch=a) for _ in range(10)]
        members_b = [MemberFactory(branch=b) for _ in range(10)]
        rule = setup.rules["B01"]
        rows = []
        for i, member in enumerate(members_a[:8]):
            rows.append((member, bad.pk, dt.date(year, month, 2 + i), dt.datetime.combine(
                last_day, dt.time(20, i), tzinfo=zone), D("3"), True, False))
        for i, member in enumerate(members_b[:8]):
            occurred = dt.date(year, month, 3 + i)
            rows.append((member, clean.pk, occurred, dt.datetime.combine(occurred + dt.timedelta(days=1),
                                                                         dt.time(9), tzinfo=zone),
                         D("2"), False, True))
        entries = _record(rows, rule=rule)
        periods.month_close(year=year, month=month)
    connection.set_schema_to_public()
    return type("M", (), {"year": year, "month": month, "bad": bad, "clean": clean, "office": office, "a": a,
                          "b": b, "entries": entries, "rule": rule})


def test_late_evidence_less_rushed_scorer_is_flagged_with_reasons_clean_scorer_is_not(
        township_a, in_township, month_data):
    M = month_data
    with in_township(township_a):
        run = services.signals_compute(year=M.year, month=M.month)
        assert run.used_checks is True  # spot-check results were read (none this month: no gap flag)
        scorer = {s.kind: s for s in Signal.objects.filter(subject="scorer", scorer_id=M.bad.pk)}
        assert set(scorer) == {"late", "no_evidence", "rush"}
        assert not Signal.objects.filter(subject="scorer", scorer_id=M.clean.pk).exists()
        assert not Signal.objects.filter(subject="branch", branch=M.b).exists()
        late = scorer["late"]
        assert (late.value, late.count, late.total, late.peer_value) == (D("1.0000"), 8, 8, D("0.0000"))
        bad_ids = sorted(e.pk for e in M.entries if e.entered_by_id == M.bad.pk)
        assert sorted(late.entry_ids) == bad_ids
        assert sorted(scorer["rush"].entry_ids) == bad_ids
        assert late.reason == "8 条记录中有 8 条为补录（100%）；阈值 30%，同类中位数 0%。"
        assert scorer["no_evidence"].reason.startswith("8 条加分中有 8 条没有佐证资料（100%）")
        assert "最后 3 天" in scorer["rush"].reason
        assert {s.kind for s in Signal.objects.filter(subject="branch", branch=M.a)} == {"late", "no_evidence", "rush"}
        assert Signal.objects.filter(subject="scorer", scorer_id=M.bad.pk).first().village_id == M.a.village_id
        assert Notification.objects.filter(event="signals.flagged", township=township_a).count() == 1
        assert AuditEvent.objects.filter(action="signals.computed").count() == 1
        # a second computation writes nothing
        counts = (Signal.objects.count(), SignalRun.objects.count(), AuditEvent.objects.count())
        assert services.signals_compute(year=M.year, month=M.month) == run
        assert (Signal.objects.count(), SignalRun.objects.count(), AuditEvent.objects.count()) == counts


def test_peer_comparison_with_branches_of_the_same_type(township_a, in_township, make_user, scoring_setup):
    setup = scoring_setup(township_a)
    scorer = make_user(Role.CLERK, township_a)
    with in_township(township_a):
        zone = township_a.time_zone_info()
        year, month = last_ended_month(clock.today(township_a))
        branches = [BranchFactory(name=f"村支部{i}") for i in range(4)]
        organ = BranchFactory(name="机关支部", kind="organ", village=None)
        rows = []
        for index, branch in enumerate([*branches, organ]):
            members = [MemberFactory(branch=branch) for _ in range(5)]
            points = D("5") if index == 0 or branch is organ else D("1")
            for day, member in enumerate(members * 2):
                occurred = dt.date(year, month, 1 + day)
                rows.append((member, scorer.pk, occurred,
                             dt.datetime.combine(occurred + dt.timedelta(days=1), dt.time(9), tzinfo=zone),
                             points, False, True))
        _record(rows, rule=setup.rules["B01"])
        periods.month_close(year=year, month=month)
        services.signals_compute(year=year, month=month)
        peer = list(Signal.objects.filter(kind="peer"))
        assert [(s.branch_id, s.value, s.peer_value, s.threshold) for s in peer] == [
            (branches[0].pk, D("10.0000"), D("2.0000"), D("4.0000"))]
        assert "同类型支部" in peer[0].reason
        assert len(peer[0].entry_ids) == 10


def test_dismissal_needs_a_note_and_is_final(township_a, in_township, month_data, make_user):
    M = month_data
    supervision = make_user(Role.SUPERVISION_OFFICE, township_a)
    clerk = make_user(Role.CLERK, township_a)
    from accounts.access import access_for

    with in_township(township_a):
        services.signals_compute(year=M.year, month=M.month)
        signal = Signal.objects.filter(subject="scorer", kind="late").get()
        access = access_for(supervision, township_a)
        audits = AuditEvent.objects.count()
        with pytest.raises(DomainError):
            services.signal_dismiss(actor=supervision, access=access, signal_id=signal.pk, note="  ")
        with pytest.raises(DomainError):
            services.signal_dismiss(actor=clerk, access=access_for(clerk, township_a), signal_id=signal.pk,
                                    note="无")
        signal.refresh_from_db()
        assert (signal.status, AuditEvent.objects.count()) == ("open", audits)
        services.signal_dismiss(actor=supervision, access=access, signal_id=signal.pk, note="村里集中补登了汛期值守记录")
        signal.refresh_from_db()
        assert (signal.status, signal.decision_note, signal.decided_by_id) == (
            "dismissed", "村里集中补登了汛期值守记录", supervision.pk)
        assert AuditEvent.objects.filter(action="signals.dismissed", object_id=str(signal.pk)).count() == 1
        with pytest.raises(Conflict):
            services.signal_dismiss(actor=supervision, access=access, signal_id=signal.pk, note="again")
        other = Signal.objects.filter(subject="scorer", kind="rush").get()
        _signal, path = services.signal_check_open(actor=supervision, access=access, signal_id=other.pk)
        assert path == f"/t/alpha/oversight/checks/unannounced/?village={M.a.village_id}"
        other.refresh_from_db()
        assert other.status == "check_opened"


def test_beat_job_is_idempotent_and_reaches_each_township(township_a, township_b, in_township, month_data):
    from common.tasks import dispatch_to_townships

    dispatch_to_townships("favouritism.compute_due")
    with in_township(township_a):
        counts = (SignalRun.objects.count(), Signal.objects.count())
        assert counts[0] >= 1
        assert counts[1] == 6
    dispatch_to_townships("favouritism.compute_due")
    with in_township(township_a):
        assert (SignalRun.objects.count(), Signal.objects.count()) == counts
        assert Notification.objects.filter(event="signals.flagged").count() == 1
    with in_township(township_b):
        assert Signal.objects.count() == 0


def _get(client, path, **extra):
    try:
        return client.get(path, **extra)
    finally:
        connection.set_schema_to_public()


def _post(client, path, data, as_json=False):
    try:
        if as_json:
            return client.post(path, json.dumps(data), content_type="application/json")
        return client.post(path, data)
    finally:
        connection.set_schema_to_public()


def test_pages_and_api_are_scoped_to_the_township(client, township_a, township_b, in_township, month_data,
                                                  make_user):
    M = month_data
    with in_township(township_a):
        services.signals_compute(year=M.year, month=M.month)
        signal = Signal.objects.filter(subject="scorer", kind="late").get()
    client.force_login(make_user(Role.DISCIPLINE_COMMISSION, township_a))
    page = _get(client, "/t/alpha/oversight/signals/").content.decode()
    assert "8 条记录中有 8 条为补录（100%）" in page
    filtered = _get(client, f"/t/alpha/oversight/signals/?month={M.year}-{M.month:02d}&status=").content.decode()
    assert f'value="{M.year}-{M.month:02d}"' in filtered
    assert filtered.count("条为补录") == 2  # the scorer's and the branch's flag
    assert "暂无预警。" in _get(client, f"/t/alpha/oversight/signals/?month={M.year - 1}-{M.month:02d}").content.decode()
    detail = _get(client, f"/t/alpha/oversight/signals/{signal.pk}/").content.decode()
    assert detail.count("/t/alpha/scoring/entries/") >= 8
    api = _get(client, "/t/alpha/api/v1/signals/?kind=late").json()
    assert {row["subject"] for row in api["results"]} == {"scorer", "branch"}
    assert _get(client, f"/t/alpha/api/v1/signals/{signal.pk}/entries/").json()[0]["is_late"] is True

    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_b))
    beta_page = _get(client, "/t/beta/oversight/signals/").content.decode()
    assert "条为补录" not in beta_page
    assert "暂无预警。" in beta_page
    assert _get(client, f"/t/beta/oversight/signals/{signal.pk}/").status_code == 404
    assert _get(client, "/t/beta/api/v1/signals/").json()["count"] == 0
    assert _get(client, f"/t/beta/api/v1/signals/{signal.pk}/").status_code == 404
    assert _get(client, "/t/alpha/oversight/signals/").status_code == 403
    assert _get(client, "/t/alpha/api/v1/signals/").status_code == 403

    client.force_login(make_user(Role.CLERK, township_a))
    assert _get(client, "/t/alpha/oversight/signals/").status_code == 403
    assert _get(client, "/t/alpha/api/v1/signals/").status_code == 403
    assert _post(client, f"/t/alpha/api/v1/signals/{signal.pk}/dismiss/", {"note": "x"}, True).status_code == 403


def test_office_dismisses_through_page_and_api(client, township_a, in_township, month_data):
    M = month_data
    with in_township(township_a):
        services.signals_compute(year=M.year, month=M.month)
        first, second = Signal.objects.filter(subject="scorer").order_by("pk")[:2]
    client.force_login(M.office)
    response = _post(client, f"/t/alpha/oversight/signals/{first.pk}/dismiss/", {"note": ""})
    assert response.status_code == 400
    response = _post(client, f"/t/alpha/oversight/signals/{first.pk}/dismiss/", {"note": "已核实，为汛期补登"})
    assert response.status_code == 302
    body = _post(client, f"/t/alpha/api/v1/signals/{second.pk}/dismiss/", {"note": "已核实"}, True).json()
    assert (body["status"], body["decision_note"]) == ("dismissed", "已核实")
    assert _post(client, f"/t/alpha/api/v1/signals/{second.pk}/dismiss/", {"note": "又一次"}, True).status_code == 409
    with in_township(township_a):
        assert Signal.objects.filter(status="dismissed").count() == 2
        third = Signal.objects.filter(status="open", village__isnull=False).order_by("pk").first()
    response = _post(client, f"/t/alpha/oversight/signals/{third.pk}/check/", {"note": "下周抽查"})
    assert response.status_code == 302
    assert response["Location"] == f"/t/alpha/oversight/checks/unannounced/?village={third.village_id}"
    M.office.language = "en"
    M.office.save(update_fields=["language"])
    english = _get(client, f"/t/alpha/oversight/signals/?status=&month={M.year}-{M.month:02d}").content.decode()
    assert "8 of 8 entries (100%) were late entries; threshold 30%, peers&#x27; median 0%." in english
    schema = _get(client, "/t/alpha/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/t/{code}/api/v1/signals/{id}/dismiss/" in schema


def test_county_page_only_for_county_admin(client, township_a, in_township, month_data, make_user):
    M = month_data
    with in_township(township_a):
        services.signals_compute(year=M.year, month=M.month)
    client.force_login(make_user(Role.COUNTY_ADMIN))
    page = _get(client, "/oversight/signals/").content.decode()
    assert "Alpha 镇" in page
    assert "Beta 镇" in page
    assert "<td>6</td>" in page  # township_a's open flags in total
    assert "8 条记录中有 8 条为补录（100%）" in _get(client, "/t/alpha/oversight/signals/").content.decode()
    client.force_login(M.office)
    assert _get(client, "/oversight/signals/").status_code == 403
    client.logout()
    assert _get(client, "/oversight/signals/").status_code == 302


def _patch(client, path, data):
    try:
        return client.patch(path, json.dumps(data), content_type="application/json")
    finally:
        connection.set_schema_to_public()


def test_thresholds_are_per_township_and_set_by_the_office(client, township_a, township_b, in_township, make_user):
    client.force_login(make_user(Role.SUPERVISION_OFFICE, township_a))
    assert _get(client, "/t/alpha/api/v1/signals/settings/").json()["late_share"] == "0.30"
    assert _patch(client, "/t/alpha/api/v1/signals/settings/", {"late_share": "0.50"}).status_code == 403
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    assert _patch(client, "/t/alpha/api/v1/signals/settings/", {"late_share": "1.50"}).status_code == 400
    response = _patch(client, "/t/alpha/api/v1/signals/settings/", {"late_share": "0.50", "rush_days": 5})
    assert (response.status_code, response.json()["late_share"], response.json()["rush_days"]) == (200, "0.50", 5)
    page = _post(client, "/t/alpha/oversight/signals/settings/", {
        **response.json(), "min_entries": 6})
    assert page.status_code == 302
    with in_township(township_a):
        settings = services.settings_get()
        assert (settings.late_share, settings.rush_days, settings.min_entries) == (D("0.50"), 5, 6)
        assert AuditEvent.objects.filter(action="signals.settings_updated").count() == 2
    with in_township(township_b):
        assert services.settings_get().late_share == D("0.30")
