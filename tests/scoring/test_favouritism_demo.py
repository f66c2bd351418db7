"""The demo's favouritism scenario: a flagged scorer with reasons and one dismissed flag, built
through the services in a township without closed months; idempotent."""
import datetime as dt

import pytest

from accounts.models import Role, User
from common import clock
from common.demo import DemoContext
from scoring.favouritism.demo import DISMISS_NOTE, scenario_build
from scoring.favouritism.models import Signal
from scoring.ledger.models import Entry, LedgerEntry
from scoring.periods.calendar import last_ended_month
from scoring.periods.models import MonthClose
from tests.factories import BranchFactory, MemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def test_demo_scenario_flags_a_scorer_and_dismisses_one_flag(township_a, township_b, in_township, make_user,
                                                               settings, tmp_path):
    from scoring.catalogue.services import scoring_year_adopt
    from scoring.demo import county_catalogue_ensure

    settings.MEDIA_ROOT = str(tmp_path)
    county = make_user(Role.COUNTY_ADMIN)
    office = make_user(Role.TOWNSHIP_OFFICE, township_b)
    year, month = last_ended_month(clock.today(township_b))
    with clock.History() as history:
        template = county_catalogue_ensure(actor=county, year=year, history=history, count=lambda *args: None)
    with in_township(township_b):
        scoring_year_adopt(actor=None, year=year, template_id=template.pk)
        branch = BranchFactory(name="新安村党支部")
        for _ in range(8):
            MemberFactory(branch=branch, joined_on=dt.date(2000, 7, 1))
    ctx = DemoContext(county_admin=county, townships=[(township_a, None), (township_b, office)])
    scenario_build(ctx, township_b, office)
    scorer = User.objects.get(username="scorer2")
    with in_township(township_b):
        assert list(MonthClose.objects.values_list("year", "month")) == [(year, month)]
        assert Entry.objects.filter(entered_by_id=scorer.pk, status="posted", is_late=True).count() == 8
        assert LedgerEntry.objects.filter(kind="adjustment", booked_year=year, booked_month=month).count() == 8
        flagged = {s.kind: s for s in Signal.objects.filter(subject="scorer", scorer_id=scorer.pk)}
        assert set(flagged) == {"late", "rush"}
        assert all(s.status == "open" for s in flagged.values())
        assert flagged["late"].reason == "8 条记录中有 8 条为补录（100%）；阈值 30%，同类中位数 —。"
        assert flagged["rush"].reason.startswith("8 条加分中有 8 条在月结账或季度公示前最后 3 天内集中录入（100%）")
        dismissed = Signal.objects.get(status="dismissed")
        assert (dismissed.subject, dismissed.kind, dismissed.branch_id, dismissed.decision_note,
                dismissed.decided_by_id) == ("branch", "late", branch.pk, DISMISS_NOTE, office.pk)
        counts = (Entry.objects.count(), Signal.objects.count())
    scenario_build(ctx, township_b, office)  # a second run writes nothing
    with in_township(township_b):
        assert (Entry.objects.count(), Signal.objects.count()) == counts
    assert ("scorer2", "党建专职", township_b.name) in ctx.logins
    assert scorer.must_change_password is False  # the demo's well-known accounts log in directly
