"""The rules of a recruitment round, written once for a township's rounds (township schema) and the
county's county-wide rounds (public schema): eligibility, taking an application with its documents,
scores, ranking and offers, declines (by the office, by the candidate's link, or by silence past the
deadline) with the next ranked candidate offered automatically, and hiring (a user with the clerk
role, a Clerk and a placement in the chosen township's schema, in the caller's transaction).

Functions work on the concrete models they are given (`type(application)`); the applications
competing for the same places are `application.same_post()` (the whole round for a township round,
one township's post for a county round). Every function here runs inside the caller's
`transaction.atomic` and writes its audit events in the current schema."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import tenant_context

from accounts.services import user_create
from audit.services import audit_record, snapshot
from common.errors import Conflict, DomainError, full_clean_or_raise
from scoring.ledger.evidence import evidence_check
from staffing.recruitment import ranking
from staffing.recruitment.base import (
    EDUCATION_ORDER,
    ApplicationStatus,
    DeclinedVia,
    DocumentKind,
    Education,
    RoundStatus,
)

NOT_OPEN = _("This recruitment round is not taking applications now.")
TOO_LITTLE_EDUCATION = _("Not eligible: the education required is at least %(level)s.")
AGE_OUTSIDE = _("Not eligible: applicants must be between %(low)s and %(high)s years old.")
NOT_RESIDENT = _("Not eligible: the household registration must be in this county.")
NO_OFFICE_SKILLS = _("Not eligible: the post requires office software skills.")
ALREADY_APPLIED = _("An application with this phone number has already been made in this round.")
DOCUMENTS_REQUIRED = _("Attach at least one document (ID card, diploma).")
SCORES_MISSING = _("Enter the written-test and interview scores of every applicant first.")
ROUND_NOT_OPEN = _("The ranking of this round has already been published.")
NOT_OFFERED = _("Only an applicant offered a post can accept it.")
NOT_OFFERED_DECLINE = _("Only an open offer can be declined.")
VILLAGE_NOT_IN_ROUND = _("This village is not one of the round's posts.")
WEIGHTS_ZERO = _("The weights cannot both be zero.")
ROUND_FIELDS = ["title", "min_education", "min_age", "max_age", "county_residence_required",
                "office_skills_required", "applications_open", "applications_close", "test_on", "interview_on",
                "publish_on", "written_weight", "interview_weight", "offer_days", "status"]
OFFER_SALT = "staffing.recruitment.offer"


# --- a round ---------------------------------------------------------------------------------------
def round_build(model, **fields):
    """A new round of `model` checked and saved (relations and the audit event are the caller's)."""
    if Decimal(fields.get("written_weight", Decimal("0.60"))) + Decimal(
            fields.get("interview_weight", Decimal("0.40"))) <= 0:
        raise DomainError(WEIGHTS_ZERO, field_errors={"written_weight": [WEIGHTS_ZERO]})
    row = model(**{**fields, "title": (fields.get("title") or "").strip()})
    full_clean_or_raise(row)
    row.save()
    return row


def round_is_open(round_, today: dt.date) -> bool:
    return round_.status == RoundStatus.OPEN and round_.applications_open <= today <= round_.applications_close


def round_close_if_done(*, actor, round_) -> bool:
    """A published round with no open offer left is closed (hired, or nobody left to offer)."""
    round_ = type(round_).objects.select_for_update().get(pk=round_.pk)
    if round_.status != RoundStatus.PUBLISHED or round_.applications.filter(status=ApplicationStatus.OFFERED).exists():
        return False
    round_.status = RoundStatus.CLOSED
    round_.save(update_fields=["status"])
    audit_record(actor=actor, action="recruitment.round_close", instance=round_, after={"status": "closed"})
    return True


# --- applying --------------------------------------------------------------------------------------
def eligibility_refusal(round_, *, birth_date: dt.date, education: str, county_resident: bool,
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


def documents_check(files) -> list[tuple[str, object]]:
    """`files` is a list of uploads (kind "other") or {kind: [uploads]}; every file is checked like
    evidence (decoded, type by content; the error names the form field of its kind). Returns
    (kind, CheckedFile) pairs; at least one document is required."""
    by_kind = files if isinstance(files, dict) else {DocumentKind.OTHER: files}
    pairs = [(str(kind), f) for kind, uploads in by_kind.items() for f in (uploads or []) if f is not None]
    for kind in {k for k, _f in pairs}:
        if kind not in DocumentKind.values:
            raise ValueError(kind)
    checked = evidence_check([f for _k, f in pairs])
    if not checked:
        raise DomainError(DOCUMENTS_REQUIRED, field_errors={"evidence": [DOCUMENTS_REQUIRED]})
    return [(kind, item) for (kind, _f), item in zip(pairs, checked, strict=True)]


def application_take(*, round_, model, document_model, today: dt.date, files, fields: dict):
    """A public application (no account) to `round_`: refused with the reason when the round is not
    open or the applicant not eligible (nothing stored); documents checked like evidence."""
    if not round_is_open(round_, today):
        raise DomainError(NOT_OPEN)
    reason = eligibility_refusal(round_, birth_date=fields["birth_date"], education=fields["education"],
                                 county_resident=fields["county_resident"], office_skills=fields["office_skills"],
                                 today=today)
    if reason:
        raise DomainError(reason, code="not_eligible")
    phone = (fields.get("phone") or "").strip()
    if model.objects.filter(round=round_, phone=phone).exists():
        raise Conflict(ALREADY_APPLIED, field_errors={"phone": [ALREADY_APPLIED]})
    checked = documents_check(files)
    app = model(round=round_, **{**fields, "phone": phone, "name": (fields.get("name") or "").strip()})
    full_clean_or_raise(app)
    app.save()
    for kind, item in checked:
        doc = document_model(application=app, kind=kind, original_name=item.original_name,
                             content_type=item.content_type, size=item.size, sha256=item.sha256)
        doc.file.save(item.stored_name, item.upload, save=False)
        doc.save()
    audit_record(actor=None, action="recruitment.application_submit", instance=app,
                 after={"round": round_.pk, "documents": sorted(k for k, _i in checked), **app.same_post()})
    return app


# --- scores, ranking, offers -----------------------------------------------------------------------
def scores_set(*, actor, application, written: Decimal, interview: Decimal):
    application = type(application).objects.select_for_update().select_related("round").get(pk=application.pk)
    if application.round.status != RoundStatus.OPEN:
        raise Conflict(ROUND_NOT_OPEN)
    before = snapshot(application, fields=["written_score", "interview_score"])
    application.written_score, application.interview_score = written, interview
    full_clean_or_raise(application)
    application.save(update_fields=["written_score", "interview_score"])
    audit_record(actor=actor, action="recruitment.scores_enter", instance=application, before=before,
                 after=snapshot(application, fields=["written_score", "interview_score"]))
    return application


def _offer(app, *, today: dt.date, days: int) -> None:
    app.status = ApplicationStatus.OFFERED
    app.offered_on, app.offer_deadline = today, today + dt.timedelta(days=days)


def ranking_apply(*, actor, round_, places: dict, today: dt.date) -> list:
    """Totals and ranks by the round's weights, within each post (`places`: the key of
    `application.same_post()` as a tuple of its items -> number of places); the top of each post are
    offered, with `round_.offer_days` to answer."""
    round_ = type(round_).objects.select_for_update().get(pk=round_.pk)
    if round_.status != RoundStatus.OPEN:
        raise Conflict(ROUND_NOT_OPEN)
    apps = {a.pk: a for a in round_.applications.all()}
    if any(a.written_score is None or a.interview_score is None for a in apps.values()):
        raise DomainError(SCORES_MISSING)
    groups: dict = {}
    for a in apps.values():
        groups.setdefault(tuple(sorted(a.same_post().items())), []).append(a)
    summary, offered = [], []
    for key, members in sorted(groups.items()):
        ranked = ranking.rank([ranking.Scored(a.pk, a.written_score, a.interview_score) for a in members],
                              round_.written_weight, round_.interview_weight)
        for index, (pk, total, position) in enumerate(ranked):
            app = apps[pk]
            app.total, app.rank = total, position
            app.status, app.offered_on, app.offer_deadline = ApplicationStatus.APPLIED, None, None
            if index < places.get(key, 0):
                _offer(app, today=today, days=round_.offer_days)
                offered.append(pk)
            app.save(update_fields=["total", "rank", "status", "offered_on", "offer_deadline"])
            summary.append([pk, str(total), position])
    round_.status = RoundStatus.PUBLISHED
    round_.save(update_fields=["status"])
    audit_record(actor=actor, action="recruitment.ranking_publish", instance=round_,
                 after={"ranking": summary, "offered": offered})
    return sorted(apps.values(), key=lambda a: (tuple(sorted(a.same_post().items())), a.rank, a.pk))


def offer_decline(*, actor, application, via: str, today: dt.date):
    """The offered candidate declines (recorded by the office, by their link, or by silence past the
    deadline); the next ranked candidate of the same post still waiting is offered at once.
    Returns (the declined application, the newly offered one or None)."""
    model = type(application)
    application = model.objects.select_for_update().select_related("round").get(pk=application.pk)
    if application.status != ApplicationStatus.OFFERED:
        raise Conflict(NOT_OFFERED_DECLINE)
    application.status, application.declined_via = ApplicationStatus.DECLINED, via
    application.save(update_fields=["status", "declined_via"])
    audit_record(actor=actor, action="recruitment.offer_decline", instance=application,
                 after={"via": via, "offer_deadline": str(application.offer_deadline)})
    successor = (model.objects.select_for_update()
                 .filter(round_id=application.round_id, status=ApplicationStatus.APPLIED, rank__isnull=False,
                         **application.same_post())
                 .order_by("rank", "pk").first())
    if successor is not None:
        _offer(successor, today=today, days=application.round.offer_days)
        successor.save(update_fields=["status", "offered_on", "offer_deadline"])
        audit_record(actor=actor, action="recruitment.offer_next", instance=successor,
                     after={"declined": application.pk, "rank": successor.rank,
                            "offer_deadline": str(successor.offer_deadline)})
    else:
        round_close_if_done(actor=actor, round_=application.round)
    return application, successor


def offers_expire(*, model, today: dt.date) -> int:
    """Offers whose deadline has passed count as declined (each in its own transaction; an offer
    answered meanwhile is skipped, so running twice changes nothing). Returns how many expired."""
    expired = 0
    for pk in list(model.objects.filter(status=ApplicationStatus.OFFERED, offer_deadline__lt=today)
                   .values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                offer_decline(actor=None, application=model(pk=pk), via=DeclinedVia.DEADLINE, today=today)
        except Conflict:
            continue
        expired += 1
    return expired


# --- the candidate's link --------------------------------------------------------------------------
def offer_token(application, *, scope: str) -> str:
    """A signed token naming the offer (`scope`: the township's code, or "county"); valid while this
    offer is open. Nothing is stored: the office gives the link to the candidate."""
    return signing.dumps([scope, application.pk, str(application.offered_on)], salt=OFFER_SALT, compress=True)


def offer_from_token(model, token: str, *, scope: str):
    """The open offer a token names, or None (bad signature, other scope, offer no longer open)."""
    try:
        token_scope, pk, offered_on = signing.loads(token, salt=OFFER_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if token_scope != scope or not isinstance(pk, int):
        return None
    app = model.objects.filter(pk=pk, status=ApplicationStatus.OFFERED).select_related("round").first()
    if app is None or str(app.offered_on) != offered_on:
        return None
    return app


# --- hiring ----------------------------------------------------------------------------------------
def hire(*, actor, application, township, village_id: int, allowed_village_ids, username: str, password: str,
         starts_on: dt.date, contract_end: dt.date | None):
    """The offered candidate accepts: a user (initial password), then in `township`'s schema a Clerk
    linked to it and a placement in the village from `starts_on`, which gives the clerk role there.
    `allowed_village_ids` (None: any village of the township) are the post's villages."""
    from staffing.clerks import services as clerk_services
    from tenants.organisation.models import Village

    model = type(application)
    application = model.objects.select_for_update().select_related("round").get(pk=application.pk)
    if application.status != ApplicationStatus.OFFERED:
        raise Conflict(NOT_OFFERED)
    with tenant_context(township):
        village = Village.objects.filter(pk=village_id).first()
    if village is None or (allowed_village_ids is not None and village.pk not in allowed_village_ids):
        raise DomainError(VILLAGE_NOT_IN_ROUND, field_errors={"village": [VILLAGE_NOT_IN_ROUND]})
    user = user_create(actor=actor, username=username, password=password, full_name=application.name,
                       phone=application.phone, initial_password=True)
    with tenant_context(township):
        clerk = clerk_services.clerk_create(actor=actor, name=application.name, gender=application.gender,
                                            birth_date=application.birth_date, contract_start=starts_on,
                                            contract_end=contract_end, user_id=user.pk)
        clerk_services.placement_start(actor=actor, clerk=clerk, village=village, starts_on=starts_on)
    application.status, application.clerk_id = ApplicationStatus.ACCEPTED, clerk.pk
    fields = ["status", "clerk_id"]
    if hasattr(application, "user_id"):
        application.user_id = user.pk
        fields.append("user_id")
    application.save(update_fields=fields)
    audit_record(actor=actor, action="recruitment.offer_accept", instance=application,
                 after={"user_id": user.pk, "clerk_id": clerk.pk, "township": township.code, "village": village.pk,
                        "starts_on": str(starts_on)})
    round_close_if_done(actor=actor, round_=application.round)
    return application, user, clerk
