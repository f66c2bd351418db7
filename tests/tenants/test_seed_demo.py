"""The demo data command: realistic, valid, and idempotent.

`seed_demo --small` provisions a real township schema (t_qingshi) inside the test's transaction,
so the schema and every row vanish when the test's transaction is rolled back.

The scoring history depends on the day the seed runs, so these tests pin the product's clock
(`frozen_now`) at chosen moments: mid-November (ten months closed, Q3 published), the first days of
a scoring year (the year before is built too: its twelve months closed, Q4 published, the new year's
entries only) and April (Q1 closed and published); and the small seed runs at each of the suite's
pinned moments (month and year ends).
"""
import datetime as dt
import hashlib
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django_tenants.utils import schema_exists

from accounts.models import Role, RoleAssignment, User
from audit.models import AuditEvent
from notifications.models import Delivery, Notification
from scoring.catalogue.models import Rule, ScoringYear
from scoring.county.models import LedgerSeal, TemplateCatalogue
from scoring.demo import TEMPLATE_ITEMS, demo_branch_members, demo_photo, plan_year
from scoring.ledger.chain import month_index
from scoring.ledger.models import Entry, Evidence, LedgerEntry, LedgerHead, Review
from scoring.ledger.verify import ledger_verify
from scoring.periods.models import MonthClose, Publication
from staffing.clerks.models import Clerk
from staffing.recruitment.county.models import CountyApplication, CountyRound
from tenants.organisation.models import Branch, Member, MemberTransfer, Village
from tenants.organisation.validators import id_number_birth_date, id_number_sex, validate_id_number
from tenants.townships.demo import DEMO_PASSWORD, FULL, TOWNSHIPS, Planner
from tenants.townships.models import Township

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOVEMBER = dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
SCORING_ACTIONS = r"^(scoring_year|base_score|entry|month|publication|signals|tip|sanction|award|draw|check|duty|meeting)\."

