"""Clerks, placements and the rotation limit (real PostgreSQL, two townships)."""
import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.access import access_for
from accounts.models import Role, RoleAssignment
from common.errors import DomainError
from staffing.clerks import selectors, services
from staffing.clerks.models import Clerk, Placement
from tests.factories import VillageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

D = dt.date
CST = dt.timezone(dt.timedelta(hours=8))


def _clerk(name="张三", **kw):
    return services.clerk_create(actor=None, name=name, gender="f", birth_date=D(1995, 1, 1),
                                 contract_start=D(2020, 1, 1), **kw)


def test_fourth_clerk_refused_and_gap_shown(township_a, in_township):
    with in_township(township_a):
        full, short = VillageFactory(), VillageFactory()
        services.village_required_set(actor=None, village=short, required=2)
        for i in range(3):
            services.placement_start(actor=None, clerk=_clerk(f"c{i}"), village=full, starts_on=D(2026, 1, 1))
        with pytest.raises(DomainError) as err:
            services.placement_start(actor=None, clerk=_clerk("第四"), village=full, starts_on=D(2026, 6, 1))
        assert err.value.message == services.VILLAGE_FULL
        services.placement_start(actor=None, clerk=_clerk("c9"), village=short, starts_on=D(2026, 1, 1))
        coverage = {c.village_id: c for c in selectors.village_coverage(day=D(2026, 11, 20))}
        assert (coverage[full.pk].serving, coverage[full.pk].gap) == (3, 0)
        assert (coverage[short.pk].required, coverage[short.pk].serving, coverage[short.pk].gap) == (2, 1, 1)


def test_limit_across_separate_periods_and_direct_sql(township_a, in_township):
    with in_township(township_a):
        village, other = VillageFactory(), VillageFactory()
        clerk = _clerk()
        services.placement_start(actor=None, clerk=clerk, village=village, starts_on=D(2019, 1, 1),
                                 ends_on=D(2020, 12, 31))  # 731 days
        services.placement_start(actor=None, clerk=clerk, village=other, starts_on=D(2021, 1, 1),
                                 ends_on=D(2021, 12, 31))
        # 365 more days in the first village: 1096 = the limit of 3 years, allowed
        services.placement_start(actor=None, clerk=clerk, village=village, starts_on=D(2022, 1, 1),
                                 ends_on=D(2022, 12, 31))
        with pytest.raises(DomainError) as err:
            services.placement_start(actor=None, clerk=clerk, village=village, starts_on=D(2024, 1, 1),
                                     ends_on=D(2024, 1, 2))
        assert err.value.message == services.PLACEMENT_PAST_LIMIT
        # A direct SQL write past the limit fails in the database (the trigger).
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO clerks_placement (clerk_id, village_id, starts_on, ends_on, created_at) "
                           "VALUES (%s, %s, '2025-01-01', '2025-01-05', now())", [clerk.pk, village.pk])
        # ... and so does lengthening an allowed placement with a direct UPDATE.
        first = Placement.objects.get(clerk=clerk, village=village, starts_on=D(2019, 1, 1))
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE clerks_placement SET ends_on = '2021-01-05' WHERE id = %s", [first.pk])
        assert Placement.objects.filter(clerk=clerk, village=village).count() == 2


def test_placement_scope_follows_dates_and_move_on_its_date(township_a, in_township, make_user, clock):
    user = make_user()
    clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=CST))
    with in_township(township_a):
        home, here, target, relative = (VillageFactory() for _ in range(4))
        clerk = _clerk(user_id=user.pk, home_village=home, relatives_village_ids=[relative.pk])
        # Started 2024-02-01, limit (1096 days) on 2027-02-01: within six months of 2026-11-20.
        services.placement_start(actor=None, clerk=clerk, village=here, starts_on=D(2024, 2, 1))
        assert access_for(user, township_a).village_ids == {here.pk}
        plan = services.rotation_plan_propose(actor=None)
        (move,) = plan.moves.all()
        assert move.to_village_id not in (home.pk, relative.pk, here.pk)
        assert move.to_village_id == target.pk
        assert move.moves_on == D(2027, 2, 1)
        with pytest.raises(DomainError):
            services.rotation_move_adjust(actor=None, move=move, to_village=relative)
        services.rotation_plan_confirm(actor=None, plan=plan)
        assert access_for(user, township_a).village_ids == {here.pk}  # not before its date
        clock.set(dt.datetime(2027, 2, 1, 0, 10, tzinfo=CST))
        assert services.placements_apply_due() == 1
        assert services.placements_apply_due() == 0  # idempotent
        assert access_for(user, township_a).village_ids == {target.pk}


