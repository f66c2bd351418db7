"""Scoring reminders (scoring.ledger.notices, scoring.periods.notices): reviews waiting too long, a quarter still not
published, a publication's objection period about to end. Once per person and period, only to
the township's own people.

Kept under tests/scoring for the `scoring_setup` fixture of tests/scoring/conftest.py.
"""
from __future__ import annotations

import datetime as dt
import types

import pytest
from django.utils import timezone

from accounts.access import access_for
from accounts.models import Role
from common.tasks import dispatch_to_townships
from notifications.events import render_message
from notifications.models import Delivery, Notification, Reminder
from notifications.selectors import message_context
from notifications.tasks import run_reminder
from scoring.ledger import services as ledger
from scoring.ledger.models import Entry, Review
from scoring.ledger.selectors import township_today
from scoring.periods import services as periods
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def _reminder_task(kind: str):
    """The beat job of reminder rule `kind` as the dispatcher sends it to a township."""
    return types.SimpleNamespace(apply=lambda: run_reminder.apply(args=(kind,)))


remind_review_waiting = _reminder_task("review.waiting")
remind_publication_opening = _reminder_task("publication.opening")
remind_publication_closing = _reminder_task("publication.closing")

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _people(township, make_user, scoring_setup, in_township, name):
    # Entries of the last weeks may fall in the year before (early January): adopt both years.
    running = scoring_setup(township, late_window_days=7)
    scoring_setup(township, year=running.year.year - 1, late_window_days=7)
    setup = running
    with in_township(township):
        village = VillageFactory(name=f"{name}村")
        branch = BranchFactory(name=f"{name}村党支部", village=village)
        other_branch = BranchFactory(name=f"{name}二支部", village=VillageFactory(name=f"{name}二村"))
        member = MemberFactory(name=f"{name}张三", branch=branch)
        other = MemberFactory(name=f"{name}李四", branch=branch)
    users = types.SimpleNamespace(
        clerk=make_user(Role.CLERK, township, village_ids=[village.pk]),
        secretary=make_user(Role.BRANCH_SECRETARY, township, branch_id=branch.pk),
        secretary2=make_user(Role.BRANCH_SECRETARY, township, branch_id=branch.pk),
        other_secretary=make_user(Role.BRANCH_SECRETARY, township, branch_id=other_branch.pk),
        work_team=make_user(Role.WORK_TEAM, township, village_ids=[village.pk]),
        liaison=make_user(Role.LIAISON_LEADER, township, village_ids=[village.pk]),
        office=make_user(Role.TOWNSHIP_OFFICE, township),
        member_user=make_user(Role.MEMBER, township, member_id=member.pk),
    )
    return types.SimpleNamespace(township=township, setup=setup, member=member, other=other, users=users)


@pytest.fixture
def alpha(township_a, make_user, scoring_setup, in_township):
    return _people(township_a, make_user, scoring_setup, in_township, "阿")


@pytest.fixture
def beta(township_b, make_user, scoring_setup, in_township):
    return _people(township_b, make_user, scoring_setup, in_township, "贝")


def _entry(world, *, by=None, member=None, days_ago=0, occurred_days_ago=0, **kwargs) -> Entry:
    """A discipline entry (no evidence needed) recorded `days_ago` days ago."""
    user = by or world.users.clerk
    entry = ledger.entry_create(
        actor=user, access=access_for(user, world.township), member_id=(member or world.member).pk,
        rule_code="D01", occurred_on=township_today() - dt.timedelta(days=occurred_days_ago), points="-2",
        note="缺席组织生活", **kwargs,
    )
    Entry.objects.filter(pk=entry.pk).update(entered_at=timezone.now() - dt.timedelta(days=days_ago))
    return entry


def _review(world, user, entry, *, days_ago=0) -> None:
    ledger.entry_review(actor=user, access=access_for(user, world.township), entry_id=entry.pk, decision="approve")
    Review.objects.filter(entry=entry, reviewer_id=user.pk).update(decided_at=timezone.now() - dt.timedelta(days=days_ago))


def _reminded(kind, township):
    return sorted(Reminder.objects.filter(kind=kind, township=township).values_list("recipient_id", "period_key"))