DEMO_USERNAMES = ["clerk1", "county", "discipline1", "liaison1", "member1", "office1", "secretary1",
                  "supervision1", "workteam1"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The demo users get real passwords; PBKDF2 takes ~1 s per user, which tests do not need.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen_now(clock, settings, tmp_path):
    """The product's clock pinned at NOVEMBER (or `frozen_now.set(moment)`); evidence files in tmp_path."""
    settings.MEDIA_ROOT = str(tmp_path)
    clock.set(NOVEMBER)
    return clock


def _seed(django_capture_on_commit_callbacks=None) -> str:
    """Run `seed_demo --small`; with the capture fixture, also run what it left for after commit
    (the notification deliveries, in-process: Celery is eager in tests)."""
    out = io.StringIO()
    if django_capture_on_commit_callbacks is None:
        call_command("seed_demo", "--small", stdout=out)
    else:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo", "--small", stdout=out)
    return out.getvalue()


def _public_counts() -> dict:
    return {
        "townships": Township.objects.exclude(schema_name="public").count(),
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "public_audit": AuditEvent.objects.count(),
    }


def _counts(in_township, before: dict) -> dict:
    """Rows made by the seed: public rows as the difference from `before`, township rows in full."""
    counts = {key: value - before[key] for key, value in _public_counts().items()}
    with in_township(Township.objects.get(code="qingshi")):
        counts.update(
            villages=Village.objects.count(), branches=Branch.objects.count(), members=Member.objects.count(),
            transfers=MemberTransfer.objects.count(), township_audit=AuditEvent.objects.count(),
        )
    return counts


def test_small_seed_builds_a_township_and_a_second_run_changes_nothing(in_township, client, frozen_now):
    assert not Township.objects.filter(code="qingshi").exists()
    before = _public_counts()

    first_output = _seed()
    first = _counts(in_township, before)
    second_output = _seed()

    with in_township(Township.objects.get(code="qingshi")):
        scoring_audit = AuditEvent.objects.filter(action__regex=SCORING_ACTIONS).count()
        # staffing.clerks: 2 villages' required numbers, 2 clerks, 4 placements, clerk1's scope;
        # staffing.recruitment: a round, 3 applications scored, ranking, the winner hired (account, clerk, placement);
        # the county-wide round's hire placed here: clerk, placement, role (the round itself is the county's)
        staffing_audit = list(AuditEvent.objects.filter(action__regex=r"^(clerks\.|role\.|recruitment\.|user\.)")
                              .values_list("action", flat=True))
        # staffing.appraisal: 2 periods, 2 clerks appraised in each, 2 pay sheets, the first approved
        pay_audit = sorted(AuditEvent.objects.filter(action__regex=r"^(appraisal\.|pay\.)").values_list("action", flat=True))
        # scoring.rewards: honours entered, verified or rejected, the evaluation, the 七一 shortlist made and submitted
        rewards_audit = AuditEvent.objects.filter(action__regex=r"^(honour|star|shortlist)\.").count()
        # scoring.reports and scoring.dues (their demo steps are checked in tests/scoring/test_away_demo.py)
        away_audit = AuditEvent.objects.filter(action__regex=r"^(report|dues)\.").count()
        # staffing.county: clerk1 proposed for an established post and rejected; another clerk proposed for removal
        career_audit = sorted(AuditEvent.objects.filter(action__startswith="career.").values_list("action", flat=True))
    assert career_audit == ["career.decide", "career.propose", "career.propose"], career_audit
    from staffing.county.models import CareerProposal

    assert sorted(CareerProposal.objects.values_list("kind", "status", "township__code")) == [
        ("establish", "rejected", "qingshi"), ("remove", "pending", "qingshi")]
    assert pay_audit == sorted(["appraisal.period_open"] * 2 + ["appraisal.record"] * 4 + ["pay.sheet_prepare"] * 2
                               + ["pay.sheet_approve"]), pay_audit
    assert scoring_audit > 0
    assert sorted(staffing_audit) == sorted(["clerks.village_required"] * 2 + ["clerks.clerk_create"] * 4
                                            + ["clerks.placement_start"] * 6 + ["role.assign"] * 3
                                            + ["recruitment.round_open", "recruitment.ranking_publish",
                                               "recruitment.offer_accept", "recruitment.round_close", "user.create"]
                                            + ["recruitment.application_submit", "recruitment.scores_enter"] * 3
                                            # scoring.reports: the demo branch's 2 members away sign in
                                            + ["user.create", "role.assign"] * 2
                                            ), staffing_audit
    assert first == {
        "townships": 1,
        # + the recruited clerks (township and county-wide round), 2 members away, and the people on
        # record of the other branches (scoring.ledger.demo: a clerk, a work team, a liaison leader and
        # 4 secretaries)
        "users": 13 + 7, "roles": 13 + 7,
        # 9 user.create + 9 role.assign + township.create + township.ready, then the county's scoring
        # policy, template (create, 18 items, publish)
        # + the demo tip routed to the county (scoring.tips) + the pay policy (staffing.appraisal, November)
        # + the county-wide round: open, 3 applications and 3 scores, publish, a decline, the next offered,
        # the hire (user.create, offer_accept), close
        # + the career proposals (2) and the county's decision on one (staffing.county)
        # + the county's dues rule (scoring.dues)
        # + the honour template and two Party-member Star rule versions (scoring.rewards; the shortlist's
        # submission is audited in the township, which submits it)
        # + the reward policy and the 七一 rollup of the demo year (scoring.rewards.county)
        # + the other branches' people (user.create and role.assign each)
        "public_audit": 20 + 1 + 1 + 18 + 1 + 1 + 1 + 13 + 3 + 1 + 3 + 2 + 7 * 2,
        "villages": 2, "branches": 6, "members": 20, "transfers": 2,
        "township_audit": 30 + scoring_audit + len(staffing_audit) + len(pay_audit) + len(career_audit) + away_audit
        + rewards_audit,  # 2 villages + 6 branches + 20 members + 2 transfers
    }
    assert _counts(in_township, before) == first
    assert "created nothing (already complete)" in second_output
    # the county-wide round: finished, its hire a clerk of the demo township with the clerk role there
    assert list(CountyRound.objects.values_list("status", flat=True)) == ["closed"]
    hire = CountyApplication.objects.get(status="accepted")
    assert CountyApplication.objects.get(status="declined").declined_via == "office"
    assert RoleAssignment.objects.get(user__username="recruit_county").role == Role.CLERK
    with in_township(Township.objects.get(code="qingshi")):
        assert Clerk.objects.get(pk=hire.clerk_id).user_id == User.objects.get(username="recruit_county").pk
    assert "members 20" in first_output
    assert "template items 18" in first_output
    assert "Demo logins (password: demo12345)" in first_output

    township = Township.objects.get(code="qingshi")
    assert township.status == Township.Status.READY
    assert schema_exists("t_qingshi")
    demo_users = User.objects.filter(username__in=DEMO_USERNAMES)
    assert demo_users.count() == len(DEMO_USERNAMES)
    assert sorted(demo_users.values_list("email", flat=True)) == [f"{name}@example.com" for name in DEMO_USERNAMES]
    assert set(RoleAssignment.objects.filter(user__in=demo_users).values_list("role", flat=True)) == set(Role.values)
    assert client.login(username="office1", password=DEMO_PASSWORD)
    assert client.get("/t/qingshi/").status_code == 200


def test_small_seed_has_every_kind_of_branch_and_member(in_township, frozen_now):
    _seed()
    township = Township.objects.get(code="qingshi")
    with in_township(township):
        assert set(Branch.objects.values_list("kind", flat=True)) == set(Branch.Kind.values)
        general = Branch.objects.get(kind=Branch.Kind.VILLAGE_GENERAL)
        assert general.children.count() == 1
        members = list(Member.objects.all())
        assert {m.category for m in members} == set(Member.Category.values)
        probationary = [m for m in members if m.kind == Member.Kind.PROBATIONARY]
        assert len(probationary) == 1
        assert probationary[0].probation_ends_on == probationary[0].joined_on + dt.timedelta(days=365)
        assert [m.migrant_location != "" for m in members if m.is_migrant] == [True]
        assert [m.special_occupation for m in members if m.is_special_occupation] in (
            [["海员"], ["远洋渔船船员"], ["石油钻井平台工人"]])
        assert sum(m.is_elderly for m in members) >= 1
        assert sorted(m.status for m in members if m.status != Member.Status.ACTIVE) == [
            Member.Status.DECEASED, Member.Status.TRANSFERRED_OUT]
        out = MemberTransfer.objects.get(to_branch__isnull=True)
        assert out.member.status == Member.Status.TRANSFERRED_OUT
        assert out.destination
        within = MemberTransfer.objects.get(to_branch__isnull=False)
        assert within.member.branch_id == within.to_branch_id != within.from_branch_id
        for member in members:
            validate_id_number(member.id_number)
            assert id_number_birth_date(member.id_number) == member.birth_date
            assert id_number_sex(member.id_number) == member.sex
            assert member.joined_on > member.birth_date
        member_role = RoleAssignment.objects.get(user__username="member1", role=Role.MEMBER)
        secretary = RoleAssignment.objects.get(user__username="secretary1", role=Role.BRANCH_SECRETARY)
        assert Member.objects.get(pk=member_role.member_id).branch_id == secretary.branch_id


def test_full_plan_is_a_realistic_county_and_does_not_depend_on_the_day():
    plans = [Planner(code=code, name=name, number=number, size=FULL, today=dt.date(2026, 5, 1)).build()
             for code, name, number in TOWNSHIPS]
    assert [len(p.villages) for p in plans] == [15, 15, 15]
    assert all(len({name for _code, name in p.villages}) == 15 for p in plans)
    assert sum(len(p.members) for p in plans) >= 2000
    for plan in plans:
        ids = [m.fields["id_number"] for m in plan.members]
        assert len(ids) == len(set(ids))
        assert {b.kind for b in plan.branches} == set(Branch.Kind.values)
    later = Planner(code="qingshi", name="青石镇", number="101", size=FULL, today=dt.date(2027, 2, 3)).build()
    assert [m.fields["id_number"] for m in later.members] == [m.fields["id_number"] for m in plans[0].members]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def _everything(in_township) -> dict:
    counts = {"public_audit": AuditEvent.objects.count(), "notifications": Notification.objects.count(),
              "deliveries": Delivery.objects.count(), "seals": LedgerSeal.objects.count(),
              "templates": TemplateCatalogue.objects.count()}
    with in_township(Township.objects.get(code="qingshi")):
        counts.update(entries=Entry.objects.count(), evidence=Evidence.objects.count(), reviews=Review.objects.count(),
                      ledger=LedgerEntry.objects.count(), closes=MonthClose.objects.count(),
                      publications=Publication.objects.count(), audit=AuditEvent.objects.count())
    return counts


@pytest.mark.parametrize(("moment", "years", "closed", "published"), [
    (NOVEMBER, [2026], [(2026, month) for month in range(1, 11)], (2026, 3)),
    # A young year: the year before too (all twelve months closed, Q4 published), so the demo is alive.
    (dt.datetime(2027, 1, 3, 16, 0, tzinfo=SHANGHAI), [2026, 2027], [(2026, month) for month in range(1, 13)],
     (2026, 4)),
    (dt.datetime(2027, 4, 10, 9, 0, tzinfo=SHANGHAI), [2027], [(2027, 1), (2027, 2), (2027, 3)], (2027, 1)),
], ids=["november", "new-year", "april"])
def test_small_seed_scores_the_year_so_far_as_it_would_have_happened(
    in_township, frozen_now, django_capture_on_commit_callbacks, moment, years, closed, published,
):
    frozen_now.set(moment)
    mail.outbox = []
    output = _seed(django_capture_on_commit_callbacks)
    township = Township.objects.get(code="qingshi")
    users = {user.username: user for user in User.objects.filter(username__in=DEMO_USERNAMES)}
    clerk, office = users["clerk1"], users["office1"]
    reviewer_of = {"branch": users["secretary1"].pk, "work_team": users["workteam1"].pk,
                   "liaison": users["liaison1"].pk}
    templates = {}
    for year in years:
        template = templates[year] = TemplateCatalogue.objects.get(year=year)
        assert (template.is_published, template.items.count()) == (True, len(TEMPLATE_ITEMS))
        assert set(template.items.values_list("category", flat=True)) == {"basic", "vanguard", "discipline", "veto"}
        assert set(template.items.values_list("applies_to", flat=True)) == {"all", "resident", "remote", "elderly"}

    with in_township(township):
        assert list(ScoringYear.objects.order_by("year").values_list(
            "year", "starts_on", "ends_on", "template_id", "base_score", "adopted_by_id")) == [
            (year, dt.date(year, 1, 1), dt.date(year, 12, 31), templates[year].pk, Decimal("60.00"), office.pk)
            for year in years]
        assert Rule.objects.count() == len(TEMPLATE_ITEMS) * len(years)
        # Base score of the running year: every active member, dated the year's first day, posted
        # that morning. The year before has none: the demo roster is entered today, and a year's
        # base score goes only to members on the roster before that year ended.
        year = years[-1]
        base = LedgerEntry.objects.filter(kind="base")
        active = township_members_active()
        assert base.count() == active
        assert set(base.values_list("points", "occurred_on", "booked_year", "booked_month", "posted_at")) == {
            (Decimal("60.00"), dt.date(year, 1, 1), year, 1, _at(dt.date(year, 1, 1), 8, 30))}

        branch_id = RoleAssignment.objects.get(user=users["secretary1"], role=Role.BRANCH_SECRETARY).branch_id
        recorded, decided, late_approved, months_to_close, photo_label = [], {}, set(), [], {}
        for year in years:
            plan = plan_year(members=demo_branch_members(branch_id=branch_id), starts_on=dt.date(year, 1, 1),
                             now=moment, zone=SHANGHAI, seed=f"seed-demo-scoring:qingshi:{year}",
                             ends_on=dt.date(year, 12, 31))
            for action in plan.actions:
                key = (year, action.entry.key) if action.entry else None
                if action.kind == "create":
                    recorded.append(action.entry)
                    photo_label[id(action.entry)] = (key, f"qingshi-{year}")
                elif action.kind == "review":
                    decided.setdefault(key, []).append(action.review)
                elif action.kind == "late_approve":
                    late_approved.add(key)
            months_to_close += plan.months_to_close
        # Corrections proposed by the demo's spot checks (scoring.oversight) and substantiated tip
        # (scoring.tips) are not the plan's entries, nor are those proposed by accepted reports of
        # members away (scoring.reports) or by verified honours (scoring.rewards); each is checked in
        # its own test.
        entries = list(Entry.objects.filter(corrects__isnull=True, member__branch_id=branch_id)
                       .exclude(source__startswith="report:").exclude(source__startswith="honour:")
                       .order_by("pk").prefetch_related("reviews", "evidence"))
        assert len(entries) == len(recorded)
        posted = rejected = 0
        for planned, entry in zip(recorded, entries, strict=True):
            key, label = photo_label[id(planned)]
            reviews = decided.get(key, [])
            assert (entry.member_id, entry.rule.code, entry.occurred_on, entry.points, entry.note) == (
                planned.member_id, planned.rule_code, planned.occurred_on, planned.points, planned.note)
            assert entry.entered_by_id == users["office1" if planned.enterer == "office" else "clerk1"].pk
            assert entry.entered_at == planned.recorded_at
            assert entry.lag_days == (planned.recorded_at.date() - planned.occurred_on).days
            assert entry.is_late == bool(planned.late_reason) == (entry.lag_days > 7)
            if entry.is_late and key in late_approved:
                assert (entry.late_decided_by_id, entry.late_reason) == (office.pk, "当事人事后才向村党支部反映，经核实后补录")
            assert [(r.level, r.reviewer_id, r.decision, r.reason) for r in entry.reviews.all()] == [
                (level, reviewer_of[level], decision, reason) for level, _when, decision, _score, reason in reviews]
            photos = [hashlib.sha256(demo_photo(seed=planned.key, label=label)).hexdigest()] \
                if planned.photo else []
            assert [e.sha256 for e in entry.evidence.all()] == photos
            if any(r[2] == "reject" for r in reviews):
                assert entry.status == Entry.Status.REJECTED
                rejected += 1
            elif len(reviews) == 3:
                scores = [planned.points if r[3] is None else r[3] for r in reviews]
                final = (Decimal("0.3") * scores[0] + Decimal("0.3") * scores[1] + Decimal("0.4") * scores[2]
                         ).quantize(Decimal("0.01"))
                row = LedgerEntry.objects.get(entry=entry)
                assert (entry.status, entry.final_points, row.points, row.evidence_hashes) == (
                    Entry.Status.POSTED, final, final, photos)
                posted += 1
            else:
                assert entry.status in (Entry.Status.IN_REVIEW, Entry.Status.AWAITING_LATE_APPROVAL)
        honours = LedgerEntry.objects.filter(kind="adjustment", entry__source__startswith="honour:").count()
        assert LedgerEntry.objects.filter(kind="adjustment", member__branch_id=branch_id).exclude(
            entry__source__startswith="report:").count() == posted + honours
        # The other branches' year (scoring.ledger.demo): checked in test_small_seed_scores_every_branch.
        elsewhere = LedgerEntry.objects.filter(kind="adjustment").exclude(member__branch_id=branch_id).count()

        # Months closed in order on the 6th of the next month (or now), sealed with the county.
        closes = list(MonthClose.objects.order_by("year", "month"))
        assert [(c.year, c.month) for c in closes] == closed == months_to_close
        for close in closes:
            following = dt.date(close.year + close.month // 12, close.month % 12 + 1, 6)
            assert (close.closed_at, close.closed_by_id) == (min(_at(following, 10), moment), office.pk)
        head = LedgerHead.objects.get()
        assert head.sealed_through == (month_index(*closed[-1]) if closed else -1)
        publications = list(Publication.objects.values_list("year", "quarter", "version", "status", "opened_at"))
        assert publications == ([(*published, 1, "open", moment)] if published else [])
        result = ledger_verify(check_files=True)
        corrections = LedgerEntry.objects.filter(kind="correction").count()
        from_reports = LedgerEntry.objects.filter(entry__source__startswith="report:").count()
        assert (result.ok, result.checked) == (
            True, active + posted + corrections + from_reports + honours + elsewhere)
    seals = list(LedgerSeal.objects.filter(township=township).order_by("year", "month")
                 .values_list("year", "month", "head_hash"))
    assert seals == [(c.year, c.month, c.head_hash) for c in closes]

    # Events reached the demo users: the clerk's inbox, the office's e-mail.
    clerk_inbox = Delivery.objects.filter(recipient=clerk, channel="in_app", notification__township=township)
    assert clerk_inbox.filter(notification__event="entry.approved").count() == sum(
        1 for p, e in zip(recorded, entries, strict=True) if e.status == "posted" and p.enterer == "clerk")
    assert clerk_inbox.filter(notification__event="entry.rejected").count() == rejected
    if closes:  # read up to the last close, as people do
        assert not clerk_inbox.filter(read_at__isnull=True, created_at__lt=closes[-1].closed_at).exists()
    closing_mails = [m for m in mail.outbox if "积分已结账" in m.subject]
    assert [(m.to, m.subject) for m in closing_mails] == [
        (["office1@example.com"], f"{township.name}：{y}-{m:02d} 积分已结账") for y, m in closed]
    assert sum("您的账号已开通" in m.subject for m in mail.outbox) == len(DEMO_USERNAMES)
    with in_township(township):
        made = Entry.objects.filter(corrects__isnull=True, source="").count()
    assert f"entries {made}," in output

    before = _everything(in_township)
    assert "created nothing (already complete)" in _seed(django_capture_on_commit_callbacks)
    assert _everything(in_township) == before


def township_members_active() -> int:
    from tenants.organisation.models import Member

    return Member.objects.filter(status=Member.Status.ACTIVE).count()


def test_small_seed_scores_every_branch(in_township, frozen_now):
    """Every branch has its year (scoring.ledger.demo): village branches recorded by their clerk and
    posted after the three levels, some returned, late, waiting; the organ, retirees' and enterprise
    branches' recent entries wait at the work-team level (nobody holds it for them). Every row has
    its audit event and the chain still verifies."""
    _seed()
    township = Township.objects.get(code="qingshi")
    demo_branch = RoleAssignment.objects.get(user__username="secretary1", role=Role.BRANCH_SECRETARY).branch_id
    people = dict(RoleAssignment.objects.filter(township=township, user__username__startswith="qingshi_")
                  .exclude(user__username__startswith="qingshi_away").values_list("user__username", "role"))
    assert people == {"qingshi_clerk1": Role.CLERK, "qingshi_team1": Role.WORK_TEAM,
                      "qingshi_liaison1": Role.LIAISON_LEADER, "qingshi_sec02": Role.BRANCH_SECRETARY,
                      "qingshi_sec03": Role.BRANCH_SECRETARY, "qingshi_sec04": Role.BRANCH_SECRETARY,
                      "qingshi_sec05": Role.BRANCH_SECRETARY}
    with in_township(township):
        by_branch = {}
        for branch in Branch.objects.exclude(kind=Branch.Kind.VILLAGE_GENERAL):
            entries = Entry.objects.filter(member__branch=branch, corrects__isnull=True, source="")
            by_branch[branch.kind, branch.pk == demo_branch] = (
                entries.count(), set(entries.values_list("status", flat=True)),
                set(entries.filter(status="posted").values_list("occurred_on__month", flat=True)),
                set(entries.values_list("current_level", flat=True)))
        village = by_branch[Branch.Kind.VILLAGE, False]
        assert village[0] >= 20
        assert village[1] >= {"posted", "rejected", "awaiting_late_approval"}
        assert village[2] >= set(range(1, 11))  # posted in every closed month
        for kind in (Branch.Kind.ORGAN, Branch.Kind.RETIREES, Branch.Kind.ENTERPRISE):
            count, statuses, posted_months, levels = by_branch[kind, False]
            assert count >= 2, kind
            assert (statuses, posted_months) == ({"in_review"}, set()), kind
            assert levels <= {"branch", "work_team"}
        assert by_branch[Branch.Kind.VILLAGE, True][0] >= 50
        assert set.union(*(statuses for _n, statuses, _m, _l in by_branch.values())) == set(Entry.Status.values)
        recorders = set(Entry.objects.values_list("entered_by_id", flat=True))
        assert {User.objects.get(username=name).pk for name in ("clerk1", "qingshi_clerk1", "office1")} <= recorders
        # the same audit trail as entries made through the services
        plain = Entry.objects.filter(corrects__isnull=True, source="")
        for action, rows in (("entry.create", plain), ("entry.post", plain.filter(status="posted")),
                             ("entry.late_approve", plain.filter(late_decided_by_id__isnull=False))):
            audited = set(AuditEvent.objects.filter(action=action, object_type="ledger.entry")
                          .values_list("object_id", flat=True))
            assert {str(pk) for pk in rows.values_list("pk", flat=True)} <= audited, action
        review_events = AuditEvent.objects.filter(action__startswith="entry.review_", object_id__in=[
            str(pk) for pk in plain.values_list("pk", flat=True)]).count()
        assert review_events == Review.objects.filter(entry__in=plain).count()
        posted = LedgerEntry.objects.filter(kind="adjustment", entry__in=plain)
        assert posted.count() == plain.filter(status="posted").count()
        assert all(row.evidence_hashes for row in posted.filter(rule__evidence_required=True))
        assert ledger_verify(check_files=True).ok
        assert MonthClose.objects.count() == 10