def test_clerk_sees_only_own_records_and_not_other_township(township_a, township_b, in_township, make_user):
    me, other = make_user(), make_user()
    with in_township(township_a):
        village = VillageFactory()
        mine = _clerk("我", user_id=me.pk)
        theirs = _clerk("他", user_id=other.pk)
        for clerk in (mine, theirs):
            services.placement_start(actor=None, clerk=clerk, village=village, starts_on=D(2026, 1, 1))
        access = access_for(me, township_a)
        assert access.has_role(Role.CLERK)
        assert list(selectors.clerk_scope(access)) == [mine]
        assert set(selectors.placement_scope(access).values_list("clerk_id", flat=True)) == {mine.pk}
    with in_township(township_b):
        assert not access_for(me, township_b).can_enter_township
        assert Clerk.objects.count() == 0
    assert RoleAssignment.objects.filter(user=me, township=township_b).count() == 0


def test_rotation_reminders_six_and_one_month_once(township_a, in_township, make_user, clock):
    from notifications.models import Reminder
    from staffing.clerks.notices import remind_rotation_due

    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=CST))
    with in_township(township_a):
        clerk = _clerk()
        # limit on 2027-04-01 (1096 days from 2024-03-31): four months ahead, so the 6-month one only
        services.placement_start(actor=None, clerk=clerk, village=VillageFactory(), starts_on=D(2024, 3, 31))
    def remind():
        with in_township(township_a):
            return remind_rotation_due(township=township_a)

    assert len(remind()) == 1
    assert remind() == []  # idempotent
    clock.set(dt.datetime(2027, 3, 5, 10, 0, tzinfo=CST))
    assert len(remind()) == 1  # the 1-month one
    keys = sorted(Reminder.objects.filter(recipient=office, kind="clerk.rotation_due").values_list("period_key", flat=True))
    assert [k.rsplit("-", 1)[1] for k in keys] == ["1m", "6m"]


def test_county_limit_lower_applies_in_service_and_trigger(township_a, in_township):
    from staffing.county.services import staffing_policy_set

    staffing_policy_set(actor=None, max_years=2)
    with pytest.raises(DomainError):
        staffing_policy_set(actor=None, max_years=4)
    with in_township(township_a):
        village, clerk = VillageFactory(), _clerk()
        with pytest.raises(DomainError):  # 800 days > 2 years (731 days)
            services.placement_start(actor=None, clerk=clerk, village=village, starts_on=D(2020, 1, 1),
                                     ends_on=D(2022, 3, 10))
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO clerks_placement (clerk_id, village_id, starts_on, ends_on, created_at) "
                           "VALUES (%s, %s, '2020-01-01', '2022-03-10', now())", [clerk.pk, village.pk])


def test_daily_job_ends_a_placement_on_its_limit_day(township_a, in_township, make_user, clock):
    user = make_user()
    clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=CST))
    with in_township(township_a):
        village = VillageFactory()
        clerk = _clerk(user_id=user.pk)
        placement = services.placement_start(actor=None, clerk=clerk, village=village, starts_on=D(2023, 11, 1))
        assert services.last_allowed_day(placement) == D(2026, 10, 31)
        assert services.placements_apply_due() == 1  # ended on its limit day (the scope follows at once)
        placement.refresh_from_db()
        assert placement.ends_on == D(2026, 10, 31)
        assert services.placements_apply_due() == 0
    assert not access_for(user, township_a).has_role(Role.CLERK)


def test_beat_job_and_reminder_rule_are_registered():
    from common.schedule import BEAT
    from notifications.reminders import RULES

    assert BEAT["clerks-apply-placements"]["args"][0] == "clerks.apply_placements"
    assert "clerk.rotation_due" in RULES


def test_confirmed_swap_between_full_villages(township_a, in_township, clock):
    clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=CST))
    with in_township(township_a):
        east, west = VillageFactory(), VillageFactory()
        a, b = _clerk("甲"), _clerk("乙")
        services.placement_start(actor=None, clerk=a, village=east, starts_on=D(2024, 2, 1))
        services.placement_start(actor=None, clerk=b, village=west, starts_on=D(2024, 3, 1))
        plan = services.rotation_plan_propose(actor=None)
        assert {(m.clerk_id, m.to_village_id) for m in plan.moves.all()} == {(a.pk, west.pk), (b.pk, east.pk)}
        services.rotation_plan_confirm(actor=None, plan=plan)
        assert services.villages_serving_on(clerk_id=a.pk, day=D(2027, 3, 2)) == [west.pk]
        assert services.villages_serving_on(clerk_id=b.pk, day=D(2027, 3, 2)) == [east.pk]
        coverage = {c.village_id: c.serving for c in selectors.village_coverage(day=D(2027, 3, 2))}
        assert coverage == {east.pk: 1, west.pk: 1}