def _zh(notification) -> tuple[str, str]:
    return render_message(event=notification.event, language="zh-hans", context=message_context(notification))


# --- review.waiting --------------------------------------------------------------------------------
def test_review_waiting_reminds_each_decider_once_a_day_with_their_counts(alpha, beta, in_township, township_a,
                                                                           township_b):
    u = alpha.users
    with in_township(township_a):
        waiting_branch = _entry(alpha, days_ago=4)                        # branch level, 4 days
        by_secretary = _entry(alpha, by=u.secretary, days_ago=5)         # not for the one who recorded it
        _entry(alpha, days_ago=1)                                        # branch level, only 1 day
        at_work_team = _entry(alpha, member=alpha.other, days_ago=9)
        _review(alpha, u.secretary, at_work_team, days_ago=4)            # work-team level since 4 days
        fresh_level = _entry(alpha, days_ago=9)
        _review(alpha, u.secretary2, fresh_level, days_ago=1)            # work-team level since 1 day
        late = _entry(alpha, days_ago=4, occurred_days_ago=20, late_reason="外出务工，回村后补录")
        _entry(alpha, days_ago=1, occurred_days_ago=20, late_reason="外出务工")  # late, only 1 day
        approved_late = _entry(alpha, days_ago=10, occurred_days_ago=30, late_reason="补录")
        approved_late = ledger.entry_late_decide(actor=u.office, access=access_for(u.office, township_a),
                                                 entry_id=approved_late.pk, decision="approve")  # level starts today
        assert (late.status, approved_late.current_level) == ("awaiting_late_approval", "branch")
        assert waiting_branch.current_level == by_secretary.current_level == "branch"
        today = township_today().isoformat()
    with in_township(township_b):
        _entry(beta, days_ago=4)
    before = Notification.objects.count()

    with in_township(township_a):
        assert remind_review_waiting.apply().get() == 3

    notifications = list(Notification.objects.filter(event="review.waiting").order_by("pk"))
    assert Notification.objects.count() == before + 3
    by_recipient = {r.recipient_id: r.notification for r in Reminder.objects.filter(kind="review.waiting")}
    assert sorted(by_recipient) == sorted([u.secretary.pk, u.secretary2.pk, u.work_team.pk, u.office.pk])
    assert _reminded("review.waiting", township_a) == sorted(
        (user.pk, today) for user in (u.secretary, u.secretary2, u.work_team, u.office))
    assert {n.township for n in notifications} == {township_a}
    assert by_recipient[u.secretary.pk].context == {"count": 1, "review_count": 1, "late_count": 0, "days": 3}
    assert by_recipient[u.work_team.pk] == by_recipient[u.secretary.pk]  # same counts, one notification
    assert by_recipient[u.secretary2.pk].context == {"count": 2, "review_count": 2, "late_count": 0, "days": 3}
    assert by_recipient[u.office.pk].context == {"count": 1, "review_count": 0, "late_count": 1, "days": 3}
    assert sorted(Delivery.objects.filter(notification__event="review.waiting", channel="in_app")
                  .values_list("recipient_id", flat=True)) == sorted([u.secretary.pk, u.secretary2.pk, u.work_team.pk,
                                                                      u.office.pk])
    assert not Delivery.objects.filter(notification__event="review.waiting",
                                       recipient__in=vars(beta.users).values()).exists()
    assert _zh(by_recipient[u.secretary2.pk]) == ("Alpha 镇：2 条积分记录待处理",
                                                 "有 2 条积分记录等待您审核已超过 3 天。请及时处理。")
    assert _zh(by_recipient[u.office.pk]) == ("Alpha 镇：1 条积分记录待处理",
                                             "有 1 条补录记录等待审批已超过 3 天。请及时处理。")

    # Running again the same day (directly and through the beat dispatcher) reminds nobody twice;
    # the dispatcher reaches beta, whose secretaries are reminded of beta's entry only.
    with in_township(township_a):
        assert remind_review_waiting.apply().get() == 0
    dispatch_to_townships.apply(args=("notifications.run_reminder", "review.waiting"))
    assert Notification.objects.filter(event="review.waiting", township=township_a).count() == 3
    assert Reminder.objects.filter(township=township_a).count() == 4
    assert _reminded("review.waiting", township_b) == sorted(
        (user.pk, today) for user in (beta.users.secretary, beta.users.secretary2))
    assert Notification.objects.get(township=township_b, event="review.waiting").context["count"] == 1


