"""Writes of the county's county-wide recruitment rounds (public schema): open a round with posts in
townships, take public applications for one post, enter scores, publish the ranking (per post) and
offer, record declines (the next candidate of the post is offered), expire offers, and hire: the
candidate becomes a clerk of the post's township (user with the clerk role, Clerk and placement in
that township's schema, in this one transaction). Rules shared with township rounds (`flow.py`)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import tenant_context

from audit.services import audit_record, snapshot
from common import clock
from common.errors import DomainError, full_clean_or_raise
from staffing.recruitment import flow
from staffing.recruitment.base import DeclinedVia, Education
from staffing.recruitment.county.models import CountyApplication, CountyDocument, CountyPost, CountyRound

SCOPE = "county"
POSTS_REQUIRED = _("Give at least one post (a ready township and its number of places).")
POST_TOWNSHIP = _("Each township can have one post in a round, and it must be ready.")
POST_VILLAGES = _("Some villages of a post are not villages of its township.")
POST_NOT_IN_ROUND = _("Choose one of this round's posts.")


@transaction.atomic
def county_round_open(*, actor, title: str, posts: list[dict], applications_open: dt.date,
                      applications_close: dt.date, test_on: dt.date, interview_on: dt.date, publish_on: dt.date,
                      min_education: str = Education.TECHNICAL, min_age: int = 18, max_age: int = 35,
                      county_residence_required: bool = True, office_skills_required: bool = True,
                      written_weight: Decimal = Decimal("0.60"), interview_weight: Decimal = Decimal("0.40"),
                      offer_days: int = 7) -> CountyRound:
    """`posts`: [{"township": Township, "places": n, "village_ids": [...] (optional)}], one per township."""
    from tenants.organisation.models import Village

    if not posts:
        raise DomainError(POSTS_REQUIRED, field_errors={"posts": [POSTS_REQUIRED]})
    townships = [p["township"] for p in posts]
    if len({t.pk for t in townships}) != len(townships) or any(t.status != t.Status.READY for t in townships):
        raise DomainError(POST_TOWNSHIP, field_errors={"posts": [POST_TOWNSHIP]})
    row = flow.round_build(CountyRound, title=title, min_education=min_education, min_age=min_age, max_age=max_age,
                           county_residence_required=county_residence_required,
                           office_skills_required=office_skills_required, applications_open=applications_open,
                           applications_close=applications_close, test_on=test_on, interview_on=interview_on,
                           publish_on=publish_on, written_weight=written_weight, interview_weight=interview_weight,
                           offer_days=offer_days)
    made = []
    for spec in posts:
        village_ids = sorted(set(spec.get("village_ids") or []))
        if village_ids:
            with tenant_context(spec["township"]):
                known = Village.objects.filter(pk__in=village_ids).count()
            if known != len(village_ids):
                raise DomainError(POST_VILLAGES, field_errors={"posts": [POST_VILLAGES]})
        post = CountyPost(round=row, township=spec["township"], places=spec["places"], village_ids=village_ids)
        full_clean_or_raise(post)
        post.save()
        made.append({"township": spec["township"].code, "places": post.places, "village_ids": village_ids})
    audit_record(actor=actor, action="recruitment.round_open", instance=row,
                 after={**snapshot(row, fields=flow.ROUND_FIELDS), "posts": made})
    return row


@transaction.atomic
def county_application_submit(*, round_: CountyRound, post_id: int, name: str, gender: str, birth_date: dt.date,
                              phone: str, education: str, county_resident: bool, office_skills: bool, files,
                              today: dt.date | None = None) -> CountyApplication:
    """A public application for one township post of a county-wide round (no account)."""
    post = CountyPost.objects.filter(round=round_, pk=post_id).first()
    if post is None:
        raise DomainError(POST_NOT_IN_ROUND, field_errors={"post": [POST_NOT_IN_ROUND]})
    return flow.application_take(
        round_=round_, model=CountyApplication, document_model=CountyDocument, today=today or clock.today(),
        files=files, fields={"post": post, "name": name, "gender": gender, "birth_date": birth_date, "phone": phone,
                             "education": education, "county_resident": county_resident,
                             "office_skills": office_skills})


@transaction.atomic
def county_scores_enter(*, actor, application: CountyApplication, written: Decimal,
                        interview: Decimal) -> CountyApplication:
    return flow.scores_set(actor=actor, application=application, written=written, interview=interview)


@transaction.atomic
def county_ranking_publish(*, actor, round_: CountyRound, today: dt.date | None = None) -> list[CountyApplication]:
    """Totals and ranks by the round's weights within each township post; the top `places` of each
    post are offered."""
    places = {(("post_id", p.pk),): p.places for p in CountyPost.objects.filter(round=round_)}
    return flow.ranking_apply(actor=actor, round_=round_, places=places, today=today or clock.today())


@transaction.atomic
def county_offer_decline(*, actor, application: CountyApplication, via: str = DeclinedVia.OFFICE,
                         today: dt.date | None = None):
    return flow.offer_decline(actor=actor, application=application, via=via, today=today or clock.today())


def county_offers_expire(*, today: dt.date | None = None) -> int:
    return flow.offers_expire(model=CountyApplication, today=today or clock.today())


def county_offer_token(application: CountyApplication) -> str:
    return flow.offer_token(application, scope=SCOPE)


def county_offer_from_token(token: str) -> CountyApplication | None:
    return flow.offer_from_token(CountyApplication, token, scope=SCOPE)


@transaction.atomic
def county_offer_accept(*, actor, application: CountyApplication, username: str, password: str, village_id: int,
                        starts_on: dt.date, contract_end: dt.date | None = None):
    """The offered candidate accepts: a clerk of the post's township (user with the clerk role, Clerk
    and placement in one of the post's villages, or any village of the township when the post names
    none)."""
    post = CountyPost.objects.select_related("township").get(pk=application.post_id)
    return flow.hire(actor=actor, application=application, township=post.township, village_id=village_id,
                     allowed_village_ids=post.village_ids or None, username=username, password=password,
                     starts_on=starts_on, contract_end=contract_end)
