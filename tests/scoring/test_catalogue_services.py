"""Catalogue services: county templates, adoption, localisation by version, base scores."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from audit.models import AuditEvent
from common.errors import Conflict, DomainError
from scoring.catalogue import selectors, services
from scoring.catalogue.models import Rule, ScoringYear
from scoring.county import services as county_services
from scoring.county.models import TemplateCatalogue, TemplateItem
from scoring.county.selectors import county_policy_get, template_localisations
from scoring.ledger.models import LedgerEntry
from tenants.organisation.models import Member
from tests.factories import MemberFactory
from tests.scoring.conftest import SCORING_ITEMS, scoring_template_ensure

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

YEAR = 2026
D = dt.date


# --- county templates ----------------------------------------------------------------------------
def test_item_evidence_defaults_to_required_for_additions_only():
    catalogue = county_services.template_catalogue_create(actor=None, year=2031, title="2031年度目录")
    addition = county_services.template_item_create(actor=None, catalogue=catalogue, code="A1", name="加分",
                                                    category="basic", points_min="1", points_max="3")
    deduction = county_services.template_item_create(actor=None, catalogue=catalogue, code="K1", name="扣分",
                                                     category="discipline", points_min="-5", points_max="-1")
    assert (addition.evidence_required, deduction.evidence_required) == (True, False)
    assert (addition.bound_min, addition.bound_max) == (Decimal("1"), Decimal("3"))


def test_bad_item_writes_nothing_and_says_why_in_chinese():
    catalogue = county_services.template_catalogue_create(actor=None, year=2031, title="2031年度目录")
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        county_services.template_item_create(actor=None, catalogue=catalogue, code="K1", name="扣分",
                                             category="discipline", points_min="-5", points_max="2")
    assert exc.value.field_errors["points_max"] == ["扣分项的分值不能为正数。"]
    with pytest.raises(DomainError) as exc:
        county_services.template_item_create(actor=None, catalogue=catalogue, code="X1", name="否决",
                                             category="veto", points_min="0", points_max="0")
    assert "veto_rating" in exc.value.field_errors
    assert TemplateItem.objects.filter(catalogue=catalogue).count() == 0
    assert AuditEvent.objects.count() == events


def test_copy_last_year_then_publish_freezes_the_template():
    source = scoring_template_ensure(year=YEAR)
    copy = county_services.template_catalogue_copy(actor=None, source=source, year=YEAR + 1)
    assert copy.title == f"{YEAR + 1}年度党员积分目录"
    assert copy.is_published is False
    assert list(copy.items.values_list("code", "points_min", "points_max", "bound_min", "bound_max")) == list(
        source.items.values_list("code", "points_min", "points_max", "bound_min", "bound_max"))
    with pytest.raises(Conflict):
        county_services.template_catalogue_copy(actor=None, source=source, year=YEAR + 1)
    item = copy.items.get(code="B01")
    county_services.template_item_update(actor=None, item=item, points_max="6")
    county_services.template_catalogue_publish(actor=None, catalogue=copy)
    with pytest.raises(Conflict):
        county_services.template_item_update(actor=None, item=item, points_max="7")
    item.refresh_from_db()
    assert item.points_max == Decimal("6")
    assert AuditEvent.objects.filter(action="template_catalogue.publish", object_id=str(copy.pk)).count() == 1


# --- adoption --------------------------------------------------------------------------------------
def test_adoption_creates_the_year_and_version_1_of_every_item(township_a, in_township):
    template = scoring_template_ensure(year=YEAR)
    with in_township(township_a):
        year = services.scoring_year_adopt(actor=None, year=YEAR)
        assert (year.starts_on, year.ends_on) == (D(2026, 1, 1), D(2026, 12, 31))
        assert (year.base_score, year.late_window_days, year.template_id) == (Decimal("60"), 7, template.pk)
        assert year.review_levels == ["branch", "work_team", "liaison"]
        assert year.review_weights == {"branch": "0.3", "work_team": "0.3", "liaison": "0.4"}
        rules = {r.code: r for r in Rule.objects.filter(scoring_year=year)}
        assert sorted(rules) == sorted(i["code"] for i in SCORING_ITEMS)
        b01 = rules["B01"]
        assert (b01.version, b01.effective_from, b01.effective_to, b01.is_active) == (1, D(2026, 1, 1), None, True)
        assert (b01.points_min, b01.points_max, b01.monthly_cap, b01.yearly_cap, b01.evidence_required) == (
            Decimal("1"), Decimal("5"), Decimal("10"), Decimal("60"), True)
        assert (rules["X01"].category, rules["X01"].veto_rating) == ("veto", "unqualified")
        assert rules["R01"].applies_to == "remote"
        assert AuditEvent.objects.filter(action="scoring_year.adopt").count() == 1
        with pytest.raises(Conflict):
            services.scoring_year_adopt(actor=None, year=YEAR)


def test_adoption_follows_the_county_start_month_and_base_score(township_a, in_township):
    county_services.county_policy_update(actor=None, year_start_month=3, default_base_score=Decimal("100"),
                                         late_window_days=5)
    scoring_template_ensure(year=YEAR)
    with in_township(township_a):
        year = services.scoring_year_adopt(actor=None, year=YEAR, review_levels=["liaison", "branch"],
                                           review_weights={"branch": "0.4", "liaison": "0.6"})
        assert (year.starts_on, year.ends_on) == (D(2026, 3, 1), D(2027, 2, 28))
        assert (year.base_score, year.late_window_days) == (Decimal("100.00"), 5)
        assert year.review_levels == ["branch", "liaison"]
        assert selectors.scoring_year_for(on=D(2027, 2, 28)).year == YEAR
        with pytest.raises(DomainError, match="尚未采用"):
            selectors.scoring_year_for(on=D(2026, 2, 28))


@pytest.mark.parametrize(("levels", "weights"), [
    (["branch", "work_team"], {"branch": "0.5", "work_team": "0.6"}),
    (["branch", "county"], {"branch": "0.5", "county": "0.5"}),
    ([], {}),
])
def test_adoption_with_bad_review_path_writes_nothing(township_a, in_township, levels, weights):
    scoring_template_ensure(year=YEAR)
    with in_township(township_a):
        with pytest.raises(DomainError):
            services.scoring_year_adopt(actor=None, year=YEAR, review_levels=levels, review_weights=weights)
        assert (ScoringYear.objects.count(), Rule.objects.count(), AuditEvent.objects.count()) == (0, 0, 0)


def test_adoption_needs_a_published_template(township_a, in_township):
    county_services.template_catalogue_create(actor=None, year=YEAR, title="草稿")
    with in_township(township_a):
        with pytest.raises(DomainError) as exc:
            services.scoring_year_adopt(actor=None, year=YEAR)
        assert str(exc.value.message) == "县里尚未发布 2026 积分年度的模板目录。"
        assert ScoringYear.objects.count() == 0


# --- localisation ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("change", "field"), [
    ({"points_max": "9"}, "points_max"),          # above bound_max 8
    ({"points_min": "-1"}, "points_min"),         # below bound_min 0
    ({"monthly_cap": "12"}, "monthly_cap"),       # above the county's cap 10
    ({"evidence_required": False}, "evidence_required"),
    ({"is_active": False}, "is_active"),          # B01 may not be left out
])
def test_localisation_outside_bounds_writes_nothing(township_a, in_township, scoring_setup, change, field):
    setup = scoring_setup(township_a, year=YEAR)
    with in_township(township_a):
        events = AuditEvent.objects.count()
        with pytest.raises(DomainError) as exc:
            services.rule_localise(actor=None, scoring_year=setup.year, code="B01", effective_from=D(2026, 12, 1),
                                   today=D(2026, 11, 24), **change)
        assert field in exc.value.field_errors
        assert list(Rule.objects.filter(code="B01").values_list("version", "effective_to", "points_max")) == [
            (1, None, Decimal("5.00"))]
        assert AuditEvent.objects.count() == events
    if field == "points_max":
        assert str(exc.value.message) == "分值必须在县里规定的范围 0.00 至 8.00 之内。"


def test_new_version_applies_from_its_date_and_the_old_one_stays_for_earlier_dates(
        township_a, in_township, scoring_setup):
    setup = scoring_setup(township_a, year=YEAR)
    with in_township(township_a):
        v2 = services.rule_localise(actor=None, scoring_year=setup.year, code="B01", effective_from=D(2026, 12, 1),
                                    points_min="2", points_max="8", monthly_cap="8", today=D(2026, 11, 24))
        assert (v2.version, v2.effective_from, v2.effective_to) == (2, D(2026, 12, 1), None)
        v1 = selectors.rule_in_force(code="B01", on=D(2026, 11, 30))
        assert (v1.pk, v1.version, v1.points_max, v1.effective_to) == (
            setup.rules["B01"].pk, 1, Decimal("5.00"), D(2026, 11, 30))
        assert selectors.rule_in_force(code="B01", on=D(2026, 12, 1)).pk == v2.pk
        assert selectors.rule_in_force(code="B01", on=D(2026, 12, 31)).points_max == Decimal("8.00")
        assert selectors.rule_in_force(code="B01", on=D(2026, 1, 1)).version == 1
        # A change may not start in the past, nor on or before the latest version's start.
        with pytest.raises(DomainError, match="不能早于今天"):
            services.rule_localise(actor=None, scoring_year=setup.year, code="D01", effective_from=D(2026, 11, 1),
                                   points_min="-8", today=D(2026, 11, 24))
        with pytest.raises(DomainError):
            services.rule_localise(actor=None, scoring_year=setup.year, code="B01", effective_from=D(2026, 12, 1),
                                   points_max="7", today=D(2026, 11, 24))
        assert Rule.objects.filter(code__in=["B01", "D01"]).count() == 3
        assert AuditEvent.objects.filter(action="rule.localise").count() == 1


def test_leaving_out_an_item_the_county_allows(township_a, in_township, scoring_setup):
    setup = scoring_setup(township_a, year=YEAR)
    with in_township(township_a):
        services.rule_localise(actor=None, scoring_year=setup.year, code="V01", effective_from=D(2026, 12, 1),
                               is_active=False, today=D(2026, 11, 24))
        member = MemberFactory()
        before = {r.code for r in selectors.rules_in_force(on=D(2026, 11, 30), member=member)}
        after = {r.code for r in selectors.rules_in_force(on=D(2026, 12, 1), member=member)}
        assert before == {"B01", "V01", "D01", "X01"}
        assert after == {"B01", "D01", "X01"}


def test_rules_in_force_follow_applies_to(township_a, in_township, scoring_setup):
    scoring_setup(township_a, year=YEAR)
    with in_township(township_a):
        on = D(2026, 6, 1)
        resident = MemberFactory()
        migrant = MemberFactory(is_migrant=True, migrant_location="上海")
        seaman = MemberFactory(is_special_occupation=True, special_occupation="海员")
        elderly = MemberFactory(is_elderly=True)
        codes = {m: sorted(r.code for r in selectors.rules_in_force(on=on, member=m))
                 for m in (resident, migrant, seaman, elderly)}
        common = ["B01", "D01", "V01", "X01"]
        assert codes[resident] == common
        assert codes[migrant] == sorted([*common, "R01"])
        assert codes[seaman] == sorted([*common, "R01"])
        assert codes[elderly] == sorted([*common, "E01"])
        assert selectors.rules_in_force(on=on).count() == 6
        assert selectors.rules_in_force(on=D(2027, 1, 1)).count() == 0
        assert selectors.applies_to_values(migrant) == ["all", "migrant", "remote"]


# --- base score ------------------------------------------------------------------------------------
def test_base_score_is_granted_once_however_often_it_runs(township_a, in_township, scoring_setup):
    setup = scoring_setup(township_a, year=YEAR, base_score="100")
    with in_township(township_a):
        active = [MemberFactory(), MemberFactory()]
        MemberFactory(status="transferred_out")
        MemberFactory(status="deceased")
        # On the roster since before the year began: the base score is dated on the year's first day.
        Member.objects.filter(pk=active[0].pk).update(created_at=dt.datetime(2025, 12, 1, tzinfo=dt.UTC))
        Member.objects.filter(pk=active[1].pk).update(created_at=dt.datetime(2026, 5, 3, 4, tzinfo=dt.UTC))
        counts = [services.base_scores_grant(scoring_year=YEAR, today=D(2026, 11, 24)) for _ in range(3)]
        assert counts == [2, 0, 0]
        rows = LedgerEntry.objects.filter(kind="base")
        assert sorted(rows.values_list("member_id", flat=True)) == sorted(m.pk for m in active)
        assert set(rows.values_list("points", "scoring_year")) == {(Decimal("100.00"), YEAR)}
        # Added to the roster during the year: dated the day they were added (township time).
        assert dict(rows.values_list("member_id", "occurred_on")) == {
            active[0].pk: setup.year.starts_on, active[1].pk: D(2026, 5, 3)}
        assert AuditEvent.objects.filter(action="base_score.grant").count() == 1
        # A member who joins mid-year gets the full base score at the next run, once.
        newcomer = MemberFactory()
        Member.objects.filter(pk=newcomer.pk).update(created_at=dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC))
        assert services.base_scores_grant(scoring_year=YEAR, today=D(2026, 11, 25)) == 1
        assert services.base_scores_grant(scoring_year=YEAR, today=D(2026, 11, 26)) == 0
        assert LedgerEntry.objects.get(kind="base", member=newcomer).points == Decimal("100.00")
        assert LedgerEntry.objects.filter(kind="base").count() == 3


def test_base_score_before_the_year_starts_posts_nothing(township_a, in_township, scoring_setup):
    scoring_setup(township_a, year=YEAR)
    with in_township(township_a):
        MemberFactory()
        assert services.base_scores_grant(scoring_year=YEAR, today=D(2025, 12, 31)) == 0
        assert LedgerEntry.objects.count() == 0
        with pytest.raises(DomainError):
            services.base_scores_grant(scoring_year=2030, today=D(2030, 6, 1))


def test_base_score_beat_job_reaches_each_ready_township_once_per_member(
        township_a, township_b, in_township, scoring_setup):
    from common.tasks import dispatch_to_townships

    setup = scoring_setup(township_a)  # beta has not adopted: skipped
    with in_township(township_a):
        alpha_members = {MemberFactory().pk, MemberFactory().pk}
    with in_township(township_b):
        MemberFactory()
    for _ in range(3):
        dispatch_to_townships("scoring.base_scores_grant")
    with in_township(township_a):
        assert sorted(LedgerEntry.objects.filter(kind="base").values_list("member_id", "scoring_year")) == sorted(
            (pk, setup.year.year) for pk in alpha_members)
    with in_township(township_b):
        assert LedgerEntry.objects.count() == 0
    assert connection.schema_name == "public"


# --- the county's view of localisations -----------------------------------------------------------
def test_county_sees_each_townships_own_differences(township_a, township_b, in_township, scoring_setup):
    a = scoring_setup(township_a, year=YEAR)
    b = scoring_setup(township_b, year=YEAR)
    with in_township(township_a):
        services.rule_localise(actor=None, scoring_year=a.year, code="B01", effective_from=D(2026, 12, 1),
                               points_max="8", today=D(2026, 11, 24))
    with in_township(township_b):
        services.rule_localise(actor=None, scoring_year=b.year, code="D01", effective_from=D(2026, 12, 1),
                               evidence_required=True, today=D(2026, 11, 24))
    rows = {row.township.code: row for row in template_localisations(catalogue=a.template)}
    alpha, beta = rows["alpha"], rows["beta"]
    assert [(d.code, d.version, [(f.field, f.template, f.township) for f in d.fields]) for d in alpha.diffs] == [
        ("B01", 2, [("points_max", Decimal("5.00"), Decimal("8.00"))])]
    assert [(d.code, [(f.field, f.template, f.township) for f in d.fields]) for d in beta.diffs] == [
        ("D01", [("evidence_required", False, True)])]
    assert connection.schema_name == "public"
    assert TemplateCatalogue.objects.filter(pk=a.template.pk).exists()
    assert county_policy_get().pk == 1