def test_review_waiting_the_next_day_is_a_new_period(alpha, in_township, township_a, set_clock):
    with in_township(township_a):
        _entry(alpha, days_ago=4)
    now = timezone.now()
    set_clock(now)
    with in_township(township_a):
        remind_review_waiting.apply().get()
    set_clock(now + dt.timedelta(days=1))
    with in_township(township_a):
        assert remind_review_waiting.apply().get() == 1
        assert remind_review_waiting.apply().get() == 0
    days = {timezone.localdate(now, township_a.time_zone_info()) + dt.timedelta(days=d) for d in (0, 1)}
    assert _reminded("review.waiting", township_a) == sorted(
        (user.pk, day.isoformat()) for user in (alpha.users.secretary, alpha.users.secretary2) for day in days)


def test_no_review_reminder_when_nothing_waited_long_enough(alpha, in_township, township_a, settings):
    settings.NOTIFY_REVIEW_WAITING_DAYS = 5
    with in_township(township_a):
        _entry(alpha, days_ago=4)
        _entry(alpha, days_ago=4, occurred_days_ago=20, late_reason="补录")
        posted = _entry(alpha, days_ago=9)
        for user in (alpha.users.secretary, alpha.users.work_team, alpha.users.liaison):
            _review(alpha, user, posted, days_ago=8)
        before = (Notification.objects.count(), Reminder.objects.count(), Delivery.objects.count())
        assert remind_review_waiting.apply().get() == 0
        assert Entry.objects.get(pk=posted.pk).status == "posted"
    assert (Notification.objects.count(), Reminder.objects.count(), Delivery.objects.count()) == before


# --- publication.opening -------------------------------------------------------------------------
def test_publication_opening_reminds_the_office_once_per_quarter(alpha, beta, in_township, township_a, township_b,
                                                                 set_clock, make_user):
    office2 = make_user(Role.TOWNSHIP_OFFICE, township_a)
    with in_township(township_a):
        periods.month_close(year=2026, month=9, now=dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI))
    with in_township(township_b):  # beta closed September and published the quarter
        periods.month_close(year=2026, month=9, now=dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI))
        periods.publication_open(actor=None, year=2026, quarter=3, now=dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI))
    before = Notification.objects.count()

    set_clock(dt.datetime(2026, 10, 2, 23, 0, tzinfo=SHANGHAI))  # 2 days after the quarter ended
    dispatch_to_townships.apply(args=("notifications.run_reminder", "publication.opening"))
    assert Notification.objects.count() == before

    set_clock(dt.datetime(2026, 10, 3, 9, 0, tzinfo=SHANGHAI))  # 3 days
    with in_township(township_a):
        first = remind_publication_opening.apply().get()
        assert remind_publication_opening.apply().get() == 0
    with in_township(township_b):
        assert remind_publication_opening.apply().get() == 0
    set_clock(dt.datetime(2026, 10, 20, 9, 0, tzinfo=SHANGHAI))  # later the same quarter: still once
    dispatch_to_townships.apply(args=("notifications.run_reminder", "publication.opening"))

    notification = Notification.objects.get(event="publication.opening")
    assert first == 1  # notifications written
    assert Notification.objects.count() == before + 1
    assert notification.township == township_a
    assert notification.context == {"month": "2026年第三季度", "last_month": "2026-09", "quarter_end": "2026-09-30",
                                    "days": 3}
    assert _reminded("publication.opening", township_a) == sorted(
        [(alpha.users.office.pk, "2026-Q3"), (office2.pk, "2026-Q3")])
    assert not Reminder.objects.filter(township=township_b).exists()
    assert _zh(notification) == (
        "Alpha 镇：2026年第三季度 积分尚未公示",
        "2026年第三季度 的最后一个月（2026-09）已结账，但季度结束（2026-09-30）已 3 天，积分仍未公示，请核对后尽快发布公示。",
    )


