"""Reads of tips, sanctions and award ineligibility, scoped by `Access`.

Who sees what (server-side, for every page and API endpoint):
- handlers (supervision office, discipline commission): every tip of the township, its notes,
  messages and evidence; they triage, investigate and record sanctions;
- the township office: tips and sanctions too, read-only (tips about the office itself never
  reach the township: they are stored for the county, `scoring.tips.county`);
- the reporter's identity and contact: the discipline commission only (`can_view_reporter`);
- anyone else (clerks, secretaries, work teams, members, i.e. the people tips are about): nothing.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, QuerySet

from accounts.access import Access
from accounts.models import Role, RoleAssignment
from common.errors import NotFound
from scoring.tips.base import OPEN_STATUSES
from scoring.tips.models import AwardIneligibility, Sanction, Tip, TipEvidence
from scoring.tips.receipts import receipt_fingerprint, receipt_matches, receipt_normalise

HANDLER_ROLES = (Role.SUPERVISION_OFFICE, Role.DISCIPLINE_COMMISSION)


def can_handle(access: Access) -> bool:
    """Triage, investigate, message the reporter, record sanctions."""
    return access.has_role(*HANDLER_ROLES)


def can_read_tips(access: Access) -> bool:
    return can_handle(access) or access.has_role(Role.TOWNSHIP_OFFICE)


def can_view_reporter(access: Access) -> bool:
    """The identity and contact of a named reporter: the discipline commission only."""
    return access.has_role(Role.DISCIPLINE_COMMISSION)


def reporter_identity(*, access: Access, tip) -> dict | None:
    """{"name", "contact"} of a named reporter for the discipline commission; None for anyone else
    (and for an anonymous tip)."""
    if tip.anonymous or not can_view_reporter(access):
        return None
    return {"name": tip.reporter_name, "contact": tip.reporter_contact}


def tip_list(*, access: Access, status: str = "") -> QuerySet[Tip]:
    if not can_read_tips(access):
        return Tip.objects.none()
    tips = Tip.objects.select_related("village").defer("reporter_name", "reporter_contact") \
        if not can_view_reporter(access) else Tip.objects.select_related("village")
    if status:
        tips = tips.filter(status=status)
    return tips


def tip_get(*, access: Access, pk: int) -> Tip:
    tip = tip_list(access=access).filter(pk=pk).prefetch_related("messages", "notes", "evidence").first()
    if tip is None:
        raise NotFound()
    return tip


def tip_evidence_get(*, access: Access, tip_id: int, pk: int) -> TipEvidence:
    if not can_read_tips(access):
        raise NotFound()
    evidence = TipEvidence.objects.filter(tip_id=tip_id, pk=pk).first()
    if evidence is None:
        raise NotFound()
    return evidence


def tip_by_receipt(digits: str) -> Tip | None:
    """The township's tip with this receipt (one indexed query, then the slow hash), or None."""
    tip = Tip.objects.filter(receipt_fingerprint=receipt_fingerprint(digits)).first()
    if tip is None or not receipt_matches(digits, salt_hex=tip.receipt_salt, stored_hash=tip.receipt_hash):
        return None
    return tip


def any_tip_by_receipt(code: str):
    """The tip (of this township, or routed from it to the county) with this receipt code as the
    reporter typed it, or None: the same None for a malformed, unknown or wrong code."""
    from scoring.tips.county.selectors import county_tip_by_receipt

    digits = receipt_normalise(code)
    if digits is None:
        return None
    return tip_by_receipt(digits) or county_tip_by_receipt(digits, township_id=connection.tenant.pk)


def tips_by_status() -> dict[str, int]:
    return dict(Tip.objects.values_list("status").annotate(n=Count("id")).order_by())


def tips_due(*, until) -> QuerySet[Tip]:
    return Tip.objects.filter(status__in=OPEN_STATUSES, due_on__isnull=False, due_on__lte=until)


def tip_handlers() -> list:
    """Users holding a handler role in the current township."""
    township_id = connection.tenant.pk
    ids = RoleAssignment.objects.filter(township_id=township_id, role__in=HANDLER_ROLES).values("user_id")
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def people_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    return {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=ids)}


def sanction_list(*, access: Access) -> QuerySet[Sanction]:
    if not can_read_tips(access):
        return Sanction.objects.none()
    return Sanction.objects.select_related("village").prefetch_related("ineligibilities")


def award_ineligible(*, year: int) -> dict[int, str]:
    """member id -> reason, for branch secretaries (with a linked member record) who lost the
    award eligibility of scoring year `year`. Read by the rewards work."""
    rows = AwardIneligibility.objects.filter(scoring_year=year, member__isnull=False)
    return {row.member_id: row.reason for row in rows}


def award_ineligible_users(*, year: int) -> dict[int, str]:
    """user id -> reason, for every secretary who lost the eligibility of `year` (also those
    without a member record)."""
    return {row.user_id: row.reason for row in AwardIneligibility.objects.filter(scoring_year=year)}
