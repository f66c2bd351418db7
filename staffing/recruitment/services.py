"""Writes of a township's recruitment: open a round, take a public application (refused with the
reason when ineligible), enter scores, publish the ranking, offer posts to the top candidates, record
a decline (the next ranked candidate is offered), expire offers past their deadline, and on
acceptance make the applicant a clerk (a user account with an initial password, the clerk role
through a placement, and a `staffing.clerks` Clerk). The rules are shared with the county's
county-wide rounds in `flow.py`; every write is audited and runs in one transaction."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction

from audit.services import audit_record, snapshot
from common import clock
from staffing.recruitment import flow
from staffing.recruitment.flow import (  # noqa: F401 - the messages, as the app's users know them
    ALREADY_APPLIED,
    DOCUMENTS_REQUIRED,
    NOT_OFFERED,
    NOT_OFFERED_DECLINE,
    NOT_OPEN,
    ROUND_NOT_OPEN,
    SCORES_MISSING,
    VILLAGE_NOT_IN_ROUND,
    WEIGHTS_ZERO,
    eligibility_refusal,
)
from staffing.recruitment.models import Application, Document, Education, Round
from tenants.organisation.models import Village

ROUND_FIELDS = ["posts", *flow.ROUND_FIELDS]


@transaction.atomic
def round_open(*, actor, title: str, posts: int, village_ids: list[int], applications_open: dt.date,
               applications_close: dt.date, test_on: dt.date, interview_on: dt.date, publish_on: dt.date,
               min_education: str = Education.TECHNICAL, min_age: int = 18, max_age: int = 35,
               county_residence_required: bool = True, office_skills_required: bool = True,
               written_weight: Decimal = Decimal("0.60"), interview_weight: Decimal = Decimal("0.40"),
               offer_days: int = 7) -> Round:
    row = flow.round_build(Round, title=title, posts=posts, min_education=min_education, min_age=min_age,
                           max_age=max_age, county_residence_required=county_residence_required,
                           office_skills_required=office_skills_required, applications_open=applications_open,
                           applications_close=applications_close, test_on=test_on, interview_on=interview_on,
                           publish_on=publish_on, written_weight=written_weight, interview_weight=interview_weight,
                           offer_days=offer_days)
    row.villages.set(Village.objects.filter(pk__in=village_ids or []))
    audit_record(actor=actor, action="recruitment.round_open", instance=row,
                 after={**snapshot(row, fields=ROUND_FIELDS), "village_ids": sorted(village_ids or [])})
    return row


@transaction.atomic
def application_submit(*, round_: Round, name: str, gender: str, birth_date: dt.date, phone: str, education: str,
                       county_resident: bool, office_skills: bool, files, today: dt.date | None = None) -> Application:
    """A public application (no account). Refused with the reason when the round is not open or the
    applicant is not eligible; documents (a list, or {kind: [files]}) checked like evidence.
    (`today` only for the demo's past round.)"""
    return flow.application_take(
        round_=round_, model=Application, document_model=Document, today=today or clock.today(connection.tenant),
        files=files, fields={"name": name, "gender": gender, "birth_date": birth_date, "phone": phone,
                             "education": education, "county_resident": county_resident,
                             "office_skills": office_skills})


@transaction.atomic
def scores_enter(*, actor, application: Application, written: Decimal, interview: Decimal) -> Application:
    return flow.scores_set(actor=actor, application=application, written=written, interview=interview)


@transaction.atomic
def ranking_publish(*, actor, round_: Round, today: dt.date | None = None) -> list[Application]:
    """Totals and ranks by the round's weights; the top `posts` applicants are offered a post."""
    return flow.ranking_apply(actor=actor, round_=round_, places={(): Round.objects.get(pk=round_.pk).posts},
                              today=today or clock.today(connection.tenant))


@transaction.atomic
def offer_decline(*, actor, application: Application, via: str = flow.DeclinedVia.OFFICE,
                  today: dt.date | None = None) -> tuple[Application, Application | None]:
    """The offered applicant declines; the next ranked one is offered (or the round closes)."""
    return flow.offer_decline(actor=actor, application=application, via=via,
                              today=today or clock.today(connection.tenant))


def offers_expire(*, today: dt.date | None = None) -> int:
    """Offers past their deadline count as declined (idempotent; the daily job of every township)."""
    return flow.offers_expire(model=Application, today=today or clock.today(connection.tenant))


def offer_token(application: Application) -> str:
    return flow.offer_token(application, scope=connection.tenant.code)


def offer_from_token(token: str) -> Application | None:
    return flow.offer_from_token(Application, token, scope=connection.tenant.code)


@transaction.atomic
def offer_accept(*, actor, application: Application, username: str, password: str, village: Village,
                 starts_on: dt.date, contract_end: dt.date | None = None):
    """The offered applicant accepts: a user account (initial password, changed at first login), a
    Clerk linked to it, and a placement in `village` (one of the round's) from `starts_on`, which
    gives the clerk role."""
    allowed = list(Round.objects.get(pk=application.round_id).villages.values_list("pk", flat=True))
    return flow.hire(actor=actor, application=application, township=connection.tenant, village_id=village.pk,
                     allowed_village_ids=allowed, username=username, password=password, starts_on=starts_on,
                     contract_end=contract_end)