def test_no_publication_opening_reminder_when_not_closed_or_already_published(alpha, in_township, township_a,
                                                                               set_clock):
    set_clock(dt.datetime(2026, 10, 5, 9, 0, tzinfo=SHANGHAI))
    with in_township(township_a):
        periods.month_close(year=2026, month=8, now=dt.datetime(2026, 9, 1, 9, 0, tzinfo=SHANGHAI))
        assert remind_publication_opening.apply().get() == 0  # September not closed yet
        periods.month_close(year=2026, month=9, now=dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI))
        periods.publication_open(actor=None, year=2026, quarter=3, now=dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI))
        before = (Notification.objects.count(), Reminder.objects.count())
        assert remind_publication_opening.apply().get() == 0  # published
    assert (Notification.objects.count(), Reminder.objects.count()) == before
    assert not Notification.objects.filter(event="publication.opening").exists()


# --- publication.closing -------------------------------------------------------------------------
def test_publication_closing_reminds_secretaries_and_members_once_per_version(alpha, beta, in_township, township_a,
                                                                              township_b, set_clock):
    with in_township(township_a):
        periods.month_close(year=2026, month=9, now=dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI))
        publication = periods.publication_open(actor=None, year=2026, quarter=3,
                                               now=dt.datetime(2026, 10, 2, 9, 0, tzinfo=SHANGHAI))
    with in_township(township_b):  # beta's closes three days later
        periods.month_close(year=2026, month=9, now=dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI))
        periods.publication_open(actor=None, year=2026, quarter=3, now=dt.datetime(2026, 10, 5, 9, 0, tzinfo=SHANGHAI))
    assert timezone.localtime(publication.objections_close_at, SHANGHAI) == dt.datetime(
        2026, 10, 9, 23, 59, 59, tzinfo=SHANGHAI)
    before = Notification.objects.count()

    set_clock(dt.datetime(2026, 10, 7, 23, 30, tzinfo=SHANGHAI))  # closes the day after tomorrow
    dispatch_to_townships.apply(args=("notifications.run_reminder", "publication.closing"))
    assert Notification.objects.count() == before

    set_clock(dt.datetime(2026, 10, 8, 0, 30, tzinfo=SHANGHAI))  # closes tomorrow
    dispatch_to_townships.apply(args=("notifications.run_reminder", "publication.closing"))
    with in_township(township_a):
        assert remind_publication_closing.apply().get() == 0
    set_clock(dt.datetime(2026, 10, 9, 20, 0, tzinfo=SHANGHAI))  # closes today: same version, no more
    with in_township(township_a):
        assert remind_publication_closing.apply().get() == 0

    notification = Notification.objects.get(event="publication.closing")
    assert Notification.objects.count() == before + 1
    assert notification.township == township_a
    assert notification.context == {"month": "2026年第三季度", "closes_on": "2026-10-09",
                                    "publication_id": publication.pk, "version": 1}
    u = alpha.users
    assert _reminded("publication.closing", township_a) == sorted(
        (user.pk, f"pub-{publication.pk}") for user in (u.secretary, u.secretary2, u.other_secretary, u.member_user))
    assert sorted(Delivery.objects.filter(notification=notification, channel="in_app")
                  .values_list("recipient_id", flat=True)) == sorted(
        [u.secretary.pk, u.secretary2.pk, u.other_secretary.pk, u.member_user.pk])
    assert not Reminder.objects.filter(township=township_b).exists()
    assert _zh(notification) == ("Alpha 镇：2026年第三季度 公示即将截止",
                                 "2026年第三季度 的积分公示将于 2026-10-09 截止，如有异议请在此之前提出。")


def test_no_publication_closing_reminder_after_the_period_or_without_publication(alpha, in_township, township_a,
                                                                                 set_clock):
    set_clock(dt.datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI))
    with in_township(township_a):
        assert remind_publication_closing.apply().get() == 0  # nothing published
        periods.month_close(year=2026, month=9, now=dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI))
        periods.publication_open(actor=None, year=2026, quarter=3, now=dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI))
        before = (Notification.objects.count(), Reminder.objects.count())
        set_clock(dt.datetime(2026, 10, 9, 0, 0, 1, tzinfo=SHANGHAI))  # closed at 2026-10-08 23:59:59
        assert remind_publication_closing.apply().get() == 0
    assert (Notification.objects.count(), Reminder.objects.count()) == before
