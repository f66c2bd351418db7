"""Staffing's part of the township office's home work queue: villages short of clerks and
rotation limits within a month."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from common import clock
from common.workqueue import Task
from staffing.clerks import selectors, services

LIMIT_SOON_DAYS = 31


def staffing_work(request):
    access = getattr(request, "access", None)
    if access is None or not request.user.is_authenticated or not access.runs_scoring:
        return []
    today = clock.today()
    url = reverse("clerks:home")
    gaps = sum(1 for c in selectors.village_coverage(day=today) if c.gap)
    limits = selectors.limits_coming(today=today, within_days=LIMIT_SOON_DAYS, limit=services.township_limit_days())
    return [
        Task(_("Villages short of clerks"), gaps, url, tone="warn", order=60),
        Task(_("Clerks reaching the rotation limit within a month"), len(limits), url, tone="warn", order=61),
    ]
