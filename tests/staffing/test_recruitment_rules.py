"""Recruitment: pure ranking and eligibility rules (no database)."""
import datetime as dt
from decimal import Decimal as Dec

from staffing.recruitment import ranking
from staffing.recruitment.models import Round
from staffing.recruitment.services import eligibility_refusal


def test_weighted_total_rounds_half_up_to_cents():
    assert ranking.weighted_total(Dec("85"), Dec("90"), Dec("0.6"), Dec("0.4")) == Dec("87.00")
    assert ranking.weighted_total(Dec("80.05"), Dec("0"), Dec("0.5"), Dec("0.5")) == Dec("40.03")  # 40.025 -> up
    # weights need not add up to one: they are normalised
    assert ranking.weighted_total(Dec("60"), Dec("90"), Dec("1"), Dec("2")) == Dec("80.00")


def test_rank_follows_the_weights():
    people = [ranking.Scored(1, Dec("95"), Dec("60")), ranking.Scored(2, Dec("70"), Dec("95"))]
    by_written = ranking.rank(people, Dec("0.8"), Dec("0.2"))
    by_interview = ranking.rank(people, Dec("0.2"), Dec("0.8"))
    assert [(k, r) for k, _t, r in by_written] == [(1, 1), (2, 2)]
    assert [(k, r) for k, _t, r in by_interview] == [(2, 1), (1, 2)]
    assert by_written[0][1] == Dec("88.00")  # 0.8*95 + 0.2*60


def test_rank_ties_broken_by_written_then_shared():
    people = [ranking.Scored(1, Dec("80"), Dec("80")), ranking.Scored(2, Dec("90"), Dec("70")),
              ranking.Scored(3, Dec("80"), Dec("80")), ranking.Scored(4, Dec("50"), Dec("50"))]
    ranked = ranking.rank(people, Dec("0.5"), Dec("0.5"))
    assert [(k, r) for k, _t, r in ranked] == [(2, 1), (1, 2), (3, 2), (4, 4)]


def test_eligibility_reasons():
    r = Round(min_education="technical", min_age=18, max_age=35, county_residence_required=True,
              office_skills_required=True)
    today = dt.date(2026, 11, 20)
    ok = {"birth_date": dt.date(1995, 1, 1), "education": "college", "county_resident": True, "office_skills": True}
    assert eligibility_refusal(r, today=today, **ok) is None
    # the reasons in the product's default language, Simplified Chinese
    assert eligibility_refusal(r, today=today, **{**ok, "education": "senior"}) == "不符合报名条件：学历须为中专及以上。"
    assert eligibility_refusal(r, today=today, **{**ok, "birth_date": dt.date(1990, 11, 19)}) == (
        "不符合报名条件：年龄须在 18 至 35 周岁之间。")  # 36
    assert eligibility_refusal(r, today=today, **{**ok, "birth_date": dt.date(1990, 11, 21)}) is None  # 35
    assert "户籍须在本县" in eligibility_refusal(r, today=today, **{**ok, "county_resident": False})
    assert "办公软件" in eligibility_refusal(r, today=today, **{**ok, "office_skills": False})
