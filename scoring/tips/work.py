"""Tips' part of the home work queues: new tips to triage, cases assigned and overdue."""
from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from common import clock
from common.workqueue import Task
from scoring.tips.base import TipStatus
from scoring.tips.selectors import can_handle, tip_list

FINISHED = (TipStatus.CLOSED, TipStatus.SUBSTANTIATED, TipStatus.UNSUBSTANTIATED)


def tips_work(request):
    access = getattr(request, "access", None)
    if access is None or not request.user.is_authenticated or not can_handle(access):
        return []
    today = clock.today()
    counts = tip_list(access=access).aggregate(
        new=Count("id", filter=Q(status=TipStatus.RECEIVED)),
        overdue=Count("id", filter=Q(due_on__lt=today) & ~Q(status__in=FINISHED)),
        mine=Count("id", filter=Q(assigned_to_id=request.user.pk) & ~Q(status__in=FINISHED)),
    )
    url = reverse("tips:tip-list")
    return [
        Task(_("New tips to triage"), counts["new"], f"{url}?status={TipStatus.RECEIVED}", tone="warn", order=12),
        Task(_("Tips past their due date"), counts["overdue"], url, tone="danger", order=13),
        Task(_("Tips assigned to you"), counts["mine"], url, order=14),
    ]
