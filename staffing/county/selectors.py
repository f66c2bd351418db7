"""Reads of the county's staffing records (public schema): career proposals.

The county sees every township's proposals; a township office only its own township's; a clerk (or a
former clerk, who may have no role left) only the decided outcomes of their own proposals."""
from __future__ import annotations

from django.db.models import QuerySet

from staffing.county.models import CareerProposal


def career_county_list(*, status: str | None = None) -> QuerySet[CareerProposal]:
    qs = CareerProposal.objects.select_related("township")
    return qs.filter(status=status) if status else qs


def career_township_list(*, township, clerk_id: int | None = None) -> QuerySet[CareerProposal]:
    qs = CareerProposal.objects.select_related("township").filter(township=township)
    return qs.filter(clerk_id=clerk_id) if clerk_id is not None else qs


def career_outcomes_for_user(*, user_id: int | None) -> QuerySet[CareerProposal]:
    """The decided proposals about the clerk whose account is `user_id` (never the pending ones)."""
    if not user_id:
        return CareerProposal.objects.none()
    return (CareerProposal.objects.select_related("township").filter(clerk_user_id=user_id)
            .exclude(status=CareerProposal.Status.PENDING))


def appraisal_template_history():
    """The county's changes of the appraisal template, newest first (from the audit trail: who, when,
    before and after)."""
    from audit.models import AuditEvent

    return AuditEvent.objects.filter(action="staffing.appraisal_template_set").order_by("-occurred_at", "-pk")
