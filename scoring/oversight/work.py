"""Spot checks' part of the home work queues: open checks for their teams and the office."""
from __future__ import annotations

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from common import clock
from common.workqueue import Task
from scoring.oversight.models import Check
from scoring.oversight.selectors import check_list


def oversight_work(request):
    access = getattr(request, "access", None)
    if access is None or not request.user.is_authenticated:
        return []
    today = clock.today()
    # Everyone sees the checks of their own team; the office (who runs checks) sees all of them.
    counts = check_list(access=access).filter(status=Check.Status.OPEN).aggregate(
        n=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)), due=Min("due_on"))
    if not counts["n"]:
        return []
    url = reverse("oversight:home")
    items = []
    if counts["overdue"]:
        items.append(Task(_("Spot checks overdue"), counts["overdue"], url, tone="danger", order=15))
    open_on_time = counts["n"] - counts["overdue"]
    note = _("due %(day)s") % {"day": formats.date_format(counts["due"], "SHORT_DATE_FORMAT")} \
        if counts["due"] and counts["due"] >= today else ""
    items.append(Task(_("Spot checks to carry out"), open_on_time, url, note=note, order=16))
    return items
