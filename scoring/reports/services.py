"""Writes of reports from members away: submit (the member), accept or return (the branch), and
the township's mapping of report kinds to catalogue items.

Accepting proposes exactly one points entry through the ledger's review path
(`scoring.ledger.services.entry_create`, `source="report:<id>"`), with the report's photos as its
evidence; nothing is posted until that review completes. A refused write leaves nothing behind.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from accounts.models import Role, RoleAssignment
from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, NotFound, PermissionDenied, full_clean_or_raise
from scoring.ledger.evidence import evidence_check
from scoring.ledger.models import Entry
from scoring.ledger.selectors import township_today
from scoring.reports.models import Report, ReportKind, ReportPhoto, ReportRule
from scoring.reports.selectors import (
    REPORT_NOT_FOUND,
    can_review_reports,
    is_away,
    quarter_of,
    report_rule_get,
)
from tenants.organisation.models import Member
from tenants.organisation.selectors import member_scope

ONLY_MEMBERS_SUBMIT = _("Only a member signed in with their own record submits reports.")
ONLY_MEMBERS_AWAY = _("Reports are for members away from home (migrant workers, seafarers and other special "
                      "occupations).")
MEMBER_NOT_ACTIVE = _("Only an active member submits reports.")
UNKNOWN_KIND = _("Choose a thought report or a study note.")
TEXT_REQUIRED = _("Write the report's text.")
TITLE_REQUIRED = _("Give the report a title.")
PHOTO_REQUIRED = _("Attach at least one photo of the report or of your study.")
ALREADY_SUBMITTED = _("You have already submitted this kind of report for this quarter; it can be submitted again "
                      "only after the branch returns it.")
CANNOT_REVIEW = _("Only a clerk, the branch secretary or the township office reviews reports.")
NOT_WAITING = _("This report is not waiting for the branch.")
RETURN_REASON_REQUIRED = _("Give the reason for returning the report.")
ALREADY_PROPOSED = _("An entry has already been proposed for this report.")
REVIEW_OWN_REPORT = _("You cannot review your own report.")
LATE_REASON = _("Report from a member away, submitted on %(date)s and accepted by the branch on %(today)s.")
POINTS_INVALID = _("Enter a number of points.")
CANNOT_SET_MAPPING = _("Only the township office sets which catalogue item reports earn.")
RULE_CODE_REQUIRED = _("Give the catalogue item code.")


def _field_error(field: str, message) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _member_users(member_id: int) -> list:
    from accounts.models import User

    ids = RoleAssignment.objects.filter(township=connection.tenant, role=Role.MEMBER, member_id=member_id)
    return list(User.objects.filter(is_active=True, pk__in=ids.values("user_id")))


def _branch_reviewers(member: Member) -> list:
    """Clerks of the member's village and secretaries of the member's branch (or its parent)."""
    from django.db.models import Q

    from accounts.models import User

    branch = member.branch
    condition = Q(role=Role.BRANCH_SECRETARY, branch_id__in=[branch.pk, branch.parent_id or 0])
    village_id = branch.village_id or (branch.parent.village_id if branch.parent_id else None)
    if village_id:
        condition |= Q(role=Role.CLERK, village_ids__contains=[village_id])
    ids = RoleAssignment.objects.filter(condition, township=connection.tenant).values("user_id")
    return list(User.objects.filter(is_active=True, pk__in=ids).order_by("pk"))


def _context(report: Report) -> dict:
    return {"report_id": report.pk, "member_name": report.member.name, "kind": report.kind,
            "period": f"{report.year}Q{report.quarter}", "title": report.title,
            "reason": report.return_reason}


@transaction.atomic
def report_submit(*, actor, access: Access, kind: str, title: str, body: str, photos=()) -> Report:
    """A member away submits a report for the current quarter (township time)."""
    from notifications.services import notify
    from scoring.catalogue.selectors import rule_in_force

    if not access.member_id:
        raise PermissionDenied(ONLY_MEMBERS_SUBMIT)
    member = (Member.objects.select_for_update(of=("self",)).select_related("branch", "branch__parent")
              .filter(pk=access.member_id).first())
    if member is None:
        raise PermissionDenied(ONLY_MEMBERS_SUBMIT)
    if member.status != Member.Status.ACTIVE:
        raise PermissionDenied(MEMBER_NOT_ACTIVE)
    if not is_away(member):
        raise PermissionDenied(ONLY_MEMBERS_AWAY)
    if kind not in ReportKind.values:
        raise _field_error("kind", UNKNOWN_KIND)
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise _field_error("title", TITLE_REQUIRED)
    if not body:
        raise _field_error("body", TEXT_REQUIRED)
    checked = evidence_check(photos)
    today = township_today()
    mapping = report_rule_get(kind=kind)
    try:
        rule = rule_in_force(code=mapping.rule_code, on=today)
    except DomainError:
        rule = None
    if not checked and (rule is None or rule.evidence_required):
        raise _field_error("photos", PHOTO_REQUIRED)
    year, quarter = quarter_of(today)
    if Report.objects.filter(member=member, kind=kind, year=year, quarter=quarter).exclude(
            status=Report.Status.RETURNED).exists():
        raise Conflict(ALREADY_SUBMITTED)
    report = Report(member=member, kind=kind, year=year, quarter=quarter, title=title, body=body,
                    submitted_by_id=actor.pk, submitted_at=clock.now(), submitted_on=today)
    full_clean_or_raise(report, validate_constraints=False)
    saved = []
    try:
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:  # a second submission raced this one
            raise Conflict(ALREADY_SUBMITTED) from None
        for item in checked:
            photo = ReportPhoto(report=report, original_name=item.original_name, content_type=item.content_type,
                                size=item.size, sha256=item.sha256, uploaded_by_id=actor.pk)
            photo.file.save(item.stored_name, item.upload, save=False)
            saved.append(photo)
            photo.save()
        audit_record(actor=actor, action="report.submit", instance=report,
                     after={**snapshot(report), "photos": [p.sha256 for p in saved]})
        reviewers = _branch_reviewers(member)
        if reviewers:
            notify(event="report.submitted", recipients=reviewers, context=_context(report),
                   township=connection.tenant, actor=actor)
    except BaseException:
        for photo in saved:
            photo.file.delete(save=False)
        raise
    return report


def _locked_report(*, access: Access, report_id: int) -> Report:
    report = (Report.objects.select_for_update(of=("self",)).select_related("member", "member__branch")
              .filter(pk=report_id, member__in=member_scope(access)).first())
    if report is None:
        raise NotFound(REPORT_NOT_FOUND)
    return report


def _reviewable(*, actor, access: Access, report_id: int) -> Report:
    if not can_review_reports(access):
        raise PermissionDenied(CANNOT_REVIEW)
    report = _locked_report(access=access, report_id=report_id)
    if report.member_id == access.member_id or report.submitted_by_id == actor.pk:
        raise PermissionDenied(REVIEW_OWN_REPORT)
    if report.status != Report.Status.SUBMITTED:
        raise Conflict(NOT_WAITING)
    return report


@transaction.atomic
def report_accept(*, actor, access: Access, report_id: int, points=None) -> Report:
    """Accept a waiting report: propose one entry (the mapped catalogue item, `points` or the
    mapping's) through review. The entry posts only when its review path completes."""
    from scoring.ledger.services import entry_create

    report = _reviewable(actor=actor, access=access, report_id=report_id)
    source = f"report:{report.pk}"
    if report.entry_id or Entry.objects.filter(source=source).exists():
        raise Conflict(ALREADY_PROPOSED)
    mapping = report_rule_get(kind=report.kind)
    if points in (None, ""):
        points = mapping.points
    today = township_today()
    photos = list(report.photos.all())
    # The entry's evidence keeps the names the member gave the photos.
    files = [File(photo.file.open("rb"), name=photo.original_name) for photo in photos]
    try:
        entry = entry_create(
            actor=actor, access=access, member_id=report.member_id, rule_code=mapping.rule_code,
            occurred_on=report.submitted_on, points=points, note=f"{report.get_kind_display()}：{report.title}",
            evidence_files=files, source=source,
            late_reason=str(LATE_REASON % {"date": report.submitted_on.isoformat(), "today": today.isoformat()}),
        )
    finally:
        for file in files:
            file.close()
    before = snapshot(report)
    report.status = Report.Status.ACCEPTED
    report.entry = entry
    report.decided_by_id = actor.pk
    report.decided_at = clock.now()
    report.save(update_fields=["status", "entry", "decided_by_id", "decided_at"])
    audit_record(actor=actor, action="report.accept", instance=report, before=before,
                 after={**snapshot(report), "entry": entry.pk})
    return report


@transaction.atomic
def report_return(*, actor, access: Access, report_id: int, reason: str) -> Report:
    """Return a waiting report with a reason; the member may submit the quarter's report again."""
    from notifications.services import notify

    report = _reviewable(actor=actor, access=access, report_id=report_id)
    reason = (reason or "").strip()
    if not reason:
        raise _field_error("reason", RETURN_REASON_REQUIRED)
    before = snapshot(report)
    report.status = Report.Status.RETURNED
    report.return_reason = reason
    report.decided_by_id = actor.pk
    report.decided_at = clock.now()
    full_clean_or_raise(report, validate_constraints=False)
    report.save(update_fields=["status", "return_reason", "decided_by_id", "decided_at"])
    audit_record(actor=actor, action="report.return", instance=report, before=before, after=snapshot(report))
    users = _member_users(report.member_id)
    if users:
        notify(event="report.returned", recipients=users, context=_context(report), township=connection.tenant,
               actor=actor)
    return report


@transaction.atomic
def report_rule_set(*, actor, access: Access, kind: str, rule_code: str, points) -> ReportRule:
    """The township office maps a report kind to a catalogue item code and points."""
    if not access.runs_scoring:
        raise PermissionDenied(CANNOT_SET_MAPPING)
    if kind not in ReportKind.values:
        raise _field_error("kind", UNKNOWN_KIND)
    rule_code = (rule_code or "").strip()
    if not rule_code:
        raise _field_error("rule_code", RULE_CODE_REQUIRED)
    try:
        points = Decimal(str(points)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise _field_error("points", POINTS_INVALID) from None
    if not points.is_finite():
        raise _field_error("points", POINTS_INVALID)
    row = ReportRule.objects.select_for_update().filter(kind=kind).first()
    before = snapshot(row) if row else None
    row = row or ReportRule(kind=kind)
    row.rule_code, row.points, row.updated_by_id = rule_code, points, actor.pk
    full_clean_or_raise(row)
    row.save()
    audit_record(actor=actor, action="report.mapping_set", instance=row, before=before, after=snapshot(row))
    return row
