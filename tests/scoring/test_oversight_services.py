"""Spot checks with the database: commitment, one draw per month, teams, findings and corrections."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import types
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import DatabaseError, transaction

from accounts.access import access_for
from audit.models import AuditEvent
from common.errors import Conflict, DomainError, PermissionDenied
from scoring.ledger import services as ledger
from scoring.ledger.models import Entry, LedgerEntry
from scoring.ledger.selectors import township_today
from scoring.oversight import sampler, services
from scoring.oversight.models import Check, CheckTeamMember, Draw, Finding
from tests.factories import BranchFactory, MemberFactory, VillageFactory
from tests.files import photo_bytes

pytestmark = [pytest.mark.django_db]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"
JPEG = photo_bytes(1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def world(township_a, in_township, make_user, scoring_setup, clock):
    clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI))
    setup = scoring_setup(township_a, year=2026)
    with in_township(township_a):
        villages = [VillageFactory(code=f"A{i:02d}", name=f"村{i}") for i in range(7)]
        branches = [BranchFactory(village=v) for v in villages]
        members = {v.pk: [MemberFactory(branch=b) for _ in range(6)] for v, b in zip(villages, branches, strict=True)}
    v0 = villages[0]
    users = types.SimpleNamespace(
        office=make_user("township_office", township_a),
        clerk0=make_user("clerk", township_a, village_ids=[v0.pk]),
        team0=make_user("work_team", township_a, village_ids=[v0.pk]),
        clerk1=make_user("clerk", township_a, village_ids=[villages[1].pk]),
        secretary0=make_user("branch_secretary", township_a, branch_id=branches[0].pk),
        liaison0=make_user("liaison_leader", township_a, village_ids=[v0.pk]),
        living0=make_user("member", township_a, member_id=members[v0.pk][0].pk),
        supervisor=make_user("supervision_office", township_a),
    )
    return types.SimpleNamespace(township=township_a, setup=setup, villages=villages, branches=branches,
                                 members=members, users=users)


def acc(user, township):
    return access_for(user, township)


def _post_entry(world, member, points="4"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    u = world.users
    entry = ledger.entry_create(actor=u.clerk0, access=acc(u.clerk0, world.township), member_id=member.pk,
                                rule_code="B01", occurred_on=township_today(), points=points, note="主题党日",
                                evidence_files=[SimpleUploadedFile("p.jpg", JPEG, content_type="image/jpeg")])
    for user in (u.secretary0, u.team0, u.liaison0):
        ledger.entry_review(actor=user, access=acc(user, world.township), entry_id=entry.pk, decision="approve")
    entry.refresh_from_db()
    assert entry.status == Entry.Status.POSTED
    return entry


def test_commitment_before_the_month_is_immutable_and_the_draw_is_made_once(world, in_township, clock):
    with in_township(world.township):
        with pytest.raises(Conflict):
            services.draw_commit(year=2026, month=11)  # November has started: too late to commit
        assert not Draw.objects.filter(year=2026, month=11).exists()
        draw = services.draw_commit(year=2026, month=12)
        assert draw.commitment == sampler.commitment_of(draw.seed)
        assert draw.status == "committed"
        again = services.draw_commit(year=2026, month=12)
        assert (again.pk, again.commitment, again.seed) == (draw.pk, draw.commitment, draw.seed)
        with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
            Draw.objects.filter(pk=draw.pk).update(commitment="0" * 64)
        with pytest.raises(Conflict):
            services.draw_run(year=2026, month=12)  # draw day (the 1st) has not come
        clock.set(dt.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI))
        drawn = services.draw_run(year=2026, month=12)
        assert drawn.status == "drawn"
        assert drawn.commitment == draw.commitment
        assert len(drawn.drawn_codes) == 3  # ceil(7/3)
        checks = Check.objects.filter(draw=drawn)
        assert sorted(checks.values_list("village__code", flat=True)) == sorted(drawn.drawn_codes)
        assert set(checks.values_list("year", "month")) == {(2026, 11)}
        before = (Check.objects.count(), AuditEvent.objects.filter(action="draw.run").count())
        with pytest.raises(Conflict):
            services.draw_run(year=2026, month=12)
        assert (Check.objects.count(), AuditEvent.objects.filter(action="draw.run").count()) == before
        with pytest.raises(DatabaseError, match="never redone"), transaction.atomic():
            Draw.objects.filter(pk=draw.pk).update(drawn_codes=["A00"])
        with pytest.raises(Conflict):
            services.draw_run(year=2027, month=1)  # nothing committed
        # The daily job is a no-op now for December and commits January once.
        services.draws_due()
        services.draws_due()
        assert list(Draw.objects.order_by("year", "month").values_list("year", "month", "status")) == [
            (2026, 12, "drawn"), (2027, 1, "committed")]


def test_the_verifier_agrees_with_stored_draws(world, in_township, clock, tmp_path):
    from scoring.county.models import DrawPublicValue

    with in_township(world.township):
        services.draw_commit(year=2026, month=12)
        services.draw_commit(year=2027, month=1)
    DrawPublicValue.objects.create(year=2027, month=1, value="双色球 2027001: 03 09 14 22 27 31 + 08",
                                   source="中国福利彩票")
    clock.set(dt.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI))
    with in_township(world.township):
        december = services.draw_json(services.draw_run(year=2026, month=12))
    clock.set(dt.datetime(2027, 1, 3, 9, 0, tzinfo=SHANGHAI))
    with in_township(world.township):
        january = services.draw_json(services.draw_run(year=2027, month=1))
    assert december["public_value_source"] == "seals"
    assert january["public_value_source"] == "override"
    for data in (december, january):
        path = tmp_path / f"{data['month']}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        result = subprocess.run([sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True,
                                check=False)
        assert (result.returncode, result.stdout.split()) == (0, data["drawn_codes"]), result.stderr
        tampered = {**data, "seed": "f" * 64}
        path.write_text(json.dumps(tampered), encoding="utf-8")
        result = subprocess.run([sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True,
                                check=False)
        assert result.returncode == 1
        assert "commitment" in result.stderr


def test_a_checker_tied_to_the_village_is_never_on_its_team(world, in_township, clock):
    u = world.users
    v0 = world.villages[0]
    tied = {u.clerk0.pk, u.team0.pk, u.secretary0.pk, u.liaison0.pk, u.living0.pk}
    with in_township(world.township):
        office = acc(u.office, world.township)
        for _ in range(3):
            check = services.check_unannounced_open(actor=u.office, access=office, village_id=v0.pk)
            team = set(CheckTeamMember.objects.filter(check_obj=check).values_list("user_id", flat=True))
            assert team
            assert not team & tied
            assert u.office.pk in team
        for user in (u.clerk0, u.team0, u.living0, u.secretary0):
            with pytest.raises(DomainError) as exc:
                services.check_team_add(actor=u.office, access=office, check_id=check.pk, user_id=user.pk)
            assert exc.value.message in (services.TEAM_CONFLICT, services.TEAM_NOT_ELIGIBLE)
        added = services.check_team_add(actor=u.office, access=office, check_id=check.pk, user_id=u.clerk1.pk)
        assert added.user_id == u.clerk1.pk
        other = services.check_unannounced_open(actor=u.office, access=office, village_id=world.villages[1].pk)
        assert u.clerk1.pk not in set(other.team.values_list("user_id", flat=True))
        with pytest.raises(PermissionDenied):
            services.check_unannounced_open(actor=u.clerk1, access=acc(u.clerk1, world.township), village_id=v0.pk)


def test_a_discrepancy_becomes_a_correction_only_after_review(world, in_township, clock):
    u = world.users
    v0 = world.villages[0]
    member = world.members[v0.pk][0]
    with in_township(world.township):
        clock.set(dt.datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI))
        original = _post_entry(world, member, points="4")
        row = LedgerEntry.objects.get(entry=original)
        snapshot = (row.pk, row.points, row.hash, row.kind)
        clock.set(dt.datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI))
        check = services.check_unannounced_open(actor=u.supervisor, access=acc(u.supervisor, world.township),
                                                village_id=v0.pk)
        assert check.members.first().member_id == member.pk  # key member (largest addition) first
        assert "largest_additions" in check.members.first().key_reasons
        office = acc(u.office, world.township)
        with pytest.raises(DomainError):
            services.finding_record(actor=u.office, access=office, check_id=check.pk, entry_id=original.pk,
                                    result="discrepancy", reason="", note="")
        assert not Finding.objects.exists()
        finding = services.finding_record(actor=u.supervisor, access=acc(u.supervisor, world.township),
                                          check_id=check.pk, entry_id=original.pk, result="discrepancy",
                                          reason="not_happened", note="当天未参加主题党日", points="-4")
        correction = finding.correction
        assert (correction.status, correction.corrects_id, correction.source) == (
            Entry.Status.IN_REVIEW, original.pk, f"check:{check.pk}")
        assert LedgerEntry.objects.filter(kind="correction").count() == 0
        for user in (u.secretary0, u.team0, u.liaison0):
            ledger.entry_review(actor=user, access=acc(user, world.township), entry_id=correction.pk,
                                decision="approve")
        posted = LedgerEntry.objects.get(entry=correction)
        assert (posted.kind, posted.points) == ("correction", Decimal("-4.00"))
        row = LedgerEntry.objects.get(entry=original)
        assert (row.pk, row.points, row.hash, row.kind) == snapshot
        with pytest.raises(Conflict):
            services.finding_record(actor=u.office, access=office, check_id=check.pk, entry_id=original.pk,
                                    result="confirmed")


def test_derived_results_fair_scorers_and_branch_results(world, in_township, clock, make_user):
    from scoring.oversight.selectors import branch_check_results, fair_scorers, results

    u = world.users
    v0, v1 = world.villages[0], world.villages[1]
    other_clerk = make_user("clerk", world.township, village_ids=[v1.pk])
    sec1 = make_user("branch_secretary", world.township, branch_id=world.branches[1].pk)
    team1 = make_user("work_team", world.township, village_ids=[v1.pk])
    liaison1 = make_user("liaison_leader", world.township, village_ids=[v1.pk])
    with in_township(world.township):
        clock.set(dt.datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI))
        bad = _post_entry(world, world.members[v0.pk][0], points="4")
        good = _post_entry(world, world.members[v0.pk][1], points="3")
        from django.core.files.uploadedfile import SimpleUploadedFile

        fair = ledger.entry_create(actor=other_clerk, access=acc(other_clerk, world.township),
                                   member_id=world.members[v1.pk][0].pk, rule_code="B01",
                                   occurred_on=township_today(), points="2", note="主题党日",
                                   evidence_files=[SimpleUploadedFile("p.jpg", JPEG, content_type="image/jpeg")])
        for user in (sec1, team1, liaison1):
            ledger.entry_review(actor=user, access=acc(user, world.township), entry_id=fair.pk, decision="approve")
        clock.set(dt.datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI))
        sup = acc(u.supervisor, world.township)
        c0 = services.check_unannounced_open(actor=u.supervisor, access=sup, village_id=v0.pk)
        c1 = services.check_unannounced_open(actor=u.supervisor, access=sup, village_id=v1.pk)
        services.finding_record(actor=u.supervisor, access=sup, check_id=c0.pk, entry_id=bad.pk,
                                result="discrepancy", reason="favour", note="照顾分")
        services.finding_record(actor=u.supervisor, access=sup, check_id=c0.pk, entry_id=good.pk, result="confirmed")
        services.finding_record(actor=u.supervisor, access=sup, check_id=c1.pk, entry_id=fair.pk, result="confirmed")
        assert fair_scorers(year=2026, month_from=10, month_to=10) == [other_clerk.pk]
        assert fair_scorers(year=2026, month_from=11, month_to=12) == []
        assert branch_check_results(year=2026, month=10) == {
            world.branches[0].pk: {"checked_entries": 2, "discrepancies": 1, "points_checked": Decimal("7.00"),
                                   "points_confirmed": Decimal("3.00")},
            world.branches[1].pk: {"checked_entries": 1, "discrepancies": 0, "points_checked": Decimal("2.00"),
                                   "points_confirmed": Decimal("2.00")},
        }
        rates = {r["name"]: (r["checked"], r["discrepancies"], r["rate"]) for r in results(year=2026, month=10)["village"]}
        assert rates == {v0.name: (2, 1, Decimal("50.0")), v1.name: (1, 0, Decimal("0.0"))}

        # The favouritism signals read these results: branch 0 posted 7 points, checks confirmed 3.
        from scoring.favouritism import services as favouritism
        from scoring.favouritism.models import Signal
        from scoring.periods.services import month_close

        month_close(year=2026, month=10)
        run = favouritism.signals_compute(year=2026, month=10)
        assert run.used_checks is True
        gaps = Signal.objects.filter(kind=Signal.Kind.CHECK_GAP)
        assert [signal.branch_id for signal in gaps] == [world.branches[0].pk]
        reason = gaps.get().reason
        assert "57" in reason  # 4 of the 7 checked points not confirmed


def test_a_township_may_raise_the_share_never_lower_it(world, in_township):
    from scoring.oversight.policy import policy_effective

    office = acc(world.users.office, world.township)
    with in_township(world.township):
        assert policy_effective(year=2026)["share"] == "1/3"
        with pytest.raises(DomainError):
            services.township_policy_set(actor=world.users.office, access=office, year=2026, share="0.25")
        services.township_policy_set(actor=world.users.office, access=office, year=2026, share="0.5")
        assert policy_effective(year=2026)["share"] == "0.5000"
        with pytest.raises(PermissionDenied):
            services.township_policy_set(actor=world.users.supervisor, access=acc(world.users.supervisor,
                                         world.township), year=2026, share="0.6")


def test_the_team_marks_entries_on_the_checklist_page(world, in_township, clock, client, make_user, settings):
    from django.db import connection

    u = world.users
    v0 = world.villages[0]
    member = world.members[v0.pk][0]
    with in_township(world.township):
        clock.set(dt.datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI))
        entry = _post_entry(world, member, points="4")
        clock.set(dt.datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI))
        check = services.check_unannounced_open(actor=u.office, access=acc(u.office, world.township),
                                                village_id=v0.pk)
    client.force_login(u.office)
    try:
        page = client.get(f"/t/alpha/oversight/checks/{check.pk}/")
        assert page.status_code == 200
        assert member.name in page.content.decode()
        assert f'name="e{entry.pk}-result"' in page.content.decode()
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = client.post(f"/t/alpha/oversight/checks/{check.pk}/findings/", {
            "entry_id": entry.pk, f"e{entry.pk}-entry_id": entry.pk, f"e{entry.pk}-result": "discrepancy",
            f"e{entry.pk}-reason": "points_wrong", f"e{entry.pk}-note": "应为 2 分", f"e{entry.pk}-points": "-2",
            f"e{entry.pk}-photos": SimpleUploadedFile("scene.jpg", JPEG, content_type="image/jpeg")})
        assert response.status_code == 302
    finally:
        connection.set_schema_to_public()
    with in_township(world.township):
        finding = Finding.objects.get(check_obj=check)
        assert (finding.result, finding.reason, finding.note) == ("discrepancy", "points_wrong", "应为 2 分")
        assert finding.photos.count() == 1
        assert (finding.correction.points, finding.correction.status) == (Decimal("-2.00"), Entry.Status.IN_REVIEW)
    try:
        page = client.get(f"/t/alpha/oversight/checks/{check.pk}/").content.decode()
    finally:
        connection.set_schema_to_public()
    assert f"/t/alpha/tips/sanctions/new/?source=check:{check.pk}&amp;village={v0.pk}" in page


def test_the_team_is_notified_when_drawn_and_reminded_once_before_the_due_date(world, in_township, clock):
    from notifications.models import Notification
    from scoring.oversight.notices import remind_check_due

    with in_township(world.township):
        services.draw_commit(year=2026, month=12)
        clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
        draw = services.draw_run(year=2026, month=12)
        checks = list(Check.objects.filter(draw=draw))
        team = {t for c in checks for t in c.team.values_list("user_id", flat=True)}
        assert team
        assigned = Notification.objects.filter(event="check.assigned")
        assert assigned.count() == sum(1 for c in checks if c.team.exists())
        assert {d for n in assigned for d in n.deliveries.values_list("recipient_id", flat=True)} == team
        assert remind_check_due(township=world.township) == 0  # due 2026-12-21, not within 3 days
        clock.set(dt.datetime(2026, 12, 19, 9, 0, tzinfo=SHANGHAI))
        assert remind_check_due(township=world.township) == len(checks)
        assert remind_check_due(township=world.township) == 0


def test_forced_villages_unchecked_too_long_or_with_discrepancies_join_the_draw(world, in_township, clock):
    from scoring.county.models import OversightPolicy

    OversightPolicy.objects.create(year=2026, max_unchecked_months=1)
    OversightPolicy.objects.create(year=2027, max_unchecked_months=1)
    with in_township(world.township):
        services.draw_commit(year=2026, month=12)
        services.draw_commit(year=2027, month=1)
        clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
        december = services.draw_run(year=2026, month=12)
        assert december.forced == []
        clock.set(dt.datetime(2027, 1, 1, 9, 0, tzinfo=SHANGHAI))
        january = services.draw_run(year=2027, month=1)
        unchecked = sorted({v.code for v in world.villages} - set(december.drawn_codes))
        assert january.forced == [{"code": code, "reason": "unchecked"} for code in unchecked]
        assert set(january.drawn_codes) >= set(unchecked)
        assert len(january.drawn_codes) == 3 + len(set(unchecked) - set(january.drawn_codes[:3]))


def test_the_county_sets_the_policy_and_a_public_value_before_the_draw(world, in_township, clock, client,
                                                                       make_user):
    from scoring.county.models import DrawPublicValue, OversightPolicy

    admin = make_user("county_admin")
    client.force_login(admin)
    response = client.post("/oversight/policy/?year=2027", {
        "min_share": "0.25", "members_per_village": 5, "near_pass_margin": "5", "max_unchecked_months": 3,
        "draw_day": 3, "check_due_days": 20})
    assert response.status_code == 200
    assert not OversightPolicy.objects.filter(year=2027).exists()
    response = client.post("/oversight/policy/?year=2027", {
        "min_share": "0.5", "members_per_village": 4, "near_pass_margin": "5", "max_unchecked_months": 3,
        "draw_day": 3, "check_due_days": 20, "key_late_entries": "on"})
    assert response.status_code == 302
    policy = OversightPolicy.objects.get(year=2027)
    assert (policy.min_share, policy.draw_day, policy.key_largest_additions, policy.key_late_entries) == (
        Decimal("0.5000"), 3, False, True)
    response = client.post("/oversight/public-values/", {"year": 2027, "month": 1, "value": "03 09 14 22 27 31 + 08",
                                                          "source": "福彩双色球 2027001 期"})
    assert response.status_code == 302
    again = client.post("/oversight/public-values/", {"year": 2027, "month": 1, "value": "x", "source": "y"})
    assert again.status_code == 200
    assert DrawPublicValue.objects.get(year=2027, month=1).value == "03 09 14 22 27 31 + 08"
    late = client.post("/oversight/public-values/", {"year": 2026, "month": 11, "value": "x", "source": "y"})
    assert late.status_code == 200
    assert not DrawPublicValue.objects.filter(year=2026, month=11).exists()
    client.force_login(world.users.office)
    assert client.get("/oversight/policy/").status_code == 403
    with in_township(world.township):
        services.draw_commit(year=2027, month=1)
        clock.set(dt.datetime(2027, 1, 3, 9, 0, tzinfo=SHANGHAI))
        draw = services.draw_run(year=2027, month=1)
    assert (draw.public_value_source, draw.share, len(draw.drawn_codes)) == ("override", "0.5000", 4)


def test_key_members_come_first_with_their_reasons(world, in_township, clock):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring.ledger.models import MemberYearTotal
    from scoring.oversight.policy import policy_effective

    u = world.users
    v0 = world.villages[0]
    big, late, remote, near, plain, _other = world.members[v0.pk]
    remote.is_migrant = True
    remote.migrant_location = "广东深圳"
    with in_township(world.township):
        remote.save()
        clock.set(dt.datetime(2026, 10, 10, 10, 0, tzinfo=SHANGHAI))
        _post_entry(world, big, points="5")
        _post_entry(world, plain, points="1")
        clock.set(dt.datetime(2026, 10, 28, 10, 0, tzinfo=SHANGHAI))
        entry = ledger.entry_create(actor=u.clerk0, access=acc(u.clerk0, world.township), member_id=late.pk,
                                    rule_code="B01", occurred_on=dt.date(2026, 10, 2), points="2", note="补录",
                                    late_reason="外出开会回来补录",
                                    evidence_files=[SimpleUploadedFile("p.jpg", JPEG, content_type="image/jpeg")])
        ledger.entry_late_decide(actor=u.office, access=acc(u.office, world.township), entry_id=entry.pk,
                                 decision="approve")
        for user in (u.secretary0, u.team0, u.liaison0):
            ledger.entry_review(actor=user, access=acc(user, world.township), entry_id=entry.pk, decision="approve")
        entry = ledger.entry_create(actor=u.clerk0, access=acc(u.clerk0, world.township), member_id=remote.pk,
                                    rule_code="R01", occurred_on=dt.date(2026, 10, 27), points="1", note="线上学习",
                                    evidence_files=[SimpleUploadedFile("p.jpg", JPEG, content_type="image/jpeg")])
        for user in (u.secretary0, u.team0, u.liaison0):
            ledger.entry_review(actor=user, access=acc(user, world.township), entry_id=entry.pk, decision="approve")
        MemberYearTotal.objects.create(member=near, scoring_year=2026, total=Decimal("58"), rows=1)
        reasons = services.key_members(village_id=v0.pk, year=2026, month=10, policy=policy_effective(year=2026))
        assert reasons == {big.pk: ["largest_additions"], late.pk: ["largest_additions", "late_entries"],
                           remote.pk: ["remote_member"], near.pk: ["near_pass_line"]}
        clock.set(dt.datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI))
        check = services.check_unannounced_open(actor=u.office, access=acc(u.office, world.township),
                                                village_id=v0.pk)
        listed = list(check.members.values_list("member_id", "is_key"))
        assert listed[0] == (late.pk, True)
        assert {m for m, key in listed if key} == {big.pk, late.pk, remote.pk, near.pk}
        assert [key for _m, key in listed] == [True] * 4 + [False]
