"""Writes of recruitment: open a round, take a public application (refused with the reason when
ineligible), enter scores, publish the ranking, offer posts to the top candidates, and on acceptance
make the applicant a clerk (a user account with an initial password, the clerk role through a
placement, and a `staffing.clerks` Clerk). Every write is audited and runs in one transaction."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from accounts.services import user_create
from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, full_clean_or_raise
from scoring.ledger.evidence import evidence_check
from staffing.clerks import services as clerk_services
from staffing.recruitment import ranking
from staffing.recruitment.models import EDUCATION_ORDER, Application, Document, Education, Round
from tenants.organisation.models import Village

NOT_OPEN = _("This recruitment round is not taking applications now.")
TOO_LITTLE_EDUCATION = _("Not eligible: the education required is at least %(level)s.")
AGE_OUTSIDE = _("Not eligible: applicants must be between %(low)s and %(high)s years old.")
NOT_RESIDENT = _("Not eligible: the household registration must be in this county.")
NO_OFFICE_SKILLS = _("Not eligible: the post requires office software skills.")
ALREADY_APPLIED = _("An application with this phone number has already been made in this round.")
DOCUMENTS_REQUIRED = _("Attach at least one document (ID card, diploma).")
SCORES_MISSING = _("Enter the written-test and interview scores of every applicant first.")
ROUND_NOT_OPEN = _("The ranking of this round has already been published.")
ROUND_NOT_PUBLISHED = _("Publish the ranking first.")
NOT_OFFERED = _("Only an applicant offered a post can accept it.")
VILLAGE_NOT_IN_ROUND = _("This village is not one of the round's posts.")
WEIGHTS_ZERO = _("The weights cannot both be zero.")
ROUND_FIELDS = ["title", "posts", "min_education", "min_age", "max_age", "county_residence_required",
                "office_skills_required", "applications_open", "applications_close", "test_on", "interview_on",
                "publish_on", "written_weight", "interview_weight", "status"]


@transaction.atomic
def round_open(*, actor, title: str, posts: int, village_ids: list[int], applications_open: dt.date,
               applications_close: dt.date, test_on: dt.date, interview_on: dt.date, publish_on: dt.date,
               min_education: str = Education.TECHNICAL, min_age: int = 18, max_age: int = 35,
               county_residence_required: bool = True, office_skills_required: bool = True,
               written_weight: Decimal = Decimal("0.60"), interview_weight: Decimal = Decimal("0.40")) -> Round:
    if Decimal(written_weight) + Decimal(interview_weight) <= 0:
        raise DomainError(WEIGHTS_ZERO, field_errors={"written_weight": [WEIGHTS_ZERO]})
    row = Round(title=(title or "").strip(), posts=posts, min_education=min_education, min_age=min_age,
                max_age=max_age, county_residence_required=county_residence_required,
                office_skills_required=office_skills_required, applications_open=applications_open,
                applications_close=applications_close, test_on=test_on, interview_on=interview_on,
                publish_on=publish_on, written_weight=written_weight, interview_weight=interview_weight)
    full_clean_or_raise(row)
    row.save()
    row.villages.set(Village.objects.filter(pk__in=village_ids or []))
    audit_record(actor=actor, action="recruitment.round_open", instance=row,
                 after={**snapshot(row, fields=ROUND_FIELDS), "village_ids": sorted(village_ids or [])})
    return row


def eligibility_refusal(round_: Round, *, birth_date: dt.date, education: str, county_resident: bool,
                        office_skills: bool, today: dt.date) -> str | None:
    """The reason an applicant is not eligible, or None."""
    if education not in EDUCATION_ORDER or EDUCATION_ORDER.index(education) < EDUCATION_ORDER.index(
            round_.min_education):
        return TOO_LITTLE_EDUCATION % {"level": Education(round_.min_education).label}
    if not round_.min_age <= ranking.age_on(birth_date, today) <= round_.max_age:
        return AGE_OUTSIDE % {"low": round_.min_age, "high": round_.max_age}
    if round_.county_residence_required and not county_resident:
        return str(NOT_RESIDENT)
    if round_.office_skills_required and not office_skills:
        return str(NO_OFFICE_SKILLS)
    return None


@transaction.atomic
def application_submit(*, round_: Round, name: str, gender: str, birth_date: dt.date, phone: str, education: str,
                       county_resident: bool, office_skills: bool, files, today: dt.date | None = None) -> Application:
    """A public application (no account). Refused with the reason when the round is not open or the
    applicant is not eligible; documents checked like evidence. (`today` only for the demo's past round.)"""
    today = today or clock.today(connection.tenant)
    if round_.status != Round.Status.OPEN or not round_.applications_open <= today <= round_.applications_close:
        raise DomainError(NOT_OPEN)
    reason = eligibility_refusal(round_, birth_date=birth_date, education=education, county_resident=county_resident,
                                 office_skills=office_skills, today=today)
    if reason:
        raise DomainError(reason, code="not_eligible")
    phone = (phone or "").strip()
    if Application.objects.filter(round=round_, phone=phone).exists():
        raise Conflict(ALREADY_APPLIED, field_errors={"phone": [ALREADY_APPLIED]})
    checked = evidence_check(files)
    if not checked:
        raise DomainError(DOCUMENTS_REQUIRED, field_errors={"evidence": [DOCUMENTS_REQUIRED]})
    app = Application(round=round_, name=(name or "").strip(), gender=gender, birth_date=birth_date, phone=phone,
                      education=education, county_resident=county_resident, office_skills=office_skills)
    full_clean_or_raise(app)
    app.save()
    for item in checked:
        doc = Document(application=app, original_name=item.original_name, content_type=item.content_type,
                       size=item.size, sha256=item.sha256)
        doc.file.save(item.stored_name, item.upload, save=False)
        doc.save()
    audit_record(actor=None, action="recruitment.application_submit", instance=app,
                 after={"round": round_.pk, "documents": len(checked)})
    return app


@transaction.atomic
def scores_enter(*, actor, application: Application, written: Decimal, interview: Decimal) -> Application:
    application = Application.objects.select_for_update().select_related("round").get(pk=application.pk)
    if application.round.status != Round.Status.OPEN:
        raise Conflict(ROUND_NOT_OPEN)
    before = snapshot(application, fields=["written_score", "interview_score"])
    application.written_score, application.interview_score = written, interview
    full_clean_or_raise(application)
    application.save(update_fields=["written_score", "interview_score"])
    audit_record(actor=actor, action="recruitment.scores_enter", instance=application, before=before,
                 after=snapshot(application, fields=["written_score", "interview_score"]))
    return application


@transaction.atomic
def ranking_publish(*, actor, round_: Round) -> list[Application]:
    """Totals and ranks by the round's weights; the top `posts` applicants are offered a post."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.status != Round.Status.OPEN:
        raise Conflict(ROUND_NOT_OPEN)
    apps = {a.pk: a for a in round_.applications.all()}
    if any(a.written_score is None or a.interview_score is None for a in apps.values()):
        raise DomainError(SCORES_MISSING)
    ranked = ranking.rank([ranking.Scored(a.pk, a.written_score, a.interview_score) for a in apps.values()],
                          round_.written_weight, round_.interview_weight)
    for index, (pk, total, position) in enumerate(ranked):
        app = apps[pk]
        app.total, app.rank = total, position
        app.status = Application.Status.OFFERED if index < round_.posts else Application.Status.APPLIED
        app.save(update_fields=["total", "rank", "status"])
    round_.status = Round.Status.PUBLISHED
    round_.save(update_fields=["status"])
    audit_record(actor=actor, action="recruitment.ranking_publish", instance=round_,
                 after={"ranking": [[pk, str(total), position] for pk, total, position in ranked],
                        "offered": [pk for pk, _t, _p in ranked[:round_.posts]]})
    return sorted(apps.values(), key=lambda a: (a.rank, a.pk))


@transaction.atomic
def offer_accept(*, actor, application: Application, username: str, password: str, village: Village,
                 starts_on: dt.date, contract_end: dt.date | None = None):
    """The offered applicant accepts: a user account (initial password, changed at first login), a
    Clerk linked to it, and a placement in `village` from `starts_on`, which gives the clerk role."""
    application = Application.objects.select_for_update().select_related("round").get(pk=application.pk)
    if application.status != Application.Status.OFFERED:
        raise Conflict(NOT_OFFERED)
    if not application.round.villages.filter(pk=village.pk).exists():
        raise DomainError(VILLAGE_NOT_IN_ROUND, field_errors={"village": [VILLAGE_NOT_IN_ROUND]})
    user = user_create(actor=actor, username=username, password=password, full_name=application.name,
                       phone=application.phone, initial_password=True)
    clerk = clerk_services.clerk_create(actor=actor, name=application.name, gender=application.gender,
                                        birth_date=application.birth_date, contract_start=starts_on,
                                        contract_end=contract_end, user_id=user.pk)
    clerk_services.placement_start(actor=actor, clerk=clerk, village=village, starts_on=starts_on)
    application.status, application.clerk_id = Application.Status.ACCEPTED, clerk.pk
    application.save(update_fields=["status", "clerk_id"])
    audit_record(actor=actor, action="recruitment.offer_accept", instance=application,
                 after={"user_id": user.pk, "clerk_id": clerk.pk, "village": village.pk, "starts_on": str(starts_on)})
    round_ = application.round
    if not round_.applications.filter(status=Application.Status.OFFERED).exists():
        round_.status = Round.Status.CLOSED
        round_.save(update_fields=["status"])
        audit_record(actor=actor, action="recruitment.round_close", instance=round_, after={"status": "closed"})
    return application, user, clerk
