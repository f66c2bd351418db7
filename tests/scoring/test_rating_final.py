"""The annual rating that means something: it refuses before the year is over and closed (and says
what is missing), produces commendations and disposal proposals with their documents, is
finalised (locked in the database) and is corrected afterwards only by recorded amendments."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.access import access_for
from accounts.models import Role
from audit.models import AuditEvent
from common import clock as product_clock
from common.errors import Conflict, DomainError, NotFound
from scoring.ledger.posting import Posting, ledger_post
from scoring.periods import selectors, services
from scoring.periods.models import AnnualRating, RatingAmendment, RatingOutcome, RatingYear
from tests.factories import BranchFactory, MemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]
D = Decimal


def _post(member, points, on, year, kind="adjustment", rule=None):
    with transaction.atomic():
        ledger_post(postings=[Posting(kind=kind, member_id=member.pk, points=D(points), occurred_on=on,
                                      scoring_year=year, rule_id=rule.pk if rule else None)], actor_id=None)


@pytest.fixture
def past_year(township_a, in_township, scoring_setup, make_user):
    """The last calendar year that has ended at the pinned moment, adopted in township A, with four
    members: m1 95 (excellent), m2 70, m3 40 (unqualified), m4 vetoed; nothing closed yet."""
    year = product_clock.today().year - 1
    setup = scoring_setup(township_a, year=year)
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    with in_township(township_a):
        branch = BranchFactory(name="甲支部")
        m1, m2, m3, m4 = (MemberFactory(branch=branch, name=n) for n in ("张一", "李二", "王三", "赵四"))
        for member, points in ((m1, "95"), (m2, "70"), (m3, "40"), (m4, "80")):
            _post(member, points, dt.date(year, 3, 5), year)
        _post(m4, "0", dt.date(year, 6, 1), year, rule=setup.rules["X01"])
    connection.set_schema_to_public()
    return type("P", (), {"year": year, "setup": setup, "office": office, "branch": branch,
                          "m1": m1, "m2": m2, "m3": m3, "m4": m4,
                          "access": access_for(office, township_a)})


def _close_year(year: int) -> None:
    for month in range(1, 13):
        services.month_close(year=year, month=month)


def _appraise_all(p, result="qualified"):
    for member in (p.m1, p.m2, p.m3, p.m4):
        services.appraisal_record(actor=p.office, access=p.access, year=p.year, half=2, member_id=member.pk,
                                  result="excellent" if member == p.m1 else result)


def test_rating_refuses_before_the_year_is_over_and_lists_what_is_missing(township_a, in_township, past_year,
                                                                         scoring_setup):
    p = past_year
    current = product_clock.today().year
    scoring_setup(township_a, year=current)
    with in_township(township_a):
        before = (AnnualRating.objects.count(), RatingYear.objects.count(), AuditEvent.objects.count())
        # The current year is not over: refused even with an override reason.
        with pytest.raises(DomainError) as error:
            services.annual_rating_run(actor=p.office, scoring_year=current, override_reason="年底了")
        message = str(error.value.message)
        assert str(services.RATING_YEAR_NOT_OVER % {"date": f"{current}-12-31"}) in message
        assert f"{current}-01" in message
        assert f"{current}-12" in message
        # The past year is over but no month is closed and nobody is appraised.
        with pytest.raises(DomainError) as error:
            services.annual_rating_run(actor=p.office, scoring_year=p.year)
        readiness = selectors.annual_rating_readiness(scoring_year=p.year, today=product_clock.today())
        assert readiness.open_months == [f"{p.year}-{m:02d}" for m in range(1, 13)]
        assert [name for _pk, name in readiness.missing_appraisals] == ["张一", "李二", "王三", "赵四"]
        assert str(error.value.message) == str(services.RATING_NOT_READY % {
            "year": p.year, "missing": "; ".join(services.rating_missing_text(readiness))})
        assert str(services.RATING_MONTHS_OPEN % {"months": ", ".join(readiness.open_months)}) \
            in str(error.value.message)
        # Months closed but three members still without an appraisal: refused, naming them.
        _close_year(p.year)
        services.appraisal_record(actor=p.office, access=p.access, year=p.year, half=2, member_id=p.m1.pk,
                                  result="excellent")
        after_closes = (AnnualRating.objects.count(), RatingYear.objects.count())
        with pytest.raises(DomainError) as error:
            services.annual_rating_run(actor=p.office, scoring_year=p.year)
        assert "李二、王三、赵四" in str(error.value.message)
        assert str(services.RATING_OVERRIDE_HINT) in str(error.value.message)
        assert (AnnualRating.objects.count(), RatingYear.objects.count()) == after_closes == before[:2]
        assert not AuditEvent.objects.filter(action="annual_rating.run").exists()
        # The office overrides with a recorded reason: it runs, and the override is kept and audited.
        assert services.annual_rating_run(actor=p.office, scoring_year=p.year,
                                          override_reason="三名党员常年在外，无法参加评议") == 4
        state = RatingYear.objects.get(year=p.year)
        assert state.override_reason == "三名党员常年在外，无法参加评议"
        assert state.override_missing == services.rating_missing_text(
            selectors.annual_rating_readiness(scoring_year=p.year, today=product_clock.today()))
        event = AuditEvent.objects.get(action="annual_rating.run")
        assert event.after["override_reason"] == state.override_reason
        assert event.after["missing"] == state.override_missing


def test_finalised_rating_changes_only_by_recorded_amendment(township_a, in_township, past_year):
    p = past_year
    with in_township(township_a):
        _close_year(p.year)
        _appraise_all(p)
        with pytest.raises(DomainError):  # nothing missing: an override reason is refused
            services.annual_rating_run(actor=p.office, scoring_year=p.year, override_reason="不需要")
        assert services.annual_rating_run(actor=p.office, scoring_year=p.year) == 4
        ratings = dict(AnnualRating.objects.values_list("member_id", "rating"))
        assert ratings == {p.m1.pk: "excellent", p.m2.pk: "qualified", p.m3.pk: "unqualified",
                           p.m4.pk: "unqualified"}
        outcomes = {o.member_id: (o.kind, o.measure) for o in RatingOutcome.objects.all()}
        assert outcomes == {p.m1.pk: ("commendation", "commend"), p.m3.pk: ("sanction", "correct"),
                            p.m4.pk: ("sanction", "correct")}
        assert selectors.annual_rating_final(p.year) == {}  # not final yet
        # Finalising needs every document.
        with pytest.raises(DomainError) as error:
            services.annual_rating_finalise(actor=p.office, access=p.access, scoring_year=p.year)
        assert str(error.value.message) == str(services.RATING_UNDECIDED % {"count": 3})
        today = product_clock.today()
        with pytest.raises(DomainError):  # a commendation cannot be a removal
            services.rating_outcome_decide(actor=p.office, access=p.access,
                                           outcome_id=RatingOutcome.objects.get(member=p.m1).pk, measure="remove",
                                           document_number="X", decided_on=today, decided_by="镇党委")
        for number, member, measure in ((1, p.m1, "commend"), (2, p.m3, "correct"), (3, p.m4, "persuade")):
            services.rating_outcome_decide(actor=p.office, access=p.access,
                                           outcome_id=RatingOutcome.objects.get(member=member).pk, measure=measure,
                                           document_number=f"镇党发〔{p.year}〕{number}号", decided_on=today,
                                           decided_by="镇党委")
        state = services.annual_rating_finalise(actor=p.office, access=p.access, scoring_year=p.year)
        assert state.finalised_at is not None
        assert AnnualRating.objects.filter(finalised_at__isnull=True).count() == 0
        # Re-running, finalising again and changing a document are refused.
        with pytest.raises(Conflict):
            services.annual_rating_run(actor=p.office, scoring_year=p.year)
        with pytest.raises(Conflict):
            services.annual_rating_finalise(actor=p.office, access=p.access, scoring_year=p.year)
        with pytest.raises(Conflict):
            services.rating_outcome_decide(actor=p.office, access=p.access,
                                           outcome_id=RatingOutcome.objects.get(member=p.m3).pk, measure="remove",
                                           document_number="Y", decided_on=today, decided_by="镇党委")
        # The database refuses a direct change too.
        for sql in ("UPDATE periods_annualrating SET rating = 'excellent' WHERE member_id = %s",
                    "DELETE FROM periods_annualrating WHERE member_id = %s",
                    "UPDATE periods_ratingoutcome SET measure = 'remove' WHERE member_id = %s",
                    "UPDATE periods_ratingyear SET finalised_at = NULL WHERE %s > 0"):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [p.m3.pk])
        assert AnnualRating.objects.get(member=p.m3).rating == "unqualified"
        # A correction is a recorded amendment; the effective rating shows it.
        with pytest.raises(DomainError):
            services.annual_rating_amend(actor=p.office, access=p.access, scoring_year=p.year, member_id=p.m2.pk,
                                         rating="qualified", reason="无变化", document_number="Z", decided_on=today)
        amendment = services.annual_rating_amend(
            actor=p.office, access=p.access, scoring_year=p.year, member_id=p.m3.pk, rating="basic",
            reason="复核发现漏记两次志愿服务", document_number=f"镇党发〔{p.year}〕9号", decided_on=today)
        assert (amendment.before, amendment.after, amendment.actor_id) == ("unqualified", "basic", p.office.pk)
        with CaptureQueriesContext(connection) as queries:
            final = selectors.annual_rating_final(p.year)
        assert len([q for q in queries.captured_queries if "search_path" not in q["sql"]]) == 2
        assert {m: (r.rating, r.original, r.amended) for m, r in final.items()} == {
            p.m1.pk: ("excellent", "excellent", False), p.m2.pk: ("qualified", "qualified", False),
            p.m3.pk: ("basic", "unqualified", True), p.m4.pk: ("unqualified", "unqualified", False)}
        second = services.annual_rating_amend(
            actor=p.office, access=p.access, scoring_year=p.year, member_id=p.m3.pk, rating="qualified",
            reason="县委组织部复核", document_number=f"县组发〔{p.year}〕2号", decided_on=today)
        assert second.before == "basic"
        assert selectors.annual_rating_final(p.year)[p.m3.pk].rating == "qualified"
        assert AnnualRating.objects.get(member=p.m3).rating == "unqualified"  # the original stays
        assert AuditEvent.objects.filter(action="annual_rating.amend").count() == 2
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE periods_ratingamendment SET after = 'excellent' WHERE id = %s", [second.pk])
        assert RatingAmendment.objects.get(pk=second.pk).after == "qualified"


def test_member_sees_final_rating_and_amendment_and_other_township_sees_nothing(
        client, township_a, township_b, in_township, past_year, make_user):
    p = past_year
    with in_township(township_a):
        _close_year(p.year)
        _appraise_all(p)
        services.annual_rating_run(actor=p.office, scoring_year=p.year)
        today = product_clock.today()
        for outcome in RatingOutcome.objects.all():
            services.rating_outcome_decide(actor=p.office, access=p.access, outcome_id=outcome.pk,
                                           measure=outcome.measure, document_number=f"镇党发〔{p.year}〕{outcome.pk}号",
                                           decided_on=today, decided_by="镇党委")
        services.annual_rating_finalise(actor=p.office, access=p.access, scoring_year=p.year)
        services.annual_rating_amend(actor=p.office, access=p.access, scoring_year=p.year, member_id=p.m3.pk,
                                     rating="basic", reason="复核更正", document_number="镇党发〔更〕1号",
                                     decided_on=today)
        outcome_id = RatingOutcome.objects.get(member=p.m1).pk
    connection.set_schema_to_public()
    member_user = make_user(Role.MEMBER, township_a, member_id=p.m3.pk)
    client.force_login(member_user)
    page = client.get(f"/t/alpha/scoring/members/{p.m3.pk}/card/").content.decode()
    connection.set_schema_to_public()
    assert 'id="card-ratings"' in page
    assert "复核更正" in page
    assert "镇党发〔更〕1号" in page
    card = client.get(f"/t/alpha/api/v1/scoring/members/{p.m3.pk}/card/?year={p.year}").json()
    connection.set_schema_to_public()
    [final] = card["final_ratings"]
    assert (final["year"], final["rating"], final["original"]) == (p.year, "basic", "unqualified")
    assert [(a["before"], a["after"], a["reason"]) for a in final["amendments"]] == [("unqualified", "basic", "复核更正")]
    # Township B's office: no ratings, outcomes unknown (404), nothing of A's visible.
    other = make_user(Role.TOWNSHIP_OFFICE, township_b)
    client.force_login(other)
    response = client.get(f"/t/beta/api/v1/scoring/periods/ratings/?year={p.year}")
    connection.set_schema_to_public()
    assert response.status_code == 200
    assert response.json() == []
    response = client.post(f"/t/beta/api/v1/scoring/periods/ratings/outcomes/{outcome_id}/",
                           {"measure": "commend", "document_number": "1", "decided_on": today.isoformat(),
                            "decided_by": "x"}, content_type="application/json")
    connection.set_schema_to_public()
    assert response.status_code == 404
    with in_township(township_b), pytest.raises(NotFound):
        services.rating_outcome_decide(actor=other, access=access_for(other, township_b), outcome_id=outcome_id,
                                       measure="commend", document_number="1", decided_on=today, decided_by="x")
    # Township A's office sees the amended rating over the API.
    client.force_login(p.office)
    rows = client.get(f"/t/alpha/api/v1/scoring/periods/ratings/?year={p.year}").json()
    connection.set_schema_to_public()
    row = next(r for r in rows if r["member"] == p.m3.pk)
    assert (row["rating"], row["effective_rating"], len(row["amendments"])) == ("unqualified", "basic", 1)
    assert row["finalised_at"] is not None
